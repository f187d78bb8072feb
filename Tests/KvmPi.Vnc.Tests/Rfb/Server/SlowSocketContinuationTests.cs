// SPDX-License-Identifier: MIT
using System.Collections.Concurrent;
using System.Diagnostics;
using KvmPi.Vnc.Rfb.Server;
using KvmPi.Vnc.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvmPi.Vnc.Tests.Rfb.Server;

/// <summary>
/// The server runs socket completions inline on the sockets' epoll thread (Server's InlineSocketCompletions): an
/// update whose flush had to wait must go on encoding in the thread pool, not on the thread that completed the
/// flush, or one slow viewer's encoding would hold up every other connection.
/// </summary>
public class SlowSocketContinuationTests
{
    private const int W = 1024, H = 768;

    /// <summary>
    /// The server's end of a connection whose writes complete later, on a thread of its own, with what follows them
    /// run right there: as a socket's sends complete on the epoll thread.
    /// </summary>
    private sealed class LateCompletingStream : DelegatingStream
    {
        private readonly Stream _inner;
        private readonly BlockingCollection<(byte[] Bytes, TaskCompletionSource Done)> _writes = [];
        private readonly Thread _completer;
        private int _updateWritesOnCompleter;

        public LateCompletingStream(Stream inner) : base(inner)
        {
            _inner = inner;
            _completer = new Thread(Complete) { IsBackground = true, Name = "completer" };
            _completer.Start();
        }

        /// <summary>
        /// Writes made on the completing thread while the session flushes a part of an update that it went on
        /// encoding there after a completion. The pipe's sending of the rest of the same flush, and the handshake's
        /// brief steps, may go on from there and are not counted.
        /// </summary>
        public int UpdateWritesOnCompleter => Volatile.Read(ref _updateWritesOnCompleter);

        private void Complete()
        {
            foreach (var (bytes, done) in _writes.GetConsumingEnumerable())
            {
                _inner.Write(bytes);
                done.SetResult();   // no RunContinuationsAsynchronously: the awaiting code goes on here
            }
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            string stack = Environment.CurrentManagedThreadId == _completer.ManagedThreadId ? new StackTrace().ToString() : "";
            if (stack.Contains("ClientSession.FlushPartAsync", StringComparison.Ordinal))
                Interlocked.Increment(ref _updateWritesOnCompleter);
            var done = new TaskCompletionSource();
            _writes.Add((buffer.ToArray(), done), cancellationToken);
            return new ValueTask(done.Task);
        }

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().Wait();

        // The completing thread's writes flush themselves (a pipe's stream); only that thread touches the inner stream.
        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        protected override void Dispose(bool disposing)
        {
            if (disposing) _writes.CompleteAdding();
            base.Dispose(disposing);
        }
    }

    [Fact]
    public async Task AnUpdateWhoseFlushWaitedGoesOnInThePoolNotOnTheThreadThatCompletedIt()
    {
        var server = new RfbServer(new RfbServerOptions { InitialWidth = W, InitialHeight = H }, new NullDesktop(), NullLoggerFactory.Instance);
        byte[] noise = new byte[W * H * 4];
        new Random(3).NextBytes(noise);
        server.PublishFrame(noise, W, H, W * 4);
        LateCompletingStream? late = null;
        var (client, serving) = await InMemoryConnection.ConnectViewerAsync(server, end => late = new LateCompletingStream(end), 0);

        // A whole Raw frame, 3 MiB, goes in several parts (ClientSession.StreamChunkBytes), each flushed and waited for.
        await client.WriteAsync(FlowControlTests.FullRequest(W, H));
        List<RawRect> update = await RawUpdateReader.ReadAsync(client);
        Assert.Equal(W * H, update.Sum(r => r.Width * r.Height));
        Assert.Equal(0, late!.UpdateWritesOnCompleter);

        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
