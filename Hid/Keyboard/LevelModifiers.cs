// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Keyboard;

/// <summary>
/// What a keystroke needs from the level modifiers on the target (xkb's Shift, LevelThree = AltGr, LevelFive).
/// A keysym names a character, not a key, so the viewer's own Shift and AltGr are only hints (rfbproto KeyEvent
/// guidelines): a character key gets exactly the levels its character needs, whatever the viewer holds.
/// </summary>
[Flags]
internal enum LevelModifiers : byte
{
    None = 0,
    Shift = 1,
    Level3 = 2,
    Level5 = 4,

    /// <summary>The key types the same with and without Shift (Space): the viewer's Shift is left as it is, so
    /// Shift+Space stays Shift+Space.</summary>
    ShiftAny = 8,

    /// <summary>The character cannot be typed while the target's Caps Lock is on ('µ' would come out as 'Μ'): Caps
    /// Lock is tapped off before the key goes down and tapped on again right after, while it is held.</summary>
    ToggleCapsLock = 0x40,

    /// <summary>Generated tables: the key cannot type the character in this Caps Lock state.</summary>
    Unreachable = 0x0F,

    /// <summary>A character key: level modifiers it does not need are lifted. Without it (function, editing and
    /// keypad keys, modifiers, scancodes) the viewer's modifiers pass through and needed ones are only added, so
    /// Shift+Tab, Shift+arrow selection and Ctrl+Alt+Delete keep working.</summary>
    Character = 0x80,
}
