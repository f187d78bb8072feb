// SPDX-License-Identifier: MIT
using System.Globalization;

namespace KvmPi.Vnc.Hid.Keyboard;

/// <summary>
/// The key chord that types the viewer's clipboard into the target (--paste-chord), e.g. "ctrl+alt+shift+v":
/// modifiers (ctrl, alt, shift, super) joined by '+', then one key: a letter or digit, or F1..F24. Left and right
/// modifiers count alike. The chord's key is intercepted and never reaches the target; its modifiers do, as they
/// were pressed before anyone could know a chord was coming.
/// </summary>
public sealed record PasteChord(byte ModifierClasses, uint KeySymbol)
{
    private const byte Ctrl = 0x11, Shift = 0x22, Alt = 0x44, Gui = 0x88;   // left | right bits of the report's byte

    /// <summary>Ctrl+Alt+Shift+V: nothing on a PC uses it, and Ctrl+Shift+V (terminals' paste) stays the target's.</summary>
    public static PasteChord Default { get; } = Parse("ctrl+alt+shift+v")!;

    /// <summary>Parses a chord; null when it is not one (the caller reports the error).</summary>
    public static PasteChord? Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.ToLowerInvariant().Split('+', StringSplitOptions.TrimEntries);
        if (parts.Length < 2) return null;   // a bare key would steal it from the target
        byte classes = 0;
        foreach (string part in parts[..^1])
        {
            byte bits = part switch
            {
                "ctrl" or "control" => Ctrl,
                "alt" => Alt,
                "shift" => Shift,
                "super" or "win" or "meta" or "gui" => Gui,
                _ => 0,
            };
            if (bits == 0 || (classes & bits) != 0) return null;
            classes |= bits;
        }
        string key = parts[^1];
        uint keysym;
        if (key.Length == 1 && char.IsAsciiLetterOrDigit(key[0]))
            keysym = key[0];
        else if (key.Length is 2 or 3 && key[0] == 'f' && int.TryParse(key.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= 24)
            keysym = (uint)(Keysym.F1 + n - 1);
        else
            return null;
        if ((classes & (Ctrl | Alt | Gui)) == 0 && keysym < Keysym.F1) return null;   // Shift+V is a capital V
        return new PasteChord(classes, keysym);
    }

    /// <summary>Whether a key press is this chord, given the viewer's modifier byte (boot report order).</summary>
    public bool Matches(byte clientModifiers, uint keysym)
    {
        uint folded = keysym is >= 'A' and <= 'Z' ? keysym + 32 : keysym;
        if (folded != KeySymbol) return false;
        foreach (byte cls in (ReadOnlySpan<byte>)[Ctrl, Shift, Alt, Gui])
        {
            bool wanted = (ModifierClasses & cls) != 0, held = (clientModifiers & cls) != 0;
            if (wanted != held) return false;
        }
        return true;
    }

    public override string ToString()
    {
        string s = "";
        if ((ModifierClasses & Ctrl) != 0) s += "ctrl+";
        if ((ModifierClasses & Alt) != 0) s += "alt+";
        if ((ModifierClasses & Shift) != 0) s += "shift+";
        if ((ModifierClasses & Gui) != 0) s += "super+";
        return s + (KeySymbol >= Keysym.F1 ? "f" + (KeySymbol - Keysym.F1 + 1).ToString(CultureInfo.InvariantCulture) : ((char)KeySymbol).ToString());
    }
}
