// SPDX-License-Identifier: MIT
using System.Buffers;
using KvmPi.Vnc.Rfb.Encoding;
using KvmPi.Vnc.Rfb.Protocol;
using KvmPi.Vnc.Tests.Rfb.Pixels;

namespace KvmPi.Vnc.Tests.Rfb.Encoding;

public sealed class RawEncoderTests
{
    [Fact]
    public void NoVncRgbxTwoByOne()
    {
        var output = new ArrayBufferWriter<byte>();
        new RawEncoder().Encode([0x00332211, 0x00CCBBAA], 2, 1, TestPixelFormats.Rgbx32NoVnc, output);
        Assert.Equal(new byte[]
        {
            0x11, 0x22, 0x33, 0x00, // pixel (0,0): R, G, B, X
            0xAA, 0xBB, 0xCC, 0x00, // pixel (1,0)
        }, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Rgb565BigEndianOneByTwo()
    {
        var output = new ArrayBufferWriter<byte>();
        new RawEncoder().Encode([0xF800, 0x001F], 1, 2, TestPixelFormats.Rgb565BigEndian, output);
        Assert.Equal(new byte[]
        {
            0xF8, 0x00, // pixel (0,0): pure red, high byte first
            0x00, 0x1F, // pixel (0,1): pure blue
        }, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Bgr233IsOneBytePerPixel()
    {
        var output = new ArrayBufferWriter<byte>();
        new RawEncoder().Encode([0xFF, 0x07, 0xC0], 3, 1, TestPixelFormats.Bgr233, output);
        Assert.Equal(new byte[]
        {
            0xFF, // white
            0x07, // red
            0xC0, // blue
        }, output.WrittenSpan.ToArray());
        Assert.Equal(EncodingType.Raw, new RawEncoder().Encoding);
    }

    [Fact]
    public void LargeRectangleIsWrittenInChunks()
    {
        var output = new ArrayBufferWriter<byte>();
        uint[] px = new uint[300 * 200];
        for (int i = 0; i < px.Length; i++) px[i] = (uint)i;
        new RawEncoder().Encode(px, 300, 200, TestPixelFormats.Bgrx32, output);
        Assert.Equal(px.Length * 4, output.WrittenCount);
        Assert.Equal(px, Support.Decoders.RawDecoder.Decode(output.WrittenSpan, 300, 200, TestPixelFormats.Bgrx32, out _));
    }
}
