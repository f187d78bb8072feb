// SPDX-License-Identifier: MIT
using System.Text;
using KvmPi.Vnc.Hid;
using KvmPi.Vnc.Hid.Keyboard;
using KvmPi.Vnc.IntegrationTests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvmPi.Vnc.IntegrationTests.Tests;

/// <summary>
/// Every layout of issue #3, against libxkbcommon as the oracle (Clients/xkboracle.c, a Linux host set to that
/// layout): every printable character the layout types with one key plus Shift/AltGr, and every character a dead
/// key composes (en_US.UTF-8 Compose), sent as keysyms in both forms (legacy and 0x01000000 + code point), bare and
/// wrapped in the Shift_L / ISO_Level3_Shift a same-layout viewer holds, must come back exactly — with the target's
/// Caps Lock off and on.
/// </summary>
public sealed class KeyboardLayoutTests
{
    private const uint ShiftL = 0xFFE1, IsoLevel3Shift = 0xFE03, UnicodeOffset = 0x0100_0000;

    public static TheoryData<string> Layouts => new(
        "us", "gb", "de", "fr", "es", "it", "ch(fr)", "se", "no", "dk", "fi", "pl", "pt", "br", "be", "cz", "hu",
        "tr", "jp", "ru", "ua", "us(intl)", "ch", "ca", "latam", "nl", "lt", "gr", "il", "us(dvorak)");

    /// <summary>Layouts whose dead-key characters the issue requires.</summary>
    private static readonly HashSet<string> DeadKeyLayouts =
    [
        "gb", "de", "fr", "es", "it", "ch(fr)", "se", "no", "dk", "fi", "pl", "pt", "br", "be", "cz", "hu", "tr",
        "us(intl)", "latam", "nl",
    ];

    private sealed class ReportBytes : IHidReportSink
    {
        public MemoryStream Bytes { get; } = new();
        public void Send(ReadOnlySpan<byte> report) => Bytes.Write(report);
    }

    [SkippableTheory, MemberData(nameof(Layouts))]
    public async Task EveryCharacter_InEveryKeysymForm_TypesBackExactly(string layoutName)
    {
        XkbOracle.Require();
        Assert.True(KeyboardLayout.TryGet(layoutName, out KeyboardLayout layout), $"--layout {layoutName} is not offered");
        IReadOnlyList<LayoutCharacter> characters = await XkbOracle.ListAsync(layoutName);
        Assert.True(characters.Count(c => !c.ViaDeadKey) >= 47, $"{layoutName}: the oracle listed too few characters");
        if (DeadKeyLayouts.Contains(layoutName))
            Assert.Contains(characters, c => c.ViaDeadKey);

        foreach (bool capsLock in (bool[])[false, true])
        {
            var sink = new ReportBytes();
            var keyboard = new Keyboard(sink, NullLogger.Instance, new KeyboardOptions { Layout = layout });
            if (capsLock) keyboard.UpdateLeds(LedBits.CapsLock);
            var expected = new StringBuilder();
            var sent = new List<string>();
            foreach (bool unicode in (bool[])[false, true])
            {
                foreach (bool wrapped in (bool[])[false, true])
                {
                    foreach (LayoutCharacter c in characters)
                    {
                        uint keysym = unicode || c.Keysym == 0 ? UnicodeOffset + (uint)c.CodePoint : c.Keysym;
                        bool shift = wrapped && (c.Level & 1) != 0, altGr = wrapped && (c.Level & 2) != 0;
                        if (shift) keyboard.KeyEvent(ShiftL, true);
                        if (altGr) keyboard.KeyEvent(IsoLevel3Shift, true);
                        keyboard.KeyEvent(keysym, true);
                        keyboard.KeyEvent(keysym, false);
                        if (altGr) keyboard.KeyEvent(IsoLevel3Shift, false);
                        if (shift) keyboard.KeyEvent(ShiftL, false);
                        expected.Append(c.Text);
                        for (int i = 0; i < c.Text.Length; i++)
                            sent.Add($"{c.Text} keysym 0x{keysym:X}{(shift ? " +Shift_L" : "")}{(altGr ? " +ISO_Level3_Shift" : "")}{(c.ViaDeadKey ? " (dead key)" : "")}");
                    }
                }
            }

            string typed = await XkbOracle.TypeAsync(layoutName, sink.Bytes.ToArray(), capsLock: capsLock);
            int at = FirstDifference(expected.ToString(), typed);
            Assert.True(at < 0, at < 0 ? "" :
                $"{layoutName} (Caps Lock {(capsLock ? "on" : "off")}): text differs at {at}, expected " +
                $"'{Slice(expected.ToString(), at)}' from {(at < sent.Count ? sent[at] : "end")}, got '{Slice(typed, at)}'");
        }
    }

    private static int FirstDifference(string a, string b)
    {
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
            if (a[i] != b[i]) return i;
        return a.Length == b.Length ? -1 : n;
    }

    private static string Slice(string s, int at) => at >= s.Length ? "<end>" : s.Substring(at, Math.Min(12, s.Length - at));
}
