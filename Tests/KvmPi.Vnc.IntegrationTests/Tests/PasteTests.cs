// SPDX-License-Identifier: MIT
using KvmPi.Vnc.IntegrationTests.Support;
using Xunit;

namespace KvmPi.Vnc.IntegrationTests.Tests;

/// <summary>
/// Paste as keystrokes, driven by libvncclient: the viewer's clipboard (ClientCutText) is typed into the target only
/// when the paste chord is pressed, and the chord's own key never reaches the target.
/// </summary>
public sealed class PasteTests
{
    private const byte UsageV = 0x19;

    [SkippableFact]
    public async Task Clipboard_text_is_typed_only_on_the_paste_chord()
    {
        Tools.RequireTurboJpeg();
        using var dir = new TempDir("paste");
        var video = TestVideo.CreateStill(dir.File("still.mjpeg"), 320, 240);
        string keyboard = dir.ReportFile("keyboard.hid");
        string mouse = dir.ReportFile("mouse.hid");
        using var server = await ServerProcess.StartAsync("--video", video.Path, "--fps", "5",
            "--keyboard", keyboard, "--mouse", mouse, "--paste-rate", "200");

        // The clipboard arrives first and must type nothing; then Ctrl+Alt+Shift+V (the default chord) types it.
        string[] actions =
        [
            "c:ab1 Z", "s:700", "m:clipboard",
            "k:ffe3:1", "k:ffe9:1", "k:ffe1:1", "k:56:1", "k:56:0", "k:ffe1:0", "k:ffe9:0", "k:ffe3:0",
            "s:1500",
        ];
        var run = await RfbProbe.RunAsync(server.Port, new ProbeOptions { Actions = actions, TailSeconds = 0.5 });
        Assert.True(run.Connected, "the probe did not connect: " + run);

        var reports = await HidReports.WaitForAsync(keyboard, HidReports.KeyboardReportSize,
            r => Presses(r).Count >= 4, TimeSpan.FromSeconds(10));
        var presses = Presses(reports);
        string all = HidReports.Format(reports) + "\n" + server.Describe();

        // a, b, 1, space, Shift+z, in order, with no Ctrl/Alt from the chord around them; V never pressed.
        (byte Modifiers, byte Usage)[] expected = [(0, 0x04), (0, 0x05), (0, 0x1e), (0, 0x2c), (0x02, 0x1d)];
        Assert.True(presses.Count == expected.Length, $"expected {expected.Length} key presses, got {presses.Count}: {all}");
        for (int i = 0; i < expected.Length; i++)
            Assert.True(presses[i] == expected[i], $"press {i}: expected {expected[i]}, got {presses[i]}: {all}");
        Assert.DoesNotContain(reports, r => r.AsSpan(2).Contains(UsageV));
        Assert.True(reports[^1].All(b => b == 0), "a key is still held after the paste: " + all);
    }

    /// <summary>The key usages as they go down (a usage in a report that was not in the previous one), with the
    /// modifier byte of that report; the chord's modifier-only reports carry no usage and are not counted.</summary>
    private static List<(byte Modifiers, byte Usage)> Presses(List<byte[]> reports)
    {
        var presses = new List<(byte, byte)>();
        byte[] previous = new byte[HidReports.KeyboardReportSize];
        foreach (byte[] r in reports)
        {
            for (int i = 2; i < r.Length; i++)
                if (r[i] != 0 && !previous.AsSpan(2).Contains(r[i]))
                    presses.Add((r[0], r[i]));
            previous = r;
        }
        return presses;
    }
}
