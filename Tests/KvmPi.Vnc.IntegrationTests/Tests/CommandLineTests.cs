// SPDX-License-Identifier: MIT
using KvmPi.Vnc.IntegrationTests.Support;

namespace KvmPi.Vnc.IntegrationTests.Tests;

/// <summary>The kvmpi-vnc command line: help, bad input, missing video, unsafe listen address.</summary>
public sealed class CommandLineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static string[] Lines(ProcessResult r) =>
        (r.StdOut + r.StdErr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static void AssertNoStackTrace(ProcessResult r) =>
        Assert.False(Lines(r).Any(l => l.StartsWith("at ", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal)),
            "output has a stack trace or exception: " + r);

    [Fact]
    public async Task Help_documents_every_flag_and_exits_zero()
    {
        var r = await ServerProcess.RunToExitAsync(Timeout, "--help");
        Assert.True(r.ExitCode == 0, "--help should exit 0: " + r);
        string text = r.StdOut + r.StdErr;
        foreach (string flag in new[] { "--listen", "--video", "--fps", "--keyboard", "--mouse", "--password-file", "--no-auth", "--name", "--help" })
            Assert.True(text.Contains(flag, StringComparison.Ordinal), $"--help does not mention {flag}: " + r);
    }

    [Theory]
    [InlineData("--bogus-flag")]
    [InlineData("--listen")]
    [InlineData("--fps", "abc")]
    [InlineData("--fps", "0")]
    [InlineData("--listen", "nonsense")]
    [InlineData("--listen", "127.0.0.1:99999")]
    public async Task Bad_arguments_exit_2_with_one_short_line(params string[] args)
    {
        var r = await ServerProcess.RunToExitAsync(Timeout, args);
        Assert.True(r.ExitCode == 2, $"expected exit code 2 for `{string.Join(' ', args)}`: " + r);
        string[] lines = Lines(r);
        Assert.True(lines.Length == 1, $"expected exactly one line of output for `{string.Join(' ', args)}`: " + r);
        Assert.True(lines[0].Length < 300, "the error line is not short: " + r);
        AssertNoStackTrace(r);
    }

    [Fact]
    public async Task Missing_video_file_fails_naming_the_file()
    {
        using var dir = new TempDir("cli");
        string missing = dir.File("no-such-video.mjpeg");
        int port = FreePort.Get();
        var r = await ServerProcess.RunToExitAsync(Timeout, "--listen", $"127.0.0.1:{port}", "--video", missing,
            "--keyboard", dir.File("kbd"), "--mouse", dir.File("mouse"));
        Assert.True(r.ExitCode != 0 && !r.TimedOut, "expected a non-zero exit for a missing video file: " + r);
        Assert.True((r.StdOut + r.StdErr).Contains("no-such-video.mjpeg", StringComparison.Ordinal), "the message does not name the file: " + r);
        AssertNoStackTrace(r);
    }

    [Fact]
    public async Task Unreadable_video_file_fails_naming_the_file()
    {
        using var dir = new TempDir("cli");
        string notVideo = dir.File("not-a-video.mjpeg");
        Directory.CreateDirectory(notVideo); // a directory cannot be read as a file, even by root
        int port = FreePort.Get();
        var r = await ServerProcess.RunToExitAsync(Timeout, "--listen", $"127.0.0.1:{port}", "--video", notVideo,
            "--keyboard", dir.File("kbd"), "--mouse", dir.File("mouse"));
        Assert.True(r.ExitCode != 0 && !r.TimedOut, "expected a non-zero exit for an unreadable video: " + r);
        Assert.True((r.StdOut + r.StdErr).Contains("not-a-video.mjpeg", StringComparison.Ordinal), "the message does not name the file: " + r);
    }

    [Fact]
    public async Task Listening_on_all_interfaces_without_password_or_no_auth_is_refused()
    {
        int port = FreePort.Get();
        var r = await ServerProcess.RunToExitAsync(Timeout, "--listen", $"0.0.0.0:{port}");
        Assert.True(r.ExitCode != 0 && !r.TimedOut, "the server must refuse to start: " + r);
        string[] lines = Lines(r);
        Assert.True(lines.Length == 1, "expected one clear line: " + r);
        Assert.True(lines[0].Contains("password", StringComparison.OrdinalIgnoreCase) || lines[0].Contains("--no-auth", StringComparison.Ordinal),
            "the line should say a password or --no-auth is needed: " + r);
        AssertNoStackTrace(r);
    }
}
