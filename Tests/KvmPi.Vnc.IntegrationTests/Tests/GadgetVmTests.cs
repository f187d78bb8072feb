// SPDX-License-Identifier: MIT
using System.Diagnostics;
using System.Reflection;
using KvmPi.Vnc.IntegrationTests.Support;
using Xunit.Abstractions;

namespace KvmPi.Vnc.IntegrationTests.Tests;

/// <summary>
/// kvmpi-vnc on a real Linux kernel: a Native AOT build of the server runs in the throwaway QEMU VM of Tests/vm
/// (dummy_hcd: gadget and USB host in one kernel) under Vm/gadget-vm.sh, which makes the gadget with
/// <c>gadget up</c>, drives the server from a small RFB client (Tests/vm/tools/rfbinput.c) and checks what the VM's
/// own USB host stack reports on evdev. One VM boot carries every check; each prints "ok:" or "FAIL:".
/// </summary>
[Collection(VmCollection.Name)]
public sealed class GadgetVmTests(ITestOutputHelper output)
{
    private static string RepoRoot =>
        typeof(GadgetVmTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "KvmPiRepoRoot").Value!;

    [SkippableFact]
    public async Task GadgetUpServesTheHostAndLedsComeBack()
    {
        Tools.Require("qemu-system-x86_64", "gcc", "cpio");

        var clock = Stopwatch.StartNew();
        string server = await NativeServerAsync();
        TimeSpan publishTime = clock.Elapsed;

        clock.Restart();
        string script = Path.Combine(AppContext.BaseDirectory, "Vm", "gadget-vm.sh");
        ProcessResult vm = await ProcessRunner.RunAsync(Path.Combine(RepoRoot, "Tests", "vm", "run-vm"),
            ["--bin", server, "--timeout", "600", script],
            TimeSpan.FromMinutes(11));
        output.WriteLine($"server {server} ({publishTime.TotalSeconds:F0} s to publish here), VM run {clock.Elapsed.TotalSeconds:F0} s");
        output.WriteLine(vm.StdOut);
        output.WriteLine(vm.StdErr);

        string[] lines = vm.StdOut.Split('\n');
        string[] failed = [.. lines.Where(l => l.StartsWith("FAIL:", StringComparison.Ordinal))];
        string[] passed = [.. lines.Where(l => l.StartsWith("ok:", StringComparison.Ordinal))];
        Assert.True(failed.Length == 0 && vm.ExitCode == 0, $"VM checks failed (exit {vm.ExitCode}):\n{string.Join('\n', failed)}\n{vm}");
        // Every check ran: a script that stopped early has fewer.
        Assert.True(passed.Length >= 39, $"only {passed.Length} checks ran:\n{vm}");
        foreach (string essential in (string[])[
            "ok: gadget up --udc bogus leaves configfs empty",
            "ok: the host enumerates three input devices of the gadget",
            "ok: held Shift reaches the host without new input, within 15 s",
            "ok: status: /dev/hidg2 is the relative mouse",
            "ok: viewer gets LED state Caps Lock (-261 value 4)",
            "ok: relative X adds up to 300 counts",
            "ok: gadget down leaves configfs empty",
            "ok: gadget up with no UDC leaves nothing"])
            Assert.Contains(essential, passed);
    }

    /// <summary>The Native AOT kvmpi-vnc (shared with the other VM tests: published once per run).</summary>
    private static Task<string> NativeServerAsync() => NativeServer.PathAsync();
}
