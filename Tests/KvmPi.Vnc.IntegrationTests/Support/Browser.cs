// SPDX-License-Identifier: MIT
using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KvmPi.Vnc.IntegrationTests.Support;

/// <summary>
/// Headless Chromium (Debian's chromium) driven by playwright-core through Browser/console-driver.mjs: one JSON
/// command per line in, one answer per line out. playwright-core comes from web/node_modules (web/npm-ci.sh, which
/// test.sh runs). Skips only when chromium itself is missing.
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";
    private readonly Process _process;
    private readonly TempDir _profile;
    private readonly StringBuilder _stderr = new();

    private Browser(Process process, TempDir profile)
    {
        _process = process;
        _profile = profile;
    }

    public static string WebDirectory
    {
        get
        {
            string? root = typeof(Browser).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "KvmPiRepoRoot")?.Value;
            return Path.Combine(root ?? throw new InvalidOperationException("no KvmPiRepoRoot metadata"), "web");
        }
    }

    /// <summary>Starts Chromium with a fresh profile and opens <paramref name="url"/> in a window of the given size.</summary>
    public static async Task<Browser> OpenAsync(string url, int width, int height)
    {
        Skip.IfNot(File.Exists(ChromiumPath), $"{ChromiumPath} is not installed (Debian package chromium; ./test.sh installs it)");
        Tools.Require("node");
        string playwright = Path.Combine(WebDirectory, "node_modules", "playwright-core");
        if (!Directory.Exists(playwright))
            throw new InvalidOperationException($"{playwright} is missing: run web/npm-ci.sh (./test.sh does)");
        var profile = new TempDir("chromium-profile");
        var psi = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Browser", "console-driver.mjs"));
        psi.ArgumentList.Add(WebDirectory);
        psi.ArgumentList.Add(profile.Path);
        var process = Process.Start(psi)!;
        var browser = new Browser(process, profile);
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (browser._stderr) browser._stderr.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        await browser.SendAsync(new JsonObject { ["cmd"] = "open", ["url"] = url, ["width"] = width, ["height"] = height }, TimeSpan.FromSeconds(60));
        return browser;
    }

    public string Log
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    /// <summary>Sends one command and returns its result; throws with the driver's error when it failed.</summary>
    public async Task<JsonNode?> SendAsync(JsonObject command, TimeSpan? timeout = null)
    {
        string line = command.ToJsonString();
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
        string? answer = await _process.StandardOutput.ReadLineAsync().WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
        if (answer is null)
            throw new InvalidOperationException($"the browser driver ended while running {line}: {Log}");
        JsonNode reply = JsonNode.Parse(answer)!;
        if (reply["ok"]!.GetValue<bool>() != true)
            throw new InvalidOperationException($"browser command {line} failed: {reply["error"]}");
        return reply["result"];
    }

    public Task<JsonNode?> EvalAsync(string js) => SendAsync(new JsonObject { ["cmd"] = "eval", ["js"] = js });

    public async Task<T> EvalAsync<T>(string js) => (await EvalAsync(js))!.GetValue<T>();

    /// <summary>Waits until the JavaScript expression is truthy; false on timeout.</summary>
    public async Task<bool> WaitForAsync(string js, TimeSpan timeout)
    {
        try
        {
            await SendAsync(new JsonObject { ["cmd"] = "waitFor", ["js"] = js, ["timeout"] = (int)timeout.TotalMilliseconds },
                timeout + TimeSpan.FromSeconds(10));
            return true;
        }
        catch (InvalidOperationException e) when (e.Message.Contains("Timeout", StringComparison.Ordinal))
        {
            return false;
        }
    }

    public Task<JsonNode?> FillAsync(string selector, string text) => SendAsync(new JsonObject { ["cmd"] = "fill", ["selector"] = selector, ["text"] = text });
    public Task<JsonNode?> ClickAsync(string selector) => SendAsync(new JsonObject { ["cmd"] = "click", ["selector"] = selector });
    public Task<JsonNode?> PressAsync(string key) => SendAsync(new JsonObject { ["cmd"] = "press", ["key"] = key });
    public Task<JsonNode?> TypeAsync(string text) => SendAsync(new JsonObject { ["cmd"] = "type", ["text"] = text });
    public Task<JsonNode?> MouseClickAsync(double x, double y) => SendAsync(new JsonObject { ["cmd"] = "mouseClick", ["x"] = x, ["y"] = y });
    public Task<JsonNode?> ScreenshotAsync(string file) => SendAsync(new JsonObject { ["cmd"] = "screenshot", ["file"] = file });
    public Task<JsonNode?> ViewportAsync(int width, int height) => SendAsync(new JsonObject { ["cmd"] = "viewport", ["width"] = width, ["height"] = height });
    public Task<JsonNode?> CanvasPngAsync(string file) => SendAsync(new JsonObject { ["cmd"] = "canvasPng", ["file"] = file });
    public async Task<bool> IsVisibleAsync(string selector) =>
        (await SendAsync(new JsonObject { ["cmd"] = "visible", ["selector"] = selector }))!.GetValue<bool>();

    /// <summary>Clicks <paramref name="selector"/> and saves the download it starts; returns the suggested file name.</summary>
    public async Task<string> DownloadAsync(string selector, string file) =>
        (await SendAsync(new JsonObject { ["cmd"] = "download", ["selector"] = selector, ["file"] = file }, TimeSpan.FromSeconds(30)))!.GetValue<string>();

    /// <summary>The page's console messages and errors since the last call, for failure messages.</summary>
    public async Task<string> ConsoleAsync()
    {
        try
        {
            var lines = (await SendAsync(new JsonObject { ["cmd"] = "console" }))!.AsArray();
            return string.Join('\n', lines.Select(l => l!.GetValue<string>()).TakeLast(40));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
        {
            return "(console unavailable: " + e.Message + ")";
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await SendAsync(new JsonObject { ["cmd"] = "close" }, TimeSpan.FromSeconds(15));
                _process.StandardInput.Close();
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
        {
        }
        finally
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.Dispose();
            _profile.Dispose();
        }
    }
}
