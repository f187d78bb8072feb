// SPDX-License-Identifier: MIT
using System.Buffers;

namespace KvmPi.Vnc.Rfb.Encoding;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> that keeps nothing and only counts what is written: for trying an encoding to
/// learn its size. One buffer, grown to the largest request and reused, so steady use allocates nothing.
/// </summary>
internal sealed class CountingBufferWriter : IBufferWriter<byte>
{
    private byte[] _buffer = new byte[16 * 1024];

    public long Written { get; private set; }

    public void Reset() => Written = 0;

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => Buffer(sizeHint);

    public Span<byte> GetSpan(int sizeHint = 0) => Buffer(sizeHint);

    private byte[] Buffer(int sizeHint)
    {
        if (sizeHint > _buffer.Length) _buffer = new byte[sizeHint];
        return _buffer;
    }
}
