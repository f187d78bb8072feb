// SPDX-License-Identifier: MIT
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace KvmPi.Vnc.Benchmarks.LoadTest;

/// <summary>
/// Load tools for flow control and encoding cost (see docs/performance.md for figures and the exact commands):
/// <list type="bullet">
/// <item><c>compare</c>: the same captured-desktop Motion-JPEG played through kvmpi-vnc and through a small
/// libvncserver program, to the same libvncclient viewer with the same encoding settings; server CPU time and
/// bytes on the wire per frame delivered, side by side.</item>
/// <item><c>viewers</c>: server CPU with 1 and with N viewers of the same content, and the updates each gets.</item>
/// <item><c>stall</c>: server memory while one viewer stops reading for the write timeout and another watches.</item>
/// <item><c>bytes</c>: the contents through KvmPi's encoders in process (no server): bytes per update, deterministic
/// (EncodedBytesTool).</item>
/// <item><c>latency</c>: from a frame's reading by kvmpi-vnc to the viewer's having it, per frame shown (LatencyTool).</item>
/// </list>
/// Options: <c>--contents typing,video,scroll</c> <c>--encodings ZRLE,TightLossless,TightJPEGq8</c> (also Hextile, Raw,
/// and CopyRect+ZRLE, CopyRect+TightLossless, CopyRect+TightJPEGq8: the viewer lists CopyRect too)
/// <c>--seconds N</c> (measured interval) <c>--warmup N</c> <c>--frames N</c> (sequence length)
/// <c>--fps N</c> (instead of the per-content default) <c>--viewers N</c> <c>--servers kvmpi,libvncserver</c>
/// <c>--kvmpi PATH</c> (a Native AOT kvmpi-vnc to measure instead of this build's dll; see <see cref="ServerUnderTest.KvmPiBinary"/>).
/// <c>--step N</c> and <c>--level N</c> (bytes: every N-th frame an update; compression level).
/// <c>--repeat N</c> (compare: each cell N times, the servers alternating, and the run of median CPU per frame
/// reported; viewers: 1 and N viewers alternating N times, the run of median server CPU reported for each: the
/// machine's own noise moves single runs by ±10–15 %).
/// Not a test: nothing is asserted; figures go to docs.
/// </summary>
internal static class LoadTestTool
{
    private sealed class Options
    {
        public string[] Contents = ContentGenerator.Names;
        public EncodingSetting[] Encodings = [EncodingSetting.All[0], EncodingSetting.All[1], EncodingSetting.All[2]];
        public double Seconds = 8, Warmup = 3;
        public int? Frames, Fps;
        public int Viewers = 8;
        public string[] Servers = ["kvmpi", "libvncserver"];
        public int Step = 1, Level = 3;
        public int Repeat = 1;
    }

    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("compare" or "viewers" or "stall" or "bytes" or "latency"))
        {
            Console.Error.WriteLine("usage: loadtest compare|viewers|stall|bytes|latency [--contents A,B] [--encodings A,B] [--seconds N] [--warmup N] [--frames N] [--fps N] [--viewers N] [--servers kvmpi,libvncserver] [--kvmpi PATH] [--step N] [--level N] [--repeat N]");
            return 2;
        }
        var o = new Options();
        for (int i = 1; i < args.Length; i += 2)
        {
            string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException("missing value for " + args[i]);
            switch (args[i])
            {
                case "--contents": o.Contents = value.Split(','); break;
                case "--encodings": o.Encodings = [.. value.Split(',').Select(EncodingSetting.Parse)]; break;
                case "--seconds": o.Seconds = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--warmup": o.Warmup = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--frames": o.Frames = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--fps": o.Fps = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--viewers": o.Viewers = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--servers": o.Servers = value.Split(','); break;
                case "--kvmpi": ServerUnderTest.KvmPiBinary = Path.GetFullPath(value); break;
                case "--step": o.Step = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--level": o.Level = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--repeat": o.Repeat = Math.Max(1, int.Parse(value, CultureInfo.InvariantCulture)); break;
                default: throw new ArgumentException("unknown option " + args[i]);
            }
        }
        Console.WriteLine($"# loadtest {string.Join(' ', args)}");
        Console.WriteLine($"# kvmpi-vnc: {ServerUnderTest.KvmPiBinary ?? "kvmpi-vnc.dll, DOTNET_TieredCompilation=0"}");
        Console.WriteLine($"# {Environment.ProcessorCount} CPUs, load average {File.ReadAllText("/proc/loadavg").Trim()}, {DateTime.UtcNow:u}");
        return args[0] switch
        {
            "compare" => Compare(o),
            "viewers" => Viewers(o),
            "bytes" => EncodedBytesTool.Run(o.Contents, o.Step, o.Frames, o.Level),
            "latency" => LatencyTool.Run(o.Contents, o.Encodings, o.Warmup, o.Seconds, c => FpsFor(o, c), c => FramesFor(o, c)),
            _ => Stall(o),
        };
    }

    private static int FpsFor(Options o, string content) => o.Fps ?? ContentGenerator.DefaultFps(content);

    /// <summary>Sequence length: about 11–16 s at the content's rate (the default warm-up plus measured interval),
    /// fixed so that the cached sequences are reused whatever the options.</summary>
    private static int FramesFor(Options o, string content) => o.Frames ?? content switch { "typing" => 240, "video" => 110, _ => 60 };

    private readonly record struct Measurement(string Encoding, double Seconds, long Updates, long Bytes, double CpuSeconds,
        long CopyRects = 0, double PsnrMin = double.NaN, double PsnrAvg = double.NaN, long FramesShown = 0)
    {
        /// <summary>Bytes per source frame the viewer came to show (an update that only refines a picture, such as a lossless refresh, shows none).</summary>
        public double KiBPerFrameShown => FramesShown == 0 ? double.NaN : Bytes / 1024.0 / FramesShown;
        public string Psnr => double.IsNaN(PsnrMin) ? "" : string.Create(CultureInfo.InvariantCulture, $"{PsnrMin:F1} / {PsnrAvg:F1}");
        public double CopyRectsPerFrame => Updates == 0 ? 0 : (double)CopyRects / Updates;
        public double Fps => Updates / Seconds;
        public double CpuMsPerFrame => Updates == 0 ? double.NaN : CpuSeconds * 1000 / Updates;
        public double KiBPerFrame => Updates == 0 ? double.NaN : Bytes / 1024.0 / Updates;
        public double CpuPercent => CpuSeconds / Seconds * 100;
    }

    /// <summary>The run of median CPU per frame (the upper one of an even count).</summary>
    private static Measurement Median(List<Measurement> runs)
    {
        var sorted = new List<Measurement>(runs);
        sorted.Sort((a, b) => a.CpuMsPerFrame.CompareTo(b.CpuMsPerFrame));
        return sorted[sorted.Count / 2];
    }

    private static int Compare(Options o)
    {
        string probe = NativeTools.Probe();
        string lvs = NativeTools.LibVncServerProgram();
        var table = new StringBuilder();
        table.AppendLine("| content (fps) | viewer asks | server | sent as | frames/s | CPU % | CPU ms/frame | KiB/frame | CPU ratio | bytes ratio | PSNR dB min / avg | frames shown/s | KiB/frame shown | CopyRects/frame | bytes/frame shown vs without CopyRect |");
        table.AppendLine("|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var measured = new Dictionary<(string Content, string Encoding, string Server), Measurement>();
        foreach (string content in o.Contents)
        {
            int fps = FpsFor(o, content);
            string video = ContentGenerator.Get(content, FramesFor(o, content));
            // No viewer: what reading, decoding and change detection cost per source frame, in the same run, so the
            // rows below can be read as that plus the update path.
            foreach (string which in o.Servers)
            {
                using ServerUnderTest server = which == "kvmpi" ? ServerUnderTest.StartKvmPi(video, fps) : ServerUnderTest.StartLibVncServer(lvs, video, fps);
                Thread.Sleep(TimeSpan.FromSeconds(o.Warmup + 1));
                double cpu0 = ProcStat.CpuSeconds(server.Pid);
                var wall = Stopwatch.StartNew();
                Thread.Sleep(TimeSpan.FromSeconds(o.Seconds));
                double cpu = ProcStat.CpuSeconds(server.Pid) - cpu0, seconds = wall.Elapsed.TotalSeconds;
                table.AppendLine(CultureInfo.InvariantCulture,
                    $"| {content} ({fps}) | no viewer | {server.Name} | | ({fps} source) | {cpu / seconds * 100:F1} | {cpu * 1000 / (seconds * fps):F2} | | | |");
            }
            string referenceFrames = ReferenceFrames.Get(video);
            foreach (EncodingSetting encoding in o.Encodings)
            {
                var runs = new Dictionary<string, List<Measurement>>();
                var names = new List<string>();
                for (int round = 0; round < o.Repeat; round++)
                {
                    foreach (string which in o.Servers)
                    {
                        using ServerUnderTest server = which == "kvmpi" ? ServerUnderTest.StartKvmPi(video, fps) : ServerUnderTest.StartLibVncServer(lvs, video, fps);
                        Measurement m = MeasureOne(server, probe, encoding, o, referenceFrames);
                        if (!runs.TryGetValue(server.Name, out List<Measurement>? list)) { runs[server.Name] = list = []; names.Add(server.Name); }
                        list.Add(m);
                        Console.Error.WriteLine($"{content} {encoding.Name} {server.Name}: {m}");
                    }
                }
                var results = new List<(string Server, Measurement M)>();
                foreach (string name in names)
                {
                    Measurement m = Median(runs[name]);
                    results.Add((name, m));
                    measured[(content, encoding.Name, name)] = m;
                }
                if (o.Repeat > 1)
                    foreach (string name in names)
                        Console.Error.WriteLine($"{content} {encoding.Name} {name}: CPU ms/frame of the {o.Repeat} runs: {string.Join(", ", runs[name].Select(r => r.CpuMsPerFrame.ToString("F2", CultureInfo.InvariantCulture)))}");
                Measurement? reference = results.Count > 1 ? results[^1].M : null;
                foreach (var (name, m) in results)
                {
                    string cpuRatio = reference is { } r && name != "libvncserver" ? (m.CpuMsPerFrame / r.CpuMsPerFrame).ToString("F2", CultureInfo.InvariantCulture) : "";
                    string byteRatio = reference is { } r2 && name != "libvncserver" ? (m.KiBPerFrame / r2.KiBPerFrame).ToString("F2", CultureInfo.InvariantCulture) : "";
                    string vsPlain = encoding.WithoutCopyRect is { } plain && measured.TryGetValue((content, plain, name), out Measurement p)
                        ? (m.KiBPerFrameShown / p.KiBPerFrameShown).ToString("F2", CultureInfo.InvariantCulture) : "";
                    table.AppendLine(CultureInfo.InvariantCulture,
                        $"| {content} ({fps}) | {encoding.Name} | {name} | {m.Encoding} | {m.Fps:F1} | {m.CpuPercent:F1} | {m.CpuMsPerFrame:F2} | {m.KiBPerFrame:F1} | {cpuRatio} | {byteRatio} | {m.Psnr} | {m.FramesShown / m.Seconds:F1} | {m.KiBPerFrameShown:F1} | {m.CopyRectsPerFrame:F2} | {vsPlain} |");
                }
            }
        }
        if (o.Repeat > 1)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Each row: the run of median CPU per frame of {o.Repeat}, the servers alternating (all runs on stderr)."));
        Console.WriteLine(table);
        return 0;
    }

    private static Measurement MeasureOne(ServerUnderTest server, string probe, EncodingSetting encoding, Options o, string? reference = null)
    {
        using var viewer = new ProbeViewer(probe, server.Port, encoding, o.Warmup, o.Seconds, reference);
        ProbeCounters start = Wait(viewer.Started, viewer, o.Warmup + 40);
        double cpu0 = ProcStat.CpuSeconds(server.Pid);
        var wall = Stopwatch.StartNew();
        ProbeCounters end = Wait(viewer.Ended, viewer, o.Seconds + 30);
        double cpu1 = ProcStat.CpuSeconds(server.Pid);
        double seconds = wall.Elapsed.TotalSeconds;
        string sentAs = server.Name == "KvmPi.Vnc" ? server.ChosenEncoding ?? "?" : encoding.Name.Split(' ')[0];
        return new Measurement(sentAs, seconds, end.Updates - start.Updates, end.Bytes - start.Bytes, cpu1 - cpu0,
            end.CopyRects - start.CopyRects, end.PsnrMin, end.PsnrAvg, end.FramesShown);
    }

    private static ProbeCounters Wait(Task<ProbeCounters> task, ProbeViewer viewer, double seconds)
    {
        if (!task.Wait(TimeSpan.FromSeconds(seconds))) throw new TimeoutException("the viewer did not reach its mark: " + viewer.Output);
        return task.Result;
    }

    private static int Viewers(Options o)
    {
        string probe = NativeTools.Probe();
        var table = new StringBuilder();
        table.AppendLine("| content (fps) | viewer asks | sent as | viewers | server CPU % | CPU vs 1 viewer | updates/s per viewer (min–max) | vs 1 viewer (min) | viewers' CPU % (sum) | viewer CPU ms/update |");
        table.AppendLine("|---|---|---|---:|---:|---:|---|---:|---:|---:|");
        foreach (string content in o.Contents)
        {
            int fps = FpsFor(o, content);
            string video = ContentGenerator.Get(content, FramesFor(o, content));
            foreach (EncodingSetting encoding in o.Encodings)
            {
                var runs = new Dictionary<int, List<ViewersRun>> { [1] = [], [o.Viewers] = [] };
                string sentAs = "?";
                for (int round = 0; round < o.Repeat; round++)
                {
                    foreach (int n in (int[])[1, o.Viewers])
                    {
                        ViewersRun run = MeasureViewers(probe, video, fps, encoding, n, o, out sentAs);
                        runs[n].Add(run);
                        Console.Error.WriteLine($"{content} {encoding.Name} {n} viewers: CPU {run.CpuPercent:F2} %, viewers' CPU {run.ViewerPercent:F1} %, rates {run.MinRate:F1}–{run.MaxRate:F1}");
                    }
                }
                ViewersRun one = MedianRun(runs[1]);
                foreach (int n in (int[])[1, o.Viewers])
                {
                    ViewersRun m = MedianRun(runs[n]);
                    table.AppendLine(CultureInfo.InvariantCulture,
                        $"| {content} ({fps}) | {encoding.Name} | {sentAs} | {n} | {m.CpuPercent:F2} | {m.CpuPercent / one.CpuPercent:F2}× | {m.MinRate:F1}–{m.MaxRate:F1} | {m.MinRate / one.MinRate * 100:F0} % | {m.ViewerPercent:F1} | {m.ViewerMsPerUpdate:F2} |");
                }
                if (o.Repeat > 1)
                    foreach (int n in (int[])[1, o.Viewers])
                        Console.Error.WriteLine($"{content} {encoding.Name} {n} viewers: server CPU % of the {o.Repeat} runs: {string.Join(", ", runs[n].Select(r => r.CpuPercent.ToString("F2", CultureInfo.InvariantCulture)))}");
            }
        }
        if (o.Repeat > 1)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Each row: the run of median server CPU of {o.Repeat}, 1 and {o.Viewers} viewers alternating (all runs on stderr)."));
        Console.WriteLine(table);
        return 0;
    }

    /// <summary>One server playing <paramref name="video"/> to <paramref name="viewers"/> viewers at once, measured over the same interval.</summary>
    private static ViewersRun MeasureViewers(string probe, string video, int fps, EncodingSetting encoding, int viewers, Options o, out string sentAs)
    {
        using var server = ServerUnderTest.StartKvmPi(video, fps);
        var probes = Enumerable.Range(0, viewers).Select(_ => new ProbeViewer(probe, server.Port, encoding, o.Warmup, o.Seconds)).ToList();
        try
        {
            var starts = probes.Select(v => Wait(v.Started, v, o.Warmup + 60)).ToList();
            double cpu0 = ProcStat.CpuSeconds(server.Pid);
            var wall = Stopwatch.StartNew();
            var ends = probes.Select(v => Wait(v.Ended, v, o.Seconds + 60)).ToList();
            double cpu = ProcStat.CpuSeconds(server.Pid) - cpu0, seconds = wall.Elapsed.TotalSeconds;
            var rates = starts.Zip(ends, (s, e) => (e.Updates - s.Updates) / o.Seconds).ToList();
            // The viewers run on the same machine: their own CPU (rfbprobe's, over the same interval) tells whether
            // they, not the server, were the limit.
            double viewerCpuMs = starts.Zip(ends, (s, e) => (double)(e.CpuMs - s.CpuMs)).Sum();
            long updates = starts.Zip(ends, (s, e) => e.Updates - s.Updates).Sum();
            sentAs = server.ChosenEncoding ?? "?";
            return new ViewersRun(cpu / seconds * 100, rates.Min(), rates.Max(), viewerCpuMs / 1000 / o.Seconds * 100,
                viewerCpuMs / Math.Max(1, updates));
        }
        finally
        {
            foreach (var v in probes) v.Dispose();
        }
    }

    /// <summary>One run of the viewers mode: the server's CPU, the slowest and fastest viewer's updates a second, the viewers' own CPU.</summary>
    private readonly record struct ViewersRun(double CpuPercent, double MinRate, double MaxRate, double ViewerPercent, double ViewerMsPerUpdate);

    private static ViewersRun MedianRun(List<ViewersRun> runs)
    {
        var sorted = new List<ViewersRun>(runs);
        sorted.Sort((a, b) => a.CpuPercent.CompareTo(b.CpuPercent));
        return sorted[sorted.Count / 2];
    }

    /// <summary>
    /// A raw socket asks for full Raw frames (8 MB at 1080p) and never reads; a libvncclient viewer watches the
    /// same content. Samples the server's RSS every second for the write timeout (30 s) and a little more.
    /// </summary>
    private static int Stall(Options o)
    {
        string probe = NativeTools.Probe();
        string content = o.Contents[0];
        int fps = o.Fps ?? 30;
        string video = ContentGenerator.Get(content, FramesFor(o, content));
        double seconds = Math.Max(o.Seconds, 35);
        using var server = ServerUnderTest.StartKvmPi(video, fps, "info");
        using var viewer = new ProbeViewer(probe, server.Port, o.Encodings[0], o.Warmup, seconds);
        ProbeCounters start = Wait(viewer.Started, viewer, o.Warmup + 40);
        long baseline = ProcStat.ResidentBytes(server.Pid);

        using var stalled = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        stalled.Connect("127.0.0.1", server.Port);
        byte[] buffer = new byte[4096];
        ReadExactly(stalled, buffer, 12);
        stalled.Send("RFB 003.008\n"u8);
        ReadExactly(stalled, buffer, 2);
        stalled.Send([1]);
        ReadExactly(stalled, buffer, 4);
        stalled.Send([1]);
        ReadExactly(stalled, buffer, 24);
        ReadExactly(stalled, buffer, (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(20)));
        stalled.Send([2, 0, 0, 1, 0, 0, 0, 0]);                // SetEncodings: Raw
        stalled.Send([3, 0, 0, 0, 0, 0, 0x07, 0x80, 0x04, 0x38]); // a full 1920x1080 frame, never read

        var sw = Stopwatch.StartNew();
        long peak = baseline;
        var samples = new StringBuilder();
        double droppedAt = double.NaN;
        while (sw.Elapsed.TotalSeconds < seconds - 1)
        {
            Thread.Sleep(1000);
            try { stalled.Send([3, 1, 0, 0, 0, 0, 0x07, 0x80, 0x04, 0x38]); } catch (SocketException) { }
            long rss = ProcStat.ResidentBytes(server.Pid);
            peak = Math.Max(peak, rss);
            samples.Append(CultureInfo.InvariantCulture, $"{rss / 1048576} ");
            if (double.IsNaN(droppedAt) && server.Output.Contains("not reading updates", StringComparison.Ordinal)) droppedAt = sw.Elapsed.TotalSeconds;
        }
        ProbeCounters end = Wait(viewer.Ended, viewer, 60);
        double rate = (end.Updates - start.Updates) / seconds;
        Console.WriteLine($"| content (fps) | stalled for | RSS before | RSS peak | growth | stalled viewer dropped after | other viewer updates/s |");
        Console.WriteLine($"|---|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {content} ({fps}) | {seconds:F0} s | {baseline / 1048576} MiB | {peak / 1048576} MiB | +{(peak - baseline) / 1048576} MiB | {(double.IsNaN(droppedAt) ? "not yet" : $"{droppedAt:F0} s")} | {rate:F1} |"));
        Console.WriteLine($"# RSS samples (MiB, 1/s): {samples}");
        return 0;
    }

    private static void ReadExactly(Socket s, byte[] buffer, int n)
    {
        int got = 0;
        s.ReceiveTimeout = 10_000;
        while (got < n)
        {
            int r = s.Receive(buffer, got, n - got, SocketFlags.None);
            if (r == 0) throw new IOException("server closed the connection");
            got += r;
        }
    }
}
