// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using Microsoft.Extensions.Logging;

namespace KvmPi.Vnc.Hid.Keyboard;

/// <summary>
/// A USB boot keyboard driven by X11 keysyms or XT scancodes, typing as a host set to the target's layout
/// (<see cref="KeyboardOptions.Layout"/>) reads it. Emits 8-byte boot reports (modifiers, reserved, six usages) to
/// its sink on every change. Thread-safe: several viewers, and a paste, may type at once.
/// </summary>
/// <remarks>
/// Design notes:
/// <list type="number">
/// <item>State is kept as the target sees it: modifier bits the viewers hold, and the held keys by HID usage (not
/// keysym), in press order, each with the keysym that pressed it. A keysym's release matches the key of its usage
/// pressed by the same letter ('a' pressed, 'A' released), else the key that keysym or its other case pressed, else
/// the key of its usage, else a key a scancode pressed under its name; a scancode's the key of its usage, else the
/// key its keysym pressed. So a key pressed as a keysym and released as a scancode (or the other way round, or after
/// a Caps/Num Lock change moved the character, or as the other case on a layout where that is another key) is still
/// released, and not another key in its place (<see cref="ReleaseUnsynchronized"/>).</item>
/// <item>Keysyms name characters, so Shift, AltGr (level 3) and level 5 are what the character needs on the
/// target's layout, whatever the viewer holds (rfbproto KeyEvent guidelines): the most recently pressed held key
/// decides them. Ctrl, Alt and GUI always pass through. Function, editing, keypad keys and scancodes pass every
/// modifier through.</item>
/// <item>A character only a dead key reaches is typed as the dead key (pressed and released) and then the base key,
/// which stays held until the viewer releases the character.</item>
/// <item>The target's Caps and Num Lock come from its LED reports (<see cref="UpdateLeds"/>): with Caps Lock on a
/// letter still comes out in the case asked for; a keypad digit with Num Lock off is typed as the digit.</item>
/// <item>More than six keys give the boot protocol's ErrorRollOver report until enough are released.</item>
/// <item>Every event recomputes the whole report and sends it only if it differs from the last one sent. The sink
/// is called under the lock, so reports reach it in the order the state changed.</item>
/// </list>
/// </remarks>
public sealed partial class Keyboard
{
    /// <summary>Keys tracked at once. Six fit a report; beyond that the report says ErrorRollOver. A 17th is ignored.</summary>
    private const int MaxTracked = 16;

    private readonly IHidReportSink _sink;
    private readonly ILogger _logger;
    private readonly KeyboardLayout _layout;
    private readonly PasteChord? _pasteChord;
    private readonly byte _level3Bit, _level5Bit;   // modifier-byte bits of the layout's level keys (0: none)
    private readonly Lock _lock = new();

    // Guarded by _lock.
    private byte _clientModifiers;
    private int _heldCount;
    private HeldBytes _heldUsages;
    private HeldBytes _heldLevels;   // LevelModifiers per held key, parallel to _heldUsages
    private HeldKeysyms _heldKeysyms; // the keysym that pressed it (0 for a scancode that came without one)
    private HeldBytes _heldByScancode; // 1 when a scancode pressed it (its keysym is then only the viewer's name for it)
    private ulong _lastSent;     // last report sent, as 8 bytes little-endian; all keys up at start
    private byte _leds;          // the target's lock LEDs (HID LED order); unknown until it says = all off
    private uint _swallowRelease; // the paste chord's key, whose release must not reach the target either

    /// <param name="sink">Receives each 8-byte report; called under the keyboard's lock, so it must not block.</param>
    /// <param name="logger">Debug lines for ignored keysyms and keys; one line per paste.</param>
    /// <param name="options">Layout and paste settings; default: us, Ctrl+Alt+Shift+V at 40 characters/s.</param>
    public Keyboard(IHidReportSink sink, ILogger logger, KeyboardOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(logger);
        options ??= new KeyboardOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PasteRate, 1);
        _sink = sink;
        _logger = logger;
        _layout = options.Layout;
        _pasteChord = options.PasteChord;
        _pasteRate = options.PasteRate;
        _level3Bit = KeyboardUsage.IsModifier(_layout.Level3Usage) ? KeyboardUsage.ModifierBit(_layout.Level3Usage) : (byte)0;
        _level5Bit = KeyboardUsage.IsModifier(_layout.Level5Usage) ? KeyboardUsage.ModifierBit(_layout.Level5Usage) : (byte)0;
    }

    /// <summary>The layout the target is set to.</summary>
    public KeyboardLayout Layout => _layout;

    /// <summary>Presses or releases the key that types <paramref name="keysym"/> on the target's layout.</summary>
    /// <remarks>Keysyms the layout cannot type, releases of keys not held and a 17th key are ignored (Debug log).
    /// Any press stops a paste in progress. Allocation-free. Called from any viewer's receive loop.</remarks>
    public void KeyEvent(uint keysym, bool down)
    {
        lock (_lock)
        {
            if (down && UserPressUnsynchronized(keysym))
                return;
            if (!down && IsSwallowedReleaseUnsynchronized(keysym))
                return;
            KeyEventUnsynchronized(keysym, down);
        }
    }

    /// <summary>
    /// A QEMU Extended Key Event: the key with XT scancode <paramref name="scancode"/> (QEMU's numbering: 0xE0-prefixed
    /// codes as 0x80 | code) pressed or released, whatever the layout; <paramref name="keysym"/> is what the viewer's
    /// own layout made of it (0 allowed), kept so that a release by keysym finds this key. A scancode with no
    /// keyboard-page usage falls back to the keysym.
    /// </summary>
    public void ScancodeEvent(uint keysym, uint scancode, bool down)
    {
        byte usage = scancode < 256 ? XtScancodes.Usages[(int)scancode] : KeyboardUsage.None;
        lock (_lock)
        {
            if (down && UserPressUnsynchronized(keysym))
                return;
            if (!down && keysym != 0 && IsSwallowedReleaseUnsynchronized(keysym))
                return;
            if (usage == KeyboardUsage.None)
            {
                if (keysym != 0)
                    KeyEventUnsynchronized(keysym, down);
                else
                    HidLog.UnmappedScancode(_logger, scancode);
                return;
            }
            if (KeyboardUsage.IsModifier(usage))
                SetClientModifierUnsynchronized(usage, down);
            else if (down)
                PressUnsynchronized(usage, LevelModifiers.None, keysym, byScancode: true);
            else
                ReleaseUnsynchronized(usage, keysym, byScancode: true);
            SendIfChangedUnsynchronized();
        }
    }

    /// <summary>
    /// The target's lock state, from its keyboard LED output report (HID 1.11 Appendix B.1, the boot keyboard's
    /// 1-byte OUT report): bit 0 Num Lock, bit 1 Caps Lock, bit 2 Scroll Lock (<see cref="LedBits"/>; bits 3/4
    /// Compose/Kana are kept but unused). Called whenever the host sends a new LED report; before the first one
    /// every lock counts as off.
    /// </summary>
    /// <remarks>Keysyms name characters, so a letter must come out in the case the viewer asked for whatever the
    /// target's Caps Lock is, and a keypad digit must type a digit whatever its Num Lock is.</remarks>
    public void UpdateLeds(byte ledBits)
    {
        lock (_lock) _leds = ledBits;
    }

    /// <summary>The last LED state given to <see cref="UpdateLeds"/> (0 until then).</summary>
    public byte Leds
    {
        get { lock (_lock) return _leds; }
    }

    /// <summary>Releases every key and modifier: sends an all-zero report. Stops a paste in progress.</summary>
    /// <remarks>Always sends, even when nothing is held, so that a target whose state drifted (a report lost while
    /// it was asleep) is brought back to "nothing pressed" on disconnect or control change.</remarks>
    public void ReleaseAll()
    {
        lock (_lock)
        {
            StopTypingUnsynchronized();
            _clientModifiers = 0;
            _heldCount = 0;
            _lastSent = 0;
            _swallowRelease = 0;
            Span<byte> report = stackalloc byte[BootKeyboardReport.Length];
            report.Clear();
            _sink.Send(report);
        }
    }

    private void KeyEventUnsynchronized(uint keysym, bool down)
    {
        byte special = SpecialKeys.Usage(keysym, _layout);
        if (special != KeyboardUsage.None && KeyboardUsage.IsModifier(special))
        {
            SetClientModifierUnsynchronized(special, down);
            SendIfChangedUnsynchronized();
            return;
        }

        if (!ResolveUnsynchronized(keysym, out byte usage, out LevelModifiers levels, out LayoutKey deadKey, out bool viaDeadKey))
        {
            // A release still finds a key that this keysym pressed under other lock states.
            if (!down && ReleaseUnsynchronized(KeyboardUsage.None, keysym))
                SendIfChangedUnsynchronized();
            else
                HidLog.UnmappedKeysym(_logger, keysym, _layout.Name);
            return;
        }

        if (!down)
        {
            ReleaseUnsynchronized(usage, keysym);
            SendIfChangedUnsynchronized();
            return;
        }

        if (viaDeadKey)
            TapUnsynchronized(deadKey.Usage, SelectLevels(deadKey));
        PressCharacterUnsynchronized(usage, levels, keysym);
    }

    /// <summary>Presses a key and sends the report, with Caps Lock tapped off around the press when the character
    /// needs it (the character is made on the press, so Caps Lock is back on while the key is still held).</summary>
    private void PressCharacterUnsynchronized(byte usage, LevelModifiers levels, uint keysym)
    {
        bool toggle = (levels & LevelModifiers.ToggleCapsLock) != 0;
        if (toggle)
            TapUnsynchronized(KeyboardUsage.CapsLock, LevelModifiers.None);
        if (!PressUnsynchronized(usage, levels & ~LevelModifiers.ToggleCapsLock, keysym))
            HidLog.TooManyKeysHeld(_logger, keysym, usage);
        SendIfChangedUnsynchronized();
        if (toggle)
        {
            TapUnsynchronized(KeyboardUsage.CapsLock, LevelModifiers.None);
            // The tap left Caps Lock the newest key; the character key decides the modifiers again.
            int index = IndexOfUsageUnsynchronized(usage);
            if (index >= 0 && PressUnsynchronized(usage, levels & ~LevelModifiers.ToggleCapsLock, keysym))
                SendIfChangedUnsynchronized();
        }
    }

    /// <summary>The key and levels that type <paramref name="keysym"/> now, and the dead key before it if any.</summary>
    private bool ResolveUnsynchronized(uint keysym, out byte usage, out LevelModifiers levels, out LayoutKey deadKey, out bool viaDeadKey)
    {
        deadKey = default;
        viaDeadKey = false;
        bool numLockOff = (_leds & LedBits.NumLock) == 0;
        usage = SpecialKeys.IsKeypadDigit(keysym) && numLockOff ? KeyboardUsage.None : SpecialKeys.Usage(keysym, _layout);
        if (usage != KeyboardUsage.None)
        {
            // ISO_Left_Tab is what an X client sends for Shift+Tab: Tab with Shift forced down.
            levels = keysym == Keysym.ISO_Left_Tab ? LevelModifiers.Shift : LevelModifiers.None;
            return true;
        }

        uint character = SpecialKeys.IsKeypadDigit(keysym) ? SpecialKeys.KeypadDigitCharacter(keysym) : keysym;
        uint key = KeyboardLayout.CanonicalKey(character);
        if (_layout.TryGetKey(key, out LayoutKey found))
        {
            usage = found.Usage;
            levels = SelectLevels(found) | LevelModifiers.Character;
            return true;
        }
        if (_layout.TryGetDeadKeySequence(key, out deadKey, out LayoutKey baseKey))
        {
            viaDeadKey = true;
            usage = baseKey.Usage;
            levels = SelectLevels(baseKey) | LevelModifiers.Character;
            return true;
        }
        levels = LevelModifiers.None;
        return false;
    }

    /// <summary>The levels a generated key needs in the target's current Caps Lock state, as a character key.</summary>
    private LevelModifiers SelectLevels(LayoutKey key)
    {
        if ((_leds & LedBits.CapsLock) == 0)
            return key.Modifiers | LevelModifiers.Character;
        return key.CapsLockModifiers != LevelModifiers.Unreachable
            ? key.CapsLockModifiers | LevelModifiers.Character
            : key.Modifiers | LevelModifiers.Character | LevelModifiers.ToggleCapsLock;
    }

    private void SetClientModifierUnsynchronized(byte usage, bool down)
    {
        byte bit = KeyboardUsage.ModifierBit(usage);
        _clientModifiers = down ? (byte)(_clientModifiers | bit) : (byte)(_clientModifiers & ~bit);
    }

    /// <summary>Presses and releases a key at once (a dead key): two reports.</summary>
    private void TapUnsynchronized(byte usage, LevelModifiers levels)
    {
        if ((levels & LevelModifiers.ToggleCapsLock) != 0)
        {
            TapUnsynchronized(KeyboardUsage.CapsLock, LevelModifiers.None);
            TapUnsynchronized(usage, levels & ~LevelModifiers.ToggleCapsLock);
            TapUnsynchronized(KeyboardUsage.CapsLock, LevelModifiers.None);
            return;
        }
        // A dead key that is already held (the viewer holds it) must still be seen going down: release it first.
        ReleaseUnsynchronized(usage, 0);
        SendIfChangedUnsynchronized();
        if (!PressUnsynchronized(usage, levels, 0)) return;
        SendIfChangedUnsynchronized();
        ReleaseUnsynchronized(usage, 0);
        SendIfChangedUnsynchronized();
    }

    private bool PressUnsynchronized(byte usage, LevelModifiers levels, uint keysym, bool byScancode = false)
    {
        // A second press of a held usage (client auto-repeat, or 'a' then 'A') moves it to the newest position so
        // that its levels are the ones in force; it never takes a second slot.
        int index = IndexOfUsageUnsynchronized(usage);
        if (index >= 0)
            RemoveAtUnsynchronized(index);
        else if (_heldCount == MaxTracked)
            return false;

        _heldUsages[_heldCount] = usage;
        _heldLevels[_heldCount] = (byte)levels;
        _heldKeysyms[_heldCount] = keysym;
        _heldByScancode[_heldCount] = byScancode ? (byte)1 : (byte)0;
        _heldCount++;
        return true;
    }

    /// <summary>
    /// Releases a held key. For a scancode (<paramref name="byScancode"/>): the key with this usage, else the key this
    /// keysym pressed. For a keysym, the first of: the key with the usage it types now that a keysym of the same
    /// letter pressed ('a' pressed, 'A' released); the key this keysym or its other case pressed; the key with the
    /// usage it types now; the key a scancode pressed under this keysym's name. False when none is held.
    /// </summary>
    /// <remarks>
    /// Usage alone comes late because two characters can share a key: a character made with a dead key holds its
    /// base key ('Ì' on tr holds the key of 'I'), and the release of another character of that key must not take it.
    /// The other case comes before it because on some layouts the two cases are different keys or one is not there
    /// at all (tr: 'I' and 'i'; il: Latin capitals only), and viewers release a letter as the case they show by then
    /// ('X' pressed with Shift, Shift up, 'x' released). Usage alone still releases a key whose character a Caps or
    /// Num Lock change moved (KP_1 pressed, KP_End released). Keys pressed as scancodes come last: the keysym a
    /// viewer sends with a scancode is its own layout's, and may be a character another key types here.
    /// </remarks>
    private bool ReleaseUnsynchronized(byte usage, uint keysym, bool byScancode = false)
    {
        int index = -1;
        if (byScancode)
        {
            index = IndexOfUsageUnsynchronized(usage);
            if (index < 0 && keysym != 0) index = IndexOfKeysymUnsynchronized(keysym, folded: false, byScancode: null);
        }
        else
        {
            uint folded = Keysym.CaseFolded(keysym);
            for (int i = 0; i < _heldCount && index < 0 && usage != KeyboardUsage.None; i++)
            {
                if (_heldUsages[i] == usage && Keysym.CaseFolded(_heldKeysyms[i]) == folded)
                    index = i;
            }
            if (keysym != 0)
            {
                if (index < 0) index = IndexOfKeysymUnsynchronized(keysym, folded: false, byScancode: false);
                if (index < 0) index = IndexOfKeysymUnsynchronized(keysym, folded: true, byScancode: false);
            }
            if (index < 0 && usage != KeyboardUsage.None) index = IndexOfUsageUnsynchronized(usage);
            if (index < 0 && keysym != 0) index = IndexOfKeysymUnsynchronized(keysym, folded: true, byScancode: true);
        }
        if (index < 0)
            return false;   // an unmatched release is ignored: nothing to change
        RemoveAtUnsynchronized(index);
        return true;
    }

    /// <summary>The held key this keysym (or its other case) pressed, among keys pressed as scancodes or not (null: any).</summary>
    private int IndexOfKeysymUnsynchronized(uint keysym, bool folded, bool? byScancode)
    {
        uint wanted = folded ? Keysym.CaseFolded(keysym) : keysym;
        for (int i = 0; i < _heldCount; i++)
        {
            uint held = _heldKeysyms[i];
            if (held != 0 && (folded ? Keysym.CaseFolded(held) : held) == wanted
                && (byScancode is null || (_heldByScancode[i] == 1) == byScancode))
                return i;
        }
        return -1;
    }

    private int IndexOfUsageUnsynchronized(byte usage)
    {
        for (int i = 0; i < _heldCount; i++)
        {
            if (_heldUsages[i] == usage)
                return i;
        }
        return -1;
    }

    private void RemoveAtUnsynchronized(int index)
    {
        for (int i = index + 1; i < _heldCount; i++)
        {
            _heldUsages[i - 1] = _heldUsages[i];
            _heldLevels[i - 1] = _heldLevels[i];
            _heldKeysyms[i - 1] = _heldKeysyms[i];
            _heldByScancode[i - 1] = _heldByScancode[i];
        }
        _heldCount--;
    }

    private byte EffectiveModifiersUnsynchronized()
    {
        byte modifiers = _clientModifiers;
        if (_heldCount == 0)
            return modifiers;

        var levels = (LevelModifiers)_heldLevels[_heldCount - 1];
        bool character = (levels & LevelModifiers.Character) != 0;
        if ((levels & LevelModifiers.Shift) != 0)
        {
            if ((modifiers & BootKeyboardReport.AnyShiftBits) == 0)
                modifiers |= BootKeyboardReport.LeftShiftBit;
        }
        else if (character && (levels & LevelModifiers.ShiftAny) == 0)
        {
            modifiers &= unchecked((byte)~BootKeyboardReport.AnyShiftBits);
        }
        modifiers = ApplyLevel(modifiers, levels, LevelModifiers.Level3, _level3Bit, character);
        return ApplyLevel(modifiers, levels, LevelModifiers.Level5, _level5Bit, character);
    }

    private static byte ApplyLevel(byte modifiers, LevelModifiers levels, LevelModifiers level, byte bit, bool character)
    {
        if ((levels & level) != 0)
            return (byte)(modifiers | bit);
        return character ? (byte)(modifiers & ~bit) : modifiers;
    }

    private void SendIfChangedUnsynchronized()
    {
        Span<byte> report = stackalloc byte[BootKeyboardReport.Length];
        report.Clear();
        report[BootKeyboardReport.ModifiersOffset] = EffectiveModifiersUnsynchronized();
        if (_heldCount > BootKeyboardReport.MaxKeys)
            report.Slice(BootKeyboardReport.KeysOffset, BootKeyboardReport.MaxKeys).Fill(KeyboardUsage.ErrorRollOver);
        else
        {
            for (int i = 0; i < _heldCount; i++)
                report[BootKeyboardReport.KeysOffset + i] = _heldUsages[i];
        }

        ulong packed = BinaryPrimitives.ReadUInt64LittleEndian(report);
        if (packed == _lastSent)
            return;
        _lastSent = packed;
        _sink.Send(report);
    }

    /// <summary>Held keys' bytes stored inline in the keyboard object: no array to allocate or bounds-check twice.</summary>
    [System.Runtime.CompilerServices.InlineArray(MaxTracked)]
    private struct HeldBytes
    {
        private byte _first;
    }

    [System.Runtime.CompilerServices.InlineArray(MaxTracked)]
    private struct HeldKeysyms
    {
        private uint _first;
    }
}
