// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Hid.Keyboard;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvmPi.Vnc.Tests.Hid;

/// <summary>
/// Golden boot reports for every printable ASCII character (keysyms 0x20..0x7E). The expected table is derived here
/// independently of UsKeymap: the key caps of a US ANSI keyboard, each with its usage from HID Usage Tables 1.5 §10
/// (Keyboard/Keypad page 0x07), base character first, shifted character second.
/// </summary>
public sealed class KeyboardPrintableAsciiTests
{
    private const uint ShiftL = 0xFFE1;

    private static readonly (byte Usage, string Cap)[] UsKeyCaps =
    [
        (0x1E, "1!"), (0x1F, "2@"), (0x20, "3#"), (0x21, "4$"), (0x22, "5%"),
        (0x23, "6^"), (0x24, "7&"), (0x25, "8*"), (0x26, "9("), (0x27, "0)"),
        (0x2D, "-_"), (0x2E, "=+"), (0x2F, "[{"), (0x30, "]}"), (0x31, "\\|"),
        (0x33, ";:"), (0x34, "'\""), (0x35, "`~"), (0x36, ",<"), (0x37, ".>"), (0x38, "/?"),
    ];

    /// <summary>Character, usage, whether Shift is part of the character (null: Space, which types the same either way).</summary>
    public static TheoryData<char, byte, bool?> EveryPrintableAscii()
    {
        var rows = new Dictionary<char, (byte, bool?)> { [' '] = (0x2C, null) };
        for (int i = 0; i < 26; i++)
        {
            rows[(char)('a' + i)] = ((byte)(0x04 + i), false); // HUT §10: a..z are 0x04..0x1D
            rows[(char)('A' + i)] = ((byte)(0x04 + i), true);
        }
        foreach ((byte usage, string cap) in UsKeyCaps)
        {
            rows[cap[0]] = (usage, false);
            rows[cap[1]] = (usage, true);
        }

        var data = new TheoryData<char, byte, bool?>();
        foreach ((char c, (byte usage, bool? shifted)) in rows.OrderBy(r => r.Key))
            data.Add(c, usage, shifted);
        return data;
    }

    [Fact]
    public void TheExpectedTableCoversAll95PrintableCharacters()
    {
        var chars = EveryPrintableAscii().Select(row => (char)row[0]).ToHashSet();
        Assert.Equal(Enumerable.Range(0x20, 95).Select(c => (char)c).ToHashSet(), chars);
    }

    [Theory, MemberData(nameof(EveryPrintableAscii))]
    public void WithNoShiftHeld_TypesTheCharacter_ThenReleasesEverything(char c, byte usage, bool? shifted)
    {
        var sink = new RecordingReportSink();
        var keyboard = new Keyboard(sink, NullLogger.Instance);

        keyboard.KeyEvent(c, down: true);
        keyboard.KeyEvent(c, down: false);

        string modifiers = shifted == true ? "02" : "00";
        Assert.Equal([$"{modifiers} 00 {usage:X2} 00 00 00 00 00", "00 00 00 00 00 00 00 00"], sink.Reports);
    }

    [Theory, MemberData(nameof(EveryPrintableAscii))]
    public void WithShiftLHeld_OverridesShiftForTheCharacter_ThenRestoresIt(char c, byte usage, bool? shifted)
    {
        var sink = new RecordingReportSink();
        var keyboard = new Keyboard(sink, NullLogger.Instance);
        keyboard.KeyEvent(ShiftL, down: true);
        sink.Clear();

        keyboard.KeyEvent(c, down: true);
        keyboard.KeyEvent(c, down: false);

        // Base characters lift the client's Shift; shifted ones and Space keep it.
        string modifiers = shifted == false ? "00" : "02";
        Assert.Equal([$"{modifiers} 00 {usage:X2} 00 00 00 00 00", "02 00 00 00 00 00 00 00"], sink.Reports);
    }

    [Theory, MemberData(nameof(EveryPrintableAscii))]
    public void UnicodeKeysymOfAnAsciiCharacter_TypesLikeItsLatin1Keysym(char c, byte usage, bool? shifted)
    {
        var sink = new RecordingReportSink();
        var keyboard = new Keyboard(sink, NullLogger.Instance);

        keyboard.KeyEvent(0x0100_0000u + c, down: true);

        string modifiers = shifted == true ? "02" : "00";
        Assert.Equal([$"{modifiers} 00 {usage:X2} 00 00 00 00 00"], sink.Reports);
    }
}
