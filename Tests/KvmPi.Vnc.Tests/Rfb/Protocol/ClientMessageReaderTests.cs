// SPDX-License-Identifier: MIT
using System.Buffers;
using KvmPi.Vnc.Rfb.Diagnostics;
using KvmPi.Vnc.Rfb.Protocol;

namespace KvmPi.Vnc.Tests.Rfb.Protocol;

public class ClientMessageReaderTests
{
    public static TheoryData<string, byte[], string> Messages => new()
    {
        {
            "SetPixelFormat rgb565 big-endian",
            [0x00, 0, 0, 0,                    // type 0, 3 padding
             16, 16, 1, 1,                     // bpp 16, depth 16, big-endian, true colour
             0x00, 0x1F, 0x00, 0x3F, 0x00, 0x1F, // red-max 31, green-max 63, blue-max 31
             11, 5, 0, 0, 0, 0],               // shifts 11/5/0, 3 padding
            "pf 16bpp depth 16 BE max 31/63/31 shift 11/5/0"
        },
        {
            "SetEncodings with pseudo-encodings",
            [0x02, 0, 0x00, 0x03,              // type 2, padding, 3 encodings
             0x00, 0x00, 0x00, 0x10,           // 16 ZRLE
             0xFF, 0xFF, 0xFF, 0x21,           // -223 DesktopSize
             0x00, 0x00, 0x00, 0x00],          // 0 Raw
            "enc 16,-223,0"
        },
        {
            "FramebufferUpdateRequest",
            [0x03, 0x01, 0x00, 0x0A, 0x00, 0x14, 0x02, 0x80, 0x01, 0xE0], // incremental, 10,20 640x480
            "fbur 1 10,20 640x480"
        },
        {
            "KeyEvent",
            [0x04, 0x01, 0, 0, 0x00, 0x00, 0xFF, 0x0D], // down, padding, keysym Return
            "key ff0d down"
        },
        {
            "PointerEvent",
            [0x05, 0x05, 0x01, 0x2C, 0x00, 0xC8],       // left+right, 300,200
            "ptr 5 300,200"
        },
        {
            "ClientCutText",
            [0x06, 0, 0, 0, 0x00, 0x00, 0x00, 0x02, (byte)'h', (byte)'i'],
            "cut hi"
        },
        {
            "EnableContinuousUpdates on",
            [0x96, 0x01, 0x00, 0x00, 0x00, 0x00, 0x07, 0x80, 0x04, 0x38], // type 150, enable, 0,0 1920x1080
            "cu 1 0,0 1920x1080"
        },
        {
            "EnableContinuousUpdates off",
            [0x96, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
            "cu 0 0,0 0x0"
        },
        {
            "ClientFence with a payload",
            [0xF8, 0, 0, 0,                    // type 248, 3 padding
             0x80, 0x00, 0x00, 0x03,           // Request | BlockAfter | BlockBefore
             0x03, 0xAA, 0xBB, 0xCC],          // 3-byte payload
            "fence 80000003 [AABBCC]"
        },
        {
            "ClientFence answer without payload",
            [0xF8, 0, 0, 0, 0x00, 0x00, 0x00, 0x04, 0x00],
            "fence 00000004 []"
        },
        {
            "QEMU extended key event",
            [0xFF, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x61, 0x00, 0x00, 0x00, 0x1E], // down, keysym a, XT 0x1e
            "qkey 61 1e down"
        },
    };

    [Theory, MemberData(nameof(Messages))]
    public void DecodesEachMessage(string name, byte[] bytes, string expected)
    {
        _ = name;
        var handler = new RecordingMessageHandler();
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
        Assert.True(new ClientMessageReader(256 * 1024).TryReadOne(ref reader, handler));
        Assert.Equal(bytes.Length, reader.Consumed);
        Assert.Equal([expected], handler.Messages);
    }

    [Theory, MemberData(nameof(Messages))]
    public void EveryIncompletePrefixConsumesNothing(string name, byte[] bytes, string expected)
    {
        _ = (name, expected);
        for (int length = 0; length < bytes.Length; length++)
        {
            var handler = new RecordingMessageHandler();
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes, 0, length));
            Assert.False(new ClientMessageReader(256 * 1024).TryReadOne(ref reader, handler));
            Assert.Equal(0, reader.Consumed);
            Assert.Empty(handler.Messages);
        }
    }

    [Fact]
    public void UnknownMessageTypeIsAProtocolError()
    {
        var reader = new ClientMessageReader(1024);
        Assert.Throws<RfbProtocolException>(() =>
        {
            var r = new SequenceReader<byte>(new ReadOnlySequence<byte>([0x99, 0, 0, 0]));
            reader.TryReadOne(ref r, new RecordingMessageHandler());
        });
    }

    [Fact]
    public void InvalidPixelFormatIsAProtocolError()
    {
        byte[] bytes = [0, 0, 0, 0, 24, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0]; // 24 bpp
        var reader = new ClientMessageReader(1024);
        var e = Assert.Throws<RfbProtocolException>(() =>
        {
            var r = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
            reader.TryReadOne(ref r, new RecordingMessageHandler());
        });
        Assert.Contains("bits-per-pixel 24", e.Message);
    }

    [Fact]
    public void HugeClientCutTextIsSkippedAsItArrivesWithoutBuffering()
    {
        // A 4 GiB announcement (U32 0xFFFFFFFF is -1 as S32: |length| = 1) and a 1 MiB one over a 1 KiB limit.
        var reader = new ClientMessageReader(1024);
        var handler = new RecordingMessageHandler();
        byte[] header = [0x06, 0, 0, 0, 0x00, 0x10, 0x00, 0x00];   // 1 MiB
        var r = new SequenceReader<byte>(new ReadOnlySequence<byte>(header));
        Assert.True(reader.TryReadOne(ref r, handler));
        Assert.Equal(1 << 20, reader.PendingSkip);

        byte[] chunk = new byte[64 * 1024];
        for (int i = 0; i < 16; i++)
        {
            r = new SequenceReader<byte>(new ReadOnlySequence<byte>(chunk));
            bool done = reader.TryReadOne(ref r, handler);
            Assert.Equal(chunk.Length, r.Consumed);   // consumed as it streams: nothing kept
            Assert.Equal(i == 15, done);
        }
        Assert.Equal(["cut discarded"], handler.Messages);

        // The next message after the skipped text is read normally.
        r = new SequenceReader<byte>(new ReadOnlySequence<byte>([0x04, 0x00, 0, 0, 0, 0, 0, 0x61]));
        Assert.True(reader.TryReadOne(ref r, handler));
        Assert.Equal("key 61 up", handler.Messages[^1]);
    }

    [Fact]
    public void MaximumSetEncodingsIsRead()
    {
        byte[] bytes = new byte[4 + 4 * 65535];
        bytes[0] = 2;
        bytes[2] = 0xFF;
        bytes[3] = 0xFF;
        var handler = new RecordingMessageHandler();
        var r = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
        Assert.True(new ClientMessageReader(1024).TryReadOne(ref r, handler));
        Assert.Equal(bytes.Length, r.Consumed);
    }

    [Fact]
    public void FenceWithTheLargestPayloadIsReadAndALargerOneIsAProtocolError()
    {
        byte[] bytes = new byte[9 + 64];
        bytes[0] = 248;
        bytes[8] = 64;
        var handler = new RecordingMessageHandler();
        var r = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
        Assert.True(new ClientMessageReader(1024).TryReadOne(ref r, handler));
        Assert.Equal(bytes.Length, r.Consumed);

        bytes[8] = 65;   // rejected from the header alone, before 65 bytes are waited for
        var e = Assert.Throws<RfbProtocolException>(() =>
        {
            var r2 = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes, 0, 9));
            new ClientMessageReader(1024).TryReadOne(ref r2, new RecordingMessageHandler());
        });
        Assert.Contains("fence payload of 65 bytes", e.Message);
    }
}
