// SPDX-License-Identifier: MIT
using KvmPi.Vnc.IntegrationTests.Support;

namespace KvmPi.Vnc.IntegrationTests.Tests;

/// <summary>RFB PointerEvents become 7-byte absolute mouse reports scaled to 0..32767.</summary>
public sealed class PointerTests
{
    [SkippableFact]
    public async Task Pointer_events_become_absolute_mouse_reports()
    {
        Tools.RequireTurboJpeg();
        using var dir = new TempDir("pointer");
        const int W = 400, H = 300;
        var video = TestVideo.CreateStill(dir.File("still.mjpeg"), W, H);
        string keyboard = dir.ReportFile("keyboard.hid");
        string mouse = dir.ReportFile("mouse.hid");
        using var server = await ServerProcess.StartAsync("--video", video.Path, "--fps", "5", "--keyboard", keyboard, "--mouse", mouse);

        // (x, y, RFB button mask): bit0 left, bit1 middle, bit2 right, bit3/bit4 wheel up/down.
        (int X, int Y, int Mask)[] events =
        [
            (0, 0, 0), (W - 1, H - 1, 0), (200, 150, 0),
            (200, 150, 1), (210, 160, 1), (210, 160, 0), // left drag
            (100, 50, 4), (100, 50, 0), // right
            (50, 60, 2), (50, 60, 0), // middle
            (10, 20, 8), (10, 20, 0), // wheel up
            (10, 20, 16), (10, 20, 0), // wheel down
            (123, 45, 5), (123, 45, 0), // left + right together
        ];
        var actions = new List<string>();
        foreach (var (x, y, mask) in events)
        {
            actions.Add($"p:{x},{y},{mask}");
            actions.Add("s:60");
        }
        var run = await RfbProbe.RunAsync(server.Port, new ProbeOptions { Actions = actions, TailSeconds = 0.5 });
        Assert.True(run.Process.ExitCode == 0, "probe failed: " + run + server.Describe());

        var reports = await HidReports.WaitForAsync(mouse, HidReports.MouseReportSize,
            r => r.Count(x => x[5] != 0) >= 2 && r.Count >= 14, TimeSpan.FromSeconds(5));
        string all = HidReports.Format(reports);

        // The state a report describes: buttons, X, Y. Wheel reports are one-shot and checked separately;
        // consecutive reports with the same state (e.g. a wheel button release) are folded.
        var states = new List<(int Buttons, int X, int Y, int Wheel)>();
        foreach (byte[] r in reports)
        {
            var s = (Buttons: (int)r[0], X: r[1] | r[2] << 8, Y: r[3] | r[4] << 8, Wheel: (int)(sbyte)r[5]);
            Assert.True(r[6] == 0, "no pan expected: " + all);
            if (s.Wheel == 0 && states.Count > 0 && states[^1] is var p && p.Wheel == 0 && (p.Buttons, p.X, p.Y) == (s.Buttons, s.X, s.Y))
                continue;
            if (s.Wheel == 0 && states.Count > 0 && states[^1] is var q && q.Wheel != 0 && (q.Buttons, q.X, q.Y) == (s.Buttons, s.X, s.Y))
                continue; // the release after a wheel click
            states.Add(s);
        }
        // A report the server may write at start-up (nothing pressed at 0,0) folds into the first event's state.
        static int Scale(int v, int size) => (int)Math.Round(v * 32767.0 / (size - 1), MidpointRounding.AwayFromZero);
        static int ScaleFloor(int v, int size) => (int)((long)v * 32767 / (size - 1));
        static int HidButtons(int mask) => (mask & 1) | ((mask & 4) != 0 ? 2 : 0) | ((mask & 2) != 0 ? 4 : 0);

        var expected = new List<(int Buttons, int X, int Y, int Wheel, int RawX, int RawY)>();
        foreach (var (x, y, mask) in events)
        {
            int wheel = (mask & 8) != 0 ? 1 : (mask & 16) != 0 ? -1 : 0;
            var e = (Buttons: HidButtons(mask & 7), X: Scale(x, W), Y: Scale(y, H), Wheel: wheel, RawX: x, RawY: y);
            if (wheel == 0 && expected.Count > 0 && (expected[^1].Buttons, expected[^1].X, expected[^1].Y) == (e.Buttons, e.X, e.Y))
                continue;
            expected.Add(e);
        }

        string Describe() => $"\nexpected {string.Join(' ', expected.Select(e => (e.Buttons, e.X, e.Y, e.Wheel)))}\nactual   {string.Join(' ', states)}\nreports {all}";
        Assert.True(states.Count == expected.Count, $"expected {expected.Count} distinct mouse states, got {states.Count}." + Describe());
        for (int i = 0; i < expected.Count; i++)
        {
            var e = expected[i];
            var a = states[i];
            // Scaling may round to nearest or truncate; both ends are exact either way.
            bool xOk = a.X == e.X || a.X == ScaleFloor(e.RawX, W), yOk = a.Y == e.Y || a.Y == ScaleFloor(e.RawY, H);
            Assert.True(e.Buttons == a.Buttons && e.Wheel == a.Wheel && xOk && yOk,
                $"mouse state {i}: expected buttons {e.Buttons} x {e.X} y {e.Y} wheel {e.Wheel}, got {a}." + Describe());
        }
        Assert.Equal((0, 0), (states[0].X, states[0].Y));
        Assert.Equal((32767, 32767), (states[1].X, states[1].Y));
    }
}
