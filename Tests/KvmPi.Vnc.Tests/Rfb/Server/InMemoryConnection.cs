// SPDX-License-Identifier: MIT
using System.IO.Pipelines;

namespace KvmPi.Vnc.Tests.Rfb.Server;

/// <summary>Two streams joined back to back through pipes: the server's end and the test client's end, no sockets.</summary>
internal sealed class InMemoryConnection
{
    private readonly Pipe _toServer = new();
    private readonly Pipe _toClient = new();

    public InMemoryConnection()
    {
        ServerEnd = new DuplexStream(_toServer.Reader.AsStream(), _toClient.Writer.AsStream());
        ClientEnd = new DuplexStream(_toClient.Reader.AsStream(), _toServer.Writer.AsStream());
    }

    public Stream ServerEnd { get; }
    public Stream ClientEnd { get; }

    private sealed class DuplexStream(Stream read, Stream write) : Stream
    {
        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => write.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => write.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => read.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => read.ReadAsync(buffer, cancellationToken);
        public override void Write(byte[] buffer, int offset, int count) => write.Write(buffer, offset, count);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => write.WriteAsync(buffer, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                read.Dispose();
                write.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
