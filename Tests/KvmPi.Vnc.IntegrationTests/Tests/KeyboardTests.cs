// SPDX-License-Identifier: MIT
using KvmPi.Vnc.IntegrationTests.Support;

namespace KvmPi.Vnc.IntegrationTests.Tests;

/// <summary>Keys typed into a real TigerVNC viewer (xdotool under Xvfb) reach the target as HID reports.</summary>
public sealed class KeyboardTests
{
    [SkippableFact]
    public async Task Text_typed_in_the_viewer_appears_on_the_demo_console()
    {
        Tools.Require("Xvfb", "xtigervncviewer", "xdotool", "gvnccapture", "tesseract", "convert");
        using var dir = new TempDir("typing");
        using var server = await ServerProcess.StartAsync("--name", "typing");
        using var x = await XvfbDisplay.StartAsync();
        using var viewer = await TigerViewer.StartAsync(x, server.Port);
        await Task.Delay(TimeSpan.FromSeconds(2));
        await viewer.FocusAsync();
        await viewer.TypeAsync("hello worlx");
        await viewer.KeyAsync("BackSpace");
        await viewer.TypeAsync("d 42!");   // digits and a shifted symbol too
        await viewer.KeyAsync("Return");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(viewer.HasExited, "the viewer quit: " + viewer.Log);

        string png = dir.File("console.png");
        await GvncCapture.CaptureAsync(server.Port, png);
        string text = Ocr.Normalize(await Ocr.ReadAsync(png));
        Assert.True(text.Contains("hello world 42!", StringComparison.Ordinal), $"OCR did not find the typed 'hello world 42!'. OCR text: {text}\n{server.Describe()}\nviewer: {viewer.Log}");
        Assert.False(text.Contains("worlx", StringComparison.Ordinal), "BackSpace did not erase the x. OCR text: " + text);
        Assert.True(text.Contains("command", StringComparison.Ordinal),
            "Return did not execute the line (no command output on the console). OCR text: " + text);
    }

    [SkippableFact]
    public async Task Keys_typed_in_the_viewer_become_exact_boot_keyboard_reports()
    {
        Tools.Require("Xvfb", "xtigervncviewer", "xdotool");
        Tools.RequireTurboJpeg();
        using var dir = new TempDir("kbd");
        var video = TestVideo.CreateStill(dir.File("still.mjpeg"), 320, 240);
        string keyboard = dir.ReportFile("keyboard.hid");
        string mouse = dir.ReportFile("mouse.hid");
        using var server = await ServerProcess.StartAsync("--video", video.Path, "--fps", "5", "--keyboard", keyboard, "--mouse", mouse);
        using var x = await XvfbDisplay.StartAsync();
        using var viewer = await TigerViewer.StartAsync(x, server.Port);
        await Task.Delay(TimeSpan.FromSeconds(2));
        await viewer.FocusAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        int before = HidReports.ReadFile(keyboard, HidReports.KeyboardReportSize).Count;
        await viewer.TypeAsync("aZ1");
        await viewer.KeyAsync("ctrl+c");

        // xdotool sends Shift_L down, Z down, Shift_L up, Z up, and Control down, c down, Control up, c up.
        // While Z is held after Shift_L went up, a keysym-driven server keeps Shift for the upper-case Z (no report
        // until Z goes up); a scancode-driven one reports the bare z key. Both sequences are exact.
        byte[][] KeysymSequence(bool bareZ) =>
        [
            HidReports.Keyboard(0x00, 0x04), HidReports.Keyboard(0x00), // a
            HidReports.Keyboard(0x02), HidReports.Keyboard(0x02, 0x1d), .. (bareZ ? (byte[][])[HidReports.Keyboard(0x00, 0x1d)] : []),
            HidReports.Keyboard(0x00), // Z
            HidReports.Keyboard(0x00, 0x1e), HidReports.Keyboard(0x00), // 1
            HidReports.Keyboard(0x01), HidReports.Keyboard(0x01, 0x06), HidReports.Keyboard(0x00, 0x06), HidReports.Keyboard(0x00), // Ctrl+c
        ];
        byte[][][] candidates = [KeysymSequence(false), KeysymSequence(true)];
        byte[][] expected = candidates[0];
        var reports = await HidReports.WaitForAsync(keyboard, HidReports.KeyboardReportSize,
            r => r.Count >= before + expected.Length && r[^1].All(b => b == 0), TimeSpan.FromSeconds(10));
        Assert.False(viewer.HasExited, "the viewer quit: " + viewer.Log);

        // Reports written before typing (e.g. an initial all-released report) are not part of the check; all-zero
        // reports are tolerated only before the first key.
        var typed = reports.Skip(before).SkipWhile(r => r.All(b => b == 0)).ToList();
        bool Matches(byte[][] e) => typed.Count == e.Length && typed.Zip(e).All(p => p.First.AsSpan().SequenceEqual(p.Second));
        Assert.True(candidates.Any(Matches),
            $"keyboard reports differ.\nexpected {HidReports.Format(candidates[0])}\n      or {HidReports.Format(candidates[1])}\nactual   {HidReports.Format(typed)}\nall      {HidReports.Format(reports)}\n{server.Describe()}");
    }
}
