// SPDX-License-Identifier: MIT
using System.Buffers;
using System.Buffers.Binary;
using KvmPi.Vnc.Rfb.Encoding;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Rfb.Protocol;
using KvmPi.Vnc.Tests.Rfb.Pixels;
using KvmPi.Vnc.Tests.Support.Decoders;

namespace KvmPi.Vnc.Tests.Rfb.Encoding;

/// <summary>
/// ZRLE framing and tile bytes (rfbproto "ZRLE Encoding"). zlib output differs between zlib versions, so only the
/// framing is checked raw; the tile bytes are checked after inflating, one comment per byte.
/// </summary>
public sealed class ZrleEncoderTests : IDisposable
{
    // noVNC's format: CPIXEL is the first three wire bytes, R, G, B.
    private static readonly PixelFormat Rgbx = TestPixelFormats.Rgbx32NoVnc;
    private const uint Red = 0x0000FF, Green = 0x00FF00, Blue = 0xFF0000, White = 0xFFFFFF, Black = 0;

    private readonly ZrleEncoder _encoder = new();
    private readonly ZrleDecoder _decoder = new();

    public void Dispose()
    {
        _encoder.Dispose();
        _decoder.Dispose();
    }

    /// <summary>Encodes through the shared stream and returns the inflated tile bytes, checking the framing.</summary>
    private byte[] Tiles(uint[] px, int w, int h, PixelFormat pf, int expectedTileBytes, bool first = false)
    {
        var output = new ArrayBufferWriter<byte>();
        _encoder.Encode(px, w, h, pf, output);
        ReadOnlySpan<byte> payload = output.WrittenSpan;
        Assert.Equal(payload.Length - 4, (int)BinaryPrimitives.ReadUInt32BigEndian(payload)); // U32 length, big-endian
        if (first)
        {
            Assert.Equal(0x78, payload[4]);                                 // zlib CMF: deflate, 32 KiB window
            Assert.Equal(0, (payload[4] << 8 | payload[5]) % 31);           // FCHECK
        }
        else
        {
            Assert.NotEqual(0x78, payload[4]); // no second zlib header: the stream continues
        }

        Assert.Equal(new byte[] { 0x00, 0x00, 0xFF, 0xFF }, payload[^4..].ToArray()); // sync flush marker
        return _decoder.InflateExactly(payload, expectedTileBytes);
    }

    private static uint[] Fill(int w, int h, uint c) => Enumerable.Repeat(c, w * h).ToArray();

    [Fact]
    public void SubencodingsThroughOneStream()
    {
        Assert.Equal(EncodingType.Zrle, _encoder.Encoding);

        // 4×4 red → solid.
        Assert.Equal(new byte[]
        {
            0x01,             // subencoding 1: solid
            0xFF, 0x00, 0x00, // CPIXEL red (R, G, B)
        }, Tiles(Fill(4, 4, Red), 4, 4, Rgbx, 4, first: true));

        // 4×2 checkerboard of two colours → packed palette, 1 bit per pixel.
        uint[] checker = [Red, Blue, Red, Blue, Blue, Red, Blue, Red];
        Assert.Equal(new byte[]
        {
            0x02,             // subencoding 2: packed palette of 2 colours
            0xFF, 0x00, 0x00, //   palette[0] red
            0x00, 0x00, 0xFF, //   palette[1] blue
            0x50,             //   row 0: 0 1 0 1, MSB first, padded: 0101_0000
            0xA0,             //   row 1: 1 0 1 0 → 1010_0000
        }, Tiles(checker, 4, 2, Rgbx, 9));

        // 16×4: one run each of 16 red, 32 green, 16 blue → plain RLE (13 bytes; palette RLE 16, packed 26).
        uint[] bands = [.. Fill(16, 1, Red), .. Fill(16, 2, Green), .. Fill(16, 1, Blue)];
        Assert.Equal(new byte[]
        {
            0x80,             // subencoding 128: plain RLE
            0xFF, 0x00, 0x00, //   red
            0x0F,             //   run 1 + 15 = 16
            0x00, 0xFF, 0x00, //   green
            0x1F,             //   run 32 (continues over the row end)
            0x00, 0x00, 0xFF, //   blue
            0x0F,             //   run 16
        }, Tiles(bands, 16, 4, Rgbx, 13));

        // 64×2: white ×60, black, white ×60, black, white ×6 → palette RLE (15; plain 21, packed 23).
        uint[] dots = Fill(64, 2, White);
        dots[60] = dots[121] = Black;
        Assert.Equal(new byte[]
        {
            0x82,             // subencoding 130: palette RLE, 2 colours
            0xFF, 0xFF, 0xFF, //   palette[0] white
            0x00, 0x00, 0x00, //   palette[1] black
            0x80, 0x3B,       //   index 0 | 128, run 1 + 59 = 60
            0x01,             //   index 1, run of 1 (no length)
            0x80, 0x3B,       //   index 0, run 60
            0x01,             //   index 1
            0x80, 0x05,       //   index 0, run 6
        }, Tiles(dots, 64, 2, Rgbx, 15));

        // 64×5: red ×300 then blue ×20 → plain RLE with a 255 continuation byte.
        uint[] longRun = [.. Fill(300, 1, Red), .. Fill(20, 1, Blue)];
        Assert.Equal(new byte[]
        {
            0x80,             // plain RLE
            0xFF, 0x00, 0x00, //   red
            0xFF, 0x2C,       //   run 1 + 255 + 44 = 300
            0x00, 0x00, 0xFF, //   blue
            0x13,             //   run 20
        }, Tiles(longRun, 64, 5, Rgbx, 10));

        // 2×2 of four colours → raw is smallest (13; packed 15, RLEs 17).
        Assert.Equal(new byte[]
        {
            0x00,             // subencoding 0: raw
            0xFF, 0x00, 0x00, //   (0,0) red
            0x00, 0xFF, 0x00, //   (1,0) green
            0x00, 0x00, 0xFF, //   (0,1) blue
            0xFF, 0xFF, 0xFF, //   (1,1) white
        }, Tiles([Red, Green, Blue, White], 2, 2, Rgbx, 13));

        // 65×1: two tiles, 64×1 then 1×1, left to right.
        uint[] twoTiles = [.. Fill(64, 1, Red), Blue];
        Assert.Equal(new byte[]
        {
            0x01, 0xFF, 0x00, 0x00, // tile (0,0) 64×1: solid red
            0x01, 0x00, 0x00, 0xFF, // tile (64,0) 1×1: solid blue
        }, Tiles(twoTiles, 65, 1, Rgbx, 8));
    }

    public static TheoryData<string, byte[]> CPixels() => new()
    {
        { nameof(TestPixelFormats.Bgrx32), [0x33, 0x22, 0x11] },         // wire 33 22 11 00: drop the last byte
        { nameof(TestPixelFormats.Rgbx32NoVnc), [0x11, 0x22, 0x33] },    // wire 11 22 33 00
        { nameof(TestPixelFormats.Xrgb32BigEndian), [0x11, 0x22, 0x33] },// wire 00 11 22 33: drop the first byte
        { nameof(TestPixelFormats.Bgr32High), [0x33, 0x22, 0x11] },      // wire 00 33 22 11: drop the first byte
        { nameof(TestPixelFormats.Straddling32), [0x10, 0x21, 0x32, 0x03] }, // 0x03322110: bits in all 4 bytes, full PIXEL
        { nameof(TestPixelFormats.Rgb565BigEndian), [0x11, 0x06] },     // r2 g8 b6 = 0x1106: full PIXEL, high byte first
        { nameof(TestPixelFormats.Bgr233), [0x48] },                     // r0 g1 b1 = 0x48: one byte
    };

    [Theory, MemberData(nameof(CPixels))]
    public void CPixelFollowsTheWireOrder(string format, byte[] expected)
    {
        PixelFormat pf = TestPixelFormats.ByName(format);
        uint value = new PixelTranslator(pf).Translate(0x112233); // R 0x11, G 0x22, B 0x33
        byte[] tile = Tiles([value], 1, 1, pf, 1 + expected.Length, first: true);
        Assert.Equal(1, tile[0]); // solid
        Assert.Equal(expected, tile[1..]);
    }

    [Fact]
    public void EmptyRectangleWritesAZeroLength()
    {
        var output = new ArrayBufferWriter<byte>();
        _encoder.Encode([], 0, 0, Rgbx, output);
        Assert.Equal(new byte[] { 0, 0, 0, 0 }, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void CompressionLevelIsChecked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZrleEncoder(10));
        using var fast = new ZrleEncoder(1);
        Assert.Equal(1, fast.CompressionLevel);
    }
}
