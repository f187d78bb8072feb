// SPDX-License-Identifier: MIT
using System.Globalization;
using KvmPi.Vnc.IntegrationTests.Support;

namespace KvmPi.Vnc.IntegrationTests.Tests;

/// <summary>
/// ZRLE of captured video: large rectangles of raw tiles, one after another, go through the server's own deflate
/// encoder (PixelDeflater) rather than zlib-ng, continuing the connection's one zlib stream. libvncclient inflates
/// the stream across the switch and ends with exactly the still picture.
/// </summary>
public sealed class ZrleVideoTests
{
    private const int W = 1280, H = 256, Fps = 10, MovingFrames = 40, StillFrames = 40;

    /// <summary>Every pixel changes every frame, smoothly (raw ZRLE tiles): a diagonal colour wave moving right.</summary>
    private static List<byte[]> MakeFrames()
    {
        var jpegs = new List<byte[]>();
        var bgrx = new byte[W * H * 4];
        for (int f = 0; f < MovingFrames; f++)
        {
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++)
                {
                    int i = (y * W + x) * 4;
                    double t = (x + 2 * y - 23 * f) / 37.0;
                    bgrx[i] = (byte)(128 + 100 * Math.Sin(t));
                    bgrx[i + 1] = (byte)(128 + 100 * Math.Sin(t * 0.7 + y / 50.0));
                    bgrx[i + 2] = (byte)(128 + 100 * Math.Cos(t * 1.3));
                    bgrx[i + 3] = 255;
                }

            jpegs.Add(TurboJpeg.Compress(bgrx, W, H, quality: 85));
        }

        return jpegs;
    }

    [SkippableFact]
    public async Task Libvncclient_inflates_ZRLE_video_through_the_pixel_deflater_and_ends_exact()
    {
        Tools.RequireTurboJpeg();
        using var dir = new TempDir("zrle-video");
        List<byte[]> frames = MakeFrames();
        string video = dir.File("wave.mjpeg");
        using (var file = File.Create(video))
        {
            foreach (byte[] jpeg in frames) file.Write(jpeg);
            for (int i = 0; i < StillFrames; i++) file.Write(frames[^1]);
        }

        using var server = await ServerProcess.StartAsync("--video", video, "--fps", Fps.ToString(CultureInfo.InvariantCulture),
            "--keyboard", dir.ReportFile("kbd"), "--mouse", dir.ReportFile("mouse"));
        string ppm = dir.File("zrle.ppm");
        // The wave moves for 4 s from the server's start, then stands still for 4 s before the file loops: look at
        // 5.5 s after connecting, inside the still part.
        ProbeRun run = await RfbProbe.RunAsync(server.Port, new ProbeOptions
        {
            Encodings = "zrle", Compress = 2, OutputPpm = ppm, TailSeconds = 0.1, ExtraArguments = ["-u"],
            Actions = ["s:5500"], Timeout = TimeSpan.FromSeconds(60),
        });
        Assert.True(run.Process.ExitCode == 0 && run.Result is { Full: true }, $"probe failed: {run}\n{server.Describe()}");
        int updates = run.Process.StdOut.Split('\n').Count(l => l.StartsWith("U ", StringComparison.Ordinal));
        Assert.True(updates >= 8, $"the viewer saw only {updates} updates of the moving wave: {run}");

        var (_, _, last) = TurboJpeg.Decompress(frames[^1], TurboJpeg.FlagFastDct | TurboJpeg.FlagFastUpsample);
        await RgbImage.AssertEqualAsync(RgbImage.FromBgrx(W, H, last), RgbImage.LoadPpm(ppm), "ZRLE after the wave stopped", dir);
    }
}
