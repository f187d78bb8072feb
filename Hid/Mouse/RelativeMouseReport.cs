// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Mouse;

/// <summary>
/// The 4-byte boot mouse input report (HID 1.11 Appendix B.2, plus a wheel byte; field-notes.md §3.3):
/// <code>
/// +---------+----+----+-------+
/// | buttons | dX | dY | wheel |
/// +---------+----+----+-------+
///  buttons: bit 0 left, 1 right, 2 middle. dX, dY: S8 counts, +X right, +Y down. wheel: S8, +1 = away from the user.
/// </code>
/// </summary>
public static class RelativeMouseReport
{
    /// <summary>Report size in bytes: the gadget's report_length for the relative mouse.</summary>
    public const int Length = 4;

    /// <summary>Largest movement one report carries on an axis (the descriptor's −127..127).</summary>
    public const int MaxDelta = 127;

    internal static void Write(Span<byte> report, byte buttons, sbyte dx, sbyte dy, sbyte wheel)
    {
        report[0] = buttons;
        report[1] = (byte)dx;
        report[2] = (byte)dy;
        report[3] = (byte)wheel;
    }
}
