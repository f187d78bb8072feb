// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Keyboard;

/// <summary>
/// What a keysym needs from Shift on the target layout. A keysym names a character, not a key, so the client's own
/// Shift state is only a hint (rfbproto "KeyEvent" guidelines; rfb-notes.md §3.1 "Keysym fallback").
/// </summary>
internal enum ShiftRequirement : byte
{
    /// <summary>The key means the same with or without Shift (Space, arrows, F-keys, keypad, modifiers): the
    /// client's Shift passes through, so Shift+Tab, Shift+arrow selection and Shift+F10 keep working.</summary>
    Any = 0,

    /// <summary>The character is the key's shifted level ('A', '!', '~'): Shift is pressed if the client holds none.</summary>
    Pressed = 1,

    /// <summary>The character is the key's base level ('a', '1', ';'): any Shift the client holds is lifted.</summary>
    Released = 2,
}
