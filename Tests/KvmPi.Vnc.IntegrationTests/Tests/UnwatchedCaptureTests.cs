// SPDX-License-Identifier: MIT
using System.Globalization;
using System.Text;
using KvmPi.Vnc.IntegrationTests.Support;

namespace KvmPi.Vnc.IntegrationTests.Tests;

/// <summary>
/// A KVM is mostly not watched. While nobody is connected the server decodes none of the capture's frames (their
/// pixels would go to no one), and the first viewer still sees the screen as it is now, not as it was when the
/// server last decoded a frame.
/// </summary>
public sealed class UnwatchedCaptureTests
{
    private const int W = 320, H = 240, Frames = 150, Fps = 10;

    [SkippableFact]
    public async Task Nothing_is_decoded_while_nobody_watches_and_the_first_viewer_sees_the_current_frame()
    {
        Tools.RequireTurboJpeg();
        using var dir = new TempDir("unwatched");
        // Every frame differs (a box travels, a bar counts frames); 15 s before the file loops.
        TestVideo video = TestVideo.CreateMoving(dir.File("moving.mjpeg"), W, H, Frames);
        string reference = WriteReference(dir.File("moving.ref"), video);

        using var server = await ServerProcess.StartAsync("--video", video.Path, "--fps", Fps.ToString(CultureInfo.InvariantCulture),
            "--log-level", "debug", "--keyboard", dir.ReportFile("kbd"), "--mouse", dir.ReportFile("mouse"));
        // Nobody watches for 3 s (about 30 frames).
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.True(server.Output.Contains("nobody watches: captured frames go undecoded", StringComparison.Ordinal),
            "frames were decoded while nobody watched:\n" + server.Describe());

        // libvncclient with ZRLE needs pixels: its first picture must be the frame shown now.
        ProbeRun run = await RfbProbe.RunAsync(server.Port, new ProbeOptions
        {
            Encodings = "zrle", TailSeconds = 0.1, ExtraArguments = ["-u", "-P", reference], Actions = ["s:300"],
        });
        Assert.True(run.Process.ExitCode == 0 && run.Result is { Full: true }, $"probe failed: {run}\n{server.Describe()}");
        // Its first update with pixels (the ones before carry the desktop's name and size).
        string first = run.Process.StdOut.Split('\n').First(l => l.StartsWith("U ", StringComparison.Ordinal) && Field(l, "pixels") != "0");
        int frame = int.Parse(Field(first, "frame"), CultureInfo.InvariantCulture);
        double psnr = Field(first, "psnr") is "inf" ? double.PositiveInfinity : double.Parse(Field(first, "psnr"), CultureInfo.InvariantCulture);
        // About 30 frames have played; the last one decoded before anyone came was the first.
        Assert.True(frame >= 20 && psnr >= 40, $"the first picture shows frame {frame} at {psnr:F1} dB, not the current one (~30)\n{run}\n{server.Describe()}");
    }

    private static string Field(string line, string name) =>
        line.Split(' ').First(t => t.StartsWith(name + "=", StringComparison.Ordinal))[(name.Length + 1)..];

    /// <summary>rfbprobe's reference (-P): every frame as the server decodes it (fast DCT and upsampling), every row.</summary>
    private static string WriteReference(string path, TestVideo video)
    {
        using var file = File.Create(path);
        file.Write(Encoding.ASCII.GetBytes($"KVMREF1\n{video.Width} {video.Height} {video.Jpegs.Count} 1\n"));
        byte[] rgb = new byte[video.Width * video.Height * 3];
        foreach (byte[] jpeg in video.Jpegs)
        {
            var (_, _, bgrx) = TurboJpeg.Decompress(jpeg, TurboJpeg.FlagFastDct | TurboJpeg.FlagFastUpsample);
            for (int p = 0; p < video.Width * video.Height; p++)
                (rgb[p * 3], rgb[p * 3 + 1], rgb[p * 3 + 2]) = (bgrx[p * 4 + 2], bgrx[p * 4 + 1], bgrx[p * 4]);
            file.Write(rgb);
        }
        return path;
    }
}
