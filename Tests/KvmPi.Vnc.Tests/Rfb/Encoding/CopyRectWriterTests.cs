// SPDX-License-Identifier: MIT
using System.Buffers;
using KvmPi.Vnc.Rfb.Encoding;
using KvmPi.Vnc.Rfb.Updates;

namespace KvmPi.Vnc.Tests.Rfb.Encoding;

public sealed class CopyRectWriterTests
{
    [Fact]
    public void WritesTheDestinationHeaderAndTheSourceCorner()
    {
        // rfbproto "CopyRect encoding": x, y, w, h, encoding 1, then src-x-position and src-y-position (U16 each).
        var output = new ArrayBufferWriter<byte>();
        CopyRectWriter.Write(output, new ScrollMove(new Rect(64, 32, 1856, 991), 57));
        Assert.Equal(new byte[]
        {
            0x00, 0x40, 0x00, 0x20, 0x07, 0x40, 0x03, 0xDF, 0x00, 0x00, 0x00, 0x01,
            0x00, 0x40, 0x00, 0x59,
        }, output.WrittenSpan.ToArray());
        Assert.Equal(CopyRectWriter.Length, output.WrittenCount);
    }

    [Fact]
    public void AnUpwardMoveHasItsSourceAbove()
    {
        var output = new ArrayBufferWriter<byte>();
        CopyRectWriter.Write(output, new ScrollMove(new Rect(0, 100, 10, 20), -38));
        Assert.Equal(new byte[] { 0, 0, 0, 62 }, output.WrittenSpan[12..].ToArray());
    }
}
