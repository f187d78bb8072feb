// SPDX-License-Identifier: MIT
using System.Buffers;
using KvmPi.Vnc.Rfb.Protocol;
using KvmPi.Vnc.Rfb.Updates;

namespace KvmPi.Vnc.Tests.Rfb.Protocol;

public class ServerMessageWriterTests
{
    [Fact]
    public void QemuExtendedKeyEventAck()
    {
        var output = new ArrayBufferWriter<byte>();
        ServerMessageWriter.WriteQemuExtendedKeyEventAck(output);
        Assert.Equal(new byte[]
        {
            0x00, 0x00, 0x00, 0x01,  // FramebufferUpdate, padding, 1 rectangle
            0x00, 0x00, 0x00, 0x00,  // x 0, y 0
            0x00, 0x00, 0x00, 0x00,  // width 0, height 0
            0xFF, 0xFF, 0xFE, 0xFE,  // encoding -258: QEMU Extended Key Event
        }, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void FramebufferUpdateHeader()
    {
        var output = new ArrayBufferWriter<byte>();
        ServerMessageWriter.WriteFramebufferUpdateHeader(output, 300);
        Assert.Equal(new byte[]
        {
            0x00,        // message type 0: FramebufferUpdate
            0x00,        // padding
            0x01, 0x2C,  // 300 rectangles
        }, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void RectHeader()
    {
        var output = new ArrayBufferWriter<byte>();
        ServerMessageWriter.WriteRectHeader(output, new Rect(1920 - 64, 1080 - 56, 64, 56), EncodingType.Zrle);
        Assert.Equal(new byte[]
        {
            0x07, 0x40,              // x 1856
            0x04, 0x00,              // y 1024
            0x00, 0x40,              // width 64
            0x00, 0x38,              // height 56
            0x00, 0x00, 0x00, 0x10,  // encoding 16: ZRLE
        }, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void DesktopSizeIsAnEmptyRectangleCarryingTheSize()
    {
        var output = new ArrayBufferWriter<byte>();
        ServerMessageWriter.WriteDesktopSize(output, 800, 600);
        Assert.Equal(new byte[]
        {
            0x00, 0x00, 0x00, 0x00,  // x, y: 0
            0x03, 0x20,              // width 800
            0x02, 0x58,              // height 600
            0xFF, 0xFF, 0xFF, 0x21,  // encoding -223: DesktopSize, no payload
        }, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void ExtendedDesktopSizeCarriesReasonStatusAndOneScreen()
    {
        var output = new ArrayBufferWriter<byte>();
        ServerMessageWriter.WriteExtendedDesktopSize(output, DesktopSizeReason.ThisClient, DesktopSizeStatus.Prohibited, 1920, 1080);
        Assert.Equal(new byte[]
        {
            0x00, 0x01,              // x: reason 1, this client's request
            0x00, 0x01,              // y: status 1, prohibited
            0x07, 0x80, 0x04, 0x38,  // 1920x1080
            0xFF, 0xFF, 0xFE, 0xCC,  // encoding -308: ExtendedDesktopSize
            0x01, 0x00, 0x00, 0x00,  // one screen, 3 padding
            0x00, 0x00, 0x00, 0x01,  // screen id 1 (libvncclient ignores a layout whose screen id is 0)
            0x00, 0x00, 0x00, 0x00,  // x 0, y 0
            0x07, 0x80, 0x04, 0x38,  // 1920x1080
            0x00, 0x00, 0x00, 0x00,  // flags
        }, output.WrittenSpan.ToArray());
        Assert.Equal(ServerMessageWriter.ExtendedDesktopSizeLength, output.WrittenCount);
    }

    [Fact]
    public void RectanglesBeyondTheWireRangeAreABugNotTruncation()
    {
        var output = new ArrayBufferWriter<byte>();
        Assert.Throws<OverflowException>(() => ServerMessageWriter.WriteRectHeader(output, new Rect(0, 0, 70000, 1), EncodingType.Raw));
        Assert.Throws<OverflowException>(() => ServerMessageWriter.WriteFramebufferUpdateHeader(output, 65536));
    }

    [Fact]
    public void EndOfContinuousUpdatesIsTheTypeByteAlone()
    {
        var output = new ArrayBufferWriter<byte>();
        ServerMessageWriter.WriteEndOfContinuousUpdates(output);
        Assert.Equal(new byte[] { 0x96 }, output.WrittenSpan.ToArray());   // message type 150
    }

    [Fact]
    public void ServerFence()
    {
        var output = new ArrayBufferWriter<byte>();
        ServerMessageWriter.WriteServerFence(output, FenceFlags.Request | FenceFlags.BlockBefore, [0x01]);
        Assert.Equal(new byte[]
        {
            0xF8,                    // message type 248: ServerFence
            0x00, 0x00, 0x00,        // padding
            0x80, 0x00, 0x00, 0x01,  // flags: Request (bit 31) | BlockBefore (bit 0)
            0x01,                    // payload length
            0x01,                    // payload
        }, output.WrittenSpan.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => ServerMessageWriter.WriteServerFence(output, 0, new byte[65]));
    }
}
