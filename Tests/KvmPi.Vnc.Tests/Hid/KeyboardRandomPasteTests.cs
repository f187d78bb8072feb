// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Hid.Keyboard;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvmPi.Vnc.Tests.Hid;

/// <summary>
/// Pasting seeded random text (ASCII, Latin-1, other scripts, emoji, control characters, lone surrogates, line
/// breaks of every kind) in every layout: every report is a well-formed boot report, every character is typed or
/// skipped (none lost), and nothing is left pressed. A viewer's key pressed during a paste stops it, and once that key
/// is released nothing is left pressed either.
/// </summary>
public sealed class KeyboardRandomPasteTests
{
    private const string AllUp = "00 00 00 00 00 00 00 00";

    [Theory]
    [MemberData(nameof(RandomKeys.Layouts), MemberType = typeof(RandomKeys))]
    public async Task RandomTextIsTypedOrSkippedWholeAndLeavesNothingPressed(string layoutName)
    {
        Assert.True(KeyboardLayout.TryGet(layoutName, out KeyboardLayout layout));
        for (int seed = 1; seed <= 4; seed++)
        {
            var random = new Random(seed * 131 + layoutName.Length);
            var sink = new RecordingReportSink();
            var keyboard = new Keyboard(sink, NullLogger.Instance, new KeyboardOptions { Layout = layout, PasteRate = 100_000 });
            string text = RandomText(random, 40);
            string what = $"layout {layoutName}, seed {seed}, text \"{Escape(text)}\"";

            PasteResult result = await keyboard.TypeText(text).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(result.Completed, what);
            Assert.True(result.Typed + result.Skipped == Characters(text), $"{what}: typed {result.Typed}, skipped {result.Skipped}");
            foreach (string report in sink.Reports) RandomKeys.AssertWellFormed(report, what);
            Assert.True(sink.Reports.Count == 0 || sink.Reports[^1] == AllUp, $"{what}: last report {sink.Reports[^1]}");

            // A key pressed during a paste stops it; released, nothing is left.
            Task<PasteResult> paste = keyboard.TypeText(RandomText(random, 400));
            await Task.Delay(random.Next(0, 5));
            uint keysym = RandomKeys.Keysym(random);
            keyboard.KeyEvent(keysym, true);
            keyboard.KeyEvent(keysym, false);
            PasteResult stopped = await paste.WaitAsync(TimeSpan.FromSeconds(30));
            foreach (string report in sink.Reports) RandomKeys.AssertWellFormed(report, what);
            Assert.True(sink.Reports[^1] == AllUp, $"{what}, then key {keysym:x} during a paste ({stopped}): last report {sink.Reports[^1]}");
        }
    }

    private static readonly string[] Pieces =
    [
        "a", "Z", "7", " ", "!", "@", "~", "é", "Ä", "ß", "ñ", "€", "¿", "ı", "İ", "ş", "ж", "Ω", "日", "😀", "\n", "\r\n", "\r",
        "\t", "\u0001", "\u007F", "\u0085", "\uD800", "\uDC00", "\u00A0",
    ];

    private static string RandomText(Random random, int pieces)
    {
        var text = new System.Text.StringBuilder();
        for (int i = 0; i < pieces; i++)
            text.Append(random.Next(3) == 0 ? Pieces[random.Next(Pieces.Length)] : ((char)random.Next(0x20, 0x7F)).ToString());
        return text.ToString();
    }

    /// <summary>What a paste counts: code points, with "\r\n" one line break.</summary>
    private static int Characters(string text)
    {
        int n = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n') continue;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            n++;
        }
        return n;
    }

    private static string Escape(string text)
    {
        var s = new System.Text.StringBuilder();
        foreach (char c in text) s.Append(c is >= ' ' and < '\u007F' ? c.ToString() : $"\\u{(int)c:X4}");
        return s.ToString();
    }
}
