// SPDX-License-Identifier: MIT
using KvmPi.Vnc.IntegrationTests.Support;

namespace KvmPi.Vnc.IntegrationTests.Tests;

/// <summary>
/// Tight through real decoders: libvncclient (lossless in 32 and 16 bpp; JPEG at a quality level, which first gets
/// the capture's own JPEG and then, once the picture is still, the lossless refresh), the TigerVNC viewer (JPEG and
/// lossless) and gvnccapture (gtk-vnc).
/// </summary>
public sealed class TightTests(StillVideoServer fixture) : IClassFixture<StillVideoServer>
{
    private async Task<RgbImage> ProbeAsync(string name, ProbeOptions options, string format = "rgb888")
    {
        string ppm = fixture.Dir.File($"tight-{name}.ppm");
        var run = await RfbProbe.RunAsync(fixture.Server.Port, options with { Format = format, OutputPpm = ppm });
        Assert.True(run.Process.ExitCode == 0 && run.Result is { Full: true },
            $"probe ({name}) did not get a full frame: {run}\n{fixture.Server.Describe()}");
        return RgbImage.LoadPpm(ppm);
    }

    private async Task<RgbImage> ExpectedAsync()
    {
        var raw = await ProbeAsync("raw", new ProbeOptions { Encodings = "raw", TailSeconds = 0.5 });
        return await fixture.Video.MatchDecodedAsync(raw, "raw 32bpp frame vs the decoded JPEG");
    }

    [SkippableTheory]
    [InlineData("rgb888", 1)]
    [InlineData("rgb888", 9)]
    [InlineData("rgb565be", 6)]
    [InlineData("rgb565", 2)]
    [InlineData("bgr233", 2)]
    // rgb888be is left out: libvncclient 0.9.14 builds big-endian 32-bpp pixels from TPIXELs with green and blue
    // swapped (rfbproto and TigerVNC: TPIXEL is R, G, B whatever the byte order); the unit tests' decoder covers it.
    public async Task Probe_lossless_tight_equals_the_decoded_video(string format, int compress)
    {
        Tools.RequireTurboJpeg();
        var expected = await ExpectedAsync();
        var actual = await ProbeAsync($"lossless-{format}-{compress}",
            new ProbeOptions { Encodings = "tight raw", Compress = compress, TailSeconds = 0.5 }, format);
        await RgbImage.AssertEqualAsync(expected.ReduceTo(actual.RedMax, actual.GreenMax, actual.BlueMax), actual,
            $"lossless Tight {format} level {compress}", fixture.Dir);
    }

    [SkippableTheory]
    [InlineData(9)]
    [InlineData(5)]
    [InlineData(0)]
    public async Task Probe_jpeg_tight_is_close_at_once_and_exact_after_the_lossless_refresh(int quality)
    {
        Tools.RequireTurboJpeg();
        var expected = await ExpectedAsync();
        string first = fixture.Dir.File($"tight-jpeg{quality}-first.ppm");
        var actual = await ProbeAsync($"jpeg{quality}", new ProbeOptions
        {
            Encodings = "tight copyrect raw", Quality = quality, TailSeconds = 0.2,
            // The first full frame, as it arrived; then still time for the refresh (due 300..600 ms after it).
            Actions = ["d:" + first, "s:2500"],
        });
        double psnr = RgbImage.Psnr(expected, RgbImage.LoadPpm(first));
        Assert.True(psnr >= 30, $"first Tight JPEG frame at quality {quality}: {psnr:F1} dB");
        await RgbImage.AssertEqualAsync(expected, actual, $"Tight JPEG quality {quality} after the lossless refresh", fixture.Dir);
    }

    [SkippableFact]
    public async Task TigerVnc_viewer_with_tight_jpeg_ends_pixel_exact()
    {
        Tools.RequireTurboJpeg();
        Tools.Require("Xvfb", "xtigervncviewer", "xdotool", "import", "convert");
        var expected = await ExpectedAsync();
        using var x = await XvfbDisplay.StartAsync();
        using var viewer = await TigerViewer.StartAsync(x, fixture.Server.Port,
            ["-AutoSelect=0", "-PreferredEncoding=Tight", "-FullColor", "-QualityLevel=8", "-CustomCompressLevel=1", "-CompressLevel=2"]);
        await Task.Delay(TimeSpan.FromSeconds(5.5)); // the "Press F8" overlay fades after about 5 s
        var shot = await viewer.ScreenshotAsync(fixture.Dir.File("viewer-tight-jpeg.png"), fixture.Video.Width, fixture.Video.Height);
        Assert.False(viewer.HasExited, "the viewer quit: " + viewer.Log);
        await RgbImage.AssertEqualAsync(expected, shot, "TigerVNC viewer, Tight JPEG after the lossless refresh", fixture.Dir);
    }

    [SkippableFact]
    public async Task TigerVnc_viewer_with_lossless_tight_is_pixel_exact()
    {
        Tools.RequireTurboJpeg();
        Tools.Require("Xvfb", "xtigervncviewer", "xdotool", "import", "convert");
        var expected = await ExpectedAsync();
        using var x = await XvfbDisplay.StartAsync();
        using var viewer = await TigerViewer.StartAsync(x, fixture.Server.Port,
            ["-AutoSelect=0", "-PreferredEncoding=Tight", "-FullColor", "-NoJPEG", "-CustomCompressLevel=1", "-CompressLevel=6"]);
        await Task.Delay(TimeSpan.FromSeconds(5.5));
        var shot = await viewer.ScreenshotAsync(fixture.Dir.File("viewer-tight-lossless.png"), fixture.Video.Width, fixture.Video.Height);
        Assert.False(viewer.HasExited, "the viewer quit: " + viewer.Log);
        await RgbImage.AssertEqualAsync(expected, shot, "TigerVNC viewer, lossless Tight", fixture.Dir);
    }
}
