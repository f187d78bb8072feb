// SPDX-License-Identifier: MIT
using System.Buffers;
using KvmPi.Vnc.Rfb.Encoding;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Tests.Rfb.Pixels;
using KvmPi.Vnc.Tests.Support.Decoders;

namespace KvmPi.Vnc.Tests.Rfb.Encoding;

/// <summary>
/// Every lossless encoder, decoded by the independent reference decoders, must give back exactly what Raw gives back,
/// in every client pixel format, for noise, few-colour and photographic content, at tile-aligned and ragged sizes.
/// </summary>
public sealed class RoundTripTests
{
    private static readonly (int W, int H)[] Sizes = [(1, 1), (4, 4), (16, 16), (17, 17), (64, 64), (65, 130), (150, 90), (300, 7), (7, 300)];

    public static TheoryData<string, TestImages.Kind> Cases()
    {
        var data = new TheoryData<string, TestImages.Kind>();
        foreach ((string name, _) in TestPixelFormats.All())
            foreach (TestImages.Kind kind in Enum.GetValues<TestImages.Kind>())
                data.Add(name, kind);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void EncodersArePixelExactAgainstRaw(string formatName, TestImages.Kind kind)
    {
        PixelFormat pf = TestPixelFormats.ByName(formatName);
        var translator = new PixelTranslator(pf);
        var hextile = new HextileEncoder();
        using var zrle = new ZrleEncoder();
        using var zrleDecoder = new ZrleDecoder(); // one stream across all rectangles of this case
        int seed = 1;
        foreach ((int w, int h) in Sizes)
        {
            uint[] bgrx = TestImages.Make(kind, w, h, seed++);
            uint[] values = new uint[bgrx.Length];
            translator.TranslateRow(TestImages.ToBytes(bgrx), values);

            uint[] raw = Decode(new RawEncoder(), values, w, h, pf, (d, out o) => RawDecoder.Decode(d, w, h, pf, out o), out _);
            Assert.Equal(values, raw);

            uint[] hx = Decode(hextile, values, w, h, pf, (d, out o) => HextileDecoder.Decode(d, w, h, pf, out o), out _);
            Assert.Equal(raw, hx);

            uint[] zr = Decode(zrle, values, w, h, pf, (d, out o) => zrleDecoder.Decode(d, w, h, pf, out o), out _);
            Assert.Equal(raw, zr);
        }
    }

    [Fact]
    public void ZrleRectanglesOfChangingFormatsShareOneStream()
    {
        // RealVNC switches pixel format mid-connection (rfb-notes §2.1); the zlib stream must carry on regardless.
        using var zrle = new ZrleEncoder(6);
        using var decoder = new ZrleDecoder();
        int seed = 100;
        for (int round = 0; round < 3; round++)
        {
            foreach ((_, PixelFormat pf) in TestPixelFormats.All())
            {
                foreach (TestImages.Kind kind in Enum.GetValues<TestImages.Kind>())
                {
                    int w = 20 + seed % 120, h = 10 + seed * 7 % 90;
                    uint[] bgrx = TestImages.Make(kind, w, h, seed++);
                    uint[] values = new uint[bgrx.Length];
                    new PixelTranslator(pf).TranslateRow(TestImages.ToBytes(bgrx), values);
                    var output = new ArrayBufferWriter<byte>();
                    zrle.Encode(values, w, h, pf, output);
                    Assert.Equal(values, decoder.Decode(output.WrittenSpan, w, h, pf, out int consumed));
                    Assert.Equal(output.WrittenCount, consumed);
                }
            }
        }
    }

    /// <summary>One rectangle of test content through the encoder, inflated by the client's one decoder: exact, every byte read.</summary>
    private static void SendZrle(ZrleEncoder zrle, ZrleDecoder decoder, PixelFormat pf, TestImages.Kind kind, int w, int h, int seed)
    {
        uint[] values = new uint[w * h];
        new PixelTranslator(pf).TranslateRow(TestImages.ToBytes(TestImages.Make(kind, w, h, seed)), values);
        var output = new ArrayBufferWriter<byte>();
        zrle.Encode(values, w, h, pf, output);
        Assert.Equal(values, decoder.Decode(output.WrittenSpan, w, h, pf, out int consumed));
        Assert.Equal(output.WrittenCount, consumed);
    }

    [Fact]
    public void ZrleSwitchesItsZlibLevelByContentWithinOneStream()
    {
        // Large few-colour rectangles (palette tiles) move the deflater to the text level, large noisy ones (raw
        // tiles) back; every rectangle inflates from the one stream the client keeps, across both switches.
        PixelFormat pf = TestPixelFormats.Bgrx32;
        using var zrle = new ZrleEncoder(compressionLevel: 9, textLevel: 6);
        using var decoder = new ZrleDecoder();
        int seed = 300;
        void Send(TestImages.Kind kind, int w, int h) => SendZrle(zrle, decoder, pf, kind, w, h, seed++);

        Assert.Equal(9, zrle.CurrentZlibLevel);
        for (int i = 0; i < 8; i++) Send(TestImages.Kind.FewColours, 64, 64);     // small: never the text level
        Assert.Equal(9, zrle.CurrentZlibLevel);
        for (int i = 0; i < 3; i++) Send(TestImages.Kind.FewColours, 1024, 64);   // 48 tiles: not yet
        Assert.Equal(9, zrle.CurrentZlibLevel);
        Send(TestImages.Kind.FewColours, 1024, 64);                               // 64 tiles in a row
        Assert.Equal(6, zrle.CurrentZlibLevel);
        Send(TestImages.Kind.FewColours, 1024, 64);
        for (int i = 0; i < 4; i++) Send(TestImages.Kind.Photographic, 1024, 64);
        Assert.Equal(9, zrle.CurrentZlibLevel);
        Send(TestImages.Kind.Random, 100, 70);
    }

    [Fact]
    public void ZrleTakesSmallRectanglesOfALargeUpdateAtTheTextLevel()
    {
        // The tiles left around a scrolled band: many small rectangles of text in one large update. They are not
        // typing, so they go to the text level like a large text rectangle (after 64 tiles in a row); small
        // rectangles of a small update stay at the level of small updates.
        PixelFormat pf = TestPixelFormats.Bgrx32;
        using var zrle = new ZrleEncoder(compressionLevel: 9, textLevel: 4);
        using var decoder = new ZrleDecoder();
        int seed = 700;
        void Send(TestImages.Kind kind, int w, int h) => SendZrle(zrle, decoder, pf, kind, w, h, seed++);

        zrle.UpdateArea = 4 * 64 * 64;
        for (int i = 0; i < 70; i++) Send(TestImages.Kind.FewColours, 64, 64);
        Assert.Equal(9, zrle.CurrentZlibLevel);
        zrle.UpdateArea = 40 * 64 * 64;
        for (int i = 0; i < 63; i++) Send(TestImages.Kind.FewColours, 64, 64);
        Assert.Equal(9, zrle.CurrentZlibLevel);
        Send(TestImages.Kind.FewColours, 64, 64);
        Assert.Equal(4, zrle.CurrentZlibLevel);
        zrle.UpdateArea = 0;
        for (int i = 0; i < 64; i++) Send(TestImages.Kind.FewColours, 64, 64);
        Assert.Equal(9, zrle.CurrentZlibLevel);
        Send(TestImages.Kind.Random, 100, 70);
    }

    [Fact]
    public void ZrleHandsLargeSmoothRectanglesToPixelDeflaterWithinOneStream()
    {
        // Large rectangles of raw tiles (video), one after another, move the stream to PixelDeflater; small ones
        // (typing) and large few-colour ones (text) take it back to zlib-ng. The client's one inflater reads all of
        // it, across every switch, in two pixel formats (3-byte and 4-byte CPIXELs).
        foreach (PixelFormat pf in (PixelFormat[])[TestPixelFormats.Bgrx32, TestPixelFormats.Rgb565LittleEndian])
        {
            using var zrle = new ZrleEncoder(compressionLevel: 6, textLevel: 5, pixelDeflaterForSmooth: true);
            using var decoder = new ZrleDecoder();
            int seed = 500;
            void Send(TestImages.Kind kind, int w, int h) => SendZrle(zrle, decoder, pf, kind, w, h, seed++);

            Send(TestImages.Kind.Photographic, 2048, 64);                             // one alone: not yet
            Assert.Equal(6, zrle.CurrentZlibLevel);
            for (int i = 0; i < 3; i++) Send(TestImages.Kind.Photographic, 2048, 64);
            Assert.Equal(ZrleEncoder.PixelLevel, zrle.CurrentZlibLevel);
            for (int i = 0; i < 3; i++) Send(TestImages.Kind.Photographic, 2048, 64);   // PixelDeflater's own history
            for (int i = 0; i < 70; i++) Send(TestImages.Kind.FewColours, 64, 64);      // small: back to zlib-ng
            Assert.Equal(6, zrle.CurrentZlibLevel);
            for (int i = 0; i < 4; i++) Send(TestImages.Kind.Photographic, 2048, 64);
            Assert.Equal(ZrleEncoder.PixelLevel, zrle.CurrentZlibLevel);
            for (int i = 0; i < 4; i++) Send(TestImages.Kind.FewColours, 2048, 64);     // text: its zlib-ng level
            Assert.Equal(5, zrle.CurrentZlibLevel);
            Send(TestImages.Kind.Random, 100, 70);
        }
    }

    [Fact]
    public void HextileStreamOfRectanglesDecodesBackToBack()
    {
        // Several rectangles in one buffer, as in one FramebufferUpdate: each must consume exactly its own bytes.
        PixelFormat pf = TestPixelFormats.Rgb565LittleEndian;
        var t = new PixelTranslator(pf);
        var encoder = new HextileEncoder();
        var output = new ArrayBufferWriter<byte>();
        var expected = new List<(uint[] Values, int W, int H)>();
        int seed = 9;
        foreach (TestImages.Kind kind in Enum.GetValues<TestImages.Kind>())
        {
            int w = 33, h = 19;
            uint[] values = new uint[w * h];
            t.TranslateRow(TestImages.ToBytes(TestImages.Make(kind, w, h, seed++)), values);
            encoder.Encode(values, w, h, pf, output);
            expected.Add((values, w, h));
        }

        ReadOnlySpan<byte> data = output.WrittenSpan;
        foreach ((uint[] values, int w, int h) in expected)
        {
            Assert.Equal(values, HextileDecoder.Decode(data, w, h, pf, out int consumed));
            data = data[consumed..];
        }

        Assert.True(data.IsEmpty);
    }

    private delegate uint[] DecodeFn(ReadOnlySpan<byte> data, out int consumed);

    private static uint[] Decode(IRectEncoder encoder, uint[] values, int w, int h, PixelFormat pf, DecodeFn decode, out int size)
    {
        var output = new ArrayBufferWriter<byte>();
        encoder.Encode(values, w, h, pf, output);
        uint[] decoded = decode(output.WrittenSpan, out int consumed);
        Assert.Equal(output.WrittenCount, consumed);
        size = consumed;
        return decoded;
    }
}
