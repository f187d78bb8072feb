// SPDX-License-Identifier: MIT
using System.Buffers;
using KvmPi.Vnc.Rfb.Encoding;
using KvmPi.Vnc.Tests.Rfb.Pixels;
using KvmPi.Vnc.Tests.Support.Decoders;

namespace KvmPi.Vnc.Tests.Rfb.Encoding;

/// <summary>Golden Hextile bytes (rfbproto "Hextile Encoding"), one comment per byte, after noVNC's hextile.test.js.</summary>
public sealed class HextileEncoderTests
{
    // noVNC's format: a pixel value R | G << 8 | B << 16 goes on the wire as R, G, B, 00.
    private static readonly KvmPi.Vnc.Rfb.Pixels.PixelFormat Rgbx = TestPixelFormats.Rgbx32NoVnc;
    private const uint Red = 0x0000FF, Green = 0x00FF00, Blue = 0xFF0000, White = 0xFFFFFF, Black = 0;

    private static byte[] Encode(uint[] px, int w, int h, KvmPi.Vnc.Rfb.Pixels.PixelFormat pf)
    {
        var output = new ArrayBufferWriter<byte>();
        new HextileEncoder().Encode(px, w, h, pf, output);
        byte[] bytes = output.WrittenSpan.ToArray();
        Assert.Equal(px, HextileDecoder.Decode(bytes, w, h, pf, out int consumed));
        Assert.Equal(bytes.Length, consumed);
        return bytes;
    }

    private static uint[] Fill(int w, int h, uint c) => Enumerable.Repeat(c, w * h).ToArray();

    [Fact]
    public void SolidFourByFourIsBackgroundOnly()
    {
        Assert.Equal(new byte[]
        {
            0x02,                   // subencoding: BackgroundSpecified
            0xFF, 0x00, 0x00, 0x00, // background: red (R, G, B, X)
        }, Encode(Fill(4, 4, Red), 4, 4, Rgbx));
    }

    [Fact]
    public void TwoColoursUseForegroundSubrects()
    {
        uint[] px = Fill(4, 4, Black);
        px[1 * 4 + 1] = px[1 * 4 + 2] = px[2 * 4 + 1] = px[2 * 4 + 2] = White; // 2×2 square at (1,1)
        Assert.Equal(new byte[]
        {
            0x0E,                   // BackgroundSpecified | ForegroundSpecified | AnySubrects
            0x00, 0x00, 0x00, 0x00, // background: black (12 of 16 pixels)
            0xFF, 0xFF, 0xFF, 0x00, // foreground: white
            0x01,                   // 1 subrectangle
            0x11,                   //   x = 1, y = 1
            0x11,                   //   width − 1 = 1, height − 1 = 1
        }, Encode(px, 4, 4, Rgbx));
    }

    [Fact]
    public void ThreeColoursUseColouredSubrects()
    {
        uint[] px = Fill(16, 16, Blue);
        for (int y = 0; y < 2; y++) for (int x = 0; x < 4; x++) px[y * 16 + x] = Red;
        for (int y = 8; y < 16; y++) for (int x = 8; x < 16; x++) px[y * 16 + x] = Green;
        Assert.Equal(new byte[]
        {
            0x1A,                   // BackgroundSpecified | AnySubrects | SubrectsColoured
            0x00, 0x00, 0xFF, 0x00, // background: blue
            0x02,                   // 2 subrectangles
            0xFF, 0x00, 0x00, 0x00, //   colour red
            0x00,                   //   x = 0, y = 0
            0x31,                   //   width − 1 = 3, height − 1 = 1
            0x00, 0xFF, 0x00, 0x00, //   colour green
            0x88,                   //   x = 8, y = 8
            0x77,                   //   width − 1 = 7, height − 1 = 7
        }, Encode(px, 16, 16, Rgbx));
    }

    [Fact]
    public void SeventeenSquareCarriesTheBackgroundIntoEdgeTiles()
    {
        uint[] px = Fill(17, 17, White);
        px[16 * 17 + 16] = Black;
        Assert.Equal(new byte[]
        {
            0x02, 0xFF, 0xFF, 0xFF, 0x00, // tile (0,0) 16×16: background white
            0x00,                         // tile (16,0) 1×16: nothing specified, still white
            0x00,                         // tile (0,16) 16×1: still white
            0x02, 0x00, 0x00, 0x00, 0x00, // tile (16,16) 1×1: background black
        }, Encode(px, 17, 17, Rgbx));
    }

    [Fact]
    public void RawTileWhenCheaperThenBackgroundIsResent()
    {
        // bgr233, 17×1: a 16×1 tile of 16 different values (raw: 17 bytes; coloured subrects would take 48), then
        // a 1×1 tile whose colour equals the background the decoder might still remember.
        uint[] px = new uint[17];
        for (int i = 0; i < 16; i++) px[i] = (uint)(i * 16);
        px[16] = 0;
        Assert.Equal(new byte[]
        {
            0x01,                                           // tile (0,0): Raw
            0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, //   16 pixels, 1 byte each
            0x80, 0x90, 0xA0, 0xB0, 0xC0, 0xD0, 0xE0, 0xF0,
            0x02,                                           // tile (16,0): BackgroundSpecified (state unknown after raw)
            0x00,                                           //   background 0
        }, Encode(px, 17, 1, TestPixelFormats.Bgr233));
    }

    [Fact]
    public void ForegroundIsResentAfterAColouredTile()
    {
        // Tile 0: three colours (coloured subrects). Tile 1: two colours with white foreground, which must be
        // specified even if a decoder last saw white as a subrect colour (libvncclient keeps it as fg).
        uint[] px = Fill(32, 1, Black);
        px[0] = White; px[1] = Red;
        px[16] = White;
        byte[] bytes = Encode(px, 32, 1, Rgbx);
        int tile1 = 1 + 4 + 1 + 2 * 6; // mask, bg, count, two coloured subrects
        Assert.Equal(new byte[]
        {
            0x0C,                   // ForegroundSpecified | AnySubrects (background black carried)
            0xFF, 0xFF, 0xFF, 0x00, // foreground white
            0x01,                   // 1 subrectangle
            0x00,                   //   x = 0, y = 0
            0x00,                   //   1 × 1
        }, bytes[tile1..]);
    }
}
