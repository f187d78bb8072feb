// SPDX-License-Identifier: MIT
using System.Buffers;
using KvmPi.Vnc.Rfb.Encoding.Jpeg;
using KvmPi.Vnc.Rfb.Encoding.Tight;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Rfb.Protocol;
using KvmPi.Vnc.Tests.Rfb.Pixels;
using KvmPi.Vnc.Tests.Support;
using KvmPi.Vnc.Tests.Support.Decoders;

namespace KvmPi.Vnc.Tests.Rfb.Encoding;

/// <summary>
/// Tight and TightPNG bytes (rfbproto "Tight Encoding"): every subencoding as golden bytes where the bytes are ours
/// (zlib and JPEG output depend on library versions, so those are checked by framing and by decoding), and every
/// lossless rectangle decoded back exactly by the independent test decoder.
/// </summary>
public sealed class TightEncoderTests : IDisposable
{
    // noVNC's format, RGBX: TPIXEL is R, G, B.
    private static readonly PixelFormat Rgbx = TestPixelFormats.Rgbx32NoVnc;
    private const uint Red = 0x0000FF, Green = 0x00FF00, Blue = 0xFF0000, White = 0xFFFFFF, Black = 0;

    private readonly TightEncoder _encoder = new(png: false, new TurboJpegCompressor());
    private readonly TightDecoder _decoder = new();

    public void Dispose()
    {
        _encoder.Dispose();
        _decoder.Dispose();
    }

    private byte[] Encode(uint[] px, int w, int h, PixelFormat pf)
    {
        var output = new ArrayBufferWriter<byte>();
        _encoder.Encode(px, w, h, pf, output);
        byte[] bytes = output.WrittenSpan.ToArray();
        Assert.Equal(px, _decoder.Decode(bytes, w, h, pf, out int consumed));
        Assert.Equal(bytes.Length, consumed);
        return bytes;
    }

    [Theory]
    [InlineData(0, new byte[] { 0x00 })]
    [InlineData(127, new byte[] { 0x7F })]
    [InlineData(128, new byte[] { 0x80, 0x01 })]
    [InlineData(10000, new byte[] { 0x90, 0x4E })]   // rfbproto's example
    [InlineData(16383, new byte[] { 0xFF, 0x7F })]
    [InlineData(16384, new byte[] { 0x80, 0x80, 0x01 })]
    [InlineData(TightCompactLength.Max, new byte[] { 0xFF, 0xFF, 0xFF })]
    public void CompactLength(int length, byte[] expected)
    {
        var b = new byte[3];
        int n = TightCompactLength.Write(length, b);
        Assert.Equal(expected, b[..n]);
        int at = 0;
        Assert.Equal(length, TightDecoder.ReadCompactLength(b, ref at));
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(6, 2)]
    [InlineData(7, 4)]
    [InlineData(64, 3)]
    [InlineData(341, 5)]
    public void GradientFilterGivesEachBytesResidual(int width, int height)
    {
        // Against the rfbproto definition on the original bytes: noise, and extremes that clamp both ways.
        var rng = new Random(width * 31 + height);
        foreach (bool extremes in (bool[])[false, true])
        {
            var rgb = new byte[width * 3 * height];
            for (int i = 0; i < rgb.Length; i++) rgb[i] = (byte)(extremes ? rng.Next(2) * 255 : rng.Next(256));
            int row = width * 3;
            var expected = new byte[rgb.Length];
            for (int y = 0; y < height; y++)
                for (int i = 0; i < row; i++)
                {
                    int left = i >= 3 ? rgb[y * row + i - 3] : 0;
                    int up = y > 0 ? rgb[(y - 1) * row + i] : 0;
                    int corner = i >= 3 && y > 0 ? rgb[(y - 1) * row + i - 3] : 0;
                    expected[y * row + i] = (byte)(rgb[y * row + i] - Math.Clamp(left + up - corner, 0, 255));
                }

            TightEncoder.GradientFilter(rgb, width, height);
            Assert.Equal(expected, rgb);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(341)]
    public void GradientPredictionErrorIsTheSumOfEachBytesError(int width)
    {
        // Against the rfbproto definition, byte by byte: noise, and extremes that clamp the prediction both ways.
        var rng = new Random(width);
        foreach (int range in (int[])[256, 2])
        {
            var cur = new byte[width * 3];
            var up = new byte[width * 3];
            for (int i = 0; i < cur.Length; i++)
            {
                cur[i] = (byte)(range == 2 ? rng.Next(2) * 255 : rng.Next(256));
                up[i] = (byte)(range == 2 ? rng.Next(2) * 255 : rng.Next(256));
            }

            int expected = 0;
            for (int i = 3; i < cur.Length; i++)
                expected += Math.Abs(cur[i] - Math.Clamp(cur[i - 3] + up[i] - up[i - 3], 0, 255));
            Assert.Equal(expected, TightEncoder.PredictionError(cur, up));
        }
    }

    [Fact]
    public void FillIsOneTPixel()
    {
        Assert.Equal(EncodingType.Tight, _encoder.Encoding);
        // Control 1000 0000, then R, G, B whatever the shifts.
        Assert.Equal(new byte[] { 0x80, 0x12, 0x34, 0x56 }, Encode([0x563412, 0x563412, 0x563412, 0x563412], 2, 2, Rgbx));
        Assert.Equal(new byte[] { 0x80, 0x12, 0x34, 0x56 }, Encode([0x123456], 1, 1, PixelFormat.Bgrx32));
        // Not 32 bpp depth 24: a full PIXEL in the client's byte order (RGB565 big-endian: 0xF800 is red).
        Assert.Equal(new byte[] { 0x80, 0xF8, 0x00 }, Encode([0xF800, 0xF800], 2, 1, TestPixelFormats.Rgb565BigEndian));
    }

    [Fact]
    public void MonoIsOneBitAPixelOnStreamOne()
    {
        // 10×2: the first colour seen is index 0; rows are byte-aligned, MSB first. 4 data bytes < 12: uncompressed.
        uint[] px =
        [
            White, Black, White, White, White, White, White, White, Black, White,
            Black, Black, Black, Black, Black, Black, Black, Black, Black, Black,
        ];
        Assert.Equal(new byte[]
        {
            0x50,                 // basic, stream 1, explicit filter
            0x01,                 // palette filter
            0x01,                 // 2 colours
            0xFF, 0xFF, 0xFF,     // index 0: white
            0x00, 0x00, 0x00,     // index 1: black
            0b0100_0000, 0b1000_0000,   // row 0: x=1 and x=8 black
            0b1111_1111, 0b1100_0000,   // row 1: all black (last byte padded with zeros)
        }, Encode(px, 10, 2, Rgbx));
    }

    [Fact]
    public void PaletteIsOneByteAPixelOnStreamTwo()
    {
        // 3 colours in 3×3 = 9 index bytes < 12: uncompressed. 3·3 + 9 < 9·3, so palette beats full colour.
        uint[] px = [Red, Red, Green, Green, Blue, Blue, Red, Green, Blue];
        Assert.Equal(new byte[]
        {
            0x60, 0x01, 0x02,                                   // stream 2, palette filter, 3 colours
            0xFF, 0x00, 0x00, 0x00, 0xFF, 0x00, 0x00, 0x00, 0xFF, // red, green, blue
            0, 0, 1, 1, 2, 2, 0, 1, 2,
        }, Encode(px, 3, 3, Rgbx));
    }

    [Fact]
    public void FullColourOnStreamZeroWithoutFilterByte()
    {
        // 3 colours in 3 pixels: a palette would not be smaller, so the TPIXELs go as they are (9 bytes < 12).
        Assert.Equal(new byte[] { 0x00, 0xFF, 0x00, 0x00, 0x00, 0xFF, 0x00, 0x00, 0x00, 0xFF }, Encode([Red, Green, Blue], 3, 1, Rgbx));
    }

    [Fact]
    public void GradientFilterResidualsAreGolden()
    {
        // 2 × 2 RGB. Row 0 predicts from the left only, column 0 from above only; the last pixel from
        // left + above − above-left, clamped: red 5 + 5 − 250 → 0, blue 250 + 250 − 10 → 255. Residuals are mod 256.
        byte[] rgb = [250, 20, 10, 5, 22, 250, 5, 21, 250, 7, 25, 5];
        TightEncoder.GradientFilter(rgb, 2, 2);
        Assert.Equal(new byte[] { 250, 20, 10, 11, 2, 240, 11, 1, 240, 7, 2, 6 }, rgb);
    }

    [Fact]
    public void SmoothFullColourGoesThroughTheGradientFilter()
    {
        // A smooth ramp with more than 256 colours: stream 0, explicit filter, filter 2; decoded exactly.
        var px = new uint[64 * 64];
        for (int y = 0; y < 64; y++)
            for (int x = 0; x < 64; x++)
                px[y * 64 + x] = (uint)(x * 4) | (uint)(y * 4) << 8 | (uint)((x + y) * 2) << 16;
        byte[] bytes = Encode(px, 64, 64, Rgbx);
        Assert.Equal(new byte[] { 0x40, 0x02 }, bytes[..2]);
        Assert.Equal("gradient", _decoder.LastKind);
    }

    [Fact]
    public void SharpFullColourIsNotFiltered()
    {
        // Text-like: hard steps between dark and light with many shades; the filter's residuals would not deflate
        // better than the pixels, so they go as they are (stream 0, no filter byte).
        var px = new uint[64 * 64];
        for (int i = 0; i < px.Length; i++)
            px[i] = (i * 7 % 13) < 6 ? (uint)(i % 250) : 0xFFFFFFu - (uint)(i % 251);
        byte[] bytes = Encode(px, 64, 64, Rgbx);
        Assert.Equal(0x00, bytes[0]);
        Assert.Equal("copy", _decoder.LastKind);
    }

    [Fact]
    public void LargerDataGoesThroughPersistentStreamsWithSyncFlush()
    {
        uint[] photo = TestImages.Make(TestImages.Kind.Photographic, 64, 32, 1);
        var translator = new PixelTranslator(Rgbx);
        var values = new uint[photo.Length];
        translator.TranslateRow(TestImages.ToBytes(photo), values);

        byte[] first = Encode(values, 64, 32, Rgbx);
        Assert.Equal(0x00, first[0]);                  // stream 0, copy, no reset
        int at = 1;
        int length = TightDecoder.ReadCompactLength(first, ref at);
        Assert.Equal(first.Length - at, length);
        Assert.Equal(0x78, first[at]);                 // zlib header: the stream starts here
        Assert.Equal(new byte[] { 0x00, 0x00, 0xFF, 0xFF }, first[^4..]);

        byte[] second = Encode(values, 64, 32, Rgbx);
        at = 1;
        TightDecoder.ReadCompactLength(second, ref at);
        Assert.NotEqual(0x78, second[at]);             // the same stream continues: no second header
        Assert.True(second.Length < first.Length / 2, "the stream's window remembers the first rectangle");
    }

    [Fact]
    public void NewCompressionLevelResetsTheStreamsInUse()
    {
        uint[] mono = new uint[64 * 16];
        for (int i = 0; i < mono.Length; i++) mono[i] = i % 3 == 0 ? White : Black;
        uint[] many = TestImages.Make(TestImages.Kind.Random, 32, 32, 3);
        Encode(mono, 64, 16, Rgbx);          // uses stream 1
        Encode(many, 32, 32, Rgbx);          // uses stream 0
        _encoder.CompressLevel = 9;
        byte[] fill = Encode([Red], 1, 1, Rgbx);
        Assert.Equal(0x80 | 0b0011, fill[0]); // the next rectangle, whatever it is, resets streams 0 and 1
        byte[] again = Encode(mono, 64, 16, Rgbx);
        Assert.Equal(0x50, again[0]);         // reset only once
    }

    [Theory, MemberData(nameof(RoundTripTests.Cases), MemberType = typeof(RoundTripTests))]
    public void LosslessIsPixelExactInEveryFormat(string formatName, TestImages.Kind kind)
    {
        PixelFormat pf = TestPixelFormats.ByName(formatName);
        var translator = new PixelTranslator(pf);
        int seed = 7;
        foreach ((int w, int h) in new[] { (1, 1), (3, 5), (16, 16), (64, 64), (65, 130), (300, 7), (7, 300), (1024, 64) })
        {
            uint[] bgrx = TestImages.Make(kind, w, h, seed++);
            var values = new uint[bgrx.Length];
            translator.TranslateRow(TestImages.ToBytes(bgrx), values);
            Encode(values, w, h, pf);
        }
    }

    [Fact]
    public void JpegRectangleIsAFramedJfifImageWithinQuality()
    {
        const int w = 96, h = 64;
        byte[] bgrx = TestImages.ToBytes(TestImages.Make(TestImages.Kind.Photographic, w, h, 5));
        var output = new ArrayBufferWriter<byte>();
        ReadOnlySpan<byte> jpeg = _encoder.CompressJpeg(bgrx, w, h, w * 4, TightLevels.JpegQuality(9), TightLevels.JpegSubsamplingFor(9));
        _encoder.WriteJpeg(jpeg, output);
        byte[] bytes = output.WrittenSpan.ToArray();
        Assert.Equal(0x90, bytes[0]);
        int at = 1;
        int length = TightDecoder.ReadCompactLength(bytes, ref at);
        Assert.Equal(bytes.Length - at, length);
        Assert.Equal(new byte[] { 0xFF, 0xD8 }, bytes[at..(at + 2)]);   // SOI
        Assert.Equal(new byte[] { 0xFF, 0xD9 }, bytes[^2..]);           // EOI
        _decoder.Decode(bytes, w, h, Rgbx, out int consumed);
        Assert.Equal("jpeg", _decoder.LastKind);
        Assert.Equal(bytes.Length, consumed);
        double psnr = Psnr.Bgrx(bgrx, TightDecoder.DecodeJpegBgrx(bytes.AsSpan(at)));
        Assert.True(psnr >= 38, $"{psnr:F1} dB");
    }

    [Fact]
    public void TightPngSendsFillOrPngNeverBasic()
    {
        using var png = new TightEncoder(png: true);
        Assert.Equal(EncodingType.TightPng, png.Encoding);
        var output = new ArrayBufferWriter<byte>();
        png.Encode([Red, Red], 2, 1, Rgbx, output);
        Assert.Equal(new byte[] { 0x80, 0xFF, 0x00, 0x00 }, output.WrittenSpan.ToArray());

        foreach (TestImages.Kind kind in Enum.GetValues<TestImages.Kind>())
        {
            uint[] bgrx = TestImages.Make(kind, 70, 33, 9);
            var values = new uint[bgrx.Length];
            new PixelTranslator(Rgbx).TranslateRow(TestImages.ToBytes(bgrx), values);
            output.ResetWrittenCount();
            png.Encode(values, 70, 33, Rgbx, output);
            byte[] bytes = output.WrittenSpan.ToArray();
            Assert.Equal(0xA0, bytes[0]);
            int at = 1;
            int length = TightDecoder.ReadCompactLength(bytes, ref at);
        Assert.Equal(bytes.Length - at, length);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[at..(at + 8)]);
            Assert.Equal(values, _decoder.Decode(bytes, 70, 33, Rgbx, out int consumed));
            Assert.Equal(bytes.Length, consumed);
        }
    }

    [Fact]
    public void PngHeaderAndTrailerAreGolden()
    {
        using var png = new TightEncoder(png: true);
        var output = new ArrayBufferWriter<byte>();
        png.Encode([Red, Green], 2, 1, Rgbx, output);
        byte[] b = output.WrittenSpan.ToArray();
        int at = 1;
        TightDecoder.ReadCompactLength(b, ref at);
        Assert.Equal(new byte[]
        {
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A,
            0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,   // IHDR, 13 bytes
            0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01,   // 2 × 1
            0x08, 0x02, 0x00, 0x00, 0x00,                     // 8-bit RGB, deflate, filter 0, no interlace
            0x7B, 0x40, 0xE8, 0xDD,                           // CRC-32 of "IHDR" + data
        }, b[at..(at + 33)]);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82 }, b[^12..]); // IEND
    }

    [Fact]
    public void RejectsRectanglesWiderThanTightAllows() =>
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            _encoder.Encode(new uint[2049], 2049, 1, Rgbx, new ArrayBufferWriter<byte>()));

    /// <summary>
    /// An estimating encoder (the lossless trial's) deflates small full-colour rectangles with PixelDeflater instead
    /// of zlib-ng's 9: other bytes, still a stream a viewer would inflate to the same pixels, and a size close enough
    /// to the real one for a decision between lossless and three times a JPEG.
    /// </summary>
    [Theory]
    [InlineData(TestImages.Kind.Random)]
    [InlineData(TestImages.Kind.Photographic)]
    public void AnEstimatingEncoderCountsSmallFullColourRectanglesNearTheirRealSize(TestImages.Kind kind)
    {
        const int w = 64, h = 64;
        uint[] px = TestImages.Make(kind, w, h, seed: 5);
        _encoder.CompressLevel = 3;
        _encoder.SmallUpdate = true;
        byte[] real = Encode(px, w, h, Rgbx);

        using var estimator = new TightEncoder(png: false, jpeg: null) { Estimating = true, CompressLevel = 3, SmallUpdate = true };
        var output = new ArrayBufferWriter<byte>();
        estimator.Encode(px, w, h, Rgbx, output);
        byte[] estimate = output.WrittenSpan.ToArray();
        using var decoder = new TightDecoder();
        Assert.Equal(px, decoder.Decode(estimate, w, h, Rgbx, out _));

        Assert.NotEqual(real, estimate);
        Assert.InRange(estimate.Length, real.Length * 0.8, real.Length * 1.25);
    }
}
