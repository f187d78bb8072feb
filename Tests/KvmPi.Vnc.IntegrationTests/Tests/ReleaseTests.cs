// SPDX-License-Identifier: MIT
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using KvmPi.Vnc.IntegrationTests.Support;

namespace KvmPi.Vnc.IntegrationTests.Tests;

/// <summary>
/// The release (./release.sh): both tarballs with their checksums, the arm64 Native AOT binary serving a real
/// client under qemu-aarch64, and install.sh and the Ansible role in a Debian 12 root (Tests/deploy/install-test.sh).
/// </summary>
public sealed class ReleaseTests
{
    private const string QemuAarch64 = "qemu-aarch64-static";
    private const string Arm64Libraries = "/usr/aarch64-linux-gnu";

    private static void RequireReleaseTools()
    {
        Tools.Require("clang", "aarch64-linux-gnu-gcc", "git");
    }

    private static void RequireRoot() =>
        Skip.IfNot(Environment.UserName == "root", "needs root (debootstrap, chroot); CI runs as root");

    [SkippableFact]
    public async Task Release_writes_both_tarballs_with_checksums_and_everything_an_install_needs()
    {
        RequireReleaseTools();
        ReleaseBuild release = await ReleaseBuild.GetAsync();
        foreach (var (rid, machine) in new[] { ("linux-arm64", (ushort)0xB7), ("linux-x64", (ushort)0x3E) })
        {
            string tarball = release.Tarball(rid);
            Assert.True(File.Exists(tarball), $"{tarball} missing; release.sh said:\n{release.BuildLog}");
            string[] sum = File.ReadAllText(tarball + ".sha256").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(tarball))).ToLowerInvariant(), sum[0]);
            Assert.Equal(Path.GetFileName(tarball), sum[1].Trim());

            var list = await ProcessRunner.RunAsync("tar", ["-tzf", tarball], TimeSpan.FromSeconds(60));
            Assert.True(list.ExitCode == 0, list.ToString());
            string prefix = $"kvmpi-vnc-{release.Version}-{rid}/";
            string[] entries = list.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            foreach (string expected in new[] { "kvmpi-vnc", "install.sh", "kvmpi-vnc.conf", "systemd/kvmpi-vnc.service",
                         "systemd/kvmpi-vnc-gadget.service", "udev/70-kvmpi-vnc.rules", "modules-load.d/kvmpi-vnc.conf",
                         "README.md", "LICENSE", "VERSION" })
                Assert.True(entries.Contains(prefix + expected), $"{Path.GetFileName(tarball)} lacks {expected}: {list.StdOut}");
            if (File.Exists(Path.Combine(ReleaseBuild.RepoRoot, "web", "package.json")))
                Assert.True(entries.Any(e => e.StartsWith(prefix + "wwwroot/", StringComparison.Ordinal)),
                    $"{Path.GetFileName(tarball)} lacks the browser console (wwwroot/): {list.StdOut}");

            // The binary is a stripped ELF executable for the tarball's machine (e_machine at offset 18).
            byte[] header = new byte[20];
            using (var f = File.OpenRead(Path.Combine(release.Staged(rid), "kvmpi-vnc")))
                f.ReadExactly(header);
            Assert.Equal([0x7F, (byte)'E', (byte)'L', (byte)'F'], header[..4]);
            Assert.Equal(machine, BitConverter.ToUInt16(header, 18));
        }
    }

    [SkippableFact]
    public async Task Arm64_binary_prints_its_help_under_qemu()
    {
        RequireReleaseTools();
        Tools.Require(QemuAarch64);
        ReleaseBuild release = await ReleaseBuild.GetAsync();
        var r = await ProcessRunner.RunAsync(QemuAarch64, ["-L", Arm64Libraries, Path.Combine(release.Staged("linux-arm64"), "kvmpi-vnc"), "--help"],
            TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Usage: kvmpi-vnc", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("--config FILE", r.StdOut, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Arm64_binary_serves_the_demo_target_to_libvncclient_under_qemu()
    {
        RequireReleaseTools();
        Tools.Require(QemuAarch64);
        Tools.RequireLibVncClient();
        ReleaseBuild release = await ReleaseBuild.GetAsync();
        using var server = await Arm64Server.StartAsync(release, "arm64 under qemu");
        var run = await RfbProbe.RunAsync(server.Port, new ProbeOptions { Encodings = "zrle hextile raw", TailSeconds = 0.5, Timeout = TimeSpan.FromSeconds(90) });
        Assert.True(run.Process.ExitCode == 0 && run.Result is { Full: true }, "libvncclient against the arm64 binary: " + run + "\nserver:\n" + server.Output);
        Assert.Equal("arm64 under qemu", run.DesktopName);
        Assert.True(run.Result!.Width > 0 && run.Result.Height > 0 && run.Result.Pixels >= (long)run.Result.Width * run.Result.Height,
            "the first update should cover the whole screen: " + run);
    }

    /// <summary>
    /// The arm64 binary takes the SIMD paths a Pi takes (AdvSimd: the pixel format conversion's table lookups, the
    /// scroll detector's sums), which no x64 run reaches: so its pictures, in each pixel format and encoding, must be
    /// this build's to the pixel. Both servers play the deterministic demo target and are typed the same letters.
    /// </summary>
    [SkippableFact]
    public async Task Arm64_binary_sends_the_same_pixels_as_this_build_in_each_pixel_format_under_qemu()
    {
        RequireReleaseTools();
        Tools.Require(QemuAarch64);
        Tools.RequireLibVncClient();
        ReleaseBuild release = await ReleaseBuild.GetAsync();
        using var dir = new TempDir("arm64-pixels");
        using var arm64 = await Arm64Server.StartAsync(release, "pixels");
        using var x64 = await ServerProcess.StartAsync("--name", "pixels");
        (string Format, string Encodings)[] cases =
        [
            ("rgb888", "zrle raw"), ("rgb565", "hextile raw"), ("bgr233", "raw"), ("rgb888be", "tight raw"),
            ("rgb565be", "zrle raw"), ("rgb888", "copyrect hextile raw"),
        ];
        for (int i = 0; i < cases.Length; i++)
        {
            var (format, encodings) = cases[i];
            // A letter a case (then Return every third), so each case also sees the console change.
            string[] actions = i % 3 == 2 ? [$"K:{0x61 + i:x}", "K:ff0d", "s:2500"] : [$"K:{0x61 + i:x}", "s:2500"];
            RgbImage Expected() => RgbImage.LoadPpm(dir.File($"x64-{i}.ppm"));
            var options = new ProbeOptions
            {
                Format = format, Encodings = encodings, Actions = actions, TailSeconds = 0.5, Timeout = TimeSpan.FromSeconds(90),
            };
            var fromArm = await RfbProbe.RunAsync(arm64.Port, options with { OutputPpm = dir.File($"arm64-{i}.ppm") });
            Assert.True(fromArm.Process.ExitCode == 0 && fromArm.Result is { Full: true },
                $"{format} {encodings} from the arm64 binary: {fromArm}\nserver:\n{arm64.Output}");
            var fromX64 = await RfbProbe.RunAsync(x64.Port, options with { OutputPpm = dir.File($"x64-{i}.ppm") });
            Assert.True(fromX64.Process.ExitCode == 0 && fromX64.Result is { Full: true }, $"{format} {encodings} from x64: {fromX64}");
            await RgbImage.AssertEqualAsync(Expected(), RgbImage.LoadPpm(dir.File($"arm64-{i}.ppm")),
                $"{format} {encodings}: the arm64 binary under qemu against this build", dir);
        }
    }

    /// <summary>The staged arm64 binary under qemu-aarch64, serving the demo target on a free loopback port.</summary>
    private sealed class Arm64Server : IDisposable
    {
        private readonly Process _process;
        private readonly System.Text.StringBuilder _output = new();

        private Arm64Server(Process process, int port)
        {
            _process = process;
            Port = port;
        }

        public int Port { get; }

        public string Output
        {
            get { lock (_output) return _output.ToString(); }
        }

        public static async Task<Arm64Server> StartAsync(ReleaseBuild release, string name)
        {
            string binary = Path.Combine(release.Staged("linux-arm64"), "kvmpi-vnc");
            var help = await ProcessRunner.RunAsync(QemuAarch64, ["-L", Arm64Libraries, binary, "--help"], TimeSpan.FromSeconds(60));
            int port = FreePort.Get();
            var psi = new ProcessStartInfo(QemuAarch64)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string a in (string[])["-L", Arm64Libraries, binary, "--listen", $"127.0.0.1:{port}", "--name", name])
                psi.ArgumentList.Add(a);
            if (help.StdOut.Contains("--http", StringComparison.Ordinal))
            {
                psi.ArgumentList.Add("--http");
                psi.ArgumentList.Add("off");
            }
            var server = new Arm64Server(new Process { StartInfo = psi }, port);
            server._process.OutputDataReceived += (_, e) => server.Append(e.Data);
            server._process.ErrorDataReceived += (_, e) => server.Append(e.Data);
            server._process.Start();
            server._process.BeginOutputReadLine();
            server._process.BeginErrorReadLine();
            try
            {
                await WaitForListenerAsync(server._process, port, TimeSpan.FromSeconds(60), () => server.Output);
                return server;
            }
            catch
            {
                server.Dispose();
                throw;
            }
        }

        private void Append(string? line)
        {
            if (line != null) lock (_output) _output.AppendLine(line);
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
            _process.Dispose();
        }
    }

    private static async Task WaitForListenerAsync(Process server, int port, TimeSpan timeout, Func<string> output)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (server.HasExited)
                throw new InvalidOperationException("the arm64 server exited before it listened:\n" + output());
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
                return;
            }
            catch (SocketException) when (clock.Elapsed < timeout)
            {
                await Task.Delay(100);
            }
        }
    }

    [SkippableFact]
    public async Task Installer_in_a_Debian_12_root_installs_once_refuses_clearly_and_uninstalls_to_the_byte()
    {
        RequireReleaseTools();
        RequireRoot();
        Tools.Require("debootstrap", "chroot", "systemd-analyze");
        ReleaseBuild release = await ReleaseBuild.GetAsync();
        await RunInstallTestAsync("installer", release.Tarball("linux-x64"));
    }

    [SkippableFact]
    public async Task Ansible_role_in_a_Debian_12_root_installs_and_a_second_run_changes_nothing()
    {
        RequireReleaseTools();
        RequireRoot();
        Tools.Require("debootstrap", "chroot", "systemd-analyze", "ansible-playbook");
        ReleaseBuild release = await ReleaseBuild.GetAsync();
        await RunInstallTestAsync("ansible", release.Tarball("linux-x64"));
    }

    private static async Task RunInstallTestAsync(string mode, string tarball)
    {
        string script = Path.Combine(ReleaseBuild.RepoRoot, "Tests", "deploy", "install-test.sh");
        var r = await ProcessRunner.RunAsync(script, [mode, tarball], TimeSpan.FromMinutes(9));
        Assert.True(r.ExitCode == 0 && r.StdOut.Contains($"PASS: {mode}", StringComparison.Ordinal), r.ToString());
    }
}
