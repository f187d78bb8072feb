// SPDX-License-Identifier: MIT
using System.Globalization;
using System.Text;

namespace KvmPi.Vnc.Benchmarks.LoadTest;

/// <summary>
/// <c>loadtest latency</c>: how long a frame takes from the moment kvmpi-vnc reads it from the Motion-JPEG file (where
/// a capture device would hand it over) until a libvncclient viewer on the same machine has received and decoded the
/// update that shows it. Both ends time on CLOCK_MONOTONIC: the server's trace log has a line per frame read (index in
/// the file, time), and rfbprobe's <c>-u</c> line per update has its time and, matched against reference frames, the
/// index of the frame the picture shows. Only updates that show a new frame count; the file loops, so each is matched
/// to the last reading of its frame before it.
/// </summary>
internal static class LatencyTool
{
    public static int Run(string[] contents, EncodingSetting[] encodings, double warmup, double seconds,
        Func<string, int> fpsFor, Func<string, int> framesFor)
    {
        string probe = NativeTools.Probe();
        var table = new StringBuilder();
        table.AppendLine("| content (fps) | viewer asks | sent as | frames shown | latency ms p50 | p90 | p99 | max |");
        table.AppendLine("|---|---|---|---:|---:|---:|---:|---:|");
        foreach (string content in contents)
        {
            int fps = fpsFor(content);
            string video = ContentGenerator.Get(content, framesFor(content));
            string reference = ReferenceFrames.Get(video);
            foreach (EncodingSetting encoding in encodings)
            {
                using ServerUnderTest server = ServerUnderTest.StartKvmPi(video, fps, logLevel: "trace");
                using var viewer = new ProbeViewer(probe, server.Port, encoding, warmup, seconds, reference, perUpdate: true);
                if (!viewer.Ended.Wait(TimeSpan.FromSeconds(warmup + seconds + 60)))
                    throw new TimeoutException("the viewer did not finish: " + viewer.Output);
                List<double> latencies = Latencies(server.Output, viewer.Output);
                latencies.Sort();
                string Percentile(double p) => latencies.Count == 0 ? "" :
                    latencies[Math.Min(latencies.Count - 1, (int)(p * latencies.Count))].ToString("F1", CultureInfo.InvariantCulture);
                table.AppendLine(CultureInfo.InvariantCulture,
                    $"| {content} ({fps}) | {encoding.Name} | {server.ChosenEncoding ?? "?"} | {latencies.Count} | {Percentile(0.5)} | {Percentile(0.9)} | {Percentile(0.99)} | {(latencies.Count == 0 ? "" : latencies[^1].ToString("F1", CultureInfo.InvariantCulture))} |");
                Console.Error.WriteLine($"{content} {encoding.Name}: {latencies.Count} frames shown");
            }
        }
        Console.WriteLine(table);
        return 0;
    }

    /// <summary>Milliseconds from each frame's reading to the update that first showed it, within the measured interval.</summary>
    private static List<double> Latencies(string serverLog, string probeOutput)
    {
        // "frame 12 read at 1234.567890 s": every reading of each frame, in order.
        var reads = new Dictionary<int, List<double>>();
        const string marker = "frame ";
        foreach (string line in serverLog.Split('\n'))
        {
            int at = line.IndexOf(marker, StringComparison.Ordinal);
            int read = line.IndexOf(" read at ", StringComparison.Ordinal);
            if (at < 0 || read < at || !line.TrimEnd().EndsWith(" s", StringComparison.Ordinal)) continue;
            int index = int.Parse(line.AsSpan(at + marker.Length, read - at - marker.Length), CultureInfo.InvariantCulture);
            double t = double.Parse(line.AsSpan(read + " read at ".Length).TrimEnd().TrimEnd('s').Trim(), CultureInfo.InvariantCulture);
            if (!reads.TryGetValue(index, out List<double>? list)) reads[index] = list = [];
            list.Add(t);
        }

        var latencies = new List<double>();
        bool measuring = false;
        int shown = -1;
        foreach (string line in probeOutput.Split('\n'))
        {
            if (line.StartsWith("MARK start", StringComparison.Ordinal)) measuring = true;
            if (line.StartsWith("MARK end", StringComparison.Ordinal)) break;
            if (!line.StartsWith("U ", StringComparison.Ordinal)) continue;
            double t = double.Parse(Field(line, "t"), CultureInfo.InvariantCulture);
            int frame = int.Parse(Field(line, "frame"), CultureInfo.InvariantCulture);
            if (frame < 0 || frame == shown) continue;
            shown = frame;
            if (!measuring || !reads.TryGetValue(frame, out List<double>? times)) continue;
            double last = double.NaN;
            foreach (double r in times)
                if (r <= t) last = r;
            if (!double.IsNaN(last)) latencies.Add((t - last) * 1000);
        }
        return latencies;
    }

    private static string Field(string line, string name)
    {
        foreach (string token in line.Split(' '))
            if (token.StartsWith(name + "=", StringComparison.Ordinal)) return token[(name.Length + 1)..];
        throw new FormatException($"no {name}= in '{line}'");
    }
}
