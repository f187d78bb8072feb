// SPDX-License-Identifier: MIT
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit.Abstractions;
using KvmPi.Vnc.IntegrationTests.Support;

namespace KvmPi.Vnc.IntegrationTests.Tests;

/// <summary>
/// The browser console (noVNC in Debian's headless Chromium, driven by playwright-core) against the demo target,
/// over the server's own WebSocket. What the page shows is compared with what a TCP viewer is served at the same
/// time; what is typed and clicked is read back from the target's screen (OCR of its console and status line).
/// Set KVMPI_DOCS_SCREENSHOTS=DIR to save the screenshots committed in docs/.
/// </summary>
public sealed partial class WebConsoleTests(ITestOutputHelper output)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private void Step(string what) => output.WriteLine($"{_clock.Elapsed.TotalSeconds,6:F1} s  {what}");

    private const string Password = "kvm-pass";
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

    [GeneratedRegex(@"click at (\d+) ?, ?(\d+)")]
    private static partial Regex ClickStatus();

    /// <summary>Geometry of the largest canvas: its pixel size and where it is shown on the page.</summary>
    private sealed record CanvasBox(int Width, int Height, double X, double Y, double ShownWidth, double ShownHeight);

    private const string CanvasBoxJs = """
        (() => {
          const c = [...document.querySelectorAll('canvas')].sort((a, b) => b.width * b.height - a.width * a.height)[0];
          if (!c) return null;
          const r = c.getBoundingClientRect();
          return { w: c.width, h: c.height, x: r.left, y: r.top, cw: r.width, ch: r.height };
        })()
        """;

    private static async Task<CanvasBox> CanvasAsync(Browser browser)
    {
        JsonNode n = (await browser.EvalAsync(CanvasBoxJs)) ?? throw new InvalidOperationException("no canvas on the page");
        return new CanvasBox(n["w"]!.GetValue<int>(), n["h"]!.GetValue<int>(), n["x"]!.GetValue<double>(), n["y"]!.GetValue<double>(),
            n["cw"]!.GetValue<double>(), n["ch"]!.GetValue<double>());
    }

    private static Task<bool> WaitForStateAsync(Browser browser, string state, TimeSpan timeout) =>
        browser.WaitForAsync($"document.body.dataset.state === '{state}'", timeout);

    private static async Task<string> DiagnoseAsync(Browser browser, ServerProcess server)
    {
        string state = (await browser.EvalAsync("document.body.dataset.state + ' / ' + document.getElementById('status-text').innerText"))?.ToString() ?? "?";
        string serverState;
        try { serverState = server.Describe(); } catch (InvalidOperationException) { serverState = "(server stopped)"; }
        return $"page state: {state}\npage console:\n{await browser.ConsoleAsync()}\n{serverState}";
    }

    private static async Task<string> OcrAsync(RgbImage image, TempDir dir, string name, int scalePercent)
    {
        string png = dir.File(name);
        await image.SavePngAsync(png);
        return Ocr.Normalize(await Ocr.ReadOnceAsync(png, scalePercent));
    }

    private static async Task SaveDocsScreenshotAsync(Browser browser, string name)
    {
        string? docs = Environment.GetEnvironmentVariable("KVMPI_DOCS_SCREENSHOTS");
        if (!string.IsNullOrEmpty(docs))
            await browser.ScreenshotAsync(Path.Combine(docs, name));
    }

    [SkippableFact]
    public async Task Console_logs_in_shows_the_target_1to1_and_types_clicks_pastes_screenshots_and_reconnects()
    {
        Tools.Require("tesseract", "convert");
        using var dir = new TempDir("web-console");
        string passwordFile = dir.File("password");
        await File.WriteAllTextAsync(passwordFile, Password + "\n");
        int http = FreePort.Get();
        string[] args = ["--password-file", passwordFile, "--http", $"127.0.0.1:{http}", "--name", "web-console"];
        var server = await ServerProcess.StartAsync(args);
        Step("server started");
        try
        {
            // A window larger than the 1024x768 demo frame (and its toolbar): shown 1:1.
            await using var browser = await Browser.OpenAsync($"http://127.0.0.1:{http}/", 1280, 1000);

            Step("browser open");
            // The login: a visible password field and a Connect button. A wrong password is refused, visibly.
            Assert.True(await browser.IsVisibleAsync("input[type=password]"), "no visible password field");
            Assert.True(await browser.IsVisibleAsync("button:text-is('Connect')"), "no visible Connect button");
            await browser.FillAsync("input[type=password]", "wrong-pw");
            var refusal = Stopwatch.StartNew();
            await browser.PressAsync("Enter");
            Assert.True(await WaitForStateAsync(browser, "auth-failed", TimeSpan.FromSeconds(15)),
                "a wrong password was not refused within 15 s.\n" + await DiagnoseAsync(browser, server));
            Assert.True(await browser.IsVisibleAsync("#message"), "no visible message after a refused login");
            string message = (await browser.EvalAsync("document.getElementById('message').innerText"))!.GetValue<string>();
            Assert.True(message.Contains("Authentication failed", StringComparison.Ordinal),
                $"the message does not give the server's reason: '{message}' (after {refusal.ElapsedMilliseconds} ms)");

            Step("refused");
            // The right password, with the Connect button this time.
            await browser.FillAsync("input[type=password]", Password);
            await browser.ClickAsync("button:text-is('Connect')");
            Assert.True(await WaitForStateAsync(browser, "connected", ConnectTimeout),
                "the console did not connect with the right password.\n" + await DiagnoseAsync(browser, server));
            await Task.Delay(TimeSpan.FromSeconds(1.5));   // the first full update

            Step("connected");
            // The largest canvas is the target's screen at 1:1, and its pixels are the frame a TCP viewer is
            // served at the same moment (the browser and the TCP viewer are connected at once).
            CanvasBox canvas = await CanvasAsync(browser);
            RgbImage served = await ServedFrame.ReadAsync(server.Port, Password);
            Assert.Equal((served.Width, served.Height), (canvas.Width, canvas.Height));
            Assert.Equal((double)canvas.Width, canvas.ShownWidth, 0.5);
            Assert.Equal((double)canvas.Height, canvas.ShownHeight, 0.5);
            string canvasPng = dir.File("canvas.png");
            await browser.CanvasPngAsync(canvasPng);
            await RgbImage.AssertEqualAsync(served, await RgbImage.LoadAsync(canvasPng), "the page's canvas against the served frame", dir);

            Step("canvas compared");
            // A click lands where it was made; keys typed on the page (the canvas has focus since the click) and the
            // paste box's text reach the target's console. One look at the target afterwards (OCR of its status
            // line and console) checks all three.
            (int clickX, int clickY) = (500, 560);
            await browser.MouseClickAsync(canvas.X + clickX + 0.5, canvas.Y + clickY + 0.5);
            // A person types '!' with Shift held; Playwright's type() sends the '!' key event without a Shift key
            // event, and since the server acknowledges QEMU extended keys noVNC sends the physical key (scancode of
            // 1), which a target types as '1'. So the shifted character goes as Shift+Digit1, as a keyboard sends it.
            await browser.TypeAsync("echo web 42");
            await browser.PressAsync("Shift+Digit1");
            await browser.PressAsync("Enter");
            await browser.ClickAsync("#paste summary");
            await browser.FillAsync("#paste-text", "echo pasted 7\n");
            await browser.ClickAsync("#paste-type");
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            RgbImage target = await ServedFrame.ReadAsync(server.Port, Password);
            string status = await OcrAsync(target.Crop(0, target.Height - 24, target.Width, 24), dir, "status.png", 300);
            string console = await OcrAsync(target.Crop(90, 80, target.Width - 120, 240), dir, "console.png", 100);
            Step("typed, clicked and pasted; target read back");
            Match m = ClickStatus().Match(status);
            Assert.True(m.Success, $"no 'left click at X,Y' on the target's status line. OCR text: {status}\n" + await DiagnoseAsync(browser, server));
            int cx = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), cy = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            Assert.InRange(cx, clickX - 1, clickX + 1);
            Assert.InRange(cy, clickY - 1, clickY + 1);
            Assert.Equal((255, 0, 0), ((int, int, int))target[cx - 2, cy - 2]);   // the target's click marker, where it says
            Assert.True(console.Contains("web 42!", StringComparison.Ordinal),
                $"OCR did not find the typed 'web 42!' on the target's console. OCR text: {console}\n" + await DiagnoseAsync(browser, server));
            Assert.True(console.Contains("pasted 7", StringComparison.Ordinal),
                $"OCR did not find the pasted 'pasted 7' on the target's console. OCR text: {console}\n" + await DiagnoseAsync(browser, server));
            await SaveDocsScreenshotAsync(browser, "web-console.png");

            // The screenshot button downloads a PNG of the frame: the canvas's pixels at the frame's size.
            await browser.CanvasPngAsync(canvasPng);
            string download = dir.File("download.png");
            string suggested = await browser.DownloadAsync("#screenshot", download);
            Assert.EndsWith(".png", suggested, StringComparison.Ordinal);
            await RgbImage.AssertEqualAsync(await RgbImage.LoadAsync(canvasPng), await RgbImage.LoadAsync(download),
                "the downloaded screenshot against the canvas", dir);

            Step("screenshot checked");
            // The server restarts: the page notices and reconnects by itself with the password it was given.
            int rfbPort = server.Port;
            server.Dispose();
            Assert.True(await browser.WaitForAsync("document.body.dataset.state !== 'connected'", TimeSpan.FromSeconds(15)),
                "the page did not notice that the server went away.\n" + await DiagnoseAsync(browser, server));
            server = await ServerProcess.StartOnPortAsync(rfbPort, args);
            Assert.True(await WaitForStateAsync(browser, "connected", TimeSpan.FromSeconds(30)),
                "the page did not reconnect after the server restarted.\n" + await DiagnoseAsync(browser, server));
            Step("reconnected");
        }
        finally
        {
            server.Dispose();
        }
    }

    [SkippableFact]
    public async Task On_a_phone_sized_window_the_screen_fits_clicks_map_linearly_and_key_chords_reach_the_target()
    {
        Tools.Require("tesseract", "convert");
        using var dir = new TempDir("web-phone");
        string keyboard = dir.ReportFile("keyboard.hid");
        int http = FreePort.Get();
        // No password on loopback: the page connects at once. Keys go to a report file, the screen is the demo's.
        using var server = await ServerProcess.StartAsync("--http", $"127.0.0.1:{http}", "--keyboard", keyboard, "--name", "phone");
        Step("server started");
        await using var browser = await Browser.OpenAsync($"http://127.0.0.1:{http}/", 390, 844);
        Assert.True(await WaitForStateAsync(browser, "connected", ConnectTimeout),
            "the console did not connect by itself to a server without a password.\n" + await DiagnoseAsync(browser, server));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Step("connected");

        // Scaled down to the window, aspect kept, nothing cut off.
        CanvasBox canvas = await CanvasAsync(browser);
        Assert.True(canvas.ShownWidth <= 390 + 0.5 && canvas.X >= -0.5, $"the screen does not fit the window: {canvas}");
        double scale = canvas.ShownWidth / canvas.Width;
        Assert.Equal(scale, canvas.ShownHeight / canvas.Height, 2);
        await SaveDocsScreenshotAsync(browser, "web-console-phone.png");

        // A click maps linearly from the shown canvas to frame pixels.
        (double fx, double fy) = (0.6, 0.55);
        await browser.MouseClickAsync(canvas.X + fx * canvas.ShownWidth, canvas.Y + fy * canvas.ShownHeight);
        await Task.Delay(TimeSpan.FromSeconds(1));
        RgbImage target = await ServedFrame.ReadAsync(server.Port);
        string status = await OcrAsync(target.Crop(0, target.Height - 24, target.Width, 24), dir, "status.png", 300);
        Match m = ClickStatus().Match(status);
        Assert.True(m.Success, $"no 'left click at X,Y' on the target's status line. OCR text: {status}\n" + await DiagnoseAsync(browser, server));
        double tolerance = 1 / scale + 1;
        Assert.InRange(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), fx * canvas.Width - tolerance, fx * canvas.Width + tolerance);
        Assert.InRange(int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), fy * canvas.Height - tolerance, fy * canvas.Height + tolerance);
        Step("click checked");

        // Ctrl+Alt+Del from the Keys menu: Ctrl, Alt and Delete held together, then everything released.
        int before = HidReports.ReadFile(keyboard, HidReports.KeyboardReportSize).Count;
        await browser.ClickAsync("#keys summary");
        await browser.ClickAsync("#chords button:text-is('Ctrl+Alt+Del')");
        var reports = await HidReports.WaitForAsync(keyboard, HidReports.KeyboardReportSize,
            r => r.Count > before && r.Skip(before).Any(x => x[0] == 0x05 && x[2] == 0x4c) && r[^1].All(b => b == 0), TimeSpan.FromSeconds(10));
        var chord = reports.Skip(before).ToList();
        Assert.True(chord.Any(x => x[0] == 0x05 && x[2] == 0x4c) && chord[^1].All(b => b == 0),
            $"no Ctrl+Alt+Delete report followed by a release: {HidReports.Format(chord)}\n" + await DiagnoseAsync(browser, server));

        // The 1:1 switch shows frame pixels as they are, scrolled rather than scaled.
        await browser.ClickAsync("#scale");
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        CanvasBox actual = await CanvasAsync(browser);
        Assert.Equal((double)actual.Width, actual.ShownWidth, 0.5);
        Assert.Equal((double)actual.Height, actual.ShownHeight, 0.5);
        Step("chord and 1:1 checked");
    }
}
