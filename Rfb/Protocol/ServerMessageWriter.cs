// SPDX-License-Identifier: MIT
using System.Buffers;
using System.Buffers.Binary;
using KvmPi.Vnc.Rfb.Updates;

namespace KvmPi.Vnc.Rfb.Protocol;

/// <summary>Writes server-to-client message framing (rfbproto "Server to Client Messages") into an output buffer.</summary>
public static class ServerMessageWriter
{
    /* rfbproto "FramebufferUpdate": U8 0, 1 padding, U16 number-of-rectangles, then the rectangles. */
    public const int UpdateHeaderLength = 4;

    /* Each rectangle: U16 x, U16 y, U16 width, U16 height, S32 encoding-type, then the encoding's payload. */
    public const int RectHeaderLength = 12;

    public static void WriteFramebufferUpdateHeader(IBufferWriter<byte> output, int rectangles)
    {
        Span<byte> h = output.GetSpan(UpdateHeaderLength);
        h[0] = 0;
        h[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(h[2..], checked((ushort)rectangles));
        output.Advance(UpdateHeaderLength);
    }

    /// <summary>
    /// rfbproto "LastRect pseudo-encoding": an update whose header gave 0xFFFF rectangles ends with this one (no
    /// payload), so the server can send rectangles before it knows how many there will be.
    /// </summary>
    public const int UnknownRectangleCount = 0xFFFF;

    public static void WriteLastRect(IBufferWriter<byte> output) =>
        WriteRectHeader(output, new Rect(0, 0, 0, 0), EncodingType.LastRect);

    public static void WriteRectHeader(IBufferWriter<byte> output, Rect rect, EncodingType encoding)
    {
        Span<byte> h = output.GetSpan(RectHeaderLength);
        BinaryPrimitives.WriteUInt16BigEndian(h, checked((ushort)rect.X));
        BinaryPrimitives.WriteUInt16BigEndian(h[2..], checked((ushort)rect.Y));
        BinaryPrimitives.WriteUInt16BigEndian(h[4..], checked((ushort)rect.Width));
        BinaryPrimitives.WriteUInt16BigEndian(h[6..], checked((ushort)rect.Height));
        BinaryPrimitives.WriteInt32BigEndian(h[8..], (int)encoding);
        output.Advance(RectHeaderLength);
    }

    /// <summary>
    /// rfbproto "QEMU Extended Key Event Pseudo-encoding": the server says it accepts QEMU Extended Key Events by
    /// sending a FramebufferUpdate with one empty rectangle of encoding -258. A whole message.
    /// </summary>
    public static void WriteQemuExtendedKeyEventAck(IBufferWriter<byte> output)
    {
        WriteFramebufferUpdateHeader(output, 1);
        WriteRectHeader(output, new Rect(0, 0, 0, 0), EncodingType.QemuExtendedKeyEvent);
    }

    /// <summary>
    /// rfbproto "DesktopSize pseudo-encoding": a rectangle header at 0,0 carrying the new size, no payload.
    /// </summary>
    public static void WriteDesktopSize(IBufferWriter<byte> output, int width, int height) =>
        WriteRectHeader(output, new Rect(0, 0, width, height), EncodingType.DesktopSize);

    /* rfbproto "EndOfContinuousUpdates": U8 150, nothing else. */
    public const int EndOfContinuousUpdatesLength = 1;

    /// <summary>
    /// rfbproto "EndOfContinuousUpdates": tells a viewer that listed ContinuousUpdates that the server supports them
    /// (the first time), or that continuous updates have stopped (after EnableContinuousUpdates with enable 0).
    /// </summary>
    public static void WriteEndOfContinuousUpdates(IBufferWriter<byte> output)
    {
        Span<byte> m = output.GetSpan(EndOfContinuousUpdatesLength);
        m[0] = 150;
        output.Advance(EndOfContinuousUpdatesLength);
    }

    /* rfbproto "ServerFence": U8 248, 3 padding, U32 flags, U8 length, length × U8 payload (≤ 64). */
    public const int FenceHeaderLength = 9;

    public static void WriteServerFence(IBufferWriter<byte> output, uint flags, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > FenceFlags.MaxPayloadLength)
            throw new ArgumentOutOfRangeException(nameof(payload), payload.Length, "A fence payload is at most 64 bytes.");
        Span<byte> m = output.GetSpan(FenceHeaderLength + payload.Length);
        m[0] = 248;
        m[1] = m[2] = m[3] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(m[4..], flags);
        m[8] = (byte)payload.Length;
        payload.CopyTo(m[FenceHeaderLength..]);
        output.Advance(FenceHeaderLength + payload.Length);
    }

    /// <summary>
    /// LED State pseudo-rectangle: a header of 0,0,0,0 and the encoding, then the lock keys, bit 0 Scroll, 1 Num,
    /// 2 Caps. QEMU's -261 carries them in one byte; VMware's 0x574D5668 in a U32 (rfbproto "LED State Pseudo-encoding",
    /// "VMware LED State Pseudo-encoding").
    /// </summary>
    public static void WriteLedState(IBufferWriter<byte> output, EncodingType encoding, LockKeys state)
    {
        if (encoding is not (EncodingType.QemuLedState or EncodingType.VmwareLedState))
            throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "not an LED state pseudo-encoding");
        WriteRectHeader(output, new Rect(0, 0, 0, 0), encoding);
        if (encoding == EncodingType.QemuLedState)
        {
            output.GetSpan(1)[0] = (byte)state;
            output.Advance(1);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(output.GetSpan(4), (byte)state);
            output.Advance(4);
        }
    }

    /* rfbproto "ExtendedDesktopSize pseudo-encoding": rectangle x = reason, y = status, width/height = framebuffer
       size; payload U8 number-of-screens, 3 padding, then per screen U32 id, U16 x, U16 y, U16 width, U16 height,
       U32 flags. We always describe one screen covering the whole framebuffer, with id 1: any id is valid, but
       libvncclient (0.9.14) takes a screen of id 0 as invalid and then ignores the new size. */
    public const int ExtendedDesktopSizeLength = RectHeaderLength + 4 + 16;

    /// <summary>The id of our one screen in ExtendedDesktopSize layouts.</summary>
    public const uint ScreenId = 1;

    public static void WriteExtendedDesktopSize(IBufferWriter<byte> output, DesktopSizeReason reason, DesktopSizeStatus status,
        int width, int height)
    {
        WriteRectHeader(output, new Rect((int)reason, (int)status, width, height), EncodingType.ExtendedDesktopSize);
        Span<byte> p = output.GetSpan(20);
        p[..20].Clear();
        p[0] = 1;                                                   // one screen, then 3 padding bytes
        BinaryPrimitives.WriteUInt32BigEndian(p[4..], ScreenId);    // x 0 at 8, y 0 at 10
        BinaryPrimitives.WriteUInt16BigEndian(p[12..], checked((ushort)width));
        BinaryPrimitives.WriteUInt16BigEndian(p[14..], checked((ushort)height));
        // flags 0 at 16
        output.Advance(20);
    }
}

/// <summary>ExtendedDesktopSize "reason" (rectangle x).</summary>
public enum DesktopSizeReason
{
    /// <summary>The server changed the size (here: the target's HDMI mode changed), or it is announcing the size.</summary>
    Server = 0,

    /// <summary>An answer to this client's SetDesktopSize.</summary>
    ThisClient = 1,

    /// <summary>Another client's SetDesktopSize changed it.</summary>
    OtherClient = 2,
}

/// <summary>ExtendedDesktopSize "status" (rectangle y).</summary>
public enum DesktopSizeStatus
{
    NoError = 0,

    /// <summary>Resizing is not allowed: a KVM shows the target's own mode and cannot set it.</summary>
    Prohibited = 1,

    OutOfResources = 2,
    InvalidLayout = 3,
}
