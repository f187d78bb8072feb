// SPDX-License-Identifier: MIT
using System.Buffers.Binary;

namespace KvmPi.Vnc.Rfb.Encoding.Deflate;

/// <summary>
/// Deflate's bit order (RFC 1951 §3.1.1): values go in least significant bit first, bytes fill from their low bit.
/// Bits gather in a 64-bit accumulator and leave four bytes at a time. The caller makes room first
/// (<see cref="EnsureRoom"/>): writing never checks.
/// </summary>
internal sealed class DeflateBitWriter
{
    private byte[] _buffer = new byte[64 * 1024];
    private int _length;
    private ulong _bits;
    private int _count;

    /// <summary>Whole bytes written so far (pending bits not counted).</summary>
    public int Length => _length;

    /// <summary>The bytes written, valid until the next write or <see cref="Clear"/>.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public void Clear()
    {
        _length = 0;
        _bits = 0;
        _count = 0;
    }

    /// <summary>Makes room for <paramref name="bits"/> more bits (plus the accumulator's flush slack).</summary>
    public void EnsureRoom(long bits)
    {
        long needed = _length + (bits + 7) / 8 + 16;
        if (needed <= _buffer.Length) return;
        if (needed > Array.MaxLength) throw new InvalidOperationException("Deflate output too large.");
        Array.Resize(ref _buffer, (int)Math.Min(Array.MaxLength, Math.Max(needed, 2L * _buffer.Length)));
    }

    /// <summary>Appends the low <paramref name="count"/> bits of <paramref name="value"/> (count ≤ 32).</summary>
    public void Write(uint value, int count)
    {
        _bits |= (ulong)value << _count;
        _count += count;
        if (_count < 32) return;
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_length, 4), (uint)_bits);
        _length += 4;
        _bits >>= 32;
        _count -= 32;
    }

    /// <summary>
    /// For a tight loop that keeps the state in locals: the buffer's first byte and the state; the loop writes out
    /// whole bytes as it goes, within the room made, and hands the state back to <see cref="EndFastWrite"/> with
    /// fewer than 32 bits pending.
    /// </summary>
    public ref byte BeginFastWrite(out int length, out ulong bits, out int count)
    {
        length = _length;
        bits = _bits;
        count = _count;
        return ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(_buffer);
    }

    public void EndFastWrite(int length, ulong bits, int count)
    {
        _length = length;
        _bits = bits;
        _count = count;
    }

    /// <summary>Pads with zero bits to a byte boundary and writes out every pending bit.</summary>
    public void AlignToByte()
    {
        while (_count > 0)
        {
            _buffer[_length++] = (byte)_bits;
            _bits >>= 8;
            _count = Math.Max(0, _count - 8);
        }

        _bits = 0;
        _count = 0;
    }

    /// <summary>Appends whole bytes; the stream must be byte-aligned (<see cref="AlignToByte"/>).</summary>
    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }
}
