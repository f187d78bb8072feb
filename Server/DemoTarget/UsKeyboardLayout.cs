// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Server.DemoTarget;

/// <summary>
/// What a PC with the US keyboard layout types for a key usage: the inverse of the keymap the Hid project applies,
/// so the demo checks that mapping end to end. Written from the HID Usage Tables (Keyboard/Keypad page) and the
/// printed legends of a US keyboard.
/// </summary>
internal static class UsKeyboardLayout
{
    // Usages 0x1E..0x38 in order: 1..0, then Enter, Escape, Backspace, Tab, Space (not printable here: '\0'),
    // then - = [ ] \ non-US-# ; ' ` , . /
    private const string Unshifted = "1234567890\0\0\0\0 -=[]\\\\;'`,./";
    private const string Shifted = "!@#$%^&*()\0\0\0\0 _+{}||:\"~<>?";
    private const byte FirstDigitUsage = 0x1E;
    private const byte LastSymbolUsage = 0x38;

    // Keypad 0x54..0x63: / * - + Enter 1..9 0 . ; digits and '.' need Num Lock, the operators do not.
    private const string Keypad = "/*-+\0123456789" + "0.";
    private const byte FirstKeypadUsage = 0x54;
    private const byte LastKeypadUsage = 0x63;
    private const byte NonUsBackslash = 0x64; // the key left of Z on ISO boards; a US layout types \ and |

    /// <summary>The character a key types, or false for keys that type nothing (function keys, arrows...).</summary>
    /// <param name="shift">Either Shift held.</param>
    /// <param name="capsLock">Caps Lock on: inverts Shift for letters only, as on a PC.</param>
    /// <param name="numLock">Num Lock on: keypad digits type digits (off, they are navigation keys).</param>
    public static bool TryGetCharacter(byte usage, bool shift, bool capsLock, bool numLock, out char character)
    {
        character = '\0';
        if (usage is >= KeyboardUsage.A and <= KeyboardUsage.Z)
        {
            character = (char)((shift ^ capsLock ? 'A' : 'a') + (usage - KeyboardUsage.A));
            return true;
        }
        if (usage is >= FirstDigitUsage and <= LastSymbolUsage)
            character = (shift ? Shifted : Unshifted)[usage - FirstDigitUsage];
        else if (usage is >= FirstKeypadUsage and <= LastKeypadUsage)
        {
            int index = usage - FirstKeypadUsage;
            bool needsNumLock = usage >= 0x59; // 1..9, 0, .
            if (!needsNumLock || numLock)
                character = Keypad[index];
        }
        else if (usage == NonUsBackslash)
            character = shift ? '|' : '\\';
        return character != '\0';
    }
}
