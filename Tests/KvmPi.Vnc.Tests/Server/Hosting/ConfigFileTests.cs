// SPDX-License-Identifier: MIT
using System.Net;
using System.Text.RegularExpressions;
using KvmPi.Vnc.Server.Hosting;

namespace KvmPi.Vnc.Tests.Server.Hosting;

public sealed class ConfigFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"kvmpi-config-{Environment.ProcessId}-{Guid.NewGuid():N}");

    public ConfigFileTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string text)
    {
        string path = Path.Combine(_dir, "kvmpi-vnc.conf");
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>The config file shipped in the release and installed as /etc/kvmpi-vnc/kvmpi-vnc.conf.</summary>
    private static string ShippedConfig => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "deploy", "kvmpi-vnc.conf"));

    /// <summary>Every flag --help documents, as "--name".</summary>
    private static IEnumerable<string> DocumentedFlags() =>
        Regex.Matches(CommandLine.Usage, @"^\s+(--[a-z0-9][a-z0-9-]*)", RegexOptions.Multiline).Select(m => m.Groups[1].Value).Distinct();

    [Fact]
    public void KeysBecomeFlagsAndSwitchesFollowTheirValue()
    {
        List<string>? args = ConfigFile.ToArguments("k.conf", """
            # a comment
              listen = 0.0.0.0:5901   

            name = Rack 3 # not a comment
            no-auth = yes
            fps=25
            """, out string? error);
        Assert.Null(error);
        Assert.Equal(["--listen=0.0.0.0:5901", "--name=Rack 3 # not a comment", "--no-auth", "--fps=25"], args);

        Assert.Equal([], ConfigFile.ToArguments("k.conf", "no-auth = false\n", out error));
        Assert.Null(error);
    }

    [Fact]
    public void QuotesKeepSpacesAndEmptyValues()
    {
        Assert.Equal(["--name=  padded ", "--name="], ConfigFile.ToArguments("k.conf", "name = \"  padded \"\nname = \"\"\n", out string? error));
        Assert.Null(error);
    }

    [Fact]
    public void ValuesThatLookLikeFlagsStayValues()
    {
        ServerOptions o = CommandLine.Parse([.. ConfigFile.ToArguments("k.conf", "name = --no-auth\n", out _)!], out string? error)!;
        Assert.Null(error);
        Assert.Equal("--no-auth", o.Name);
        Assert.False(o.NoAuth);
    }

    [Theory]
    [InlineData("listen = 127.0.0.1:5900\nbogus = 1\n", "k.conf:2: unknown key 'bogus'")]
    [InlineData("\n\n--listen = 127.0.0.1:5900\n", "k.conf:3: unknown key '--listen'")]
    [InlineData("help = true\n", "k.conf:1: unknown key 'help'")]
    [InlineData("listen 127.0.0.1:5900\n", "k.conf:1: expected 'key = value'")]
    [InlineData("= 5\n", "k.conf:1: no key before '='")]
    [InlineData("no-auth = maybe\n", "k.conf:1: 'no-auth' is a switch: expected true or false")]
    [InlineData("config = /etc/other.conf\n", "k.conf:1: a config file cannot name another config file")]
    public void BadLinesNameTheFileAndLine(string text, string expectedStart)
    {
        Assert.Null(ConfigFile.ToArguments("k.conf", text, out string? error));
        Assert.StartsWith(expectedStart, error);
        Assert.DoesNotContain("\n", error!, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutConfigTheArgumentsAreUntouched()
    {
        string[] args = ["--listen", "127.0.0.1:5901"];
        Assert.Same(args, ConfigFile.ExpandArguments(args, out string? error));
        Assert.Null(error);
    }

    [Fact]
    public void FileFlagsComeFirstSoTheCommandLineWins()
    {
        string path = Write("listen = 0.0.0.0:5900\nname = From file\nfps = 12\n");
        string[] expanded = ConfigFile.ExpandArguments(["--name", "From flag", "--config", path], out string? error)!;
        Assert.Null(error);
        Assert.Equal(["--listen=0.0.0.0:5900", "--name=From file", "--fps=12", "--name", "From flag"], expanded);

        ServerOptions o = CommandLine.Parse(expanded, out error)!;
        Assert.Null(error);
        Assert.Equal(("From flag", 12, new IPEndPoint(IPAddress.Any, 5900)), (o.Name, o.FramesPerSecond, o.Listen));
    }

    [Fact]
    public void InlineSpellingWorksToo()
    {
        string path = Write("name = inline\n");
        Assert.Equal(["--name=inline"], ConfigFile.ExpandArguments([$"--config={path}"], out string? error)!);
        Assert.Null(error);
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        string path = Path.Combine(_dir, "missing.conf");
        Assert.Null(ConfigFile.ExpandArguments(["--config", path], out string? error));
        Assert.StartsWith($"cannot read config file '{path}'", error);
    }

    [Theory]
    [InlineData("option '--config' needs a value", "--config")]
    [InlineData("option '--config' needs a non-empty value", "--config=")]
    [InlineData("option '--config' given twice", "--config", "a", "--config", "b")]
    public void ConfigFlagErrors(string expected, params string[] args)
    {
        Assert.Null(ConfigFile.ExpandArguments(args, out string? error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void EveryDocumentedFlagIsAConfigKey()
    {
        string[] flags = [.. DocumentedFlags()];
        Assert.Contains("--listen", flags);
        Assert.Contains("--no-auth", flags);
        foreach (string flag in flags)
        {
            if (flag is "--help" or ConfigFile.Flag)
                continue;
            Assert.True(CommandLine.IsSwitch(flag) || CommandLine.IsValued(flag),
                $"{flag} is in --help but neither CommandLine.IsSwitch nor IsValued knows it, so the config file cannot set it");
        }
    }

    [Fact]
    public void TheShippedConfigListsEveryFlag()
    {
        string shipped = ShippedConfig;
        foreach (string flag in DocumentedFlags())
        {
            if (flag is "--help" or ConfigFile.Flag)
                continue;
            string key = flag[2..];
            Assert.True(Regex.IsMatch(shipped, $@"^#?[ \t]*{Regex.Escape(key)}[ \t]*=", RegexOptions.Multiline),
                $"deploy/kvmpi-vnc.conf does not list the key '{key}' (for {flag}); add it, commented with its default if it has one");
        }
    }

    [Fact]
    public void TheShippedConfigParsesWithEveryCommentedKeyEnabledToo()
    {
        string shipped = ShippedConfig;
        ServerOptions o = CommandLine.Parse([.. ConfigFile.ToArguments("kvmpi-vnc.conf", shipped, out string? error)!], out error)!;
        Assert.Null(error);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 5900), o.Listen);
        Assert.Equal("/etc/kvmpi-vnc/password", o.PasswordFile);

        // Commented keys are real keys with acceptable example values, not stale names.
        string uncommented = Regex.Replace(shipped, @"^#[ \t]*(?=[a-z0-9-]+[ \t]*=)", "", RegexOptions.Multiline);
        Assert.NotEqual(shipped, uncommented);
        Assert.NotNull(CommandLine.Parse([.. ConfigFile.ToArguments("kvmpi-vnc.conf", uncommented, out error)!], out error));
        Assert.Null(error);
    }
}
