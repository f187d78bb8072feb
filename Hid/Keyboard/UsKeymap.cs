// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Keyboard;

/// <summary>
/// The US (ANSI, "us" xkb layout) keysym → key table: which HID usage types a keysym, and whether Shift must be up
/// or down for it. Hand-written from HID Usage Tables 1.5 §10 (Keyboard/Keypad page 0x07) and the key caps of a US
/// keyboard; keysym values are from X11 keysymdef.h.
/// </summary>
/// <remarks>
/// Kept apart from <see cref="Keyboard"/> on purpose: a later issue generates per-layout tables from
/// xkeyboard-config, which replace this file and produce the same <see cref="KeyStroke"/> values.
/// Lookup is a span over static data plus a compiled switch: nothing is allocated per call.
/// </remarks>
internal static class UsKeymap
{
    // Shift column values of PrintableAscii.
    private const byte Base = (byte)ShiftRequirement.Released;
    private const byte Shifted = (byte)ShiftRequirement.Pressed;
    private const byte Either = (byte)ShiftRequirement.Any;

    /// <summary>Keysyms 0x20..0x7E (Latin-1 = ASCII), two bytes each (shift requirement, usage), indexed by
    /// (keysym − 0x20) × 2. Bytes rather than ushorts: a ReadOnlySpan&lt;byte&gt; over constant data is a pointer
    /// into the assembly image in every build, whereas wider element types go through RuntimeHelpers.CreateSpan,
    /// which allocated in unoptimised (Debug) code.</summary>
    private static ReadOnlySpan<byte> PrintableAscii =>
    [
        Either, 0x2C,  // 0x20 space: Shift+Space is Space (and browsers scroll up on it), so keep the client's Shift
        Shifted, 0x1E, // 0x21 !  (Shift+1)
        Shifted, 0x34, // 0x22 "  (Shift+')
        Shifted, 0x20, // 0x23 #  (Shift+3)
        Shifted, 0x21, // 0x24 $  (Shift+4)
        Shifted, 0x22, // 0x25 %  (Shift+5)
        Shifted, 0x24, // 0x26 &  (Shift+7)
        Base, 0x34,    // 0x27 '  "Keyboard ' and \""
        Shifted, 0x26, // 0x28 (  (Shift+9)
        Shifted, 0x27, // 0x29 )  (Shift+0)
        Shifted, 0x25, // 0x2A *  (Shift+8)
        Shifted, 0x2E, // 0x2B +  (Shift+=)
        Base, 0x36,    // 0x2C ,  "Keyboard , and <"
        Base, 0x2D,    // 0x2D -  "Keyboard - and (underscore)"
        Base, 0x37,    // 0x2E .  "Keyboard . and >"
        Base, 0x38,    // 0x2F /  "Keyboard / and ?"
        Base, 0x27,    // 0x30 0  "Keyboard 0 and )"
        Base, 0x1E,    // 0x31 1
        Base, 0x1F,    // 0x32 2
        Base, 0x20,    // 0x33 3
        Base, 0x21,    // 0x34 4
        Base, 0x22,    // 0x35 5
        Base, 0x23,    // 0x36 6
        Base, 0x24,    // 0x37 7
        Base, 0x25,    // 0x38 8
        Base, 0x26,    // 0x39 9
        Shifted, 0x33, // 0x3A :  (Shift+;)
        Base, 0x33,    // 0x3B ;  "Keyboard ; and :"
        Shifted, 0x36, // 0x3C <  (Shift+,)
        Base, 0x2E,    // 0x3D =  "Keyboard = and +"
        Shifted, 0x37, // 0x3E >  (Shift+.)
        Shifted, 0x38, // 0x3F ?  (Shift+/)
        Shifted, 0x1F, // 0x40 @  (Shift+2)
        Shifted, 0x04, // 0x41 A  letters A..Z are usages 0x04..0x1D in alphabetical order
        Shifted, 0x05, // 0x42 B
        Shifted, 0x06, // 0x43 C
        Shifted, 0x07, // 0x44 D
        Shifted, 0x08, // 0x45 E
        Shifted, 0x09, // 0x46 F
        Shifted, 0x0A, // 0x47 G
        Shifted, 0x0B, // 0x48 H
        Shifted, 0x0C, // 0x49 I
        Shifted, 0x0D, // 0x4A J
        Shifted, 0x0E, // 0x4B K
        Shifted, 0x0F, // 0x4C L
        Shifted, 0x10, // 0x4D M
        Shifted, 0x11, // 0x4E N
        Shifted, 0x12, // 0x4F O
        Shifted, 0x13, // 0x50 P
        Shifted, 0x14, // 0x51 Q
        Shifted, 0x15, // 0x52 R
        Shifted, 0x16, // 0x53 S
        Shifted, 0x17, // 0x54 T
        Shifted, 0x18, // 0x55 U
        Shifted, 0x19, // 0x56 V
        Shifted, 0x1A, // 0x57 W
        Shifted, 0x1B, // 0x58 X
        Shifted, 0x1C, // 0x59 Y
        Shifted, 0x1D, // 0x5A Z
        Base, 0x2F,    // 0x5B [  "Keyboard [ and {"
        Base, 0x31,    // 0x5C \  "Keyboard \ and |" (0x31; 0x32 is the ISO "Non-US #" key, absent on ANSI)
        Base, 0x30,    // 0x5D ]  "Keyboard ] and }"
        Shifted, 0x23, // 0x5E ^  (Shift+6)
        Shifted, 0x2D, // 0x5F _  (Shift+-)
        Base, 0x35,    // 0x60 `  "Keyboard Grave Accent and Tilde"
        Base, 0x04,    // 0x61 a
        Base, 0x05,    // 0x62 b
        Base, 0x06,    // 0x63 c
        Base, 0x07,    // 0x64 d
        Base, 0x08,    // 0x65 e
        Base, 0x09,    // 0x66 f
        Base, 0x0A,    // 0x67 g
        Base, 0x0B,    // 0x68 h
        Base, 0x0C,    // 0x69 i
        Base, 0x0D,    // 0x6A j
        Base, 0x0E,    // 0x6B k
        Base, 0x0F,    // 0x6C l
        Base, 0x10,    // 0x6D m
        Base, 0x11,    // 0x6E n
        Base, 0x12,    // 0x6F o
        Base, 0x13,    // 0x70 p
        Base, 0x14,    // 0x71 q
        Base, 0x15,    // 0x72 r
        Base, 0x16,    // 0x73 s
        Base, 0x17,    // 0x74 t
        Base, 0x18,    // 0x75 u
        Base, 0x19,    // 0x76 v
        Base, 0x1A,    // 0x77 w
        Base, 0x1B,    // 0x78 x
        Base, 0x1C,    // 0x79 y
        Base, 0x1D,    // 0x7A z
        Shifted, 0x2F, // 0x7B {  (Shift+[)
        Shifted, 0x31, // 0x7C |  (Shift+\)
        Shifted, 0x30, // 0x7D }  (Shift+])
        Shifted, 0x35, // 0x7E ~  (Shift+`)
    ];

    /// <summary>Finds the key that types <paramref name="keysym"/> on a US layout.</summary>
    /// <returns>false when no US key produces it (accented letters, dead keys, most Unicode keysyms).</returns>
    public static bool TryGetKeyStroke(uint keysym, out KeyStroke stroke)
    {
        // Some clients send printable ASCII as Unicode keysyms (0x01000000 + code point); keysymdef.h says the
        // Latin-1 value is canonical, but both mean the same character.
        uint ascii = keysym - Keysym.UnicodeOffset <= Keysym.LastPrintableAscii ? keysym - Keysym.UnicodeOffset : keysym;
        if (ascii - Keysym.FirstPrintableAscii <= Keysym.LastPrintableAscii - Keysym.FirstPrintableAscii)
        {
            int row = (int)(ascii - Keysym.FirstPrintableAscii) * 2;
            byte key = PrintableAscii[row + 1];
            // Caps Lock on a US host shifts the letter keys only (xkb type ALPHABETIC).
            stroke = new KeyStroke(key, (ShiftRequirement)PrintableAscii[row], key is >= 0x04 and <= 0x1D);
            return true;
        }

        byte usage = NonCharacterUsage(keysym);
        if (usage != KeyboardUsage.None)
        {
            // ISO_Left_Tab is what an X client sends for Shift+Tab: it is Tab with Shift forced down.
            stroke = new KeyStroke(usage, keysym == Keysym.ISO_Left_Tab ? ShiftRequirement.Pressed : ShiftRequirement.Any);
            return true;
        }

        stroke = default;
        return false;
    }

    /// <summary>Function, editing, keypad and modifier keys: none of them changes meaning with Shift on the
    /// target, so the client's modifiers pass through (Ctrl+Alt+Delete, Shift+End).</summary>
    private static byte NonCharacterUsage(uint keysym) => keysym switch
    {
        Keysym.BackSpace => KeyboardUsage.Backspace,
        Keysym.Tab or Keysym.ISO_Left_Tab or Keysym.KP_Tab => KeyboardUsage.Tab,
        Keysym.Return => KeyboardUsage.Enter,
        Keysym.Escape => KeyboardUsage.Escape,
        Keysym.Delete => KeyboardUsage.DeleteForward,
        Keysym.Insert => KeyboardUsage.Insert,
        Keysym.Home => KeyboardUsage.Home,
        Keysym.End => KeyboardUsage.End,
        Keysym.Prior => KeyboardUsage.PageUp,
        Keysym.Next => KeyboardUsage.PageDown,
        Keysym.Left => KeyboardUsage.LeftArrow,
        Keysym.Right => KeyboardUsage.RightArrow,
        Keysym.Up => KeyboardUsage.UpArrow,
        Keysym.Down => KeyboardUsage.DownArrow,
        // Alt+PrintScreen arrives as Sys_Req and Ctrl+Pause as Break; the client's Alt/Ctrl are still held, so
        // sending the plain key reproduces the chord.
        Keysym.Print or Keysym.Sys_Req => KeyboardUsage.PrintScreen,
        Keysym.Pause or Keysym.Break => KeyboardUsage.Pause,
        Keysym.Menu => KeyboardUsage.Application,
        Keysym.Caps_Lock => KeyboardUsage.CapsLock,
        Keysym.Num_Lock => KeyboardUsage.NumLock,
        Keysym.Scroll_Lock => KeyboardUsage.ScrollLock,
        >= Keysym.F1 and <= Keysym.F12 => (byte)(KeyboardUsage.F1 + (keysym - Keysym.F1)),
        >= Keysym.F13 and <= Keysym.F24 => (byte)(KeyboardUsage.F13 + (keysym - Keysym.F13)),

        // Keypad with Num Lock on at the client: the keypad usages, so the target's Num Lock decides, as it would
        // for a real keypad.
        Keysym.KP_Enter => KeyboardUsage.KeypadEnter,
        Keysym.KP_Add => KeyboardUsage.KeypadAdd,
        Keysym.KP_Subtract => KeyboardUsage.KeypadSubtract,
        Keysym.KP_Multiply => KeyboardUsage.KeypadMultiply,
        Keysym.KP_Divide => KeyboardUsage.KeypadDivide,
        Keysym.KP_Decimal => KeyboardUsage.KeypadDecimal,
        Keysym.KP_Equal => KeyboardUsage.KeypadEqual,
        Keysym.KP_Separator => KeyboardUsage.KeypadComma,
        Keysym.KP_Space => KeyboardUsage.Space,
        Keysym.KP_0 => KeyboardUsage.Keypad0,
        > Keysym.KP_0 and <= Keysym.KP_9 => (byte)(KeyboardUsage.Keypad1 + (keysym - Keysym.KP_0 - 1)),

        // Keypad with Num Lock off at the client: the client already decided it wants navigation, and the target's
        // Num Lock may be on, so send the dedicated navigation keys rather than keypad usages.
        Keysym.KP_Home => KeyboardUsage.Home,
        Keysym.KP_End => KeyboardUsage.End,
        Keysym.KP_Prior => KeyboardUsage.PageUp,
        Keysym.KP_Next => KeyboardUsage.PageDown,
        Keysym.KP_Left => KeyboardUsage.LeftArrow,
        Keysym.KP_Right => KeyboardUsage.RightArrow,
        Keysym.KP_Up => KeyboardUsage.UpArrow,
        Keysym.KP_Down => KeyboardUsage.DownArrow,
        Keysym.KP_Insert => KeyboardUsage.Insert,
        Keysym.KP_Delete => KeyboardUsage.DeleteForward,

        Keysym.Shift_L => KeyboardUsage.LeftShift,
        Keysym.Shift_R => KeyboardUsage.RightShift,
        Keysym.Control_L => KeyboardUsage.LeftControl,
        Keysym.Control_R => KeyboardUsage.RightControl,
        // X servers on PCs report the Alt keys as Meta on some clients (macOS viewers, old XFree86 maps); a PC
        // target only has Alt, so Meta is Alt.
        Keysym.Alt_L or Keysym.Meta_L => KeyboardUsage.LeftAlt,
        Keysym.Alt_R or Keysym.Meta_R or Keysym.ISO_Level3_Shift => KeyboardUsage.RightAlt,
        Keysym.Super_L => KeyboardUsage.LeftGui,
        Keysym.Super_R => KeyboardUsage.RightGui,
        _ => KeyboardUsage.None,
    };
}
