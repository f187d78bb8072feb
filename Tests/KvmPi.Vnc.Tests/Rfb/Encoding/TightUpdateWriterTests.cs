// SPDX-License-Identifier: MIT
using System.Buffers;
using System.Buffers.Binary;
using KvmPi.Vnc.Rfb.Encoding.Jpeg;
using KvmPi.Vnc.Rfb.Encoding.Tight;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Rfb.Protocol;
using KvmPi.Vnc.Rfb.Updates;
using KvmPi.Vnc.Tests.Rfb.Pixels;
using KvmPi.Vnc.Tests.Support;
using KvmPi.Vnc.Tests.Support.Decoders;

namespace KvmPi.Vnc.Tests.Rfb.Encoding;

/// <summary>
/// The per-tile choice: solid tiles as fill, few colours lossless, photographic tiles as JPEG only when allowed,
/// lossy tiles remembered for the refresh, MJPEG pass-through, and the client limits on rectangle size.
/// </summary>
public sealed class TightUpdateWriterTests
{
    private const int W = 320, H = 192;
    private static readonly PixelFormat Rgbx = TestPixelFormats.Rgbx32NoVnc;

    /// <summary>
    /// Left 128 columns: a solid blue block; next 128: text-like few colours; right 64: a noisy photograph.
    /// </summary>
    internal static byte[] Desktop(int seed = 1)
    {
        var rng = new Random(seed);
        var px = new byte[W * H * 4];
        for (int y = 0; y < H; y++)
        {
            for (int x = 0; x < W; x++)
            {
                int o = (y * W + x) * 4;
                if (x < 128)
                {
                    px[o] = 200;
                }
                else if (x < 256)
                {
                    bool ink = (x * 7 + y * 3) % 11 < 2 && y % 16 < 12;
                    byte v = ink ? (byte)20 : (byte)240;
                    px[o] = px[o + 1] = px[o + 2] = v;
                }
                else
                {
                    px[o] = (byte)(x * 3 + rng.Next(40));
                    px[o + 1] = (byte)(y * 2 + rng.Next(40));
                    px[o + 2] = (byte)(x + y + rng.Next(40));
                }
            }
        }

        return px;
    }

    private static Framebuffer Frame(byte[] bgrx)
    {
        var fb = new Framebuffer(W, H);
        fb.Update(bgrx, W * 4, new TileSet(fb.TileColumns, fb.TileRows));
        return fb;
    }

    /// <summary>Decodes rectangles (headers and payloads) into a canvas of client values; returns the kinds seen.</summary>
    internal static List<(Rect Rect, string Kind)> DecodeInto(ReadOnlySpan<byte> bytes, int count, uint[] canvas, int width,
        PixelFormat pf, TightDecoder decoder, EncodingType expected = EncodingType.Tight)
    {
        var seen = new List<(Rect, string)>();
        int at = 0;
        for (int i = 0; i < count; i++)
        {
            var r = new Rect(BinaryPrimitives.ReadUInt16BigEndian(bytes[at..]), BinaryPrimitives.ReadUInt16BigEndian(bytes[(at + 2)..]),
                BinaryPrimitives.ReadUInt16BigEndian(bytes[(at + 4)..]), BinaryPrimitives.ReadUInt16BigEndian(bytes[(at + 6)..]));
            Assert.Equal((int)expected, BinaryPrimitives.ReadInt32BigEndian(bytes[(at + 8)..]));
            Assert.True(r.Width <= 2048, $"{r} is wider than Tight allows");
            at += 12;
            uint[] px = decoder.Decode(bytes[at..], r.Width, r.Height, pf, out int consumed);
            if (decoder.LastKind != "jpeg") Assert.True(r.Area <= 65536, $"{r} ({decoder.LastKind}) is over 65536 pixels");
            at += consumed;
            for (int y = 0; y < r.Height; y++)
                px.AsSpan(y * r.Width, r.Width).CopyTo(canvas.AsSpan((r.Y + y) * width + r.X, r.Width));
            seen.Add((r, decoder.LastKind));
        }

        Assert.Equal(bytes.Length, at);
        return seen;
    }

    private static uint[] Expected(byte[] bgrx, PixelFormat pf)
    {
        var v = new uint[bgrx.Length / 4];
        new PixelTranslator(pf).TranslateRow(bgrx, v);
        return v;
    }

    [Fact]
    public void LosslessClientGetsFillAndExactPixels()
    {
        byte[] bgrx = Desktop();
        Framebuffer fb = Frame(bgrx);
        using var writer = new TightUpdateWriter(png: false, jpeg: null);
        using var decoder = new TightDecoder();
        var lossy = new TileSet(fb.TileColumns, fb.TileRows);
        var output = new ArrayBufferWriter<byte>();
        var settings = TightSettings.From(false, 32, -1, -1, -1, -1);
        int n = writer.Write(fb.Current, [new Rect(0, 0, W, H)], new PixelTranslator(Rgbx), settings, false, lossy, output);
        var canvas = new uint[W * H];
        var kinds = DecodeInto(output.WrittenSpan, n, canvas, W, Rgbx, decoder);
        Assert.Equal(Expected(bgrx, Rgbx), canvas);
        Assert.Contains(kinds, k => k.Kind == "fill" && k.Rect.X == 0 && k.Rect.Width == 128);  // two solid tiles, one fill
        Assert.DoesNotContain(kinds, k => k.Kind == "jpeg");
        Assert.True(lossy.IsEmpty);
    }

    [Fact]
    public void NeighbouringFullColourTilesGoAsOneRectangleBesideAFewColourTile()
    {
        // One band, 320 wide: noise (two tiles), text of two colours (one tile), noise (two tiles). Over 256 colours
        // together, so tile by tile: the two-colour text tile as mono, each pair of noisy neighbours as one rectangle.
        const int w = 320, h = 64;
        var rng = new Random(3);
        var bgrx = new byte[w * h * 4];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int o = (y * w + x) * 4;
                if (x is >= 128 and < 192)
                {
                    byte v = (x + y) % 5 == 0 ? (byte)20 : (byte)240;
                    bgrx[o] = bgrx[o + 1] = bgrx[o + 2] = v;
                }
                else
                {
                    rng.NextBytes(bgrx.AsSpan(o, 3));
                }
            }
        }

        var fb = new Framebuffer(w, h);
        fb.Update(bgrx, w * 4, new TileSet(fb.TileColumns, fb.TileRows));
        using var writer = new TightUpdateWriter(png: false, jpeg: null);
        using var decoder = new TightDecoder();
        var output = new ArrayBufferWriter<byte>();
        int n = writer.Write(fb.Current, [new Rect(0, 0, w, h)], new PixelTranslator(Rgbx), TightSettings.From(false, 32, 3, -1, -1, -1),
            false, new TileSet(fb.TileColumns, fb.TileRows), output);
        var canvas = new uint[w * h];
        var kinds = DecodeInto(output.WrittenSpan, n, canvas, w, Rgbx, decoder);
        Assert.Equal(Expected(bgrx, Rgbx), canvas);
        Assert.Equal([(new Rect(0, 0, 128, h), "copy"), (new Rect(128, 0, 64, h), "mono"), (new Rect(192, 0, 128, h), "copy")], kinds);
    }

    [Fact]
    public void PhotographicTilesGoAsJpegAndAreRememberedAsLossy()
    {
        byte[] bgrx = Desktop();
        Framebuffer fb = Frame(bgrx);
        using var writer = new TightUpdateWriter(png: false, new TurboJpegCompressor());
        using var decoder = new TightDecoder();
        var lossy = new TileSet(fb.TileColumns, fb.TileRows);
        var output = new ArrayBufferWriter<byte>();
        var settings = TightSettings.From(false, 32, -1, 9, -1, -1);
        var canvas = new uint[W * H];
        // The photograph keeps changing: it was in the update before too (so it gets no lossless trial now).
        int n = writer.Write(fb.Current, [new Rect(256, 0, 64, H)], new PixelTranslator(Rgbx), settings, false, lossy, output);
        DecodeInto(output.WrittenSpan, n, canvas, W, Rgbx, decoder);
        output.ResetWrittenCount();
        n = writer.Write(fb.Current, [new Rect(0, 0, W, H)], new PixelTranslator(Rgbx), settings, false, lossy, output);
        var kinds = DecodeInto(output.WrittenSpan, n, canvas, W, Rgbx, decoder);

        // The photograph (x ≥ 256) is one JPEG rectangle the full height (bands merged); the rest is lossless.
        Assert.Equal(new Rect(256, 0, 64, H), Assert.Single(kinds, k => k.Kind == "jpeg").Rect);
        uint[] expected = Expected(bgrx, Rgbx);
        for (int y = 0; y < H; y++)
            Assert.Equal(expected.AsSpan(y * W, 256).ToArray(), canvas.AsSpan(y * W, 256).ToArray());
        for (int r = 0; r < fb.TileRows; r++)
            for (int c = 0; c < fb.TileColumns; c++)
                Assert.Equal(c == 4, lossy.Contains(c, r));

        // Quality 9 on this content.
        var decoded = new byte[W * H * 4];
        for (int i = 0; i < canvas.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(decoded.AsSpan(i * 4), Swap(canvas[i]));
        Assert.True(Psnr.Bgrx(bgrx, decoded) >= 38);

        // The refresh sends the lossy tiles again, losslessly, and forgets them.
        output.ResetWrittenCount();
        n = writer.Write(fb.Current, [new Rect(256, 0, 64, H)], new PixelTranslator(Rgbx), settings, lossless: true, lossy, output);
        kinds = DecodeInto(output.WrittenSpan, n, canvas, W, Rgbx, decoder);
        Assert.DoesNotContain(kinds, k => k.Kind == "jpeg");
        Assert.Equal(expected, canvas);
        Assert.True(lossy.IsEmpty);
    }

    [Theory]
    [InlineData(9, false)]   // quality 100: lossless costs at most 3× the JPEG
    [InlineData(5, true)]    // quality 77: lossless costs more
    public void PhotographChangedAfterStillnessGoesLosslessWhenThatCostsAtMostThreeJpegs(int quality, bool jpeg)
    {
        // The photograph's tiles are not lossy: it changed once after being still, and will likely stay so. JPEG
        // would be followed by its lossless refresh; lossless at once costs less when it is at most 3× the JPEG.
        byte[] bgrx = Desktop();
        var (kinds, canvas, lossy) = WriteOnceWithJpeg(bgrx, new Rect(0, 0, W, H), quality);
        Assert.Equal(jpeg, kinds.Exists(k => k.Kind == "jpeg"));
        Assert.Equal(jpeg, !lossy.IsEmpty);
        if (!jpeg) Assert.Equal(Expected(bgrx, Rgbx), canvas);
    }

    /// <summary>One update of <paramref name="area"/> by a fresh JPEG-capable writer, decoded: the kinds, the canvas, the lossy tiles.</summary>
    private static (List<(Rect Rect, string Kind)> Kinds, uint[] Canvas, TileSet Lossy) WriteOnceWithJpeg(byte[] bgrx, Rect area, int quality)
    {
        Framebuffer fb = Frame(bgrx);
        using var writer = new TightUpdateWriter(png: false, new TurboJpegCompressor());
        using var decoder = new TightDecoder();
        var lossy = new TileSet(fb.TileColumns, fb.TileRows);
        var output = new ArrayBufferWriter<byte>();
        int n = writer.Write(fb.Current, [area], new PixelTranslator(Rgbx), TightSettings.From(false, 32, -1, quality, -1, -1),
            false, lossy, output);
        var canvas = new uint[W * H];
        return (DecodeInto(output.WrittenSpan, n, canvas, W, Rgbx, decoder), canvas, lossy);
    }

    [Theory]
    [InlineData(9, false)]   // quality 100: the noisy tile's JPEG is nearly as large as its lossless bytes
    [InlineData(2, true)]    // quality 41, 4:2:0: the JPEG is a fraction of them
    public void SmallPhotographicUpdateGoesLosslessUnlessItsJpegIsMuchSmaller(int quality, bool jpeg)
    {
        byte[] bgrx = Desktop();
        var tile = new Rect(256, 64, 64, 64);   // one tile of the photograph: a typing-sized update
        var (kinds, canvas, lossy) = WriteOnceWithJpeg(bgrx, tile, quality);
        Assert.Equal(jpeg, kinds.Exists(k => k.Kind == "jpeg"));
        Assert.Equal(jpeg, lossy.Contains(4, 1));
        if (jpeg) return;
        uint[] expected = Expected(bgrx, Rgbx);
        for (int y = tile.Y; y < tile.Bottom; y++)
            Assert.Equal(expected.AsSpan(y * W + tile.X, tile.Width).ToArray(), canvas.AsSpan(y * W + tile.X, tile.Width).ToArray());
    }

    /// <summary>RGBX value → BGRX value.</summary>
    private static uint Swap(uint rgbx) => (rgbx & 0xFF) << 16 | (rgbx & 0xFF00) | (rgbx >> 16 & 0xFF);

    [Fact]
    public void WideFramesAreCutToTheTightLimits()
    {
        const int w = 4200, h = 64;
        var fb = new Framebuffer(w, h);
        var bgrx = new byte[w * h * 4];
        new Random(3).NextBytes(bgrx);
        fb.Update(bgrx, w * 4, new TileSet(fb.TileColumns, fb.TileRows));
        using var writer = new TightUpdateWriter(png: false, jpeg: null);
        using var decoder = new TightDecoder();
        var output = new ArrayBufferWriter<byte>();
        var lossy = new TileSet(fb.TileColumns, fb.TileRows);
        int n = writer.Write(fb.Current, [new Rect(0, 0, w, h)], new PixelTranslator(Rgbx), TightSettings.From(false, 32, 1, -1, -1, -1),
            false, lossy, output);
        var canvas = new uint[w * h];
        DecodeInto(output.WrittenSpan, n, canvas, w, Rgbx, decoder);   // asserts ≤ 2048 wide and ≤ 65536 pixels
        Assert.Equal(Expected(bgrx, Rgbx), canvas);
    }

    [Fact]
    public void PassThroughSendsTheSourceJpegForAFrameThatChangedEverywhere()
    {
        byte[] bgrx = Desktop();
        byte[] jpeg = TestJpegEncoder.Encode(bgrx, W, H, 80);
        var fb = new Framebuffer(W, H);
        fb.Update(bgrx, W * 4, new TileSet(fb.TileColumns, fb.TileRows));
        fb.SetSourceJpeg(jpeg);
        using var writer = new TightUpdateWriter(png: false, new TurboJpegCompressor());
        var lossy = new TileSet(fb.TileColumns, fb.TileRows);
        var output = new ArrayBufferWriter<byte>();
        var frame = new Rect(0, 0, W, H);
        var settings = TightSettings.From(false, 32, -1, 8, -1, -1);

        Assert.False(writer.TryWritePassThrough(fb.Current, W * H / 2, frame, settings, lossy, output));              // half changed
        Assert.False(writer.TryWritePassThrough(fb.Current, W * H, frame, TightSettings.From(false, 32, -1, -1, -1, -1), lossy, output)); // lossless client
        Assert.False(writer.TryWritePassThrough(fb.Current, W * H, new Rect(0, 0, W, 100), settings, lossy, output)); // sees a part
        Assert.Equal(0, output.WrittenCount);

        Assert.True(writer.TryWritePassThrough(fb.Current, W * H, frame, settings, lossy, output));
        byte[] expected = new byte[12 + 1 + 3 + jpeg.Length];
        new byte[] { 0, 0, 0, 0, 0x01, 0x40, 0x00, 0xC0, 0, 0, 0, 7, 0x90 }.CopyTo(expected, 0);
        TightCompactLength.Write(jpeg.Length, expected.AsSpan(13));
        int lengthBytes = jpeg.Length < 16384 ? 2 : 3;
        jpeg.CopyTo(expected, 13 + lengthBytes);
        Assert.Equal(expected.AsSpan(0, 13 + lengthBytes + jpeg.Length).ToArray(), output.WrittenSpan.ToArray());
        Assert.Equal(fb.TileColumns * fb.TileRows, lossy.Count);

        fb.SetSourceJpeg([]);   // a frame that did not come from a JPEG
        Assert.False(writer.TryWritePassThrough(fb.Current, W * H, frame, settings, lossy, new ArrayBufferWriter<byte>()));
    }

    [Fact]
    public void TightPngUpdatesDecodeExactly()
    {
        byte[] bgrx = Desktop();
        Framebuffer fb = Frame(bgrx);
        using var writer = new TightUpdateWriter(png: true, jpeg: null);
        using var decoder = new TightDecoder();
        var output = new ArrayBufferWriter<byte>();
        var lossy = new TileSet(fb.TileColumns, fb.TileRows);
        int n = writer.Write(fb.Current, [new Rect(0, 0, W, H)], new PixelTranslator(Rgbx), TightSettings.From(true, 32, -1, -1, -1, -1),
            false, lossy, output);
        var canvas = new uint[W * H];
        var kinds = DecodeInto(output.WrittenSpan, n, canvas, W, Rgbx, decoder, EncodingType.TightPng);
        Assert.All(kinds, k => Assert.Contains(k.Kind, new[] { "fill", "png" }));
        Assert.Equal(Expected(bgrx, Rgbx), canvas);
    }

    [Fact]
    public void SteadyStateAllocatesNothing()
    {
        byte[] a = Desktop(1), b = Desktop(2);
        var fb = new Framebuffer(W, H);
        var changed = new TileSet(fb.TileColumns, fb.TileRows);
        using var writer = new TightUpdateWriter(png: false, new TurboJpegCompressor());
        var lossy = new TileSet(fb.TileColumns, fb.TileRows);
        var output = new ArrayBufferWriter<byte>(4 << 20);
        var translator = new PixelTranslator(Rgbx);
        List<Rect> rects = [new Rect(0, 0, W, H)];
        var lossyClient = TightSettings.From(false, 32, -1, 8, -1, -1);
        var losslessClient = TightSettings.From(false, 32, -1, -1, -1, -1);
        bool flip = false;
        void Round()
        {
            flip = !flip;
            fb.Update(flip ? a : b, W * 4, changed);
            output.ResetWrittenCount();
            writer.Write(fb.Current, rects, translator, lossyClient, false, lossy, output);
            writer.Write(fb.Current, rects, translator, losslessClient, true, lossy, output);
        }

        for (int i = 0; i < 4; i++) Round();
        Assert.Equal(0, Allocations.LeastOverRounds(Round));
    }
}
