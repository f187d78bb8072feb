// SPDX-License-Identifier: MIT
using System.Globalization;
using System.Security.Cryptography;

namespace KvmPi.Vnc.IntegrationTests.Support;

/// <summary>Counters printed by rfbprobe on a RESULT or MARK line.</summary>
public sealed record ProbeCounters(long Updates, long Rects, long Pixels, long Resizes, long BytesReceived, int Width, int Height, bool Full)
{
    public static ProbeCounters Parse(string line)
    {
        var values = new Dictionary<string, string>();
        foreach (string token in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = token.IndexOf('=');
            if (eq > 0)
                values[token[..eq]] = token[(eq + 1)..];
        }
        long L(string k) => values.TryGetValue(k, out string? v) ? long.Parse(v, CultureInfo.InvariantCulture) : -1;
        int w = -1, h = -1;
        if (values.TryGetValue("size", out string? size))
        {
            string[] wh = size.Split('x');
            w = int.Parse(wh[0], CultureInfo.InvariantCulture);
            h = int.Parse(wh[1], CultureInfo.InvariantCulture);
        }
        return new ProbeCounters(L("updates"), L("rects"), L("pixels"), L("resizes"), L("bytes_rx"), w, h, L("full") == 1);
    }
}

/// <summary>What one rfbprobe run did.</summary>
public sealed record ProbeRun(ProcessResult Process, ProbeCounters? Result, IReadOnlyDictionary<string, ProbeCounters> Marks, string? DesktopName)
{
    public bool Connected => DesktopName != null;
    public override string ToString() => Process.ToString();
}

/// <summary>Options for one rfbprobe run; see Clients/rfbprobe.c for the meaning of each.</summary>
public sealed record ProbeOptions
{
    public string Encodings { get; init; } = "raw";
    public double TailSeconds { get; init; } = 1.0;
    public double FirstFrameWaitSeconds { get; init; } = 10.0;
    public string? OutputPpm { get; init; }
    public string? Password { get; init; }
    /// <summary>rgb888 (default), rgb888be, rgb565, rgb565be, bgr233.</summary>
    public string Format { get; init; } = "rgb888";
    public bool QuitAbruptly { get; init; }
    /// <summary>JPEG quality level 0..9 offered with Tight; null: none (JPEG off, lossless Tight).</summary>
    public int? Quality { get; init; }
    /// <summary>Compression level 0..9 offered; null: libvncclient's default.</summary>
    public int? Compress { get; init; }
    public IReadOnlyList<string> Actions { get; init; } = [];
    /// <summary>Further options passed as they are (e.g. -u, -P FILE).</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// The libvncclient probe (Clients/rfbprobe.c). It is compiled with gcc once per test run into
/// probe-cache/ under the test output; the binary name carries a hash of the source, so an edited source is rebuilt.
/// </summary>
public static class RfbProbe
{
    private static readonly Lazy<Task<string>> Binary = new(BuildAsync);

    public static async Task<string> GetBinaryAsync()
    {
        Tools.RequireLibVncClient();
        return await Binary.Value;
    }

    private static async Task<string> BuildAsync()
    {
        string source = Path.Combine(AppContext.BaseDirectory, "Clients", "rfbprobe.c");
        string hash = Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(source)))[..16].ToLowerInvariant();
        string cache = Path.Combine(AppContext.BaseDirectory, "probe-cache");
        Directory.CreateDirectory(cache);
        string binary = Path.Combine(cache, "rfbprobe-" + hash);
        if (File.Exists(binary))
            return binary;

        var flags = await ProcessRunner.RunAsync("pkg-config", ["--cflags", "--libs", "libvncclient"], TimeSpan.FromSeconds(30));
        if (flags.ExitCode != 0)
            throw new InvalidOperationException("pkg-config libvncclient failed: " + flags);
        string temp = binary + ".tmp" + Environment.ProcessId;
        var gcc = await ProcessRunner.RunAsync("gcc",
            ["-O2", "-Wall", "-Wextra", "-o", temp, source, .. flags.StdOut.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries), "-lm"],
            TimeSpan.FromSeconds(120));
        if (gcc.ExitCode != 0)
            throw new InvalidOperationException("building rfbprobe failed: " + gcc);
        File.Move(temp, binary, overwrite: true);
        return binary;
    }

    public static async Task<ProbeRun> RunAsync(int port, ProbeOptions options)
    {
        string binary = await GetBinaryAsync();
        var args = new List<string>
        {
            "-e", options.Encodings,
            "-t", options.TailSeconds.ToString(CultureInfo.InvariantCulture),
            "-w", options.FirstFrameWaitSeconds.ToString(CultureInfo.InvariantCulture),
            "-f", options.Format,
        };
        if (options.OutputPpm != null)
            args.AddRange(["-o", options.OutputPpm]);
        if (options.Password != null)
            args.AddRange(["-p", options.Password]);
        if (options.QuitAbruptly)
            args.Add("-q");
        if (options.Quality is { } q)
            args.AddRange(["-Q", q.ToString(CultureInfo.InvariantCulture)]);
        if (options.Compress is { } c)
            args.AddRange(["-C", c.ToString(CultureInfo.InvariantCulture)]);
        args.AddRange(options.ExtraArguments);
        args.Add("127.0.0.1");
        args.Add(port.ToString(CultureInfo.InvariantCulture));
        args.AddRange(options.Actions);

        var result = await ProcessRunner.RunAsync(binary, args, options.Timeout);
        ProbeCounters? counters = null;
        var marks = new Dictionary<string, ProbeCounters>();
        string? name = null;
        foreach (string line in result.StdOut.Split('\n'))
        {
            if (line.StartsWith("RESULT", StringComparison.Ordinal))
                counters = ProbeCounters.Parse(line);
            else if (line.StartsWith("MARK ", StringComparison.Ordinal))
                marks[line.Split(' ')[1]] = ProbeCounters.Parse(line);
            else if (line.StartsWith("CONNECTED name=", StringComparison.Ordinal))
                name = line["CONNECTED name=".Length..line.LastIndexOf(" size=", StringComparison.Ordinal)];
        }
        return new ProbeRun(result, counters, marks, name);
    }

    /// <summary>Actions that type <paramref name="text"/> as plain KeyEvents (ASCII keysyms equal their code).</summary>
    public static IEnumerable<string> TypeText(string text, int delayMs = 30)
    {
        foreach (char c in text)
        {
            yield return $"K:{(int)c:x}";
            if (delayMs > 0)
                yield return $"s:{delayMs}";
        }
    }
}
