// SPDX-License-Identifier: MIT
using System.Buffers;
using System.Buffers.Binary;
using KvmPi.Vnc.Rfb.Protocol;
using KvmPi.Vnc.Rfb.Updates;

namespace KvmPi.Vnc.Rfb.Encoding;

/// <summary>
/// rfbproto "CopyRect encoding": the rectangle header (the destination, encoding 1) and the source's top-left
/// corner as two U16. The viewer copies from its own framebuffer as it is when it reaches this rectangle, so a
/// CopyRect must come before any rectangle of the same update that overwrites its source.
/// </summary>
public static class CopyRectWriter
{
    public const int Length = ServerMessageWriter.RectHeaderLength + 4;

    public static void Write(IBufferWriter<byte> output, ScrollMove move)
    {
        ArgumentNullException.ThrowIfNull(output);
        Rect source = move.Source;
        ServerMessageWriter.WriteRectHeader(output, move.Destination, EncodingType.CopyRect);
        Span<byte> s = output.GetSpan(4);
        BinaryPrimitives.WriteUInt16BigEndian(s, checked((ushort)source.X));
        BinaryPrimitives.WriteUInt16BigEndian(s[2..], checked((ushort)source.Y));
        output.Advance(4);
    }
}
