// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Keyboard;

/// <summary>
/// Keysyms that name a key rather than a character, the same on every layout: function, editing, keypad, lock,
/// media, international and modifier keys (usages: HID Usage Tables 1.5 §10; keysyms: X11 keysymdef.h,
/// XF86keysym.h). None of them changes meaning with the level modifiers, so the viewer's modifiers pass through
/// (Ctrl+Alt+Delete, Shift+End, Alt+F4).
/// </summary>
internal static class SpecialKeys
{
    /// <summary>The usage of a non-character keysym; <see cref="KeyboardUsage.None"/> when it is not one.</summary>
    /// <param name="layout">Right Alt is AltGr on layouts with a level 3: a viewer's Alt_R (its right Alt is plain
    /// Alt) then becomes Left Alt, and its ISO_Level3_Shift the layout's AltGr key.</param>
    public static byte Usage(uint keysym, KeyboardLayout layout) => keysym switch
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

        Keysym.XF86AudioMute => KeyboardUsage.Mute,
        Keysym.XF86AudioRaiseVolume => KeyboardUsage.VolumeUp,
        Keysym.XF86AudioLowerVolume => KeyboardUsage.VolumeDown,

        // Japanese and Korean keys (HUT International1..5, LANG1..5; the usages the kernel maps to KEY_HENKAN...).
        Keysym.Henkan_Mode => KeyboardUsage.International4,
        Keysym.Muhenkan => KeyboardUsage.International5,
        Keysym.Hiragana_Katakana => KeyboardUsage.International2,
        Keysym.Katakana => KeyboardUsage.Lang3,
        Keysym.Hiragana => KeyboardUsage.Lang4,
        Keysym.Zenkaku_Hankaku or Keysym.Kanji => KeyboardUsage.Lang5,
        Keysym.Hangul => KeyboardUsage.Lang1,
        Keysym.Hangul_Hanja => KeyboardUsage.Lang2,

        // Keypad with Num Lock on at the client: the keypad usages (digits: see Keyboard, which respects the
        // target's Num Lock).
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
        Keysym.Alt_R or Keysym.Meta_R => layout.Level3Usage == KeyboardUsage.RightAlt ? KeyboardUsage.LeftAlt : KeyboardUsage.RightAlt,
        Keysym.ISO_Level3_Shift => layout.Level3Usage != 0 ? layout.Level3Usage : KeyboardUsage.RightAlt,
        Keysym.ISO_Level5_Shift => layout.Level5Usage,
        Keysym.Super_L => KeyboardUsage.LeftGui,
        Keysym.Super_R => KeyboardUsage.RightGui,
        _ => KeyboardUsage.None,
    };

    /// <summary>KP_0..KP_9 and KP_Decimal: keys whose meaning depends on the target's Num Lock.</summary>
    public static bool IsKeypadDigit(uint keysym) => keysym is >= Keysym.KP_0 and <= Keysym.KP_9 or Keysym.KP_Decimal;

    /// <summary>The character a keypad digit key types with Num Lock on ('0'..'9', '.').</summary>
    public static uint KeypadDigitCharacter(uint keysym) => keysym == Keysym.KP_Decimal ? '.' : '0' + (keysym - Keysym.KP_0);
}
