// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Pixels;

namespace KvmPi.Vnc.Tests.Rfb.Pixels;

/// <summary>
/// Golden values for nearest-value channel scaling ((c·max + 127) / 255, as libvncserver and TigerVNC round) and for
/// serialisation in each byte order; plus the Vector128 path against its scalar twin.
/// </summary>
public sealed class PixelTranslatorTests
{
    private static uint Bgrx(int r, int g, int b) => (uint)(r << 16 | g << 8 | b);

    [Theory]
    // 3-bit red/green: 18·7/255 = 0.494 rounds down, 19·7/255 = 0.522 rounds up (truncation would give 0 for both).
    [InlineData(18, 0, 0, 0x00)]
    [InlineData(19, 0, 0, 0x01)]
    [InlineData(0x80, 0, 0, 0x04)]             // 128·7/255 = 3.51 → 4 (a shift would give 4 too; see 0xDB)
    [InlineData(0xDB, 0, 0, 0x06)]             // 219·7/255 = 6.01 → 6; 219 >> 5 = 6
    [InlineData(0xF0, 0, 0, 0x07)]             // 240·7/255 = 6.59 → 7; 240 >> 5 = 7
    [InlineData(0x90, 0, 0, 0x04)]             // 144·7/255 = 3.95 → 4; 144 >> 5 = 4
    [InlineData(0xA0, 0, 0, 0x04)]             // 160·7/255 = 4.39 → 4; 160 >> 5 = 5: here truncation is wrong
    [InlineData(0, 0xA0, 0, 0x04 << 3)]        // green at shift 3
    // 2-bit blue: 42·3/255 = 0.494 → 0, 43·3/255 = 0.506 → 1; 0xD4 = 212·3/255 = 2.49 → 2, 213 → 3.
    [InlineData(0, 0, 42, 0x00)]
    [InlineData(0, 0, 43, 0x40)]
    [InlineData(0, 0, 212, 0x80)]
    [InlineData(0, 0, 213, 0xC0)]
    [InlineData(0xFF, 0xFF, 0xFF, 0xFF)]       // white fills all 8 bits
    public void Bgr233RoundsToNearest(int r, int g, int b, uint expected)
    {
        var t = new PixelTranslator(TestPixelFormats.Bgr233);
        Assert.Equal(expected, t.Translate(Bgrx(r, g, b)));
        byte[] wire = new byte[1];
        t.Serialize([expected], wire);
        Assert.Equal((byte)expected, wire[0]);
    }

    [Theory]
    // 5-bit: 4·31/255 = 0.486 → 0, 5·31/255 = 0.608 → 1; 250·31/255 = 30.39 → 30 where 250 >> 3 = 31.
    [InlineData(4, 0, 0, 0x0000)]
    [InlineData(5, 0, 0, 0x0800)]
    [InlineData(250, 0, 0, 30 << 11)]
    // 6-bit: 128·63/255 = 31.62 → 32; 2·63/255 = 0.494 → 0; 3·63/255 = 0.741 → 1.
    [InlineData(0, 128, 0, 32 << 5)]
    [InlineData(0, 2, 0, 0)]
    [InlineData(0, 3, 0, 1 << 5)]
    [InlineData(0xFF, 0x80, 0x00, 0xFC00)]
    [InlineData(0xFF, 0xFF, 0xFF, 0xFFFF)]
    public void Rgb565RoundsToNearest(int r, int g, int b, uint expected)
    {
        Assert.Equal(expected, new PixelTranslator(TestPixelFormats.Rgb565LittleEndian).Translate(Bgrx(r, g, b)));
        Assert.Equal(expected, new PixelTranslator(TestPixelFormats.Rgb565BigEndian).Translate(Bgrx(r, g, b)));
    }

    [Fact]
    public void Rgb565SerialisesInEachByteOrder()
    {
        byte[] le = new byte[4], be = new byte[4];
        new PixelTranslator(TestPixelFormats.Rgb565LittleEndian).Serialize([0xFC00, 0x001F], le);
        new PixelTranslator(TestPixelFormats.Rgb565BigEndian).Serialize([0xFC00, 0x001F], be);
        Assert.Equal(new byte[] { 0x00, 0xFC, 0x1F, 0x00 }, le); // low byte first
        Assert.Equal(new byte[] { 0xFC, 0x00, 0x00, 0x1F }, be); // high byte first
    }

    [Fact]
    public void NoVncRgbxPutsRedInTheLowByte()
    {
        var t = new PixelTranslator(TestPixelFormats.Rgbx32NoVnc);
        uint v = t.Translate(Bgrx(0x11, 0x22, 0x33) | 0xAB00_0000); // X byte must not leak
        Assert.Equal(0x0033_2211u, v);
        byte[] wire = new byte[4];
        t.Serialize([v], wire);
        Assert.Equal(new byte[] { 0x11, 0x22, 0x33, 0x00 }, wire); // R, G, B, X in memory (noVNC#1847)
    }

    [Fact]
    public void BigEndian32SendsMostSignificantFirst()
    {
        var t = new PixelTranslator(TestPixelFormats.Xrgb32BigEndian);
        uint v = t.Translate(Bgrx(0x11, 0x22, 0x33));
        Assert.Equal(0x0011_2233u, v);
        byte[] wire = new byte[4];
        t.Serialize([v], wire);
        Assert.Equal(new byte[] { 0x00, 0x11, 0x22, 0x33 }, wire); // X, R, G, B
    }

    [Fact]
    public void Bgrx32IsIdentityWithPaddingCleared()
    {
        var t = new PixelTranslator(PixelFormat.Bgrx32);
        Assert.Equal(0x0012_3456u, t.Translate(0xFF12_3456));
    }

    public static TheoryData<string> Formats() => TestPixelFormats.Names();

    [Theory, MemberData(nameof(Formats))]
    public void EveryChannelValueMatchesTheRoundingFormula(string name)
    {
        PixelFormat f = TestPixelFormats.ByName(name);
        var t = new PixelTranslator(f);
        for (int c = 0; c < 256; c++)
        {
            uint r = (uint)((c * f.RedMax + 127) / 255), g = (uint)((c * f.GreenMax + 127) / 255), b = (uint)((c * f.BlueMax + 127) / 255);
            Assert.Equal(r << f.RedShift, t.Translate(Bgrx(c, 0, 0)));
            Assert.Equal(g << f.GreenShift, t.Translate(Bgrx(0, c, 0)));
            Assert.Equal(b << f.BlueShift, t.Translate(Bgrx(0, 0, c)));
        }
    }

    public static TheoryData<string> Formats888() => new()
    {
        nameof(TestPixelFormats.Bgrx32), nameof(TestPixelFormats.Rgbx32NoVnc), nameof(TestPixelFormats.Xrgb32BigEndian),
        nameof(TestPixelFormats.Bgr32High),
    };

    [Theory, MemberData(nameof(Formats888))]
    public void VectorPathEqualsScalarTwin(string name)
    {
        var t = new PixelTranslator(TestPixelFormats.ByName(name));
        var rng = new Random(42);
        for (int n = 0; n <= 37; n++)
        {
            uint[] src = new uint[n];
            for (int i = 0; i < n; i++) src[i] = (uint)rng.Next() ^ ((uint)rng.Next() << 16);
            uint[] vector = new uint[n], scalar = new uint[n], viaRow = new uint[n];
            t.TranslateRowVector(src, vector);
            t.TranslateRowScalar(src, scalar);
            t.TranslateRow(System.Runtime.InteropServices.MemoryMarshal.AsBytes(src.AsSpan()), viaRow);
            Assert.Equal(scalar, vector);
            Assert.Equal(scalar, viaRow);
            for (int i = 0; i < n; i++) Assert.Equal(t.Translate(src[i]), scalar[i]);
        }
    }

    [Theory, MemberData(nameof(Formats))]
    public void SerializeWritesBytesPerPixelInClientOrder(string name)
    {
        PixelFormat f = TestPixelFormats.ByName(name);
        var t = new PixelTranslator(f);
        uint[] values = [t.Translate(0x123456), t.Translate(0xFEDCBA), t.Translate(0x0F0F0F)];
        byte[] wire = new byte[values.Length * f.BytesPerPixel];
        t.Serialize(values, wire);
        for (int i = 0; i < values.Length; i++)
        {
            uint back = 0;
            for (int k = 0; k < f.BytesPerPixel; k++)
            {
                int shift = f.BigEndian ? 8 * (f.BytesPerPixel - 1 - k) : 8 * k;
                back |= (uint)wire[i * f.BytesPerPixel + k] << shift;
            }

            Assert.Equal(values[i], back);
        }
    }
}
