// SPDX-License-Identifier: MIT
using KvmPi.Vnc.IntegrationTests.Support;

namespace KvmPi.Vnc.IntegrationTests.Tests;

/// <summary>A client that goes away while holding keys or buttons must not leave them pressed on the target.</summary>
public sealed class DisconnectTests
{
    private static async Task<(ServerProcess Server, string Keyboard, string Mouse)> StartAsync(TempDir dir)
    {
        var video = TestVideo.CreateStill(dir.File("still.mjpeg"), 320, 240);
        string keyboard = dir.ReportFile("keyboard.hid");
        string mouse = dir.ReportFile("mouse.hid");
        var server = await ServerProcess.StartAsync("--video", video.Path, "--fps", "5", "--keyboard", keyboard, "--mouse", mouse);
        return (server, keyboard, mouse);
    }

    /// <summary>Waits (bounded) for the report files to show the held keys and button, then their release.</summary>
    private static async Task AssertReleasedAsync(string keyboard, string mouse, ServerProcess server)
    {
        var keys = await HidReports.WaitForAsync(keyboard, HidReports.KeyboardReportSize,
            r => r.Count > 0 && r[^1].All(b => b == 0) && r.Any(x => x[2] == 0x04), TimeSpan.FromSeconds(5));
        var buttons = await HidReports.WaitForAsync(mouse, HidReports.MouseReportSize,
            r => r.Count > 0 && r[^1][0] == 0 && r.Any(x => x[0] == 1), TimeSpan.FromSeconds(5));
        AssertReleased(keys, buttons, server);
    }

    private static void AssertReleased(List<byte[]> keys, List<byte[]> mouse, ServerProcess server)
    {
        string k = HidReports.Format(keys), m = HidReports.Format(mouse);
        Assert.True(keys.Any(r => r[2] == 0x04) && keys.Any(r => (r[0] & 0x02) != 0), "the held Shift and a were never reported: " + k);
        Assert.True(mouse.Any(r => (r[0] & 1) == 1), "the held left button was never reported: " + m);
        Assert.True(keys[^1].All(b => b == 0), $"the last keyboard report after the disconnect is not all zero: {k}\n{server.Describe()}");
        Assert.True(mouse[^1][0] == 0, $"the last mouse report after the disconnect still has buttons: {m}\n{server.Describe()}");
    }

    [SkippableFact]
    public async Task Probe_exiting_while_holding_a_key_and_a_button_releases_them()
    {
        Tools.RequireTurboJpeg();
        using var dir = new TempDir("release");
        var (server, keyboard, mouse) = await StartAsync(dir);
        using (server)
        {
            var run = await RfbProbe.RunAsync(server.Port, new ProbeOptions
            {
                Actions = ["k:ffe1:1", "k:61:1", "p:100,100,1", "s:300"],
                QuitAbruptly = true,
            });
            Assert.True(run.Process.ExitCode == 0, "probe failed: " + run);
            await AssertReleasedAsync(keyboard, mouse, server);
        }
    }

    [SkippableFact]
    public async Task Raw_client_reset_mid_session_releases_keys_and_buttons()
    {
        Tools.RequireTurboJpeg();
        using var dir = new TempDir("reset");
        var (server, keyboard, mouse) = await StartAsync(dir);
        using (server)
        {
            var client = await RawRfbClient.ConnectAsync(server.Port);
            await client.HandshakeNoneAsync();
            await client.SendAsync(RawRfbClient.KeyEvent(0xffe1, true));
            await client.SendAsync(RawRfbClient.KeyEvent(0x61, true));
            await client.SendAsync(RawRfbClient.PointerEvent(1, 50, 60));
            await HidReports.WaitForAsync(keyboard, HidReports.KeyboardReportSize, r => r.Any(x => x[2] == 0x04), TimeSpan.FromSeconds(5));
            await HidReports.WaitForAsync(mouse, HidReports.MouseReportSize, r => r.Any(x => x[0] == 1), TimeSpan.FromSeconds(5));
            client.Reset();
            await AssertReleasedAsync(keyboard, mouse, server);
        }
    }

    [SkippableFact]
    public async Task Release_reports_also_reach_fifos()
    {
        Tools.RequireTurboJpeg();
        using var dir = new TempDir("fifo");
        var video = TestVideo.CreateStill(dir.File("still.mjpeg"), 320, 240);
        using var keyboard = new FifoReader(dir.File("keyboard.fifo"));
        using var mouse = new FifoReader(dir.File("mouse.fifo"));
        using var server = await ServerProcess.StartAsync("--video", video.Path, "--fps", "5",
            "--keyboard", dir.File("keyboard.fifo"), "--mouse", dir.File("mouse.fifo"));
        var run = await RfbProbe.RunAsync(server.Port, new ProbeOptions
        {
            Actions = ["k:ffe1:1", "k:61:1", "p:100,100,1", "s:300"],
            QuitAbruptly = true,
        });
        Assert.True(run.Process.ExitCode == 0, "probe failed: " + run);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        List<byte[]> keys, buttons;
        while (true)
        {
            keys = HidReports.Split(keyboard.Data, HidReports.KeyboardReportSize, "keyboard FIFO");
            buttons = HidReports.Split(mouse.Data, HidReports.MouseReportSize, "mouse FIFO");
            bool done = keys.Count > 0 && keys[^1].All(b => b == 0) && buttons.Count > 0 && buttons[^1][0] == 0 && buttons.Any(b => b[0] == 1);
            if (done || DateTime.UtcNow > deadline)
                break;
            await Task.Delay(100);
        }
        AssertReleased(keys, buttons, server);
    }
}
