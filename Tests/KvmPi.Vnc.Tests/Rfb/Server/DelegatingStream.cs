// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Tests.Rfb.Server;

/// <summary>
/// A stream that reads from one stream and writes to another (the same one, for a wrapper), so a test transport
/// overrides only what it changes.
/// </summary>
internal class DelegatingStream(Stream read, Stream write) : Stream
{
    public DelegatingStream(Stream inner) : this(inner, inner)
    {
    }

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
            if (!ReferenceEquals(write, read)) write.Dispose();
        }
        base.Dispose(disposing);
    }
}
