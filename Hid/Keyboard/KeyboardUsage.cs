// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Keyboard;

/// <summary>
/// Usage IDs on the Keyboard/Keypad page (0x07) that <see cref="SpecialKeys"/> names, from HID Usage Tables 1.5 §10
/// "Keyboard/Keypad Page (0x07)". Character keys come from the generated layout tables (<see cref="KeyboardLayout"/>).
/// </summary>
/// <remarks>
/// Usages above 0x65 (Keypad =, F13..F24, volume, Keypad Comma, international keys) need a report descriptor whose key array allows them
/// (logical maximum 0xFF, as PiKVM's descriptor does; field-notes.md §3.1). The kernel-docs descriptor stops at
/// 0x65 and a host would then drop the whole report, so the gadget setup must use the full range.
/// </remarks>
internal static class KeyboardUsage
{
    public const byte None = 0x00;
    public const byte Enter = 0x28;            // "Keyboard Return (ENTER)"
    public const byte Escape = 0x29;
    public const byte Backspace = 0x2A;        // "Keyboard DELETE (Backspace)"
    public const byte Tab = 0x2B;
    public const byte Space = 0x2C;
    public const byte CapsLock = 0x39;
    public const byte F1 = 0x3A;               // F1..F12 are consecutive: 0x3A..0x45
    public const byte PrintScreen = 0x46;
    public const byte ScrollLock = 0x47;
    public const byte Pause = 0x48;
    public const byte Insert = 0x49;
    public const byte Home = 0x4A;
    public const byte PageUp = 0x4B;
    public const byte DeleteForward = 0x4C;    // "Keyboard Delete Forward"
    public const byte End = 0x4D;
    public const byte PageDown = 0x4E;
    public const byte RightArrow = 0x4F;
    public const byte LeftArrow = 0x50;
    public const byte DownArrow = 0x51;
    public const byte UpArrow = 0x52;
    public const byte NumLock = 0x53;          // "Keypad Num Lock and Clear"
    public const byte KeypadDivide = 0x54;
    public const byte KeypadMultiply = 0x55;
    public const byte KeypadSubtract = 0x56;
    public const byte KeypadAdd = 0x57;
    public const byte KeypadEnter = 0x58;
    public const byte Keypad1 = 0x59;          // Keypad 1..9 are consecutive: 0x59..0x61
    public const byte Keypad0 = 0x62;
    public const byte KeypadDecimal = 0x63;    // "Keypad . and Delete"
    public const byte Application = 0x65;      // the Menu key
    public const byte KeypadEqual = 0x67;
    public const byte F13 = 0x68;              // F13..F24 are consecutive: 0x68..0x73
    public const byte Mute = 0x7F;
    public const byte VolumeUp = 0x80;
    public const byte VolumeDown = 0x81;
    public const byte KeypadComma = 0x85;
    public const byte International1 = 0x87;  // Ro
    public const byte International2 = 0x88;  // Katakana/Hiragana
    public const byte International3 = 0x89;  // Yen
    public const byte International4 = 0x8A;  // Henkan
    public const byte International5 = 0x8B;  // Muhenkan
    public const byte Lang1 = 0x90;           // Hangul/English
    public const byte Lang2 = 0x91;           // Hanja
    public const byte Lang3 = 0x92;           // Katakana
    public const byte Lang4 = 0x93;           // Hiragana
    public const byte Lang5 = 0x94;           // Zenkaku/Hankaku

    /// <summary>"Keyboard ErrorRollOver": all six key slots carry it when more keys are down than a report holds
    /// (HID 1.11 Appendix C, boot keyboard).</summary>
    public const byte ErrorRollOver = 0x01;

    /// <summary>First modifier usage. 0xE0..0xE7 are LeftControl, LeftShift, LeftAlt, LeftGUI, RightControl,
    /// RightShift, RightAlt, RightGUI: usage − 0xE0 is exactly the bit in the boot report's modifier byte
    /// (HID 1.11 Appendix B.1).</summary>
    public const byte LeftControl = 0xE0;
    public const byte LeftShift = 0xE1;
    public const byte LeftAlt = 0xE2;
    public const byte LeftGui = 0xE3;
    public const byte RightControl = 0xE4;
    public const byte RightShift = 0xE5;
    public const byte RightAlt = 0xE6;
    public const byte RightGui = 0xE7;

    public static bool IsModifier(byte usage) => usage >= LeftControl && usage <= RightGui;

    /// <summary>The modifier-byte bit of a modifier usage (0xE0..0xE7).</summary>
    public static byte ModifierBit(byte usage) => (byte)(1 << (usage - LeftControl));
}
