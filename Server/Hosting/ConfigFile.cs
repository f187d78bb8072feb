// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Server.Hosting;

/// <summary>
/// The config file (<c>--config FILE</c>; the installed service uses /etc/kvmpi-vnc/kvmpi-vnc.conf). It is the
/// command line written down: one <c>key = value</c> per line, the key being a flag's name without its dashes
/// (<c>listen = 0.0.0.0:5900</c> is <c>--listen 0.0.0.0:5900</c>), a switch taking true/false
/// (<c>no-auth = true</c>). The file turns into flag arguments placed before the real ones, so
/// <see cref="CommandLine"/> validates them the same way and a flag given on the command line wins (the last
/// occurrence counts). Every flag has a key without code here; only its kind (switch or valued) is asked of
/// <see cref="CommandLine"/>.
/// </summary>
/// <remarks>
/// Read only when <c>--config</c> is given, never from a default path: a development run or a test must not
/// pick up whatever an installation left in /etc. Lines are <c>#</c> comments (whole lines only, so a value may
/// contain '#'), blank, or <c>key = value</c> with the value trimmed; double quotes around the whole value are
/// removed (for an empty value or one with leading/trailing spaces).
/// </remarks>
internal static class ConfigFile
{
    public const string Flag = "--config";

    /// <summary>A config file is a few dozen lines; anything bigger is not one.</summary>
    private const long MaxBytes = 1 << 20;

    /// <summary>
    /// Returns <paramref name="args"/> with <c>--config FILE</c> replaced by the file's flags, put in front of
    /// every other argument; <paramref name="args"/> itself when there is no <c>--config</c>. On an error returns
    /// null and sets <paramref name="error"/> to one line naming the file (and line).
    /// </summary>
    public static string[]? ExpandArguments(string[] args, out string? error)
    {
        error = null;
        string? path = null;
        var rest = new List<string>(args.Length);
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string? value;
            if (arg == Flag)
            {
                if (i + 1 >= args.Length)
                {
                    error = $"option '{Flag}' needs a value";
                    return null;
                }
                value = args[++i];
            }
            else if (arg.StartsWith(Flag + "=", StringComparison.Ordinal))
                value = arg[(Flag.Length + 1)..];
            else
            {
                rest.Add(arg);
                continue;
            }
            if (path is not null)
            {
                error = $"option '{Flag}' given twice";
                return null;
            }
            if (value.Length == 0)
            {
                error = $"option '{Flag}' needs a non-empty value";
                return null;
            }
            path = value;
        }
        if (path is null)
            return args;

        string text;
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > MaxBytes)
            {
                error = $"config file '{path}' is larger than {MaxBytes} bytes";
                return null;
            }
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"cannot read config file '{path}': {e.Message}";
            return null;
        }
        List<string>? fromFile = ToArguments(path, text, out error);
        if (fromFile is null)
            return null;
        fromFile.AddRange(rest);
        return [.. fromFile];
    }

    /// <summary>Turns the text of a config file into flag arguments; null and a "FILE:LINE: ..." error when a
    /// line is not a known key with a fitting value.</summary>
    public static List<string>? ToArguments(string path, string text, out string? error)
    {
        error = null;
        var result = new List<string>();
        int lineNumber = 0;
        foreach (string rawLine in text.Split('\n'))
        {
            lineNumber++;
            string line = rawLine.Trim();
            if (line.Length == 0 || line[0] == '#')
                continue;
            string where = $"{path}:{lineNumber}";
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                error = $"{where}: expected 'key = value', got '{Shorten(line)}'";
                return null;
            }
            string key = line[..eq].Trim();
            string value = Unquote(line[(eq + 1)..].Trim());
            if (key.Length == 0)
            {
                error = $"{where}: no key before '='";
                return null;
            }
            string flag = "--" + key;
            if (flag == Flag)
            {
                error = $"{where}: a config file cannot name another config file";
                return null;
            }
            if (key.StartsWith('-') || key.Contains(' ', StringComparison.Ordinal)
                || !(CommandLine.IsSwitch(flag) || CommandLine.IsValued(flag)))
            {
                error = $"{where}: unknown key '{Shorten(key)}' (keys are the command-line flags without their dashes, e.g. 'listen')";
                return null;
            }
            if (CommandLine.IsSwitch(flag))
            {
                bool? on = ParseBoolean(value);
                if (on is null)
                {
                    error = $"{where}: '{key}' is a switch: expected true or false, got '{Shorten(value)}'";
                    return null;
                }
                if (on.Value)
                    result.Add(flag);
            }
            else
            {
                // One argument "--key=value": a value that starts with dashes stays a value.
                result.Add(flag + "=" + value);
            }
        }
        return result;
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value;

    private static bool? ParseBoolean(string value) => value.ToLowerInvariant() switch
    {
        "true" or "yes" or "on" or "1" => true,
        "false" or "no" or "off" or "0" => false,
        _ => null,
    };

    /// <summary>Keeps an error line one short line whatever the file holds.</summary>
    private static string Shorten(string s) => s.Length <= 60 ? s : s[..57] + "...";
}
