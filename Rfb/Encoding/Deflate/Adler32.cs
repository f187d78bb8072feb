// SPDX-License-Identifier: MIT
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace KvmPi.Vnc.Rfb.Encoding.Deflate;

/// <summary>
/// Adler-32 (RFC 1950 §8.2), the checksum that ends a complete zlib stream (a PNG's IDAT): s1 = 1 + the sum of the
/// bytes, s2 = the sum of each step's s1, both modulo 65521; the value is s2 &lt;&lt; 16 | s1. Sixteen bytes a step
/// with Vector128 (SSE2, NEON): within a step, s1 grows by the bytes' sum and s2 by 16 × the s1 before it plus the
/// bytes weighted 16, 15, …, 1.
/// </summary>
public static class Adler32
{
    private const uint Modulus = 65521;

    /// <summary>
    /// Most bytes before the sums must be reduced: the largest n with 255·n·(n+1)/2 + (n+1)·(Modulus−1) &lt; 2³²
    /// (zlib's NMAX), rounded down to whole 16-byte steps.
    /// </summary>
    private const int Block = 5552 / 16 * 16;

    /// <summary>Continues a running Adler-32 (start with 1) over <paramref name="data"/>.</summary>
    public static uint Append(uint adler, ReadOnlySpan<byte> data)
    {
        uint s1 = adler & 0xFFFF, s2 = adler >> 16;
        ref byte b = ref MemoryMarshal.GetReference(data);
        int length = data.Length, at = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            while (length - at >= 16)
            {
                int n = Math.Min(Block, (length - at) & ~15);
                Vectorised(ref Unsafe.Add(ref b, at), n, ref s1, ref s2);
                at += n;
            }
        }

        while (at < length)
        {
            int end = Math.Min(length, at + Block);
            for (; at < end; at++)
            {
                s1 += Unsafe.Add(ref b, at);
                s2 += s1;
            }

            s1 %= Modulus;
            s2 %= Modulus;
        }

        return s2 << 16 | s1;
    }

    /// <summary><paramref name="n"/> bytes (a multiple of 16, at most <see cref="Block"/>), sums reduced at the end.</summary>
    private static void Vectorised(ref byte b, int n, ref uint s1, ref uint s2)
    {
        Vector128<ushort> weightsLow = Vector128.Create((ushort)16, 15, 14, 13, 12, 11, 10, 9);
        Vector128<ushort> weightsHigh = Vector128.Create((ushort)8, 7, 6, 5, 4, 3, 2, 1);
        Vector128<uint> sums = Vector128<uint>.Zero;       // the bytes, four lanes
        Vector128<uint> earlier = Vector128<uint>.Zero;    // the sums as they stood before each step
        Vector128<uint> weighted = Vector128<uint>.Zero;   // the bytes weighted by their place in their step
        for (int k = 0; k < n; k += 16)
        {
            Vector128<byte> bytes = Vector128.LoadUnsafe(ref b, (nuint)k);
            earlier += sums;
            (Vector128<ushort> low, Vector128<ushort> high) = Vector128.Widen(bytes);
            Vector128<ushort> plain = low + high;                               // ≤ 510 a lane
            Vector128<ushort> products = low * weightsLow + high * weightsHigh; // ≤ 255 × 24 a lane
            sums += Vector128.WidenLower(plain) + Vector128.WidenUpper(plain);
            weighted += Vector128.WidenLower(products) + Vector128.WidenUpper(products);
        }

        // Per step, s2 gains 16 × s1 as it stood: the s1 passed in for every step, then the bytes of earlier steps.
        ulong total2 = s2 + (ulong)s1 * (uint)n + 16UL * Vector128.Sum(Vector128.WidenLower(earlier) + Vector128.WidenUpper(earlier))
                       + Vector128.Sum(weighted);
        s1 = (uint)((s1 + (ulong)Vector128.Sum(sums)) % Modulus);
        s2 = (uint)(total2 % Modulus);
    }
}
