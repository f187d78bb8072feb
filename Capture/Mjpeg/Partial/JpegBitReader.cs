// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace KvmPi.Vnc.Capture.Mjpeg.Partial;

/// <summary>
/// Reads entropy-coded JPEG data MSB first, at any bit position, from a buffer with the byte stuffing already
/// removed (<see cref="JpegEntropyData"/>). The buffer must carry <see cref="JpegEntropyData.Padding"/> spare bytes
/// after the data, so a peek near the end never reads outside it; the caller checks <see cref="Position"/> against
/// the data's real length.
/// </summary>
internal ref struct JpegBitReader
{
    private readonly ReadOnlySpan<byte> _data;

    public JpegBitReader(ReadOnlySpan<byte> data, int position)
    {
        _data = data;
        Position = position;
    }

    /// <summary>Bits consumed from the start of the data.</summary>
    public int Position { get; private set; }

    /// <summary>The next 16 bits, without consuming them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly uint Peek16() => (uint)(Read64(_data, Position) >> 48);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Skip(int bits) => Position += bits;

    /// <summary>Consumes <paramref name="count"/> (1..16) bits and returns them as an unsigned number.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Take(int count)
    {
        int value = (int)(Read64(_data, Position) >> (64 - count));
        Position += count;
        return value;
    }

    /// <summary>64 bits starting at bit <paramref name="position"/>, the first one in the top bit (the last 7 may be
    /// zeros from the shift, so callers use at most 57).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Read64(ReadOnlySpan<byte> data, int position)
    {
        ulong word = BinaryPrimitives.ReverseEndianness(
            Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref MemoryMarshal.GetReference(data), position >> 3)));
        return word << (position & 7);
    }
}
