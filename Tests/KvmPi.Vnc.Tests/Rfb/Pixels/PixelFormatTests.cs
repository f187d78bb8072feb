// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Pixels;

namespace KvmPi.Vnc.Tests.Rfb.Pixels;

/// <summary>PixelFormat.IsValid against the isSane rules (rfb-notes §2.6) and the 16-byte wire layout.</summary>
public sealed class PixelFormatTests
{
    public static TheoryData<string> ValidNames() => TestPixelFormats.Names();

    [Theory, MemberData(nameof(ValidNames))]
    public void FormatsClientsRequestAreValid(string name)
    {
        Assert.True(TestPixelFormats.ByName(name).IsValid(out string? reason), reason);
    }

    [Theory]
    [InlineData(8, 3, 1, 1, 1, 0, 1, 2)]        // rgb111, TigerVNC's lowest auto level
    [InlineData(16, 15, 31, 31, 31, 10, 5, 0)]  // rgb555
    [InlineData(32, 24, 255, 255, 255, 8, 16, 24)]
    public void OtherTrueColourFormatsAreValid(byte bpp, byte depth, ushort rm, ushort gm, ushort bm, byte rs, byte gs, byte bs)
    {
        Assert.True(new PixelFormat(bpp, depth, false, true, rm, gm, bm, rs, gs, bs).IsValid(out string? reason), reason);
    }

    public static TheoryData<string, PixelFormat> Invalid() => new()
    {
        { "bpp 24 (TigerVNC#1867)", new PixelFormat(24, 24, false, true, 255, 255, 255, 16, 8, 0) },
        { "blue shift 32 (TigerVNC#1156)", new PixelFormat(32, 24, false, true, 255, 255, 255, 16, 8, 32) },
        { "colour map", new PixelFormat(8, 8, false, false, 7, 7, 3, 0, 3, 6) },
        { "max not 2^n-1", new PixelFormat(32, 24, false, true, 254, 255, 255, 16, 8, 0) },
        { "max above 255", new PixelFormat(32, 24, false, true, 511, 255, 255, 16, 8, 0) },
        { "max zero", new PixelFormat(16, 16, false, true, 0, 63, 31, 11, 5, 0) },
        { "overlapping channels", new PixelFormat(32, 24, false, true, 255, 255, 255, 8, 8, 0) },
        { "depth zero", new PixelFormat(32, 0, false, true, 255, 255, 255, 16, 8, 0) },
        { "depth above bpp", new PixelFormat(16, 24, false, true, 31, 63, 31, 11, 5, 0) },
        { "bits exceed depth", new PixelFormat(16, 15, false, true, 31, 63, 31, 11, 5, 0) },
        { "channel past bpp", new PixelFormat(16, 16, false, true, 31, 63, 31, 12, 5, 0) },
    };

    [Theory, MemberData(nameof(Invalid))]
    public void InsaneFormatsAreRejected(string why, PixelFormat format)
    {
        Assert.False(format.IsValid(out string? reason), why);
        Assert.False(string.IsNullOrEmpty(reason));
        Assert.Throws<ArgumentException>(() => new PixelTranslator(format));
    }

    [Fact]
    public void WireRoundTripZeroesPadding()
    {
        byte[] wire = new byte[PixelFormat.WireLength];
        wire.AsSpan().Fill(0xEE);
        TestPixelFormats.Rgb565BigEndian.Write(wire);
        Assert.Equal(new byte[]
        {
            16,         // bits-per-pixel
            16,         // depth
            1,          // big-endian-flag
            1,          // true-colour-flag
            0x00, 0x1F, // red-max 31
            0x00, 0x3F, // green-max 63
            0x00, 0x1F, // blue-max 31
            11,         // red-shift
            5,          // green-shift
            0,          // blue-shift
            0, 0, 0,    // padding
        }, wire);
        Assert.Equal(TestPixelFormats.Rgb565BigEndian, PixelFormat.Read(wire));
    }

    [Fact]
    public void Is888OnlyForByteAligned8BitChannelsAt32Bpp()
    {
        Assert.True(TestPixelFormats.Rgbx32NoVnc.Is888);
        Assert.True(TestPixelFormats.Xrgb32BigEndian.Is888);
        Assert.False(TestPixelFormats.Straddling32.Is888);
        Assert.False(TestPixelFormats.Rgb565LittleEndian.Is888);
    }
}
