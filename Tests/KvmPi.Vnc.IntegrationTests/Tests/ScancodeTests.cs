// SPDX-License-Identifier: MIT
using KvmPi.Vnc.IntegrationTests.Support;
using Xunit;

namespace KvmPi.Vnc.IntegrationTests.Tests;

/// <summary>
/// QEMU extended key events from libvncclient (SendExtendedKeyEvent): the XT scancode picks the HID usage whatever
/// the target's layout, and a key pressed as a keysym is released by a scancode event that carries that keysym.
/// </summary>
public sealed class ScancodeTests
{
    [SkippableFact]
    public async Task Scancodes_map_to_usages_independent_of_the_layout_and_release_keysym_presses()
    {
        Tools.RequireTurboJpeg();
        using var dir = new TempDir("qemu-keys");
        var video = TestVideo.CreateStill(dir.File("still.mjpeg"), 320, 240);
        string keyboard = dir.ReportFile("keyboard.hid");
        string mouse = dir.ReportFile("mouse.hid");
        using var server = await ServerProcess.StartAsync("--video", video.Path, "--fps", "5",
            "--keyboard", keyboard, "--mouse", mouse, "--layout", "de");

        string[] actions =
        [
            "s:300",
            "x:0:15:1", "x:0:15:0",      // XT 0x15 (the key labelled Y on a US keyboard) with keysym 0 -> usage 0x1C
            "x:0:9d:1", "x:0:9d:0",      // XT e0 1d (Right Ctrl; QEMU's 0x80 | code) -> modifier bit 4
            "k:71:1", "x:71:10:0",       // 'q' down as a keysym, up as XT 0x10 carrying the same keysym
            "s:500",
        ];
        var run = await RfbProbe.RunAsync(server.Port, new ProbeOptions { Actions = actions, TailSeconds = 0.5 });
        Assert.True(run.Connected, "the probe did not connect: " + run);

        byte[][] expected =
        [
            HidReports.Keyboard(0x00, 0x1c), HidReports.Keyboard(0x00),
            HidReports.Keyboard(0x10), HidReports.Keyboard(0x00),
            HidReports.Keyboard(0x00, 0x14), HidReports.Keyboard(0x00),
        ];
        var reports = await HidReports.WaitForAsync(keyboard, HidReports.KeyboardReportSize,
            r => r.SkipWhile(x => x.All(b => b == 0)).Count() >= expected.Length, TimeSpan.FromSeconds(10));
        var typed = reports.SkipWhile(r => r.All(b => b == 0)).ToList();
        string message = $"expected {HidReports.Format(expected)}\nactual   {HidReports.Format(typed)}\n{server.Describe()}";
        // After the keys, only all-released reports may follow (the viewer leaving releases everything once more).
        Assert.True(typed.Count >= expected.Length, message);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(typed[i].AsSpan().SequenceEqual(expected[i]), message);
        Assert.True(typed.Skip(expected.Length).All(r => r.All(b => b == 0)), message);
    }
}
