// SPDX-License-Identifier: MIT
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace KvmPi.Vnc.IntegrationTests.Support;

/// <summary>A headless X display (Xvfb) on a display number it chose itself; killed on dispose.</summary>
public sealed class XvfbDisplay : IDisposable
{
    private readonly Process _process;

    private XvfbDisplay(Process process, string display)
    {
        _process = process;
        Display = display;
    }

    /// <summary>":N".</summary>
    public string Display { get; }

    public Dictionary<string, string> Environment => new() { ["DISPLAY"] = Display };

    /// <remarks>
    /// Xvfb picks the display number itself (<c>-displayfd</c>: it binds the first free one and then writes its
    /// number): choosing one here and polling it with xdpyinfo could race with another test's Xvfb on the same
    /// number, and a viewer then lost its display when the other test ended.
    /// </remarks>
    public static async Task<XvfbDisplay> StartAsync(int width = 1280, int height = 1024)
    {
        Tools.Require("Xvfb");
        var psi = new ProcessStartInfo("Xvfb")
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (string a in new[] { "-displayfd", "1", "-screen", "0", $"{width}x{height}x24", "-nolisten", "tcp", "-noreset" })
            psi.ArgumentList.Add(a);
        var number = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new StringBuilder();
        var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => { if (!string.IsNullOrWhiteSpace(e.Data)) number.TrySetResult(e.Data.Trim()); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (errors) errors.AppendLine(e.Data); };
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        Task done = await Task.WhenAny(number.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(15)));
        if (done != number.Task || !int.TryParse(number.Task.Result, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
        {
            try { process.Kill(); } catch (InvalidOperationException) { }
            process.Dispose();
            string why;
            lock (errors) why = errors.ToString();
            throw new InvalidOperationException("Xvfb did not start: " + why);
        }
        return new XvfbDisplay(process, ":" + n.ToString(CultureInfo.InvariantCulture));
    }

    public Task<ProcessResult> RunAsync(string tool, params string[] args) =>
        ProcessRunner.RunAsync(tool, args, TimeSpan.FromSeconds(60), Environment);

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}

/// <summary>
/// TigerVNC's xtigervncviewer on an <see cref="XvfbDisplay"/>, with the options from the testing cookbook:
/// ZRLE preferred, full colour, no JPEG, no remote resize, security None. xdotool drives its keyboard.
/// </summary>
public sealed class TigerViewer : IDisposable
{
    private readonly Process _process;
    private readonly XvfbDisplay _x;
    private readonly StringBuilder _log = new();

    private TigerViewer(Process process, XvfbDisplay x)
    {
        _process = process;
        _x = x;
    }

    public string WindowId { get; private set; } = "";
    public string Log { get { lock (_log) return _log.ToString(); } }
    public bool HasExited => _process.HasExited;

    /// <summary>ZRLE, lossless, compression 6: the viewer's picture must equal the frame at once.</summary>
    public static readonly string[] ZrleLossless =
        ["-AutoSelect=0", "-PreferredEncoding=ZRLE", "-FullColor", "-NoJPEG", "-CustomCompressLevel=1", "-CompressLevel=6", "-QualityLevel=9"];

    /// <param name="encodingOptions">How the viewer picks encodings; default <see cref="ZrleLossless"/>.</param>
    public static async Task<TigerViewer> StartAsync(XvfbDisplay x, int port, IReadOnlyList<string>? encodingOptions = null)
    {
        Tools.Require("xtigervncviewer", "xdotool", "import");
        var psi = new ProcessStartInfo("xtigervncviewer")
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        psi.Environment["DISPLAY"] = x.Display;
        foreach (string a in (encodingOptions ?? ZrleLossless).Concat(new[]
                 {
                     "-RemoteResize=0", "-ReconnectOnError=0",
                     "-AlertOnFatalError=0", "-Shared", "-SecurityTypes", "None", "-geometry", "+0+0",
                     "-Log", "*:stderr:30", "127.0.0.1::" + port.ToString(CultureInfo.InvariantCulture),
                 }))
            psi.ArgumentList.Add(a);
        var process = new Process { StartInfo = psi };
        var viewer = new TigerViewer(process, x);
        process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (viewer._log) viewer._log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (viewer._log) viewer._log.AppendLine(e.Data); };
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();

        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (process.HasExited)
                throw new InvalidOperationException("xtigervncviewer exited: " + viewer.Log);
            var r = await x.RunAsync("xdotool", "search", "--name", "TigerVNC");
            string id = r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
            if (r.ExitCode == 0 && id.Length > 0)
            {
                viewer.WindowId = id.Trim();
                return viewer;
            }
            await Task.Delay(200);
        }
        viewer.Dispose();
        throw new TimeoutException("the TigerVNC viewer window did not appear: " + viewer.Log);
    }

    /// <summary>Gives the viewer keyboard focus (there is no window manager).</summary>
    public async Task FocusAsync()
    {
        var r = await _x.RunAsync("xdotool", "windowfocus", "--sync", WindowId);
        if (r.ExitCode != 0)
            throw new InvalidOperationException("xdotool windowfocus failed: " + r);
    }

    public async Task TypeAsync(string text)
    {
        var r = await _x.RunAsync("xdotool", "type", "--delay", "80", text);
        if (r.ExitCode != 0)
            throw new InvalidOperationException("xdotool type failed: " + r);
    }

    /// <summary>xdotool key names, e.g. "Return", "BackSpace", "ctrl+c".</summary>
    public async Task KeyAsync(params string[] keys)
    {
        var r = await _x.RunAsync("xdotool", ["key", "--delay", "80", .. keys]);
        if (r.ExitCode != 0)
            throw new InvalidOperationException("xdotool key failed: " + r);
    }

    /// <summary>Moves the X pointer to a point of the root window and optionally clicks a button there.</summary>
    public async Task MouseAsync(int rootX, int rootY, int? clickButton = null)
    {
        string[] args = clickButton is int button
            ? ["mousemove", "--sync", rootX.ToString(System.Globalization.CultureInfo.InvariantCulture), rootY.ToString(System.Globalization.CultureInfo.InvariantCulture),
               "click", button.ToString(System.Globalization.CultureInfo.InvariantCulture)]
            : ["mousemove", "--sync", rootX.ToString(System.Globalization.CultureInfo.InvariantCulture), rootY.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        var r = await _x.RunAsync("xdotool", args);
        if (r.ExitCode != 0)
            throw new InvalidOperationException("xdotool mouse failed: " + r);
    }

    /// <summary>Screenshot of the viewer window, cropped to the remote framebuffer at its top-left corner.</summary>
    public async Task<RgbImage> ScreenshotAsync(string pngPath, int width, int height)
    {
        var r = await _x.RunAsync("import", "-window", WindowId, pngPath);
        if (r.ExitCode != 0)
            throw new InvalidOperationException("import failed: " + r);
        var image = await RgbImage.LoadAsync(pngPath);
        if (image.Width < width || image.Height < height)
            throw new InvalidOperationException($"viewer window is {image.Width}x{image.Height}, smaller than {width}x{height}; viewer log: {Log}");
        return image.Crop(0, 0, width, height);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
