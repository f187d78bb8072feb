// SPDX-License-Identifier: MIT
using System.Net;
using KvmPi.Vnc.Server.Hosting;

namespace KvmPi.Vnc.Tests.Server.Hosting;

public class CommandLineTests
{
    [Fact]
    public void DefaultsAreTheDocumentedOnes()
    {
        ServerOptions o = CommandLine.Parse([], out string? error)!;
        Assert.Null(error);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 5900), o.Listen);
        Assert.Equal(30, o.FramesPerSecond);
        Assert.Null(o.VideoFile);
        Assert.False(o.NoAuth);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 8080), o.Http);
    }

    [Fact]
    public void HttpTakesAnEndPointOrOff()
    {
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 8443), CommandLine.Parse(["--http", "[::1]:8443"], out _)!.Http);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 80), CommandLine.Parse(["--http=0.0.0.0:80"], out _)!.Http);
        Assert.Null(CommandLine.Parse(["--http", "off"], out string? error)!.Http);
        Assert.Null(error);
    }

    [Fact]
    public void ParsesEveryFlagInBothSpellings()
    {
        ServerOptions o = CommandLine.Parse(["--listen", "[::1]:5901", "--video=v.mjpeg", "--fps", "25", "--keyboard", "k",
            "--mouse=m", "--password-file", "p", "--no-auth", "--name", "Rack 3", "--log-level", "debug"], out string? error)!;
        Assert.Null(error);
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 5901), o.Listen);
        Assert.Equal(("v.mjpeg", 25, "k", "m", "p", true, "Rack 3"), (o.VideoFile, o.FramesPerSecond, o.KeyboardPath, o.MousePath, o.PasswordFile, o.NoAuth, o.Name));
    }

    [Theory]
    [InlineData("unknown option '--bogus'", "--bogus")]
    [InlineData("invalid --fps 'abc'", "--fps", "abc")]
    [InlineData("invalid --fps '0'", "--fps", "0")]
    [InlineData("invalid --listen 'nonsense'", "--listen", "nonsense")]
    [InlineData("invalid --listen '127.0.0.1:99999'", "--listen", "127.0.0.1:99999")]
    [InlineData("option '--video' needs a value", "--video")]
    [InlineData("invalid --http '8080'", "--http", "8080")]
    [InlineData("option '--http' needs a value", "--http")]
    public void UsageErrorsAreOneLine(string expectedStart, params string[] args)
    {
        Assert.Null(CommandLine.Parse(args, out string? error));
        Assert.StartsWith(expectedStart, error);
        Assert.DoesNotContain("\n", error!, StringComparison.Ordinal);
    }

    [Fact]
    public void HelpDocumentsEveryFlag()
    {
        foreach (string flag in new[] { "--listen", "--http", "--video", "--fps", "--keyboard", "--mouse", "--password-file", "--no-auth", "--name", "--help" })
            Assert.Contains(flag, CommandLine.Usage);
    }

    [Fact]
    public void MouseMode()
    {
        Assert.False(CommandLine.Parse([], out _)!.RelativeMouse);
        Assert.False(CommandLine.Parse(["--mouse-mode", "absolute"], out _)!.RelativeMouse);
        Assert.True(CommandLine.Parse(["--mouse-mode=relative", "--mouse", "/dev/hidg2"], out _)!.RelativeMouse);
        Assert.True(CommandLine.Parse(["--mouse-mode", "relative", "--video", "v.mjpeg"], out _)!.RelativeMouse);
        Assert.Null(CommandLine.Parse(["--mouse-mode", "sideways"], out string? error));
        Assert.Equal("invalid --mouse-mode 'sideways': expected absolute or relative", error);
        // The demo target takes absolute reports only.
        Assert.Null(CommandLine.Parse(["--mouse-mode", "relative"], out error));
        Assert.StartsWith("--mouse-mode relative needs --mouse", error, StringComparison.Ordinal);
    }

    [Fact]
    public void JpegPassThroughIsOnUnlessTurnedOff()
    {
        Assert.True(CommandLine.Parse([], out _)!.JpegPassThrough);
        Assert.True(CommandLine.Parse(["--jpeg-passthrough", "on"], out _)!.JpegPassThrough);
        Assert.False(CommandLine.Parse(["--jpeg-passthrough=off"], out _)!.JpegPassThrough);
        Assert.Null(CommandLine.Parse(["--jpeg-passthrough", "maybe"], out string? error));
        Assert.Equal("invalid --jpeg-passthrough 'maybe': expected on or off", error);
        Assert.Contains("--jpeg-passthrough", CommandLine.Usage);
    }

    [Theory]
    [InlineData("trace")]
    [InlineData("debug")]
    [InlineData("info")]
    [InlineData("warn")]
    [InlineData("error")]
    public void LogLevelIsOneOfFive(string level)
    {
        Assert.Equal(level, CommandLine.Parse(["--log-level", level], out _)!.LogLevel);
        Assert.Null(CommandLine.Parse(["--log-level", "verbose"], out string? error));
        Assert.Equal("invalid --log-level 'verbose': expected trace, debug, info, warn or error", error);
    }
}
