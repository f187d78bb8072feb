// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Keyboard;

/// <summary>
/// X11 keysym values the keymaps name (values are facts from X11 keysymdef.h). Latin-1 keysyms 0x20..0x7E equal
/// their ASCII code points and are not repeated here.
/// </summary>
internal static class Keysym
{
    public const uint FirstPrintableAscii = 0x20;  // space
    public const uint LastPrintableAscii = 0x7E;   // asciitilde

    /// <summary>Keysyms 0x01000000 + code point name Unicode characters (keysymdef.h "Unicode characters").</summary>
    public const uint UnicodeOffset = 0x0100_0000;

    /// <summary>
    /// The keysym of the character's lower case, for letters of Latin-1 (keysyms 0x41..0xDE) and Unicode keysyms of
    /// the Basic Multilingual Plane (those of Latin-1 characters as their Latin-1 keysyms); any other keysym as it is.
    /// </summary>
    public static uint CaseFolded(uint keysym)
    {
        if (keysym >= UnicodeOffset && keysym - UnicodeOffset <= char.MaxValue)
        {
            uint lower = char.ToLowerInvariant((char)(keysym - UnicodeOffset));
            return lower < 0x100 ? lower : UnicodeOffset + lower;
        }
        if (keysym is >= 'A' and <= 'Z' or >= 0xC0 and <= 0xDE and not 0xD7)
            return keysym + 0x20;
        return keysym;
    }

    public const uint ISO_Level3_Shift = 0xFE03;   // AltGr
    public const uint ISO_Level5_Shift = 0xFE11;
    public const uint ISO_Left_Tab = 0xFE20;       // what X sends for Shift+Tab

    public const uint BackSpace = 0xFF08;
    public const uint Tab = 0xFF09;
    public const uint Return = 0xFF0D;
    public const uint Pause = 0xFF13;
    public const uint Scroll_Lock = 0xFF14;
    public const uint Sys_Req = 0xFF15;
    public const uint Escape = 0xFF1B;
    public const uint Kanji = 0xFF21;              // Kanji, Kanji convert
    public const uint Muhenkan = 0xFF22;           // Cancel Conversion
    public const uint Henkan_Mode = 0xFF23;        // Start/Stop Conversion (Henkan)
    public const uint Hiragana = 0xFF25;
    public const uint Katakana = 0xFF26;
    public const uint Hiragana_Katakana = 0xFF27;
    public const uint Zenkaku_Hankaku = 0xFF2A;
    public const uint Hangul = 0xFF31;
    public const uint Hangul_Hanja = 0xFF34;
    public const uint Home = 0xFF50;
    public const uint Left = 0xFF51;
    public const uint Up = 0xFF52;
    public const uint Right = 0xFF53;
    public const uint Down = 0xFF54;
    public const uint Prior = 0xFF55;              // Page_Up
    public const uint Next = 0xFF56;               // Page_Down
    public const uint End = 0xFF57;
    public const uint Print = 0xFF61;
    public const uint Insert = 0xFF63;
    public const uint Menu = 0xFF67;
    public const uint Break = 0xFF6B;
    public const uint Num_Lock = 0xFF7F;

    public const uint KP_Space = 0xFF80;
    public const uint KP_Tab = 0xFF89;
    public const uint KP_Enter = 0xFF8D;
    public const uint KP_Home = 0xFF95;
    public const uint KP_Left = 0xFF96;
    public const uint KP_Up = 0xFF97;
    public const uint KP_Right = 0xFF98;
    public const uint KP_Down = 0xFF99;
    public const uint KP_Prior = 0xFF9A;
    public const uint KP_Next = 0xFF9B;
    public const uint KP_End = 0xFF9C;
    public const uint KP_Begin = 0xFF9D;
    public const uint KP_Insert = 0xFF9E;
    public const uint KP_Delete = 0xFF9F;
    public const uint KP_Equal = 0xFFBD;
    public const uint KP_Multiply = 0xFFAA;
    public const uint KP_Add = 0xFFAB;
    public const uint KP_Separator = 0xFFAC;
    public const uint KP_Subtract = 0xFFAD;
    public const uint KP_Decimal = 0xFFAE;
    public const uint KP_Divide = 0xFFAF;
    public const uint KP_0 = 0xFFB0;               // KP_0..KP_9 are consecutive
    public const uint KP_9 = 0xFFB9;

    public const uint F1 = 0xFFBE;                 // F1..F24 are consecutive
    public const uint F12 = 0xFFC9;
    public const uint F13 = 0xFFCA;
    public const uint F24 = 0xFFD5;

    public const uint Shift_L = 0xFFE1;
    public const uint Shift_R = 0xFFE2;
    public const uint Control_L = 0xFFE3;
    public const uint Control_R = 0xFFE4;
    public const uint Caps_Lock = 0xFFE5;
    public const uint Meta_L = 0xFFE7;
    public const uint Meta_R = 0xFFE8;
    public const uint Alt_L = 0xFFE9;
    public const uint Alt_R = 0xFFEA;
    public const uint Super_L = 0xFFEB;
    public const uint Super_R = 0xFFEC;
    public const uint Delete = 0xFFFF;

    // XF86keysym.h
    public const uint XF86AudioLowerVolume = 0x1008FF11;
    public const uint XF86AudioMute = 0x1008FF12;
    public const uint XF86AudioRaiseVolume = 0x1008FF13;
}
