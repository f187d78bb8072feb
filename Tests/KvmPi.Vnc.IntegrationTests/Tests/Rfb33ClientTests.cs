// SPDX-License-Identifier: MIT
using System.Globalization;
using KvmPi.Vnc.IntegrationTests.Support;

namespace KvmPi.Vnc.IntegrationTests.Tests;

/// <summary>
/// vncsnapshot, a real RFB 3.3 client (it answers "RFB 003.003" whatever the server offers), with each encoding it
/// can choose. It writes JPEG only, so each picture is compared with the decoded video within JPEG's error, and the
/// three encodings with each other exactly: the same pixels through the same JPEG encoder give the same file.
/// </summary>
public sealed class Rfb33ClientTests(StillVideoServer fixture) : IClassFixture<StillVideoServer>
{
    [SkippableFact]
    public async Task Vncsnapshot_speaks_3_3_and_sees_the_frame_in_raw_hextile_and_zrle()
    {
        Tools.RequireTurboJpeg();
        Tools.Require("vncsnapshot");
        var expected = await ExpectedAsync();
        byte[]? first = null;
        foreach (string encoding in new[] { "raw", "hextile", "zrle" })
        {
            string jpeg = fixture.Dir.File($"vncsnapshot-{encoding}.jpg");
            var run = await ProcessRunner.RunAsync("vncsnapshot",
                ["-quiet", "-encodings", encoding, "-quality", "100", $"127.0.0.1::{fixture.Server.Port.ToString(CultureInfo.InvariantCulture)}", jpeg],
                TimeSpan.FromSeconds(30));
            Assert.True(run.ExitCode == 0 && File.Exists(jpeg), $"vncsnapshot {encoding} failed: {run}\n{fixture.Server.Describe()}");

            var actual = await RgbImage.LoadAsync(jpeg);
            Assert.Equal((expected.Width, expected.Height), (actual.Width, actual.Height));
            double meanError = MeanAbsoluteError(expected, actual);
            Assert.True(meanError < 4.0, $"vncsnapshot {encoding}: mean error {meanError:F2} per channel against the decoded video");

            byte[] bytes = await File.ReadAllBytesAsync(jpeg);
            first ??= bytes;
            Assert.True(first.AsSpan().SequenceEqual(bytes), $"vncsnapshot's {encoding} picture differs from its raw one");
        }
        Assert.Contains("RFB 3.3,", fixture.Server.Output, StringComparison.Ordinal);   // the server's log: it negotiated 3.3
    }

    private async Task<RgbImage> ExpectedAsync()
    {
        string ppm = fixture.Dir.File("vncsnapshot-reference.ppm");
        var run = await RfbProbe.RunAsync(fixture.Server.Port,
            new ProbeOptions { Encodings = "raw", Format = "rgb888", OutputPpm = ppm, TailSeconds = 0.5 });
        Assert.True(run.Process.ExitCode == 0 && run.Result is { Full: true }, $"reference probe failed: {run}");
        return await fixture.Video.MatchDecodedAsync(RgbImage.LoadPpm(ppm), "raw reference vs the decoded JPEG");
    }

    private static double MeanAbsoluteError(RgbImage a, RgbImage b)
    {
        long sum = 0;
        for (int i = 0; i < a.Rgb.Length; i++) sum += Math.Abs(a.Rgb[i] - b.Rgb[i]);
        return (double)sum / a.Rgb.Length;
    }
}
