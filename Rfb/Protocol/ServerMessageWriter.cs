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
    /// rfbproto "DesktopSize pseudo-encoding": a rectangle header at 0,0 carrying the new size, no payload.
    /// </summary>
    public static void WriteDesktopSize(IBufferWriter<byte> output, int width, int height) =>
        WriteRectHeader(output, new Rect(0, 0, width, height), EncodingType.DesktopSize);
}
