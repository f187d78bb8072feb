// SPDX-License-Identifier: MIT
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace KvmPi.Vnc.Benchmarks.LoadTest;

/// <summary>
/// Makes the 1920x1080 captured-desktop Motion-JPEG sequences of the comparison with ImageMagick: typing in a
/// terminal, scrolling an editor, a video playing in a window. Deterministic (fixed text, seeded plasma), encoded
/// as an HDMI dongle does (JPEG quality 85, 4:2:2, fixed Huffman tables), and cached by recipe, since rendering
/// takes a while.
/// </summary>
internal static class ContentGenerator
{
    /// <summary>Bump when a recipe changes, so cached files are regenerated.</summary>
    private const string RecipeVersion = "v2";   // v2: fixed Huffman tables, as a capture device's encoder
    private const string Font = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";
    private const int Width = 1920, Height = 1080;

    public static readonly string[] Names = ["typing", "video", "scroll"];

    /// <summary>Frame rate the issue measures each content at (libvncserver keeps up with these here).</summary>
    public static int DefaultFps(string content) => content switch { "typing" => 15, "video" => 10, "scroll" => 5, _ => 10 };

    public static string CacheDirectory =>
        Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? x :
            Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "kvmpi-vnc-loadtest");

    /// <summary>Path of the sequence, generating it first if the cache does not hold it.</summary>
    public static string Get(string content, int frames)
    {
        if (!File.Exists(Font)) throw new InvalidOperationException($"font {Font} missing (apt-get install fonts-dejavu-core)");
        Directory.CreateDirectory(CacheDirectory);
        string path = Path.Combine(CacheDirectory, $"{content}-{RecipeVersion}-{Width}x{Height}-{frames}.mjpeg");
        if (File.Exists(path)) return path;
        string work = Directory.CreateTempSubdirectory("kvmpi-content").FullName;
        try
        {
            var sw = Stopwatch.StartNew();
            List<string[]> commands = content switch
            {
                "typing" => Typing(work, frames),
                "video" => Video(work, frames),
                "scroll" => Scroll(work, frames),
                _ => throw new ArgumentException($"unknown content '{content}' (typing, video, scroll)"),
            };
            Parallel.ForEach(commands, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, Convert);
            using (var output = File.Create(path + ".tmp"))
                for (int f = 0; f < frames; f++)
                    output.Write(File.ReadAllBytes(FramePath(work, f)));
            File.Move(path + ".tmp", path, overwrite: true);
            Console.Error.WriteLine($"generated {path} ({frames} frames, {new FileInfo(path).Length / 1024} KiB) in {sw.Elapsed.TotalSeconds:F1} s");
            return path;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string FramePath(string work, int frame) => Path.Combine(work, $"f{frame:D5}.jpg");

    // Hardware MJPEG encoders code every frame with the same (standard) Huffman tables, and often leave them out;
    // ImageMagick would otherwise optimise them per frame, which no capture device does.
    private static readonly string[] Jpeg = ["-quality", "85", "-sampling-factor", "2x1", "-define", "jpeg:optimize-coding=false"];

    /// <summary>A terminal: 30 lines of earlier output, then a command line typed two characters per frame.</summary>
    private static List<string[]> Typing(string work, int frames)
    {
        var history = new StringBuilder();
        for (int i = 0; i < 30; i++)
            history.Append(CultureInfo.InvariantCulture, $"-rw-r--r-- 1 user user {1000 + i * 37,8} Nov 26 10:{i:D2} file-{i:D3}.log\n");
        const string typed = "grep -rn 'congestion window' src/ | sort | uniq -c | head -40 && echo done; ls -la /var/log; ";
        var commands = new List<string[]>();
        for (int f = 0; f < frames; f++)
        {
            int n = (2 * f) % (typed.Length * 3);
            var text = new StringBuilder(history.ToString());
            string line = "user@host:~$ ";
            for (int i = 0; i < n; i++)
            {
                line += typed[i % typed.Length];
                if (line.Length >= 150) { text.Append(line).Append('\n'); line = ""; }
            }
            text.Append(line).Append('_');
            commands.Add([$"-size", $"{Width}x{Height}", "xc:#1d1f21", "-fill", "#303236", "-draw", "rectangle 0,0 1919,31",
                "-font", Font, "-pointsize", "16", "-fill", "#c5c8c6", "-annotate", "+12+22", "Terminal - user@host: ~",
                "-annotate", "+12+60", text.ToString(), .. Jpeg, FramePath(work, f)]);
        }
        return commands;
    }

    /// <summary>A desktop with a window in which a video plays: a seeded plasma the camera pans over.</summary>
    private static List<string[]> Video(string work, int frames)
    {
        string plasma = Path.Combine(work, "plasma.png");
        string desktop = Path.Combine(work, "desktop.png");
        Convert(["-size", "1400x800", "-seed", "42", "plasma:#204080-#e0a040", plasma]);
        Convert(["-size", $"{Width}x{Height}", "gradient:#3a6ea5-#0b2a4a", "-fill", "#d4d0c8", "-draw", "rectangle 400,200 1519,883",
            "-fill", "#0a246a", "-draw", "rectangle 403,203 1516,226", "-font", Font, "-pointsize", "15", "-fill", "white",
            "-annotate", "+410+220", "Video player - clip.mp4", "-fill", "#202020", "-draw", "rectangle 0,1050 1919,1079", desktop]);
        var commands = new List<string[]>();
        for (int f = 0; f < frames; f++)
        {
            int x = f * 300 / Math.Max(1, frames), y = f * 180 / Math.Max(1, frames);
            commands.Add([desktop, "(", plasma, "-crop", $"1088x612+{x}+{y}", "+repage", ")", "-geometry", "+416+240",
                "-composite", .. Jpeg, FramePath(work, f)]);
        }
        return commands;
    }

    /// <summary>An editor scrolling through code, three lines per frame.</summary>
    private static List<string[]> Scroll(string work, int frames)
    {
        const int lineHeight = 19, linesPerFrame = 3;
        int lines = 60 + frames * linesPerFrame;
        var code = new StringBuilder();
        for (int i = 0; i < lines; i++)
        {
            string indent = new(' ', 4 * (i % 4));
            code.Append(CultureInfo.InvariantCulture, $"{i + 1,5}  {indent}{(i % 7 == 0 ? "// " : "")}var value{i} = Compute(input[{i}], window * {i % 13}) + offset; // step {i}\n");
        }
        string tall = Path.Combine(work, "code.png");
        Convert(["-size", $"{Width}x{lines * lineHeight + 40}", "xc:white", "-font", Font, "-pointsize", "15", "-fill", "#24292e",
            "-interline-spacing", "1", "-annotate", "+8+18", code.ToString(), tall]);
        var commands = new List<string[]>();
        for (int f = 0; f < frames; f++)
        {
            commands.Add([tall, "-crop", $"{Width}x{Height - 32}+0+{f * linesPerFrame * lineHeight}", "+repage",
                "-background", "#dddddd", "-gravity", "north", "-splice", "0x32", "-gravity", "northwest", "-font", Font,
                "-pointsize", "15", "-fill", "#333333", "-annotate", "+12+22", "editor - Program.cs", .. Jpeg, FramePath(work, f)]);
        }
        return commands;
    }

    private static void Convert(string[] args)
    {
        var psi = new ProcessStartInfo("convert") { RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start ImageMagick's convert");
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"convert {string.Join(' ', args.Take(6))}... failed: {err}");
    }
}
