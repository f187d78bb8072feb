// SPDX-License-Identifier: MIT
using System.Buffers.Binary;

namespace KvmPi.Vnc.Hid.Mouse;

/// <summary>
/// The 7-byte absolute pointer input report (the layout of the PiKVM/TinyPilot descriptors with horizontal wheel,
/// field-notes.md §3.2):
/// <code>
/// +---------+-----------+-----------+-------+-----+
/// | buttons | X (U16 LE)| Y (U16 LE)| wheel | pan |
/// +---------+-----------+-----------+-------+-----+
///  buttons: bit 0 left, 1 right, 2 middle (Button page 0x09 usages 1, 2, 3). X, Y: 0..32767.
///  wheel: Generic Desktop Wheel (0x38), S8 relative, +1 = away from the user. pan: Consumer AC Pan (0x238), S8.
/// </code>
/// </summary>
public static class AbsoluteMouseReport
{
    /// <summary>Report size in bytes: the gadget's report_length for /dev/hidg1.</summary>
    public const int Length = 7;

    /// <summary>Largest X or Y. The descriptors use 0..32767 because Windows rejects negative or 0..65535
    /// absolute ranges (field-notes.md §3.2).</summary>
    public const int MaxCoordinate = 32767;

    internal const byte LeftButton = 1 << 0;
    internal const byte RightButton = 1 << 1;
    internal const byte MiddleButton = 1 << 2;

    internal static void Write(Span<byte> report, byte buttons, ushort x, ushort y, sbyte wheel, sbyte pan)
    {
        report[0] = buttons;
        BinaryPrimitives.WriteUInt16LittleEndian(report[1..], x);
        BinaryPrimitives.WriteUInt16LittleEndian(report[3..], y);
        report[5] = (byte)wheel;
        report[6] = (byte)pan;
    }
}
