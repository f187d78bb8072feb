// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using KvmPi.Vnc.Hid.Keyboard.Layouts;

namespace KvmPi.Vnc.Hid.Keyboard;

/// <summary>
/// The keyboard layout the *target* is set to (an xkeyboard-config layout such as "de" or "ch(fr)"): which key and
/// level modifiers type a character there. The tables are generated from xkeyboard-config through libxkbcommon by
/// tools/keymaps/layoutgen.py (see tools/keymaps/README.md); nothing here is written per layout by hand.
/// </summary>
/// <remarks>
/// Lookups are binary searches over constant data in the assembly image: no allocation per key.
/// A character is looked up by its code point, so a viewer's legacy keysym ('EuroSign', 0x20AC) and its Unicode
/// keysym (0x010020AC) find the same key; keysyms that are no character (dead keys) by flag | keysym.
/// </remarks>
public sealed class KeyboardLayout
{
    private const int KeyEntryLength = 6;       // key U32, usage, modifiers
    private const int ComposeEntryLength = 8;   // key U32, dead key entry U16, base key entry U16
    internal const uint NonCharacterFlag = 0x4000_0000;

    private readonly int _index;

    private KeyboardLayout(int index)
    {
        _index = index;
        Name = GeneratedLayouts.Names[index];
        Level3Usage = GeneratedLayouts.Level3Usage(index);
        Level5Usage = GeneratedLayouts.Level5Usage(index);
    }

    private static readonly KeyboardLayout?[] Cache = new KeyboardLayout?[GeneratedLayouts.Names.Length];

    /// <summary>The default: "us", as the demo target reads reports.</summary>
    public static KeyboardLayout Us { get; } = Get(GeneratedLayouts.IndexOf("us"));

    /// <summary>Every layout name --layout accepts, e.g. "de", "ch(fr)", "us(intl)".</summary>
    public static IReadOnlyList<string> Names => GeneratedLayouts.Names;

    /// <summary>The layout's xkeyboard-config name, as given to --layout.</summary>
    public string Name { get; }

    /// <summary>The modifier key that is ISO_Level3_Shift (AltGr) on this layout: Right Alt, or 0 when it has no level 3.</summary>
    internal byte Level3Usage { get; }

    /// <summary>The modifier key that is ISO_Level5_Shift, or 0 (none of the listed layouts has one by default).</summary>
    internal byte Level5Usage { get; }

    /// <summary>Finds a layout by its xkeyboard-config name: "de", "ch(fr)"; "de()" and surrounding spaces are tolerated.</summary>
    public static bool TryGet(string name, out KeyboardLayout layout)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.Trim();
        if (key.EndsWith("()", StringComparison.Ordinal)) key = key[..^2];
        int index = GeneratedLayouts.IndexOf(key);
        layout = index < 0 ? null! : Get(index);
        return index >= 0;
    }

    private static KeyboardLayout Get(int index)
    {
        KeyboardLayout? cached = Volatile.Read(ref Cache[index]);
        if (cached is not null) return cached;
        Interlocked.CompareExchange(ref Cache[index], new KeyboardLayout(index), null);
        return Cache[index]!;
    }

    /// <summary>The table key of a keysym: the code point of the character it names, else flag | keysym.</summary>
    internal static uint CanonicalKey(uint keysym)
    {
        if (keysym - Keysym.UnicodeOffset <= 0x10FFFF)
            return keysym - Keysym.UnicodeOffset is >= 0x20 and not 0x7F ? keysym - Keysym.UnicodeOffset : NonCharacterFlag | keysym;
        if (keysym is >= 0x20 and <= 0x7E or >= 0xA0 and <= 0xFF)
            return keysym;   // Latin-1 keysyms are their code points
        if (keysym is >= 0x100 and <= 0x20FF)
        {
            uint cp = LegacyCodePoint(keysym);
            if (cp != 0) return cp;
        }
        return NonCharacterFlag | keysym;
    }

    private static uint LegacyCodePoint(uint keysym)
    {
        ReadOnlySpan<byte> table = LegacyKeysyms.Table;
        int lo = 0, hi = LegacyKeysyms.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            uint k = BinaryPrimitives.ReadUInt16LittleEndian(table[(mid * 4)..]);
            if (k == keysym) return BinaryPrimitives.ReadUInt16LittleEndian(table[(mid * 4 + 2)..]);
            if (k < keysym) lo = mid + 1; else hi = mid - 1;
        }
        return 0;
    }

    /// <summary>The key that types <paramref name="key"/> (a <see cref="CanonicalKey"/>) on its own.</summary>
    internal bool TryGetKey(uint key, out LayoutKey found)
    {
        ReadOnlySpan<byte> keys = GeneratedLayouts.Keys(_index);
        int index = Search(keys, KeyEntryLength, key);
        found = index < 0 ? default : KeyAt(keys, index);
        return index >= 0;
    }

    /// <summary>The dead key and base key that compose <paramref name="key"/>, for characters no key types alone.</summary>
    internal bool TryGetDeadKeySequence(uint key, out LayoutKey deadKey, out LayoutKey baseKey)
    {
        ReadOnlySpan<byte> compose = GeneratedLayouts.Compose(_index);
        int index = Search(compose, ComposeEntryLength, key);
        if (index < 0)
        {
            deadKey = baseKey = default;
            return false;
        }
        ReadOnlySpan<byte> entry = compose.Slice(index * ComposeEntryLength, ComposeEntryLength);
        ReadOnlySpan<byte> keys = GeneratedLayouts.Keys(_index);
        deadKey = KeyAt(keys, BinaryPrimitives.ReadUInt16LittleEndian(entry[4..]));
        baseKey = KeyAt(keys, BinaryPrimitives.ReadUInt16LittleEndian(entry[6..]));
        return true;
    }

    private static LayoutKey KeyAt(ReadOnlySpan<byte> keys, int index)
    {
        byte usage = keys[index * KeyEntryLength + 4];
        byte modifiers = keys[index * KeyEntryLength + 5];
        return new LayoutKey(usage, (LevelModifiers)(modifiers & 0x0F), (LevelModifiers)(modifiers >> 4));
    }

    private static int Search(ReadOnlySpan<byte> table, int entryLength, uint key)
    {
        int lo = 0, hi = table.Length / entryLength - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            uint k = BinaryPrimitives.ReadUInt32LittleEndian(table[(mid * entryLength)..]);
            if (k == key) return mid;
            if (k < key) lo = mid + 1; else hi = mid - 1;
        }
        return -1;
    }

    public override string ToString() => Name;
}

/// <summary>One generated entry: the key, and the level modifiers it needs with Caps Lock off and on
/// (<see cref="LevelModifiers.Unreachable"/> when Caps Lock on makes it untypeable on that key).</summary>
internal readonly record struct LayoutKey(byte Usage, LevelModifiers Modifiers, LevelModifiers CapsLockModifiers);
