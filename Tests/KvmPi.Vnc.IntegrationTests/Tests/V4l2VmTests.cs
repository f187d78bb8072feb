// SPDX-License-Identifier: MIT
using KvmPi.Vnc.IntegrationTests.Support;

namespace KvmPi.Vnc.IntegrationTests.Tests;

/// <summary>
/// V4L2 capture on the real kernel: one boot of the repository's test VM (Tests/vm/run-vm, vivid as an HDMI input)
/// carrying every check of Vm/v4l2-capture-vm.sh: <c>devices</c> (text and JSON), <c>snapshot</c> (PNG, JPEG), then
/// the server on vivid with three rfb-watch viewers (DesktopSize, ExtendedDesktopSize, neither) through a mode
/// change, a lost and regained signal, and the device unbound and bound again. The no-signal screen it brings back
/// is read with tesseract here on the host.
/// </summary>
[Collection(VmCollection.Name)]
public class V4l2VmTests
{
    private static readonly string RepoRoot = NativeServer.RepoRoot;

    [SkippableFact]
    public async Task TheServerFollowsVividThroughModeChangesSignalLossAndUnplugging()
    {
        Tools.Require("qemu-system-x86_64", "gcc", "cpio", "busybox", "tesseract", "convert");
        using var dir = new TempDir("v4l2vm");
        string server = await NativeServer.PathAsync();

        string turboJpeg = "/usr/lib/x86_64-linux-gnu/libturbojpeg.so.0";
        Skip.IfNot(File.Exists(turboJpeg), "libturbojpeg0 is not installed (./test.sh installs it)");
        string output = dir.File("out");
        ProcessResult vm = await ProcessRunner.RunAsync(Path.Combine(RepoRoot, "Tests", "vm", "run-vm"),
            ["--bin", server, "--bin", turboJpeg + ":lib/libturbojpeg.so.0",
             "--out", output, "--timeout", "480", "--mem", "1536",
             Path.Combine(RepoRoot, "Tests", "KvmPi.Vnc.IntegrationTests", "Vm", "v4l2-capture-vm.sh")],
            TimeSpan.FromMinutes(9));   // under test.sh's 10-minute hang limit
        string serverLog = File.Exists(Path.Combine(output, "server.log")) ? File.ReadAllText(Path.Combine(output, "server.log")) : "(none)";
        Assert.True(vm.ExitCode == 0, $"{vm}\n--- server log ---\n{(serverLog.Length > 6000 ? serverLog[^6000..] : serverLog)}");
        Assert.Contains("ok: all V4L2 checks passed", vm.StdOut);

        // What each viewer saw, as it reported it.
        string a = File.ReadAllText(Path.Combine(output, "viewer-a.txt"));
        Assert.Contains("resize 1920x1080 via DesktopSize", a);
        Assert.Contains("ok: all steps done, still connected", a);
        string b = File.ReadAllText(Path.Combine(output, "viewer-b.txt"));
        Assert.Contains("resize 1920x1080 via ExtendedDesktopSize reason 0 status 0", b);
        string c = File.ReadAllText(Path.Combine(output, "viewer-c.txt"));
        Assert.DoesNotContain("resize", c);
        Assert.Contains("ok: all steps done, still connected", c);

        // The no-signal screen names the device and the reason in text a person (and tesseract) can read.
        string noSignal = await Ocr.ReadAsync(await ToPng(Path.Combine(output, "a-nosignal.ppm")));
        Assert.Contains("no signal", Ocr.Normalize(noSignal));
        Assert.Contains("/dev/video", Ocr.Normalize(noSignal));   // Terminus' slashed zero reads as '@' or 'w'; the VM has only video0
        string unplugged = Ocr.Normalize(await Ocr.ReadAsync(await ToPng(Path.Combine(output, "a-unplugged.ppm"))));
        Assert.True(unplugged.Contains("unplugged") || unplugged.Contains("not found"), unplugged);
        string notice = Ocr.Normalize(await Ocr.ReadAsync(await ToPng(Path.Combine(output, "c-notice.ppm"))));
        Assert.Contains("1920x1080", notice);

        // devices --json is valid JSON with printable format codes.
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "devices.json")));
        var video = json.RootElement.GetProperty("video")[0];
        Assert.Equal("vivid", video.GetProperty("driver").GetString());
        Assert.Contains(video.GetProperty("formats").EnumerateArray(), f => f.GetProperty("fourcc").GetString() == "YUYV");
    }

    private static async Task<string> ToPng(string ppm)
    {
        string png = ppm + ".png";
        ProcessResult r = await ProcessRunner.RunAsync("convert", [ppm, png], TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode == 0, r.ToString());
        return png;
    }
}
