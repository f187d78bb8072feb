// SPDX-License-Identifier: MIT
using System.Buffers;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using KvmPi.Vnc.Rfb.Encoding.Deflate;
using KvmPi.Vnc.Rfb.Encoding.Jpeg;
using KvmPi.Vnc.Rfb.Encoding.Png;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Rfb.Protocol;

namespace KvmPi.Vnc.Rfb.Encoding.Tight;

/// <summary>
/// Tight encoding (rfbproto "Tight Encoding", number 7) and its TightPNG variant (−260, noVNC): fill, mono and
/// palette rectangles and full colour through four persistent zlib streams, JPEG, and (TightPNG) PNG.
/// </summary>
/// <remarks>
/// Rectangle payload: one control byte, then the subencoding's data.
/// <code>
/// control byte   bits 0..3: reset zlib stream 0..3 before this rectangle (any subencoding carries them)
///   1000 ....    fill:     one TPIXEL
///   1001 ....    JPEG:     compact length, JFIF image                       (bpp ≥ 16, client sent a quality)
///   1010 ....    PNG:      compact length, PNG image                        (TightPNG only)
///   0fss ....    basic:    stream ss; f = a filter byte follows:
///                  filter 1 palette:  U8 n−1, n TPIXELs, then indices: 1 bit a pixel for n = 2 (MSB first,
///                                     rows byte-aligned), else 1 byte a pixel
///                  filter 2 gradient: 3-byte TPIXELs as differences from left + above − above-left (smooth areas)
///                  no filter (copy):  TPIXELs
///                data under 12 bytes goes as is; otherwise compact length + zlib data that continues stream ss and
///                ends with a sync flush (00 00 FF FF), so the viewer inflates this rectangle from its own bytes
/// TPIXEL         R, G, B (3 bytes) when the format is 32 bpp, depth 24, 8 bits a channel; else a full PIXEL
/// </code>
/// Streams as TigerVNC assigns them: 0 full colour, 1 mono, 2 palette; and 3 full colour of small updates, at a
/// higher zlib level (<see cref="SmallUpdate"/>). A stream's zlib level cannot change mid-stream, so a new
/// compression level recreates the streams and the next rectangle carries their reset bits.
/// TightPNG (noVNC's <c>tightpng.js</c>) takes fill, JPEG and PNG only; basic is a protocol error there.
/// Width ≤ 2048 and, for anything but JPEG, ≤ 65536 pixels are the caller's business (rfbproto; TigerVNC ≥ 1.16
/// drops wider rectangles). One instance per session. Not thread-safe.
/// </remarks>
public sealed class TightEncoder : IRectEncoder, IDisposable
{
    /// <summary>rfbproto: no Tight rectangle may be wider.</summary>
    public const int MaxWidth = 2048;

    /// <summary>Largest non-JPEG rectangle area TightVNC-derived decoders buffer (TigerVNC's SubRectMaxArea too).</summary>
    public const int MaxArea = 65536;

    /// <summary>Filtered data shorter than this is sent uncompressed: fixed by the protocol, every decoder relies on it.</summary>
    private const int MinToCompress = 12;

    private const int MaxPalette = 256;
    private const int HashSlots = 1024;
    private const int OutputChunk = 16 * 1024;

    private const byte FilterNone = 0;      // copy, and no filter byte at all
    private const byte FilterPalette = 1;
    private const byte FilterGradient = 2;
    private const int SmoothError = 4;

    private const int StreamFullColour = 0;
    private const int StreamMono = 1;
    private const int StreamIndexed = 2;
    private const int StreamSmallFullColour = 3;

    private readonly bool _png;
    private readonly IJpegCompressor? _jpeg;
    private readonly MemoryStream _sink = new();
    private readonly ZLibStream?[] _streams = new ZLibStream?[4];
    private readonly PixelDeflater?[] _pixelStreams = new PixelDeflater?[4];
    /// <summary>Large blocks: a Tight rectangle is one kind of content throughout (fewer headers, fewer code builds).</summary>
    private const int PixelDeflaterBlockSymbols = 32 * 1024;
    private int _pendingResets;
    private int _compressLevel = TightLevels.DefaultCompressLevel;

    private readonly uint[] _palette = new uint[MaxPalette];
    private readonly uint[] _keys = new uint[HashSlots];
    private readonly short[] _values = new short[HashSlots];
    private readonly int[] _stamps = new int[HashSlots];
    private int _stamp;

    private byte[] _data = [];
    private byte[] _jpegBuffer = [];
    private PngWriter? _pngWriter;
    private bool _disposed;

    /// <param name="png">TightPNG (−260) instead of Tight (7): lossless data goes as PNG, never as basic.</param>
    /// <param name="jpeg">The JPEG compressor, or null for a session that never sends JPEG.</param>
    public TightEncoder(bool png = false, IJpegCompressor? jpeg = null)
    {
        _png = png;
        _jpeg = jpeg;
    }

    public EncodingType Encoding => _png ? EncodingType.TightPng : EncodingType.Tight;

    public bool CanCompressJpeg => _jpeg is not null;

    /// <summary>
    /// Set while encoding a small update (a few tiles): full colour then goes through stream 3 at a higher zlib level
    /// (<see cref="TightLevels.SmallUpdateFullColourZlibLevel"/>), which costs microseconds there; large updates
    /// keep stream 0 at the faster level. Both streams live on, so neither loses its history to the other.
    /// </summary>
    public bool SmallUpdate { get; set; }

    /// <summary>
    /// Set on an encoder whose output is only counted (<c>TightUpdateWriter</c>'s lossless trial): every zlib stream
    /// then goes through <see cref="PixelDeflater"/>, several times faster than zlib-ng's 9 on the small full-colour
    /// rectangles tried (typed glyphs), for sizes about a tenth larger: the trial's answer only needs the order of
    /// magnitude (lossless when it costs at most three times the JPEG).
    /// </summary>
    public bool Estimating { get; init; }

    /// <summary>Compression level 0..9 (pseudo-encodings −256..−247). A change takes effect with a stream reset.</summary>
    public int CompressLevel
    {
        get => _compressLevel;
        set
        {
            value = Math.Clamp(value, 0, 9);
            if (value == _compressLevel) return;
            _compressLevel = value;
            for (int i = 0; i < _streams.Length; i++)
            {
                if (_streams[i] is { } s)
                {
                    s.Dispose();
                    _streams[i] = null;
                    _pendingResets |= 1 << i;
                }

                if (_pixelStreams[i] is { } p)
                {
                    p.Reset();
                    _pendingResets |= 1 << i;
                }
            }
        }
    }

    /// <summary>
    /// Lossless: one colour as fill, two as mono, up to 256 (when it saves bytes) as palette, else full colour,
    /// through the gradient filter when the area is smooth (TightPNG: fill or PNG). Pixels are client values, as <see cref="IRectEncoder"/> says.
    /// </summary>
    public void Encode(ReadOnlySpan<uint> pixels, int width, int height, PixelFormat format, IBufferWriter<byte> output)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(output);
        EncoderGuard.CheckRect(pixels, width, height);
        if (width > MaxWidth) throw new ArgumentOutOfRangeException(nameof(width), width, "Tight rectangles are at most 2048 wide.");
        int area = width * height;
        if (area == 0)
        {
            WriteFill(0, format, output);
            return;
        }

        pixels = pixels[..area];
        int colours = CountColours(pixels);
        if (colours == 1)
        {
            WriteFill(pixels[0], format, output);
            return;
        }

        if (_png)
        {
            WritePng(pixels, width, height, format, output);
            return;
        }

        int tp = TPixelBytes(format);
        if (colours == 2)
        {
            WriteMono(pixels, width, height, format, output);
        }
        else if (colours > 0 && colours * tp + area < area * tp)
        {
            WriteIndexed(pixels, width, colours, format, output);
        }
        else
        {
            EnsureData(area * tp);
            Span<byte> data = _data.AsSpan(0, WriteTPixels(pixels, format, _data));
            int stream = SmallUpdate && TightLevels.SmallUpdateFullColourZlibLevel(_compressLevel) != TightLevels.FullColourZlibLevel(_compressLevel)
                ? StreamSmallFullColour
                : StreamFullColour;
            if (UsesTPixel(format) && IsSmooth(data, width, height))
            {
                GradientFilter(data, width, height);
                // Residuals of smooth video: byte runs matter, repeats from elsewhere do not (loadtest bytes, captured
                // video: 944,069 B/update so, 1,008,355 with one chain candidate, zlib-ng 2 933,966 in more time).
                WriteBasic(stream, FilterGradient, ReadOnlySpan<byte>.Empty, data, 1, width * tp, output, chain: 0, skipWithinPixel: false);
            }
            else
            {
                WriteBasic(stream, FilterNone, ReadOnlySpan<byte>.Empty, data, tp, width * tp, output);
            }
        }
    }

    /// <summary>A fill rectangle: every pixel <paramref name="pixel"/> (a client pixel value).</summary>
    public void WriteFill(uint pixel, PixelFormat format, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        Span<byte> b = output.GetSpan(5);
        b[0] = Control(0x80);
        int n = WriteTPixel(pixel, format, b[1..]);
        output.Advance(1 + n);
    }

    /// <summary>
    /// Compresses BGRX pixels (rows <paramref name="stride"/> bytes apart) to JPEG for <see cref="WriteJpeg"/>. The
    /// bytes stay valid until the next call. Empty when the image exceeds the compact length's 4 MiB: the caller
    /// then splits the rectangle.
    /// </summary>
    /// <exception cref="JpegCompressionException">The compressor failed.</exception>
    public ReadOnlySpan<byte> CompressJpeg(ReadOnlySpan<byte> bgrx, int width, int height, int stride, int quality,
        JpegSubsampling subsampling)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_jpeg is null) throw new InvalidOperationException("This encoder has no JPEG compressor.");
        if (width > MaxWidth) throw new ArgumentOutOfRangeException(nameof(width), width, "Tight rectangles are at most 2048 wide.");
        int max = _jpeg.MaxCompressedLength(width, height, subsampling);
        if (_jpegBuffer.Length < max) _jpegBuffer = GC.AllocateUninitializedArray<byte>(max);
        int n = _jpeg.Compress(bgrx, width, height, stride, quality, subsampling, _jpegBuffer);
        return n > TightCompactLength.Max ? ReadOnlySpan<byte>.Empty : _jpegBuffer.AsSpan(0, n);
    }

    /// <summary>A JPEG rectangle from a complete JFIF image (the capture's own, passed through, or one we made).</summary>
    public void WriteJpeg(ReadOnlySpan<byte> jpeg, IBufferWriter<byte> output)
    {
        WriteJpegHeader(jpeg.Length, output);
        WriteChunked(jpeg, output);
    }

    /// <summary>
    /// A JPEG rectangle's control byte and length, for an image of <paramref name="length"/> bytes that the caller
    /// sends right after them (<see cref="WriteJpeg"/> does both).
    /// </summary>
    public void WriteJpegHeader(int length, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (length > TightCompactLength.Max)
            throw new ArgumentException("A Tight JPEG is at most 4 MiB.", nameof(length));
        Span<byte> b = output.GetSpan(4);
        b[0] = Control(0x90);
        int n = 1 + TightCompactLength.Write(length, b[1..]);
        output.Advance(n);
    }

    /// <summary>
    /// Whether these client pixel values have at most 256 colours, so <see cref="Encode"/> would send them as fill,
    /// mono or palette rather than full colour.
    /// </summary>
    public bool FitsPalette(ReadOnlySpan<uint> pixels) => !pixels.IsEmpty && CountColours(pixels) > 0;

    /// <summary>TPIXEL size: 3 for 32-bpp depth-24 formats with 8-bit channels, else the full pixel.</summary>
    public static int TPixelBytes(PixelFormat format) => UsesTPixel(format) ? 3 : format.BytesPerPixel;

    private static bool UsesTPixel(PixelFormat format) =>
        format.BitsPerPixel == 32 && format.Depth == 24 && format.TrueColour
        && format.RedMax == 255 && format.GreenMax == 255 && format.BlueMax == 255;

    private static int WriteTPixel(uint value, PixelFormat format, Span<byte> dst)
    {
        if (!UsesTPixel(format)) return PixelTranslator.WritePixel(format, value, dst);
        dst[0] = (byte)(value >> format.RedShift);
        dst[1] = (byte)(value >> format.GreenShift);
        dst[2] = (byte)(value >> format.BlueShift);
        return 3;
    }

    private static int WriteTPixels(ReadOnlySpan<uint> pixels, PixelFormat format, Span<byte> dst)
    {
        if (!UsesTPixel(format))
        {
            PixelTranslator.Serialize(format, pixels, dst);
            return pixels.Length * format.BytesPerPixel;
        }

        int rs = format.RedShift, gs = format.GreenShift, bs = format.BlueShift;
        int i = 0, o = 0;
        if (Vector128.IsHardwareAccelerated && (rs | gs | bs) % 8 == 0)
        {
            // Four pixels at a time: their R, G and B bytes gathered into 12 bytes (16 stored; the next store or the
            // scalar tail overwrites the 4 beyond).
            Span<byte> indices = stackalloc byte[16];
            indices.Fill(0x80);
            for (int k = 0; k < 4; k++)
            {
                indices[3 * k] = (byte)(4 * k + rs / 8);
                indices[3 * k + 1] = (byte)(4 * k + gs / 8);
                indices[3 * k + 2] = (byte)(4 * k + bs / 8);
            }

            Vector128<byte> shuffle = Vector128.Create((ReadOnlySpan<byte>)indices);
            ref byte s = ref Unsafe.As<uint, byte>(ref MemoryMarshal.GetReference(pixels));
            ref byte d = ref MemoryMarshal.GetReference(dst);
            for (; i + 4 <= pixels.Length && o + 16 <= dst.Length; i += 4, o += 12)
                PixelTranslator.Shuffle(Vector128.LoadUnsafe(ref s, (nuint)(i * 4)), shuffle).StoreUnsafe(ref d, (nuint)o);
        }

        dst = dst[..(pixels.Length * 3)];
        for (; i < pixels.Length; i++, o += 3)
        {
            uint v = pixels[i];
            dst[o + 2] = (byte)(v >> bs);
            dst[o + 1] = (byte)(v >> gs);
            dst[o] = (byte)(v >> rs);
        }

        return pixels.Length * 3;
    }

    /// <summary>
    /// Whether 3-byte TPIXELs are smooth enough for the gradient filter: the mean absolute prediction error per
    /// channel (every other row) is under <see cref="SmoothError"/>. Photographic and video areas are (mean error
    /// 0..2 on the load tool's captured video, 44 % fewer bytes than without the filter); text and window edges are
    /// not (8..31 on captured typing and scrolling, where the filter costs 10–25 % more bytes than none, since
    /// deflate finds the repeated glyphs in the raw pixels but not in their residuals).
    /// </summary>
    internal static bool IsSmooth(ReadOnlySpan<byte> rgb, int width, int height)
    {
        int row = width * 3;
        // The errors only add up, so the answer is "no" as soon as their sum reaches the bound for all sampled rows:
        // text (mean error 8..31, twice the bound and more) is decided after half the rows or fewer.
        long bound = SmoothError * (long)(height / 2) * (row - 3);
        long sum = 0;
        for (int y = 1; y < height; y += 2)
        {
            sum += PredictionError(rgb.Slice(y * row, row), rgb.Slice((y - 1) * row, row));
            if (sum >= bound) return false;
        }

        return sum < bound;
    }

    /// <summary>
    /// Sum over a row (from its second pixel) of |byte − clamp(left + above − above-left)|, 16 bytes at a time: eight
    /// 16-bit lanes hold the prediction's range (−255..510) and each step's two errors (≤ 510 together).
    /// </summary>
    internal static int PredictionError(ReadOnlySpan<byte> cur, ReadOnlySpan<byte> up)
    {
        int row = cur.Length, i = 3, sum = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            ref byte c = ref MemoryMarshal.GetReference(cur);
            ref byte u = ref MemoryMarshal.GetReference(up);
            Vector128<int> total = Vector128<int>.Zero;
            Vector128<short> max = Vector128.Create((short)255);
            for (; i + 16 <= row; i += 16)
            {
                (Vector128<ushort> hereLo, Vector128<ushort> hereHi) = Vector128.Widen(Vector128.LoadUnsafe(ref c, (nuint)i));
                (Vector128<ushort> leftLo, Vector128<ushort> leftHi) = Vector128.Widen(Vector128.LoadUnsafe(ref c, (nuint)(i - 3)));
                (Vector128<ushort> aboveLo, Vector128<ushort> aboveHi) = Vector128.Widen(Vector128.LoadUnsafe(ref u, (nuint)i));
                (Vector128<ushort> cornerLo, Vector128<ushort> cornerHi) = Vector128.Widen(Vector128.LoadUnsafe(ref u, (nuint)(i - 3)));
                Vector128<short> lo = Error(hereLo, leftLo, aboveLo, cornerLo, max), hi = Error(hereHi, leftHi, aboveHi, cornerHi, max);
                (Vector128<int> a, Vector128<int> b) = Vector128.Widen(lo + hi);
                total += a + b;
            }

            sum = Vector128.Sum(total);
        }

        for (; i < row; i++)
        {
            int p = cur[i - 3] + up[i] - up[i - 3];
            p = p < 0 ? 0 : p > 255 ? 255 : p;
            sum += Math.Abs(cur[i] - p);
        }

        return sum;
    }

    /// <summary>The gradient prediction, left + above − above-left clamped to 0..<paramref name="max"/>, in 16-bit lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<short> Predict(Vector128<ushort> left, Vector128<ushort> above, Vector128<ushort> corner,
        Vector128<short> max) =>
        Vector128.Min(Vector128.Max(left.AsInt16() + above.AsInt16() - corner.AsInt16(), Vector128<short>.Zero), max);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ushort> Residual(Vector128<ushort> here, Vector128<ushort> left, Vector128<ushort> above,
        Vector128<ushort> corner, Vector128<short> max) =>
        (here.AsInt16() - Predict(left, above, corner, max)).AsUInt16();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<short> Error(Vector128<ushort> here, Vector128<ushort> left, Vector128<ushort> above,
        Vector128<ushort> corner, Vector128<short> max) =>
        Vector128.Abs(here.AsInt16() - Predict(left, above, corner, max));

    /// <summary>
    /// rfbproto "Tight Encoding", gradient filter for 3-byte TPIXELs, in place: each channel byte becomes its
    /// difference (mod 256) from the prediction left + above − above-left, clamped to 0..255 (neighbours outside
    /// the rectangle count as 0). Runs backwards so every prediction still reads original values.
    /// </summary>
    internal static void GradientFilter(Span<byte> rgb, int width, int height)
    {
        int row = width * 3;
        for (int y = height - 1; y >= 0; y--)
        {
            Span<byte> cur = rgb.Slice(y * row, row);
            if (y == 0)
            {
                for (int i = row - 1; i >= 3; i--) cur[i] -= cur[i - 3];
                break;
            }

            ReadOnlySpan<byte> up = rgb.Slice((y - 1) * row, row);
            int end = row;   // bytes from here on are residuals already
            if (Vector128.IsHardwareAccelerated)
            {
                // 16 bytes a step, from the end: a step reads its own bytes and the 3 before them, which no step
                // has written yet.
                ref byte c = ref MemoryMarshal.GetReference(cur);
                ref byte u = ref MemoryMarshal.GetReference(up);
                Vector128<short> max = Vector128.Create((short)255);
                for (; end - 16 >= 3; end -= 16)
                {
                    nuint i = (nuint)(end - 16);
                    (Vector128<ushort> hereLo, Vector128<ushort> hereHi) = Vector128.Widen(Vector128.LoadUnsafe(ref c, i));
                    (Vector128<ushort> leftLo, Vector128<ushort> leftHi) = Vector128.Widen(Vector128.LoadUnsafe(ref c, i - 3));
                    (Vector128<ushort> aboveLo, Vector128<ushort> aboveHi) = Vector128.Widen(Vector128.LoadUnsafe(ref u, i));
                    (Vector128<ushort> cornerLo, Vector128<ushort> cornerHi) = Vector128.Widen(Vector128.LoadUnsafe(ref u, i - 3));
                    Vector128<ushort> lo = Residual(hereLo, leftLo, aboveLo, cornerLo, max);
                    Vector128<ushort> hi = Residual(hereHi, leftHi, aboveHi, cornerHi, max);
                    Vector128.Narrow(lo, hi).StoreUnsafe(ref c, i);   // low bytes: the residuals mod 256
                }
            }

            for (int i = end - 1; i >= 3; i--)
            {
                int p = cur[i - 3] + up[i] - up[i - 3];
                p = p < 0 ? 0 : p > 255 ? 255 : p;
                cur[i] = (byte)(cur[i] - p);
            }

            for (int i = 2; i >= 0; i--) cur[i] -= up[i];
        }
    }

    /// <summary>Distinct colours, or 0 when there are more than 256. Fills the palette and the colour→index map.</summary>
    private int CountColours(ReadOnlySpan<uint> pixels)
    {
        if (++_stamp == int.MaxValue)
        {
            Array.Clear(_stamps);
            _stamp = 1;
        }

        int colours = 0;
        uint prev = ~pixels[0];
        foreach (uint p in pixels)
        {
            if (p == prev) continue;   // runs are the rule on desktops: one lookup a run
            prev = p;
            if (Lookup(p) >= 0) continue;
            if (colours == MaxPalette) return 0;
            Add(p, colours++);
        }

        return colours;
    }

    private int Slot(uint colour) => (int)((colour * 0x9E3779B1u) >> 22); // Fibonacci hashing into 1024 slots

    private int Lookup(uint colour)
    {
        int slot = Slot(colour);
        while (_stamps[slot] == _stamp)
        {
            if (_keys[slot] == colour) return _values[slot];
            slot = (slot + 1) & (HashSlots - 1);
        }

        return -1;
    }

    private void Add(uint colour, int index)
    {
        int slot = Slot(colour);
        while (_stamps[slot] == _stamp) slot = (slot + 1) & (HashSlots - 1);
        _stamps[slot] = _stamp;
        _keys[slot] = colour;
        _values[slot] = (short)index;
        _palette[index] = colour;
    }

    private void WriteMono(ReadOnlySpan<uint> pixels, int width, int height, PixelFormat format, IBufferWriter<byte> output)
    {
        int rowBytes = (width + 7) / 8;
        EnsureData(rowBytes * height);
        Span<byte> palette = stackalloc byte[1 + 2 * 4];
        palette[0] = 1;
        int pn = 1 + WriteTPixel(_palette[0], format, palette[1..]);
        pn += WriteTPixel(_palette[1], format, palette[pn..]);

        uint foreground = _palette[1];
        Span<byte> data = _data.AsSpan(0, rowBytes * height);
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<uint> row = pixels.Slice(y * width, width);
            Span<byte> bits = data.Slice(y * rowBytes, rowBytes);
            for (int xb = 0; xb < rowBytes; xb++)
            {
                int acc = 0;
                int x0 = xb * 8, x1 = Math.Min(width, x0 + 8);
                for (int x = x0; x < x1; x++)
                    if (row[x] == foreground) acc |= 0x80 >> (x - x0);
                bits[xb] = (byte)acc;
            }
        }

        WriteBasic(StreamMono, FilterPalette, palette[..pn], data, 1, rowBytes, output);
    }

    private void WriteIndexed(ReadOnlySpan<uint> pixels, int width, int colours, PixelFormat format, IBufferWriter<byte> output)
    {
        int tp = TPixelBytes(format);
        EnsureData(pixels.Length + 1 + colours * tp);
        // Palette header and indices share the data buffer: header at the end, indices from 0.
        Span<byte> data = _data.AsSpan(0, pixels.Length);
        uint prev = ~pixels[0];
        byte index = 0;
        for (int i = 0; i < pixels.Length; i++)
        {
            uint p = pixels[i];
            if (p != prev)
            {
                prev = p;
                index = (byte)Lookup(p);
            }

            data[i] = index;
        }

        Span<byte> header = _data.AsSpan(pixels.Length, 1 + colours * tp);
        header[0] = (byte)(colours - 1);
        int at = 1;
        for (int c = 0; c < colours; c++) at += WriteTPixel(_palette[c], format, header[at..]);
        WriteBasic(StreamIndexed, FilterPalette, header[..at], data, 1, width, output);
    }

    /// <summary>
    /// Basic compression: control byte (stream, filter flag), the filter byte (palette: with the palette header;
    /// gradient), then the data raw (under 12 bytes) or as compact length + a sync-flushed piece of the stream.
    /// </summary>
    private void WriteBasic(int stream, byte filter, ReadOnlySpan<byte> paletteHeader, ReadOnlySpan<byte> data,
        int pixelBytes, int rowBytes, IBufferWriter<byte> output, int chain = PixelDeflater.MaxChain, bool skipWithinPixel = true)
    {
        Span<byte> head = output.GetSpan(2 + paletteHeader.Length);
        head[0] = Control((byte)((stream << 4) | (filter == FilterNone ? 0 : 0x40)));
        int at = 1;
        if (filter != FilterNone) head[at++] = filter;
        paletteHeader.CopyTo(head[at..]);
        output.Advance(at + paletteHeader.Length);

        if (data.Length < MinToCompress)
        {
            output.Write(data);
            return;
        }

        int level = stream switch
        {
            StreamFullColour => TightLevels.FullColourZlibLevel(_compressLevel),
            StreamSmallFullColour => TightLevels.SmallUpdateFullColourZlibLevel(_compressLevel),
            _ => TightLevels.IndexedZlibLevel(_compressLevel),
        };
        ReadOnlySpan<byte> compressed;
        if (TightLevels.UsesPixelDeflater(stream, level) || (Estimating && level > 0))
        {
            compressed = (_pixelStreams[stream] ??= new PixelDeflater(PixelDeflaterBlockSymbols)).Compress(data, pixelBytes, rowBytes, chain, skipWithinPixel);
        }
        else
        {
            ZLibStream zlib = _streams[stream] ??= new ZLibStream(_sink, new ZLibCompressionOptions { CompressionLevel = level }, leaveOpen: true);
            _sink.SetLength(0);
            zlib.Write(data);
            zlib.Flush(); // Z_SYNC_FLUSH (stack-notes §2)
            compressed = _sink.GetBuffer().AsSpan(0, checked((int)_sink.Length));
        }

        if (compressed.Length > TightCompactLength.Max)
            throw new InvalidOperationException($"Tight data of {compressed.Length} bytes exceeds the compact length; rectangles must be split.");
        Span<byte> len = output.GetSpan(3);
        output.Advance(TightCompactLength.Write(compressed.Length, len));
        WriteChunked(compressed, output);
        _sink.SetLength(0);
    }

    private void WritePng(ReadOnlySpan<uint> pixels, int width, int height, PixelFormat format, IBufferWriter<byte> output)
    {
        _pngWriter ??= new PngWriter();
        ReadOnlySpan<byte> png = _pngWriter.Encode(pixels, width, height, format, TightLevels.IndexedZlibLevel(_compressLevel));
        if (png.Length > TightCompactLength.Max)
            throw new InvalidOperationException($"PNG of {png.Length} bytes exceeds the compact length; rectangles must be split.");
        Span<byte> b = output.GetSpan(4);
        b[0] = Control(0xA0);
        output.Advance(1 + TightCompactLength.Write(png.Length, b[1..]));
        WriteChunked(png, output);
    }

    /// <summary>The control byte with any pending stream resets folded in (and then forgotten).</summary>
    private byte Control(byte type)
    {
        byte ctl = (byte)(type | _pendingResets);
        _pendingResets = 0;
        return ctl;
    }

    private void EnsureData(int bytes)
    {
        if (_data.Length < bytes) _data = GC.AllocateUninitializedArray<byte>(Math.Max(bytes, 64 * 1024));
    }

    private static void WriteChunked(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        while (!data.IsEmpty)
        {
            int n = Math.Min(OutputChunk, data.Length);
            output.Write(data[..n]);
            data = data[n..];
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (ZLibStream? s in _streams) s?.Dispose();
        _sink.Dispose();
        _jpeg?.Dispose();
    }
}
