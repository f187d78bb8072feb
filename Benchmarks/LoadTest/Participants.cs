// SPDX-License-Identifier: MIT
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace KvmPi.Vnc.Benchmarks.LoadTest;

/// <summary>A VNC server process under measurement: kvmpi-vnc or the libvncserver program.</summary>
internal sealed class ServerUnderTest : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string? _scratch;

    private ServerUnderTest(Process process, int port, string name, string? scratch)
    {
        _process = process;
        Port = port;
        Name = name;
        _scratch = scratch;
        process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }
    public string Name { get; }
    public int Pid => _process.Id;
    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>The encoding kvmpi-vnc said it chose for the last viewer (its debug log), or null.</summary>
    public string? ChosenEncoding
    {
        get
        {
            const string marker = "], sending ";
            string log = Output;
            int i = log.LastIndexOf(marker, StringComparison.Ordinal);
            if (i < 0) return null;
            int end = log.IndexOfAny(['\n', '\r', ' '], i + marker.Length);
            return log[(i + marker.Length)..(end < 0 ? log.Length : end)];
        }
    }

    /// <summary>
    /// The kvmpi-vnc to measure: a Native AOT binary as it ships (<c>--kvmpi PATH</c>, e.g. release.sh's), or null for
    /// this build's kvmpi-vnc.dll under <c>dotnet</c> with tiered compilation off. With tiering on, the JIT recompiles
    /// the update path (tier 0, instrumented, tier 1) during the first seconds a viewer watches, i.e. inside the
    /// measured interval: measured here, that added 5–8 ms of CPU per update on typing, which the shipped binary never pays.
    /// </summary>
    public static string? KvmPiBinary { get; set; }

    public static ServerUnderTest StartKvmPi(string video, int fps, string logLevel = "debug")
    {
        int port = FreePort();
        string scratch = Directory.CreateTempSubdirectory("kvmpi-load").FullName;
        string dll = Path.Combine(AppContext.BaseDirectory, "kvmpi-vnc.dll");
        var psi = new ProcessStartInfo(KvmPiBinary ?? "dotnet")
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        if (KvmPiBinary is null)
        {
            psi.ArgumentList.Add(dll);
            psi.Environment["DOTNET_TieredCompilation"] = "0";
        }
        foreach (string a in (string[])["--listen", $"127.0.0.1:{port}", "--video", video, "--fps", fps.ToString(CultureInfo.InvariantCulture),
                     "--log-level", logLevel, "--http", "off", "--keyboard", Path.Combine(scratch, "kbd"), "--mouse", Path.Combine(scratch, "mouse")])
            psi.ArgumentList.Add(a);
        var server = new ServerUnderTest(Process.Start(psi)!, port, "KvmPi.Vnc", scratch);
        server.WaitForPort();
        return server;
    }

    public static ServerUnderTest StartLibVncServer(string program, string video, int fps)
    {
        int port = FreePort();
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        foreach (string a in (string[])[video, fps.ToString(CultureInfo.InvariantCulture), port.ToString(CultureInfo.InvariantCulture)])
            psi.ArgumentList.Add(a);
        var server = new ServerUnderTest(Process.Start(psi)!, port, "libvncserver", null);
        server.WaitForPort();
        return server;
    }

    private void WaitForPort()
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Name} exited: {Output}");
            if (Name == "libvncserver" ? Output.Contains("READY", StringComparison.Ordinal) : Output.Contains("listening", StringComparison.OrdinalIgnoreCase) || CanConnect())
                return;
            Thread.Sleep(100);
        }
        throw new TimeoutException($"{Name} did not start listening: {Output}");
    }

    private bool CanConnect()
    {
        try
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Connect(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
        if (_scratch != null) Directory.Delete(_scratch, recursive: true);
    }
}

/// <summary>
/// Counters rfbprobe prints on its MARK lines (CpuMs: the viewer's own CPU time so far); the PSNR figures (with
/// reference frames) are over the updates since the previous MARK, NaN without them.
/// </summary>
internal readonly record struct ProbeCounters(long Updates, long Bytes, long CpuMs, long CopyRects = 0, double PsnrMin = double.NaN,
    double PsnrAvg = double.NaN, long FramesShown = 0)
{
    public static ProbeCounters Parse(string line)
    {
        long updates = -1, bytes = -1, cpu = -1, copyRects = 0, psnrCount = 0, shown = 0;
        double psnrMin = double.NaN, psnrAvg = double.NaN;
        foreach (string token in line.Split(' '))
        {
            int eq = token.IndexOf('=');
            if (eq < 0) continue;
            string value = token[(eq + 1)..];
            switch (token[..eq])
            {
                case "updates": updates = long.Parse(value, CultureInfo.InvariantCulture); break;
                case "bytes_rx": bytes = long.Parse(value, CultureInfo.InvariantCulture); break;
                case "cpu_ms": cpu = long.Parse(value, CultureInfo.InvariantCulture); break;
                case "copyrects": copyRects = long.Parse(value, CultureInfo.InvariantCulture); break;
                case "psnr_min": psnrMin = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "psnr_avg": psnrAvg = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "psnr_n": psnrCount = long.Parse(value, CultureInfo.InvariantCulture); break;
                case "frames_shown": shown = long.Parse(value, CultureInfo.InvariantCulture); break;
            }
        }
        if (psnrCount == 0) psnrMin = psnrAvg = double.NaN;
        return new ProbeCounters(updates, bytes, cpu, copyRects, psnrMin, psnrAvg, shown);
    }
}

/// <summary>
/// One libvncclient viewer (rfbprobe): waits for the first full frame, warms up, then prints MARK start and
/// MARK end around the measured interval; <see cref="Started"/> and <see cref="Ended"/> complete as they appear.
/// </summary>
internal sealed class ProbeViewer : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<ProbeCounters> _start = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<ProbeCounters> _end = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="reference">Reference frames for PSNR (<see cref="ReferenceFrames"/>), or null.</param>
    /// <param name="perUpdate">A line per update (rfbprobe -u): its time, and the frame it shows.</param>
    public ProbeViewer(string probe, int port, EncodingSetting encoding, double warmSeconds, double measureSeconds, string? reference = null,
        bool perUpdate = false)
    {
        var psi = new ProcessStartInfo(probe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var args = new List<string> { "-e", encoding.ProbeEncodings, "-C", encoding.CompressLevel.ToString(CultureInfo.InvariantCulture) };
        if (reference != null) args.AddRange(["-P", reference]);
        if (perUpdate) args.Add("-u");
        if (encoding.JpegQuality >= 0) args.AddRange(["-Q", encoding.JpegQuality.ToString(CultureInfo.InvariantCulture)]);
        args.AddRange(["-w", "30", "-t", "0.1", "127.0.0.1", port.ToString(CultureInfo.InvariantCulture),
            $"s:{(int)(warmSeconds * 1000)}", "m:start", $"s:{(int)(measureSeconds * 1000)}", "m:end"]);
        foreach (string a in args) psi.ArgumentList.Add(a);
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data == null)
            {
                _start.TrySetException(new InvalidOperationException("rfbprobe ended early: " + Output));
                _end.TrySetException(new InvalidOperationException("rfbprobe ended early: " + Output));
                return;
            }
            lock (_output) _output.AppendLine(e.Data);
            if (e.Data.StartsWith("MARK start", StringComparison.Ordinal)) _start.TrySetResult(ProbeCounters.Parse(e.Data));
            if (e.Data.StartsWith("MARK end", StringComparison.Ordinal)) _end.TrySetResult(ProbeCounters.Parse(e.Data));
        };
        _process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Task<ProbeCounters> Started => _start.Task;
    public Task<ProbeCounters> Ended => _end.Task;
    public string Output { get { lock (_output) return _output.ToString(); } }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill();
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}

/// <summary>What the viewer asks for: its encoding list, compression level and JPEG quality (-1 = lossless).</summary>
internal sealed record EncodingSetting(string Name, string ProbeEncodings, int CompressLevel, int JpegQuality)
{
    public static readonly EncodingSetting[] All =
    [
        new("ZRLE", "zrle", 3, -1),
        new("Tight lossless", "tight", 3, -1),
        new("Tight JPEG q8", "tight", 3, 8),
        new("Hextile", "hextile", 3, -1),
        new("Raw", "raw", 3, -1),
        // The same with CopyRect listed too: scrolled bands go as CopyRect plus what the copy leaves (scroll detection).
        new("CopyRect+ZRLE", "copyrect zrle", 3, -1),
        new("CopyRect+Tight lossless", "copyrect tight", 3, -1),
        new("CopyRect+Tight JPEG q8", "copyrect tight", 3, 8),
    ];

    /// <summary>The setting without CopyRect that this one adds it to, or null.</summary>
    public string? WithoutCopyRect => Name.StartsWith("CopyRect+", StringComparison.Ordinal) ? Name["CopyRect+".Length..] : null;

    public static EncodingSetting Parse(string name) =>
        All.FirstOrDefault(e => string.Equals(e.Name.Replace(" ", "", StringComparison.Ordinal), name.Replace(" ", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown encoding '{name}' ({string.Join(", ", All.Select(e => e.Name.Replace(" ", "", StringComparison.Ordinal)))})");
}
