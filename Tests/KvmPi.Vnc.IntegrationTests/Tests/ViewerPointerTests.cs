// SPDX-License-Identifier: MIT
using System.Globalization;
using System.Text.RegularExpressions;
using KvmPi.Vnc.IntegrationTests.Support;

namespace KvmPi.Vnc.IntegrationTests.Tests;

/// <summary>The mouse moved and clicked in a real TigerVNC viewer moves the demo target's pointer and clicks there.</summary>
public sealed partial class ViewerPointerTests
{
    [GeneratedRegex(@"left click at (\d+) ?, ?(\d+)")]
    private static partial Regex ClickStatus();

    [SkippableFact]
    public async Task Mouse_clicked_in_the_viewer_lands_on_the_target_where_the_status_line_says()
    {
        Tools.Require("Xvfb", "xtigervncviewer", "xdotool", "gvnccapture", "tesseract", "convert");
        using var dir = new TempDir("viewer-pointer");
        using var server = await ServerProcess.StartAsync("--name", "pointer");
        using var x = await XvfbDisplay.StartAsync();
        using var viewer = await TigerViewer.StartAsync(x, server.Port);
        await Task.Delay(TimeSpan.FromSeconds(2));

        // Root coordinates: the viewer window sits near the root's top-left corner (no window manager), so the
        // click lands near (400, 300) on the target; where exactly is what the target itself reports.
        await viewer.MouseAsync(420, 330, clickButton: 1);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(viewer.HasExited, "the viewer quit: " + viewer.Log);

        string png = dir.File("clicked.png");
        await GvncCapture.CaptureAsync(server.Port, png);
        string text = Ocr.Normalize(await Ocr.ReadAsync(png));
        Match m = ClickStatus().Match(text);
        Assert.True(m.Success, $"no 'left click at X,Y' on the target's status line. OCR text: {text}\n{server.Describe()}");
        int cx = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), cy = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.InRange(cx, 380, 430);
        Assert.InRange(cy, 290, 340);

        // The target drew its red click marker (7x7, centred on the click) at the point it reported; the pointer
        // arrow covers the marker's lower right from the tip, so look at its upper left.
        var screen = await RgbImage.LoadAsync(png);
        Assert.Equal((255, 0, 0), ((int, int, int))screen[cx - 2, cy - 2]);
    }
}
