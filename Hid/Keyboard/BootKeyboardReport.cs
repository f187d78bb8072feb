// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Keyboard;

/// <summary>
/// The 8-byte boot keyboard input report (HID 1.11 Appendix B.1; the layout of every descriptor in field-notes.md §3.1):
/// <code>
/// +-----------+----------+--------+--------+--------+--------+--------+--------+
/// | modifiers | reserved | key 1  | key 2  | key 3  | key 4  | key 5  | key 6  |
/// +-----------+----------+--------+--------+--------+--------+--------+--------+
///  bit 0 LCtrl, 1 LShift, 2 LAlt, 3 LGUI, 4 RCtrl, 5 RShift, 6 RAlt, 7 RGUI; keys are page-0x07 usages, 0 = none.
/// </code>
/// </summary>
public static class BootKeyboardReport
{
    /// <summary>Report size in bytes: the gadget's report_length for /dev/hidg0.</summary>
    public const int Length = 8;

    /// <summary>How many non-modifier keys one report can hold.</summary>
    public const int MaxKeys = 6;

    internal const int ModifiersOffset = 0;
    internal const int KeysOffset = 2;

    internal const byte LeftShiftBit = 1 << 1;
    internal const byte RightShiftBit = 1 << 5;
    internal const byte AnyShiftBits = LeftShiftBit | RightShiftBit;
}
