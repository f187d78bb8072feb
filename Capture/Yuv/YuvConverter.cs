// SPDX-License-Identifier: MIT
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace KvmPi.Vnc.Capture.Yuv;

/// <summary>The Y'CbCr layouts a capture device delivers that this converter takes.</summary>
public enum YuvLayout
{
    /// <summary>Packed 4:2:2, Y0 Cb Y1 Cr (USB dongles' uncompressed mode, vivid).</summary>
    Yuyv,

    /// <summary>Packed 4:2:2, Cb Y0 Cr Y1 (TC358743 CSI bridges).</summary>
    Uyvy,

    /// <summary>4:2:0, a Y plane then one plane of interleaved Cb Cr at half height.</summary>
    Nv12,
}

/// <summary>
/// Converts Y'CbCr frames into BGRX (B, G, R, 0xFF) with Vector128 code (SSE on x86-64, NEON on the Pi), 8 or 16
/// pixels a step in 32-bit lanes, and a scalar loop for row tails. Both use the same fixed-point formula
/// (<see cref="YuvCoefficients"/>), so they agree to the bit. Allocates nothing.
/// </summary>
public static class YuvConverter
{
    /// <summary>Bytes a frame of this layout needs, rows <paramref name="stride"/> bytes apart.</summary>
    public static long RequiredBytes(YuvLayout layout, int width, int height, int stride) => layout switch
    {
        YuvLayout.Nv12 => (long)stride * height + (long)stride * ((height + 1) / 2),
        _ => (long)stride * height,
    };

    /// <summary>Smallest row stride of a frame <paramref name="width"/> wide.</summary>
    public static int MinimumStride(YuvLayout layout, int width) => layout == YuvLayout.Nv12 ? (width + 1) & ~1 : (width + 1) / 2 * 4;

    /// <summary>Converts a whole frame into <paramref name="bgrx"/> (rows <paramref name="bgrxStride"/> bytes apart).</summary>
    /// <exception cref="ArgumentException">A buffer is too small for the given sizes.</exception>
    public static void Convert(YuvLayout layout, ReadOnlySpan<byte> source, int sourceStride, Span<byte> bgrx, int bgrxStride,
        int width, int height, in YuvCoefficients k, bool vectorised = true) =>
        ConvertRows(layout, source, sourceStride, bgrx, bgrxStride, width, height, 0, height, k, vectorised);

    /// <summary>
    /// Converts pixel rows <paramref name="top"/>..<paramref name="bottom"/> (exclusive) of a frame <paramref name="height"/>
    /// rows high into the same rows of <paramref name="bgrx"/>; the others are left as they are.
    /// </summary>
    /// <exception cref="ArgumentException">A buffer is too small for the given sizes.</exception>
    public static void ConvertRows(YuvLayout layout, ReadOnlySpan<byte> source, int sourceStride, Span<byte> bgrx, int bgrxStride,
        int width, int height, int top, int bottom, in YuvCoefficients k, bool vectorised = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(top);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bottom, height);
        if (width <= 0 || height <= 0 || top >= bottom) return;
        if (sourceStride < MinimumStride(layout, width) || bgrxStride < width * 4)
            throw new ArgumentException("stride smaller than a row");
        if (source.Length < RequiredBytes(layout, width, height, sourceStride))
            throw new ArgumentException($"source has {source.Length} bytes, a {width}x{height} {layout} frame needs {RequiredBytes(layout, width, height, sourceStride)}");
        if (bgrx.Length < (long)bgrxStride * (height - 1) + width * 4)
            throw new ArgumentException("destination too small");

        for (int y = top; y < bottom; y++)
        {
            Span<byte> row = bgrx.Slice(y * bgrxStride, width * 4);
            if (layout == YuvLayout.Nv12)
            {
                ReadOnlySpan<byte> luma = source.Slice(y * sourceStride, width);
                ReadOnlySpan<byte> chroma = source.Slice(sourceStride * height + y / 2 * sourceStride, (width + 1) & ~1);
                int done = vectorised ? Nv12RowVector(luma, chroma, row, k) : 0;
                Nv12RowScalar(luma, chroma, row, done, width, k);
            }
            else
            {
                ReadOnlySpan<byte> packed = source.Slice(y * sourceStride, (width + 1) / 2 * 4);
                bool yFirst = layout == YuvLayout.Yuyv;
                int done = vectorised ? PackedRowVector(packed, row, width, yFirst, k) : 0;
                PackedRowScalar(packed, row, done, width, yFirst, k);
            }
        }
    }

    // Shuffle masks: an index of 0x80 is out of range, which Vector128.Shuffle turns into 0 (a zero-extended lane).
    private static readonly Vector128<byte> YuyvY0 = Vector128.Create((byte)0, 0x80, 0x80, 0x80, 2, 0x80, 0x80, 0x80, 4, 0x80, 0x80, 0x80, 6, 0x80, 0x80, 0x80);
    private static readonly Vector128<byte> YuyvY1 = Vector128.Create((byte)8, 0x80, 0x80, 0x80, 10, 0x80, 0x80, 0x80, 12, 0x80, 0x80, 0x80, 14, 0x80, 0x80, 0x80);
    private static readonly Vector128<byte> YuyvU0 = Vector128.Create((byte)1, 0x80, 0x80, 0x80, 1, 0x80, 0x80, 0x80, 5, 0x80, 0x80, 0x80, 5, 0x80, 0x80, 0x80);
    private static readonly Vector128<byte> YuyvU1 = Vector128.Create((byte)9, 0x80, 0x80, 0x80, 9, 0x80, 0x80, 0x80, 13, 0x80, 0x80, 0x80, 13, 0x80, 0x80, 0x80);
    private static readonly Vector128<byte> YuyvV0 = Vector128.Create((byte)3, 0x80, 0x80, 0x80, 3, 0x80, 0x80, 0x80, 7, 0x80, 0x80, 0x80, 7, 0x80, 0x80, 0x80);
    private static readonly Vector128<byte> YuyvV1 = Vector128.Create((byte)11, 0x80, 0x80, 0x80, 11, 0x80, 0x80, 0x80, 15, 0x80, 0x80, 0x80, 15, 0x80, 0x80, 0x80);

    /// <summary>UYVY is YUYV shifted by one byte: Y indices one up, chroma indices one down.</summary>
    private static class UyvyMasks
    {
        public static readonly Vector128<byte> Y0 = AddToIndices(YuyvY0, 1), Y1 = AddToIndices(YuyvY1, 1);
        public static readonly Vector128<byte> U0 = AddToIndices(YuyvU0, -1), U1 = AddToIndices(YuyvU1, -1);
        public static readonly Vector128<byte> V0 = AddToIndices(YuyvV0, -1), V1 = AddToIndices(YuyvV1, -1);
    }

    /// <summary>8 pixels (16 source bytes) a step; returns how many pixels it converted.</summary>
    private static int PackedRowVector(ReadOnlySpan<byte> packed, Span<byte> row, int width, bool yFirst, in YuvCoefficients k)
    {
        if (!Vector128.IsHardwareAccelerated) return 0;
        int pixels = width & ~7;
        Vector128<byte> y0 = YuyvY0, y1 = YuyvY1, u0 = YuyvU0, u1 = YuyvU1, v0 = YuyvV0, v1 = YuyvV1;
        if (!yFirst)
            (y0, y1, u0, u1, v0, v1) = (UyvyMasks.Y0, UyvyMasks.Y1, UyvyMasks.U0, UyvyMasks.U1, UyvyMasks.V0, UyvyMasks.V1);
        var c = new VectorCoefficients(k);
        ref byte src = ref MemoryMarshal.GetReference(packed);
        ref byte dst = ref MemoryMarshal.GetReference(row);
        for (int x = 0; x < pixels; x += 8)
        {
            Vector128<byte> s = Vector128.LoadUnsafe(ref src, (nuint)(x * 2));
            Store(ref dst, x, c.Pixels(Vector128.Shuffle(s, y0), Vector128.Shuffle(s, u0), Vector128.Shuffle(s, v0)));
            Store(ref dst, x + 4, c.Pixels(Vector128.Shuffle(s, y1), Vector128.Shuffle(s, u1), Vector128.Shuffle(s, v1)));
        }
        return pixels;
    }

    private static readonly Vector128<byte> Nv12Y0 = Vector128.Create((byte)0, 0x80, 0x80, 0x80, 1, 0x80, 0x80, 0x80, 2, 0x80, 0x80, 0x80, 3, 0x80, 0x80, 0x80);
    private static readonly Vector128<byte> Nv12U0 = Vector128.Create((byte)0, 0x80, 0x80, 0x80, 0, 0x80, 0x80, 0x80, 2, 0x80, 0x80, 0x80, 2, 0x80, 0x80, 0x80);

    /// <summary>16 pixels (16 luma bytes, 16 chroma bytes) a step; returns how many pixels it converted.</summary>
    private static int Nv12RowVector(ReadOnlySpan<byte> luma, ReadOnlySpan<byte> chroma, Span<byte> row, in YuvCoefficients k)
    {
        if (!Vector128.IsHardwareAccelerated) return 0;
        int pixels = luma.Length & ~15;
        var c = new VectorCoefficients(k);
        ref byte ys = ref MemoryMarshal.GetReference(luma);
        ref byte cs = ref MemoryMarshal.GetReference(chroma);
        ref byte dst = ref MemoryMarshal.GetReference(row);
        for (int x = 0; x < pixels; x += 16)
        {
            Vector128<byte> yv = Vector128.LoadUnsafe(ref ys, (nuint)x);
            Vector128<byte> cv = Vector128.LoadUnsafe(ref cs, (nuint)x);
            Store(ref dst, x, c.Pixels(Vector128.Shuffle(yv, Nv12Masks.Y0), Vector128.Shuffle(cv, Nv12Masks.U0), Vector128.Shuffle(cv, Nv12Masks.V0)));
            Store(ref dst, x + 4, c.Pixels(Vector128.Shuffle(yv, Nv12Masks.Y1), Vector128.Shuffle(cv, Nv12Masks.U1), Vector128.Shuffle(cv, Nv12Masks.V1)));
            Store(ref dst, x + 8, c.Pixels(Vector128.Shuffle(yv, Nv12Masks.Y2), Vector128.Shuffle(cv, Nv12Masks.U2), Vector128.Shuffle(cv, Nv12Masks.V2)));
            Store(ref dst, x + 12, c.Pixels(Vector128.Shuffle(yv, Nv12Masks.Y3), Vector128.Shuffle(cv, Nv12Masks.U3), Vector128.Shuffle(cv, Nv12Masks.V3)));
        }
        return pixels;
    }

    /// <summary>NV12 shuffle masks for the four 4-pixel groups of a 16-pixel step.</summary>
    private static class Nv12Masks
    {
        public static readonly Vector128<byte> Y0 = Nv12Y0, Y1 = AddToIndices(Nv12Y0, 4), Y2 = AddToIndices(Nv12Y0, 8), Y3 = AddToIndices(Nv12Y0, 12);
        public static readonly Vector128<byte> U0 = Nv12U0, U1 = AddToIndices(Nv12U0, 4), U2 = AddToIndices(Nv12U0, 8), U3 = AddToIndices(Nv12U0, 12);
        public static readonly Vector128<byte> V0 = AddToIndices(Nv12U0, 1), V1 = AddToIndices(Nv12U0, 5), V2 = AddToIndices(Nv12U0, 9), V3 = AddToIndices(Nv12U0, 13);
    }

    /// <summary>Adds to the in-range indices of a shuffle mask, leaving the 0x80 "zero" entries alone.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> AddToIndices(Vector128<byte> mask, sbyte delta)
    {
        Vector128<byte> inRange = Vector128.LessThan(mask, Vector128.Create((byte)0x80));
        return Vector128.ConditionalSelect(inRange, mask + Vector128.Create((byte)delta), mask);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref byte row, int pixel, Vector128<int> bgrx) =>
        bgrx.AsByte().StoreUnsafe(ref row, (nuint)(pixel * 4));

    /// <summary>The coefficients broadcast into vectors once per row.</summary>
    private readonly struct VectorCoefficients(in YuvCoefficients k)
    {
        private readonly Vector128<int> _y = Vector128.Create(k.YScale);
        private readonly Vector128<int> _rCr = Vector128.Create(k.RCr);
        private readonly Vector128<int> _gCb = Vector128.Create(k.GCb);
        private readonly Vector128<int> _gCr = Vector128.Create(k.GCr);
        private readonly Vector128<int> _bCb = Vector128.Create(k.BCb);
        private readonly Vector128<int> _rConst = Vector128.Create(k.RConst);
        private readonly Vector128<int> _gConst = Vector128.Create(k.GConst);
        private readonly Vector128<int> _bConst = Vector128.Create(k.BConst);

        /// <summary>4 pixels: Y, Cb, Cr each zero-extended into 32-bit lanes → 4 BGRX pixels.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector128<int> Pixels(Vector128<byte> y, Vector128<byte> cb, Vector128<byte> cr)
        {
            Vector128<int> luma = y.AsInt32() * _y;
            Vector128<int> u = cb.AsInt32(), v = cr.AsInt32();
            Vector128<int> r = Clamp((luma + v * _rCr + _rConst) >> 16);
            Vector128<int> g = Clamp((luma + u * _gCb + v * _gCr + _gConst) >> 16);
            Vector128<int> b = Clamp((luma + u * _bCb + _bConst) >> 16);
            return b | (g << 8) | (r << 16) | Vector128.Create(unchecked((int)0xFF00_0000));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<int> Clamp(Vector128<int> value) =>
            Vector128.Min(Vector128.Max(value, Vector128<int>.Zero), Vector128.Create(255));
    }

    /// <summary>Packed 4:2:2, one pixel at a time from <paramref name="start"/>: the row tail, and the scalar baseline.</summary>
    private static void PackedRowScalar(ReadOnlySpan<byte> packed, Span<byte> row, int start, int width, bool yFirst, in YuvCoefficients k)
    {
        int yAt = yFirst ? 0 : 1, uAt = yFirst ? 1 : 0, vAt = uAt + 2;
        for (int x = start; x < width; x++)
        {
            int pair = x / 2 * 4;
            WritePixel(row, x, packed[pair + yAt + (x & 1) * 2], packed[pair + uAt], packed[pair + vAt], k);
        }
    }

    private static void Nv12RowScalar(ReadOnlySpan<byte> luma, ReadOnlySpan<byte> chroma, Span<byte> row, int start, int width, in YuvCoefficients k)
    {
        for (int x = start; x < width; x++)
        {
            int pair = x & ~1;
            WritePixel(row, x, luma[x], chroma[pair], chroma[pair + 1], k);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WritePixel(Span<byte> row, int x, int y, int cb, int cr, in YuvCoefficients k)
    {
        int luma = y * k.YScale;
        int r = (luma + cr * k.RCr + k.RConst) >> 16;
        int g = (luma + cb * k.GCb + cr * k.GCr + k.GConst) >> 16;
        int b = (luma + cb * k.BCb + k.BConst) >> 16;
        Span<byte> px = row.Slice(x * 4, 4);
        px[0] = (byte)Math.Clamp(b, 0, 255);
        px[1] = (byte)Math.Clamp(g, 0, 255);
        px[2] = (byte)Math.Clamp(r, 0, 255);
        px[3] = 0xFF;
    }
}
