// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Tests.Support.Decoders;

/// <summary>
/// A read-only stream that serves exactly the bytes appended so far, like a socket that has received them. The
/// ZRLE decoder's inflater reads from it, so a rectangle decodes only if its own sync-flushed bytes suffice.
/// </summary>
internal sealed class AppendOnlyStream : Stream
{
    private readonly Queue<byte[]> _chunks = new();
    private int _offset;

    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (!bytes.IsEmpty) _chunks.Enqueue(bytes.ToArray());
    }

    public int Available
    {
        get
        {
            int n = -_offset;
            foreach (byte[] c in _chunks) n += c.Length;
            return n;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int total = 0;
        while (buffer.Length > 0 && _chunks.Count > 0)
        {
            byte[] head = _chunks.Peek();
            int n = Math.Min(buffer.Length, head.Length - _offset);
            head.AsSpan(_offset, n).CopyTo(buffer);
            buffer = buffer[n..];
            total += n;
            _offset += n;
            if (_offset == head.Length)
            {
                _chunks.Dequeue();
                _offset = 0;
            }
        }

        return total;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
