// SPDX-License-Identifier: MIT
using KvmPi.Vnc.IntegrationTests.Support;

namespace KvmPi.Vnc.IntegrationTests.Tests;

/// <summary>--config FILE: the installed service's way of reading /etc/kvmpi-vnc/kvmpi-vnc.conf.</summary>
public sealed class ConfigFileTests
{
    [SkippableFact]
    public async Task Settings_come_from_the_file_and_a_password_from_its_password_file()
    {
        using var dir = new TempDir("config");
        File.WriteAllText(dir.File("password"), "s3cret\n");
        File.WriteAllText(dir.File("kvmpi-vnc.conf"), $"""
            # as the installer writes it, with the test's own paths
            listen = 0.0.0.0:5900
            password-file = {dir.File("password")}
            name = Configured by file
            """);
        // ServerProcess puts --listen 127.0.0.1:PORT on the command line: it wins over the file's listen.
        using var server = await ServerProcess.StartAsync("--config", dir.File("kvmpi-vnc.conf"));
        var run = await RfbProbe.RunAsync(server.Port, new ProbeOptions { Password = "s3cret", TailSeconds = 0.2 });
        Assert.True(run.Process.ExitCode == 0 && run.Result is { Full: true }, "libvncclient with the file's password: " + run + server.Describe());
        Assert.Equal("Configured by file", run.DesktopName);
        var refused = await RfbProbe.RunAsync(server.Port, new ProbeOptions { Password = "wrong", TailSeconds = 0.2 });
        Assert.False(refused.Connected, "the password from the file must be required: " + refused);
    }

    [Fact]
    public async Task An_unknown_key_exits_2_naming_file_and_line()
    {
        using var dir = new TempDir("config");
        string path = dir.File("kvmpi-vnc.conf");
        File.WriteAllText(path, "listen = 127.0.0.1:5900\n\nlisten-port = 5901\n");
        var r = await ServerProcess.RunToExitAsync(TimeSpan.FromSeconds(30), "--config", path);
        Assert.True(r.ExitCode == 2, "expected exit code 2: " + r);
        Assert.Equal($"kvmpi-vnc: {path}:3: unknown key 'listen-port' (keys are the command-line flags without their dashes, e.g. 'listen') (see --help)",
            r.StdErr.Trim());
    }
}
