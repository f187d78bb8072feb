// SPDX-License-Identifier: MIT
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace KvmPi.Vnc.Rfb.Updates;

/// <summary>
/// Byte sums for scroll detection, 16 bytes at a time: the plain sum of a run of bytes (a row's signature) and
/// the sum of absolute differences of two runs (how far a moved row is from the new one). x86 has one instruction
/// for each (PSADBW), the Pi's NEON a widening pairwise add (UADALP) and a widening absolute-difference add
/// (UABAL); elsewhere portable Vector128. Every path gives the same exact integer.
/// </summary>
internal static class PixelSums
{
    /// <summary>Sum of <paramref name="bytes"/> (any length; at most 256 bytes per call keeps it in 16 bits per lane on the portable path).</summary>
    public static uint Sum(ReadOnlySpan<byte> bytes)
    {
        ref byte p = ref MemoryMarshal.GetReference(bytes);
        nuint n = (nuint)bytes.Length, i = 0;
        uint total = 0;
        if (Sse2.IsSupported && n >= 16)
        {
            Vector128<ulong> acc = Vector128<ulong>.Zero;
            for (; i + 16 <= n; i += 16)
                acc += Sse2.SumAbsoluteDifferences(Vector128.LoadUnsafe(ref p, i), Vector128<byte>.Zero).AsUInt64();
            total = (uint)(acc.GetElement(0) + acc.GetElement(1));
        }
        else if (AdvSimd.IsSupported && n >= 16)
        {
            Vector128<ushort> acc = Vector128<ushort>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                acc = AdvSimd.AddPairwiseWideningAndAdd(acc, Vector128.LoadUnsafe(ref p, i));
                if ((i & 0x7F0) == 0x7F0) { total += WidenSum(acc); acc = Vector128<ushort>.Zero; }   // every 128 loads
            }
            total += WidenSum(acc);
        }
        else if (Vector128.IsHardwareAccelerated && n >= 16)
        {
            Vector128<ushort> acc = Vector128<ushort>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                (Vector128<ushort> lo, Vector128<ushort> hi) = Vector128.Widen(Vector128.LoadUnsafe(ref p, i));
                acc += lo + hi;
                if ((i & 0x3F0) == 0x3F0) { total += WidenSum(acc); acc = Vector128<ushort>.Zero; }   // every 64 loads
            }
            total += WidenSum(acc);
        }

        for (; i < n; i++) total += Unsafe.Add(ref p, i);
        return total;
    }

    /// <summary>Σ |a[i] − b[i]| over two runs of equal length.</summary>
    public static uint SumAbsoluteDifferences(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length) throw new ArgumentException("Runs differ in length.", nameof(b));
        ref byte pa = ref MemoryMarshal.GetReference(a);
        ref byte pb = ref MemoryMarshal.GetReference(b);
        nuint n = (nuint)a.Length, i = 0;
        uint total = 0;
        if (Sse2.IsSupported && n >= 16)
        {
            Vector128<ulong> acc = Vector128<ulong>.Zero;
            for (; i + 16 <= n; i += 16)
                acc += Sse2.SumAbsoluteDifferences(Vector128.LoadUnsafe(ref pa, i), Vector128.LoadUnsafe(ref pb, i)).AsUInt64();
            total = (uint)(acc.GetElement(0) + acc.GetElement(1));
        }
        else if (AdvSimd.IsSupported && n >= 16)
        {
            Vector128<ushort> acc = Vector128<ushort>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                Vector128<byte> x = Vector128.LoadUnsafe(ref pa, i), y = Vector128.LoadUnsafe(ref pb, i);
                acc = AdvSimd.AbsoluteDifferenceWideningLowerAndAdd(acc, x.GetLower(), y.GetLower());
                acc = AdvSimd.AbsoluteDifferenceWideningUpperAndAdd(acc, x, y);
                if ((i & 0x7F0) == 0x7F0) { total += WidenSum(acc); acc = Vector128<ushort>.Zero; }   // every 128 loads
            }
            total += WidenSum(acc);
        }
        else if (Vector128.IsHardwareAccelerated && n >= 16)
        {
            Vector128<ushort> acc = Vector128<ushort>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                Vector128<byte> x = Vector128.LoadUnsafe(ref pa, i), y = Vector128.LoadUnsafe(ref pb, i);
                (Vector128<ushort> lo, Vector128<ushort> hi) = Vector128.Widen(Vector128.Max(x, y) - Vector128.Min(x, y));
                acc += lo + hi;
                if ((i & 0x3F0) == 0x3F0) { total += WidenSum(acc); acc = Vector128<ushort>.Zero; }   // every 64 loads
            }
            total += WidenSum(acc);
        }

        for (; i < n; i++)
        {
            int d = Unsafe.Add(ref pa, i) - Unsafe.Add(ref pb, i);
            total += (uint)(d < 0 ? -d : d);
        }
        return total;
    }

    /// <summary>
    /// Adds to <paramref name="sums"/>[k] Σ |a[i] − b[i]| over bytes k·256 .. k·256+255 of two equal rows (64-pixel
    /// strips of BGRX; the last may be shorter): one tile row's worth of the tile check in one call.
    /// </summary>
    public static void AddStripDifferences(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<ulong> sums)
    {
        if (a.Length != b.Length) throw new ArgumentException("Rows differ in length.", nameof(b));
        int strips = (a.Length + 255) / 256;
        if (sums.Length < strips) throw new ArgumentException("Too few sums for the strips.", nameof(sums));
        int full = a.Length / 256;
        if (Sse2.IsSupported)
        {
            ref byte pa = ref MemoryMarshal.GetReference(a);
            ref byte pb = ref MemoryMarshal.GetReference(b);
            for (int k = 0; k < full; k++)
            {
                nuint at = (nuint)k * 256;
                Vector128<ulong> acc0 = Vector128<ulong>.Zero, acc1 = Vector128<ulong>.Zero;
                for (nuint i = 0; i < 256; i += 32)
                {
                    acc0 += Sse2.SumAbsoluteDifferences(Vector128.LoadUnsafe(ref pa, at + i), Vector128.LoadUnsafe(ref pb, at + i)).AsUInt64();
                    acc1 += Sse2.SumAbsoluteDifferences(Vector128.LoadUnsafe(ref pa, at + i + 16), Vector128.LoadUnsafe(ref pb, at + i + 16)).AsUInt64();
                }
                acc0 += acc1;
                sums[k] += acc0.GetElement(0) + acc0.GetElement(1);
            }
        }
        else
        {
            for (int k = 0; k < full; k++) sums[k] += SumAbsoluteDifferences(a.Slice(k * 256, 256), b.Slice(k * 256, 256));
        }
        if (full < strips) sums[full] += SumAbsoluteDifferences(a[(full * 256)..], b[(full * 256)..]);
    }

    /// <summary>Σ |a[i] − b[i]| over two runs of equal length of values below 2^23 (row totals of signatures).</summary>
    public static long SumAbsoluteDifferences(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        if (a.Length != b.Length) throw new ArgumentException("Runs differ in length.", nameof(b));
        ref int pa = ref MemoryMarshal.GetReference(a);
        ref int pb = ref MemoryMarshal.GetReference(b);
        nuint n = (nuint)a.Length, i = 0;
        long total = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            while (i + 4 <= n)
            {
                // 128 vectors of at most 2^23 each per lane stay below 2^31.
                Vector128<int> acc = Vector128<int>.Zero;
                nuint end = Math.Min(n & ~(nuint)3, i + 512);
                for (; i < end; i += 4)
                    acc += Vector128.Abs(Vector128.LoadUnsafe(ref pa, i) - Vector128.LoadUnsafe(ref pb, i));
                total += Vector128.Sum(acc);
            }
        }

        for (; i < n; i++) total += Math.Abs(Unsafe.Add(ref pa, i) - Unsafe.Add(ref pb, i));
        return total;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint WidenSum(Vector128<ushort> v)
    {
        (Vector128<uint> lo, Vector128<uint> hi) = Vector128.Widen(v);
        return Vector128.Sum(lo + hi);
    }
}
