// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Server;
using KvmPi.Vnc.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvmPi.Vnc.Tests.Rfb.Server;

/// <summary>
/// Where an update is written: a viewer waiting for one is woken on the publisher's thread, which writes a brief
/// update (a few changed tiles) itself, saving the thread-pool hop; anything longer goes to the thread pool, so the
/// capture is not held up by encoding.
/// </summary>
public class BriefUpdateTests
{
    private const int W = 256, H = 192, T = 64;

    /// <summary>The server's end of a connection, noting the threads that write to it and when the server reads again.</summary>
    private sealed class WatchedStream(Stream inner) : DelegatingStream(inner)
    {
        private readonly Lock _lock = new();
        private readonly List<int> _writers = [];
        private TaskCompletionSource _nextRead = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when the server next starts a read: whatever it was sent before, it has handled.</summary>
        public Task NextRead
        {
            get { lock (_lock) return _nextRead.Task; }
        }

        /// <summary>Forgets the reads so far: <see cref="NextRead"/> waits for one that starts after this.</summary>
        public void WatchReads()
        {
            lock (_lock) _nextRead = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        public int WritesOnThread(int thread)
        {
            lock (_lock) return _writers.Count(t => t == thread);
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            lock (_lock) _nextRead.TrySetResult();
            return base.ReadAsync(buffer, cancellationToken);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            lock (_lock) _writers.Add(Environment.CurrentManagedThreadId);
            return base.WriteAsync(buffer, cancellationToken);
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            lock (_lock) _writers.Add(Environment.CurrentManagedThreadId);
            base.Write(buffer, offset, count);
        }
    }

    private static byte[] IncrementalRequest() => [3, 1, 0, 0, 0, 0, W >> 8, W & 255, H >> 8, H & 255];

    /// <summary>A Raw viewer that has its first frame and has asked for the next update, which the server has read.</summary>
    private static async Task<(RfbServer Server, WatchedStream Watched, Stream Client, Task Serving)> ViewerWaitingAsync(byte[] first)
    {
        var server = new RfbServer(new RfbServerOptions { InitialWidth = W, InitialHeight = H }, new NullDesktop(), NullLoggerFactory.Instance);
        server.PublishFrame(first, W, H, W * 4);
        WatchedStream? watched = null;
        var (client, serving) = await InMemoryConnection.ConnectViewerAsync(server, end => watched = new WatchedStream(end), 0);
        await client.WriteAsync(FlowControlTests.FullRequest(W, H));
        await RawUpdateReader.ReadAsync(client);
        watched!.WatchReads();
        await client.WriteAsync(IncrementalRequest());
        await watched.NextRead.WaitAsync(TimeSpan.FromSeconds(10));
        return (server, watched, client, serving);
    }

    private static byte[] WithTiles(byte[] pixels, int tiles, byte value)
    {
        byte[] p = (byte[])pixels.Clone();
        for (int t = 0; t < tiles; t++)
            for (int y = (t / (W / T)) * T; y < (t / (W / T) + 1) * T; y++)
                for (int x = (t % (W / T)) * T; x < (t % (W / T) + 1) * T; x++)
                    p[(y * W + x) * 4 + 1] = value;
        return p;
    }

    /// <summary>
    /// Two changed tiles are written before <see cref="RfbServer.PublishFrame(ReadOnlySpan{byte}, int, int, int, ReadOnlySpan{byte})"/>
    /// returns, on its thread (the first case fails when every update goes through the pool); a whole changed frame
    /// (twelve tiles) is not written on that thread at all.
    /// </summary>
    [Theory]
    [InlineData(2, true)]
    [InlineData(W / T * (H / T), false)]
    public async Task AnUpdateIsWrittenByThePublisherOnlyWhenBrief(int changedTiles, bool byThePublisher)
    {
        byte[] grey = TestJpegEncoder.SolidBgrx(W, H, 90, 90, 90);
        var (server, watched, client, serving) = await ViewerWaitingAsync(grey);

        int publisher = Environment.CurrentManagedThreadId;
        int before = watched.WritesOnThread(publisher);
        server.PublishFrame(WithTiles(grey, changedTiles, 200), W, H, W * 4);
        Assert.Equal(byThePublisher, watched.WritesOnThread(publisher) > before);

        List<RawRect> update = await RawUpdateReader.ReadAsync(client);
        Assert.Equal(changedTiles * T * T, update.Sum(r => r.Width * r.Height));
        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
