// SPDX-License-Identifier: MIT
using System.Buffers;
using KvmPi.Vnc.Rfb;
using KvmPi.Vnc.Rfb.Protocol;
using KvmPi.Vnc.Rfb.Server;

namespace KvmPi.Vnc.Tests.Rfb.Protocol;

public class LedStateMessageTests
{
    [Fact]
    public void QemuLedState_IsAnEmptyRectangleAndOneByte()
    {
        var output = new ArrayBufferWriter<byte>();
        ServerMessageWriter.WriteLedState(output, EncodingType.QemuLedState, LockKeys.CapsLock | LockKeys.ScrollLock);
        Assert.Equal(new byte[]
        {
            0x00, 0x00, 0x00, 0x00,  // x, y: 0
            0x00, 0x00, 0x00, 0x00,  // width, height: 0
            0xFF, 0xFF, 0xFE, 0xFB,  // encoding -261: QEMU LED State
            0x05,                    // bit 0 Scroll Lock, bit 2 Caps Lock
        }, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void VmwareLedState_IsAnEmptyRectangleAndABigEndianU32()
    {
        var output = new ArrayBufferWriter<byte>();
        ServerMessageWriter.WriteLedState(output, EncodingType.VmwareLedState, LockKeys.NumLock);
        Assert.Equal(new byte[]
        {
            0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00,
            0x57, 0x4D, 0x56, 0x68,  // encoding 0x574D5668: VMware LED State
            0x00, 0x00, 0x00, 0x02,  // bit 1 Num Lock
        }, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void OtherEncodings_AreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ServerMessageWriter.WriteLedState(new ArrayBufferWriter<byte>(), EncodingType.Raw, LockKeys.None));
    }

    [Theory]
    [InlineData(new[] { 0, -261 }, EncodingType.QemuLedState)]
    [InlineData(new[] { 0x574D5668, 0 }, EncodingType.VmwareLedState)]
    [InlineData(new[] { 0x574D5668, -261 }, EncodingType.QemuLedState)]   // QEMU's wins wherever listed
    [InlineData(new[] { 16, 5, 0 }, null)]
    public void Capabilities_PickTheLedEncoding(int[] encodings, EncodingType? expected)
    {
        Assert.Equal(expected, ClientCapabilities.From(encodings).LedState);
    }
}
