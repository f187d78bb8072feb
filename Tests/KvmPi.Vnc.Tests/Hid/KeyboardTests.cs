// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Hid.Keyboard;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvmPi.Vnc.Tests.Hid;

/// <summary>Special keys, modifiers, chords, Shift override sequences and held-key bookkeeping.</summary>
public sealed class KeyboardTests
{
    // Keysyms from X11 keysymdef.h.
    private const uint ShiftL = 0xFFE1, ShiftR = 0xFFE2, ControlL = 0xFFE3, AltL = 0xFFE9, Delete = 0xFFFF;
    private const string AllUp = "00 00 00 00 00 00 00 00";

    private readonly RecordingReportSink _sink = new();
    private readonly ListLogger _logger = new();
    private readonly Keyboard _keyboard;

    public KeyboardTests() => _keyboard = new Keyboard(_sink, _logger);

    private static string Report(byte modifiers, params byte[] keys)
    {
        var bytes = new byte[8];
        bytes[0] = modifiers;
        keys.CopyTo(bytes, 2);
        return RecordingReportSink.Hex(bytes);
    }

    /// <summary>keysym (keysymdef.h) → usage (HID Usage Tables 1.5 §10).</summary>
    public static TheoryData<uint, byte> SpecialKeys => new()
    {
        { 0xFF0D, 0x28 }, // Return → Keyboard Return (ENTER)
        { 0xFF8D, 0x58 }, // KP_Enter → Keypad ENTER
        { 0xFF09, 0x2B }, // Tab
        { 0xFF08, 0x2A }, // BackSpace → Keyboard DELETE (Backspace)
        { 0xFF1B, 0x29 }, // Escape
        { 0xFFFF, 0x4C }, // Delete → Keyboard Delete Forward
        { 0xFF63, 0x49 }, // Insert
        { 0xFF50, 0x4A }, // Home
        { 0xFF57, 0x4D }, // End
        { 0xFF55, 0x4B }, // Prior (Page_Up)
        { 0xFF56, 0x4E }, // Next (Page_Down)
        { 0xFF51, 0x50 }, // Left
        { 0xFF52, 0x52 }, // Up
        { 0xFF53, 0x4F }, // Right
        { 0xFF54, 0x51 }, // Down
        { 0xFFBE, 0x3A }, { 0xFFBF, 0x3B }, { 0xFFC0, 0x3C }, { 0xFFC1, 0x3D }, // F1..F4
        { 0xFFC2, 0x3E }, { 0xFFC3, 0x3F }, { 0xFFC4, 0x40 }, { 0xFFC5, 0x41 }, // F5..F8
        { 0xFFC6, 0x42 }, { 0xFFC7, 0x43 }, { 0xFFC8, 0x44 }, { 0xFFC9, 0x45 }, // F9..F12
        { 0xFF61, 0x46 }, // Print → PrintScreen
        { 0xFF15, 0x46 }, // Sys_Req (Alt+Print) → PrintScreen, the client's Alt still held
        { 0xFF13, 0x48 }, // Pause
        { 0xFF6B, 0x48 }, // Break (Ctrl+Pause) → Pause
        { 0xFF67, 0x65 }, // Menu → Keyboard Application
        { 0xFFE5, 0x39 }, // Caps_Lock
        { 0xFF7F, 0x53 }, // Num_Lock → Keypad Num Lock and Clear
        { 0xFF14, 0x47 }, // Scroll_Lock
        { 0xFFB0, 0x62 }, // KP_0
        { 0xFFB1, 0x59 }, { 0xFFB2, 0x5A }, { 0xFFB3, 0x5B }, { 0xFFB4, 0x5C }, { 0xFFB5, 0x5D }, // KP_1..KP_5
        { 0xFFB6, 0x5E }, { 0xFFB7, 0x5F }, { 0xFFB8, 0x60 }, { 0xFFB9, 0x61 },                  // KP_6..KP_9
        { 0xFFAB, 0x57 }, // KP_Add
        { 0xFFAD, 0x56 }, // KP_Subtract
        { 0xFFAA, 0x55 }, // KP_Multiply
        { 0xFFAF, 0x54 }, // KP_Divide
        { 0xFFAE, 0x63 }, // KP_Decimal → Keypad . and Delete
        { 0xFFBD, 0x67 }, // KP_Equal
        { 0xFFAC, 0x85 }, // KP_Separator → Keypad Comma
        { 0xFF95, 0x4A }, // KP_Home (Num Lock off at the client) → Home
        { 0xFF9F, 0x4C }, // KP_Delete → Delete Forward
        { 0xFFCA, 0x68 }, // F13
        { 0xFFD5, 0x73 }, // F24
        { 0x1008FF12, 0x7F }, // XF86AudioMute → Mute
        { 0x1008FF13, 0x80 }, // XF86AudioRaiseVolume → Volume Up
        { 0x1008FF11, 0x81 }, // XF86AudioLowerVolume → Volume Down
        { 0xFF23, 0x8A }, // Henkan_Mode → International4
        { 0xFF22, 0x8B }, // Muhenkan → International5
        { 0xFF27, 0x88 }, // Hiragana_Katakana → International2
        { 0xFF31, 0x90 }, // Hangul → LANG1
        { 0xFF34, 0x91 }, // Hangul_Hanja → LANG2
        { 0xFF26, 0x92 }, // Katakana → LANG3
        { 0xFF25, 0x93 }, // Hiragana → LANG4
        { 0xFF2A, 0x94 }, // Zenkaku_Hankaku → LANG5
    };

    [Theory]
    [InlineData(0xFFB1u, 0x1E)] // KP_1 → the 1 key
    [InlineData(0xFFB0u, 0x27)] // KP_0 → the 0 key
    [InlineData(0xFFAEu, 0x37)] // KP_Decimal → the . key
    public void KeypadDigit_WithTheTargetsNumLockOff_TypesTheDigit(uint keysym, byte usage)
    {
        _keyboard.KeyEvent(keysym, down: true);
        _keyboard.UpdateLeds(LedBits.NumLock);   // the release still finds the key, whatever the lock does meanwhile
        _keyboard.KeyEvent(keysym, down: false);

        Assert.Equal([Report(0, usage), AllUp], _sink.Reports);
    }

    [Theory, MemberData(nameof(SpecialKeys))]
    public void SpecialKey_PressAndRelease(uint keysym, byte usage)
    {
        _keyboard.UpdateLeds(LedBits.NumLock);   // the keypad digits are keypad keys only with the target's Num Lock on
        _keyboard.KeyEvent(keysym, down: true);
        _keyboard.KeyEvent(keysym, down: false);

        Assert.Equal([Report(0, usage), AllUp], _sink.Reports);
    }

    [Theory, MemberData(nameof(SpecialKeys))]
    public void SpecialKey_KeepsTheClientsShift(uint keysym, byte usage)
    {
        _keyboard.UpdateLeds(LedBits.NumLock);
        _keyboard.KeyEvent(ShiftL, down: true);
        _keyboard.KeyEvent(keysym, down: true);
        _keyboard.KeyEvent(keysym, down: false);

        Assert.Equal([Report(0x02), Report(0x02, usage), Report(0x02)], _sink.Reports);
    }

    /// <summary>keysym → modifier byte bit (HID 1.11 Appendix B.1 order).</summary>
    public static TheoryData<uint, byte> Modifiers => new()
    {
        { 0xFFE3, 0x01 }, // Control_L
        { 0xFFE1, 0x02 }, // Shift_L
        { 0xFFE9, 0x04 }, // Alt_L
        { 0xFFE7, 0x04 }, // Meta_L, treated as Alt
        { 0xFFEB, 0x08 }, // Super_L → Left GUI
        { 0xFFE4, 0x10 }, // Control_R
        { 0xFFE2, 0x20 }, // Shift_R
        { 0xFFEA, 0x40 }, // Alt_R
        { 0xFFE8, 0x40 }, // Meta_R, treated as Alt
        { 0xFE03, 0x40 }, // ISO_Level3_Shift (AltGr) → Right Alt
        { 0xFFEC, 0x80 }, // Super_R → Right GUI
    };

    [Theory, MemberData(nameof(Modifiers))]
    public void Modifier_SetsItsBitOnly(uint keysym, byte bit)
    {
        _keyboard.KeyEvent(keysym, down: true);
        _keyboard.KeyEvent(keysym, down: false);

        Assert.Equal([Report(bit), AllUp], _sink.Reports);
    }

    [Fact]
    public void IsoLeftTab_IsShiftTab()
    {
        _keyboard.KeyEvent(0xFE20, down: true);
        _keyboard.KeyEvent(0xFE20, down: false);

        Assert.Equal([Report(0x02, 0x2B), AllUp], _sink.Reports);
    }

    [Fact]
    public void IsoLeftTab_WithShiftAlreadyHeld_KeepsShiftAfterwards()
    {
        _keyboard.KeyEvent(ShiftL, down: true);
        _keyboard.KeyEvent(0xFE20, down: true);
        _keyboard.KeyEvent(0xFE20, down: false);

        Assert.Equal([Report(0x02), Report(0x02, 0x2B), Report(0x02)], _sink.Reports);
    }

    [Fact]
    public void CtrlC()
    {
        _keyboard.KeyEvent(ControlL, true);
        _keyboard.KeyEvent('c', true);
        _keyboard.KeyEvent('c', false);
        _keyboard.KeyEvent(ControlL, false);

        Assert.Equal([Report(0x01), Report(0x01, 0x06), Report(0x01), AllUp], _sink.Reports);
    }

    [Fact]
    public void AltShiftT_AsAClientSendsIt()
    {
        _keyboard.KeyEvent(AltL, true);
        _keyboard.KeyEvent(ShiftL, true);
        _keyboard.KeyEvent('T', true);  // the client reports the shifted keysym
        _keyboard.KeyEvent('T', false);
        _keyboard.KeyEvent(ShiftL, false);
        _keyboard.KeyEvent(AltL, false);

        Assert.Equal(
            [Report(0x04), Report(0x06), Report(0x06, 0x17), Report(0x06), Report(0x04), AllUp],
            _sink.Reports);
    }

    [Fact]
    public void CtrlAltDelete()
    {
        _keyboard.KeyEvent(ControlL, true);
        _keyboard.KeyEvent(AltL, true);
        _keyboard.KeyEvent(Delete, true);

        Assert.Equal([Report(0x01), Report(0x05), Report(0x05, 0x4C)], _sink.Reports);
    }

    [Fact]
    public void CapsLockOn_LettersComeOutInTheRequestedCase()
    {
        _keyboard.UpdateLeds(0x02);   // Caps Lock on at the target
        _keyboard.KeyEvent('a', true);
        _keyboard.KeyEvent('a', false);
        _keyboard.KeyEvent('A', true);
        _keyboard.KeyEvent('A', false);
        _keyboard.KeyEvent('1', true);   // digits are not affected by Caps Lock
        _keyboard.KeyEvent('1', false);

        Assert.Equal([Report(0x02, 0x04), AllUp, Report(0, 0x04), AllUp, Report(0, 0x1E), AllUp], _sink.Reports);
        Assert.Equal(0x02, _keyboard.Leds);
    }

    [Fact]
    public void CapitalWithoutShift_AddsShiftForTheKeyOnly()
    {
        _keyboard.KeyEvent('A', true);
        _keyboard.KeyEvent('A', false);

        Assert.Equal(["02 00 04 00 00 00 00 00", AllUp], _sink.Reports);
    }

    [Fact]
    public void DigitWithShiftHeld_LiftsShiftThenRestoresIt()
    {
        _keyboard.KeyEvent(ShiftL, true);
        _keyboard.KeyEvent('1', true);
        _keyboard.KeyEvent('1', false);

        Assert.Equal(["02 00 00 00 00 00 00 00", "00 00 1E 00 00 00 00 00", "02 00 00 00 00 00 00 00"], _sink.Reports);
    }

    [Fact]
    public void CapitalWithRightShiftHeld_KeepsRightShift()
    {
        _keyboard.KeyEvent(ShiftR, true);
        _keyboard.KeyEvent('A', true);

        Assert.Equal([Report(0x20), Report(0x20, 0x04)], _sink.Reports);
    }

    [Fact]
    public void LowercaseWithBothShiftsHeld_LiftsBoth()
    {
        _keyboard.KeyEvent(ShiftL, true);
        _keyboard.KeyEvent(ShiftR, true);
        _keyboard.KeyEvent('a', true);
        _keyboard.KeyEvent('a', false);

        Assert.Equal([Report(0x02), Report(0x22), Report(0x00, 0x04), Report(0x22)], _sink.Reports);
    }

    [Fact]
    public void ShiftOverride_DoesNotTouchOtherModifiers()
    {
        _keyboard.KeyEvent(ControlL, true);
        _keyboard.KeyEvent(ShiftL, true);
        _keyboard.KeyEvent(';', true); // Ctrl+; needs Shift lifted, Ctrl kept

        Assert.Equal([Report(0x01), Report(0x03), Report(0x01, 0x33)], _sink.Reports);
    }

    [Fact]
    public void OverlappingKeys_TheNewestKeyDecidesShift()
    {
        _keyboard.KeyEvent('H', true);
        _keyboard.KeyEvent('e', true);   // 'H' still held: Shift goes up for 'e'
        _keyboard.KeyEvent('H', false);
        _keyboard.KeyEvent('e', false);

        Assert.Equal(
            [Report(0x02, 0x0B), Report(0x00, 0x0B, 0x08), Report(0x00, 0x08), AllUp],
            _sink.Reports);
    }

    [Fact]
    public void ReleasingTheNewestKey_HandsShiftBackToTheOlderKey()
    {
        _keyboard.KeyEvent('a', true);
        _keyboard.KeyEvent('B', true);
        _keyboard.KeyEvent('B', false);

        Assert.Equal([Report(0x00, 0x04), Report(0x02, 0x04, 0x05), Report(0x00, 0x04)], _sink.Reports);
    }

    [Fact]
    public void ReleaseIsMatchedByUsageNotKeysym()
    {
        _keyboard.KeyEvent('a', true);
        _keyboard.KeyEvent('A', false);

        Assert.Equal([Report(0, 0x04), AllUp], _sink.Reports);
    }

    private static Keyboard WithLayout(string name, RecordingReportSink sink)
    {
        Assert.True(KeyboardLayout.TryGet(name, out KeyboardLayout layout));
        return new Keyboard(sink, NullLogger.Instance, new KeyboardOptions { Layout = layout });
    }

    /// <summary>tr: 'i' and 'I' are different keys ('I' is Shift+ı); a viewer that releases 'i' as 'I' still releases it.</summary>
    [Fact]
    public void ReleaseAsTheOtherCase_WhereTheCasesAreDifferentKeys_ReleasesTheKeyPressed()
    {
        var sink = new RecordingReportSink();
        Keyboard keyboard = WithLayout("tr", sink);
        keyboard.KeyEvent('i', true);
        keyboard.KeyEvent('I', false);

        Assert.Equal(AllUp, sink.Reports[^1]);
    }

    /// <summary>il: Latin capitals are there (Shift+key) but small letters are not; 'X' released as 'x' is released.</summary>
    [Fact]
    public void ReleaseAsACaseTheLayoutLacks_ReleasesTheKeyPressed()
    {
        var sink = new RecordingReportSink();
        Keyboard keyboard = WithLayout("il", sink);
        keyboard.KeyEvent('X', true);
        Assert.NotEqual(AllUp, sink.Reports[^1]);
        keyboard.KeyEvent('x', false);

        Assert.Equal(AllUp, sink.Reports[^1]);
    }

    /// <summary>
    /// tr: 'Ì' is dead grave then the key of 'I', which it holds. Releasing 'I' (meant for a held 'i') must release
    /// 'i', not the key 'Ì' holds; 'Ì' goes with its own release.
    /// </summary>
    [Fact]
    public void ReleaseOfACharacterSharingAKeyWithAnother_ReleasesItsOwn()
    {
        var sink = new RecordingReportSink();
        Keyboard keyboard = WithLayout("tr", sink);
        keyboard.KeyEvent(0xCC, true);   // Igrave
        string igraveOnly = sink.Reports[^1];
        keyboard.KeyEvent('i', true);
        keyboard.KeyEvent('I', false);
        Assert.Equal(igraveOnly, sink.Reports[^1]);
        keyboard.KeyEvent(0xCC, false);

        Assert.Equal(AllUp, sink.Reports[^1]);
    }

    /// <summary>
    /// The keysym a scancode comes with is the viewer's own name for the key: a keysym release of that character
    /// releases the key the keysym pressed, and the scancode's release its own key.
    /// </summary>
    [Fact]
    public void KeysymRelease_PrefersTheKeyAKeysymPressedOverOneAScancodePressed()
    {
        _keyboard.ScancodeEvent('p', 0x15, true);   // XT 0x15 is the key of Y (a viewer on a German layout)
        _keyboard.KeyEvent('p', true);
        _keyboard.KeyEvent('p', false);
        Assert.Equal(Report(0, 0x1C), _sink.Reports[^1]);
        _keyboard.ScancodeEvent('p', 0x15, false);

        Assert.Equal(AllUp, _sink.Reports[^1]);
    }

    [Fact]
    public void UnmatchedRelease_IsIgnored()
    {
        _keyboard.KeyEvent('q', false);
        _keyboard.KeyEvent(ShiftL, false);

        Assert.Empty(_sink.Reports);
    }

    [Fact]
    public void RepeatedPress_SendsNothingNew()
    {
        _keyboard.KeyEvent('x', true);
        _keyboard.KeyEvent('x', true); // client auto-repeat
        _keyboard.KeyEvent('x', true);

        Assert.Equal([Report(0, 0x1B)], _sink.Reports);
    }

    [Theory]
    [InlineData(0x1Eu, 0x04)] // A
    [InlineData(0xC8u, 0x52)] // E0 48: Up
    [InlineData(0x9Du, 0xE4)] // E0 1D: Right Control (a modifier)
    [InlineData(0x73u, 0x87)] // Ro
    [InlineData(0x7Du, 0x89)] // Yen
    [InlineData(0x5Du, 0x68)] // F13
    [InlineData(0xA0u, 0x7F)] // E0 20: Mute
    public void Scancode_MapsToItsUsage_WithKeysymZero(uint scancode, byte usage)
    {
        _keyboard.ScancodeEvent(0, scancode, down: true);
        _keyboard.ScancodeEvent(0, scancode, down: false);

        string pressed = usage >= 0xE0 ? Report((byte)(1 << (usage - 0xE0))) : Report(0, usage);
        Assert.Equal([pressed, AllUp], _sink.Reports);
    }

    [Fact]
    public void KeysymPress_ScancodeRelease_AndTheOtherWayRound()
    {
        _keyboard.KeyEvent('a', true);
        _keyboard.ScancodeEvent('a', 0x1E, false);
        _keyboard.ScancodeEvent('q', 0x10, true);
        _keyboard.KeyEvent('q', false);

        Assert.Equal([Report(0, 0x04), AllUp, Report(0, 0x14), AllUp], _sink.Reports);
    }

    [Fact]
    public void SeventhKey_GivesTheRolloverReport_UntilAKeyIsReleased()
    {
        _keyboard.KeyEvent(ShiftL, true);
        foreach (char c in "ABCDEF")
            _keyboard.KeyEvent(c, true);
        _sink.Clear();

        _keyboard.KeyEvent('G', true);
        _keyboard.KeyEvent('A', false);

        // HID 1.11 Appendix C: ErrorRollOver in every key slot, modifiers still reported.
        Assert.Equal([Report(0x02, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01), Report(0x02, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A)],
            _sink.Reports);
    }

    [Fact]
    public void SeventeenthKey_IsIgnoredWithADebugLine()
    {
        foreach (char c in "abcdefghijklmnop")
            _keyboard.KeyEvent(c, true);
        _sink.Clear();

        _keyboard.KeyEvent('q', true);
        _keyboard.KeyEvent('q', false);

        Assert.Empty(_sink.Reports);
        Assert.Contains(_logger.Entries, e => e.Level == LogLevel.Debug && e.EventId == 2);
    }

    [Fact]
    public void SixKeys_AllReported()
    {
        foreach (char c in "abcdef")
            _keyboard.KeyEvent(c, true);

        Assert.Equal(Report(0, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09), _sink.Reports[^1]);
    }

    [Theory]
    [InlineData(0x00E9u)]      // eacute: no key on a US layout
    [InlineData(0x20ACu)]      // EuroSign
    [InlineData(0x0100_20ACu)] // U+20AC as a Unicode keysym
    [InlineData(0xFE50u)]      // dead_grave
    [InlineData(0xFF9Du)]      // KP_Begin
    [InlineData(0x0000u)]      // NoSymbol
    public void KeysymWithNoUsKey_IsIgnoredWithADebugLine(uint keysym)
    {
        _keyboard.KeyEvent(keysym, true);
        _keyboard.KeyEvent(keysym, false);

        Assert.Empty(_sink.Reports);
        Assert.All(_logger.Entries, e => Assert.Equal(LogLevel.Debug, e.Level));
        Assert.Equal(2, _logger.Entries.Count(e => e.EventId == 1));
    }

    [Fact]
    public void ReleaseAll_WithNothingHeld_StillSendsAllZero()
    {
        _keyboard.ReleaseAll();

        Assert.Equal([AllUp], _sink.Reports);
    }

    [Fact]
    public void ReleaseAll_ForgetsHeldKeysAndModifiers()
    {
        _keyboard.KeyEvent(ControlL, true);
        _keyboard.KeyEvent('z', true);
        _keyboard.ReleaseAll();
        _sink.Clear();

        _keyboard.KeyEvent('z', false);       // already released: nothing to send
        _keyboard.KeyEvent('y', true);

        Assert.Equal([Report(0, 0x1C)], _sink.Reports);
    }

    [Fact]
    public void ConcurrentTyping_EveryReportIsWellFormed_AndReleaseAllEndsClean()
    {
        var sink = new RecordingReportSink();
        var keyboard = new Keyboard(sink, NullLogger.Instance);
        Parallel.For(0, 4, viewer =>
        {
            for (int i = 0; i < 2_000; i++)
            {
                uint keysym = (uint)('a' + (viewer * 7 + i) % 26);
                keyboard.KeyEvent(keysym, true);
                keyboard.KeyEvent(keysym, false);
            }
        });
        keyboard.ReleaseAll();

        Assert.All(sink.Reports, r => Assert.Equal(23, r.Length));
        Assert.Equal(AllUp, sink.Reports[^1]);
    }
}
