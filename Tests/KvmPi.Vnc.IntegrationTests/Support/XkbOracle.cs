// SPDX-License-Identifier: MIT
using System.Globalization;
using System.Security.Cryptography;

namespace KvmPi.Vnc.IntegrationTests.Support;

/// <summary>One character a layout types: its keysym (as xkb names it), its code point, and the Shift/AltGr level
/// of its key (0 base, 1 Shift, 2 AltGr, 3 both); <see cref="ViaDeadKey"/> when only a dead key reaches it.</summary>
public sealed record LayoutCharacter(uint Keysym, int CodePoint, int Level, bool ViaDeadKey)
{
    public string Text => char.ConvertFromUtf32(CodePoint);
}

/// <summary>
/// The xkbcommon oracle (Clients/xkboracle.c): a Linux host set to a layout. Lists the characters a layout types and
/// types boot keyboard reports back into text. Compiled with gcc once per test run, like the probe client.
/// </summary>
public static class XkbOracle
{
    private static readonly Lazy<Task<string>> Binary = new(BuildAsync);

    public static void Require()
    {
        Tools.Require("gcc", "pkg-config");
        var r = ProcessRunner.RunAsync("pkg-config", ["--exists", "xkbcommon"], TimeSpan.FromSeconds(20)).GetAwaiter().GetResult();
        Skip.If(r.ExitCode != 0, "libxkbcommon is not installed (Debian package libxkbcommon-dev; ./test.sh installs it)");
    }

    private static async Task<string> BuildAsync()
    {
        string source = Path.Combine(AppContext.BaseDirectory, "Clients", "xkboracle.c");
        string hash = Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(source)))[..16].ToLowerInvariant();
        string cache = Path.Combine(AppContext.BaseDirectory, "probe-cache");
        Directory.CreateDirectory(cache);
        string binary = Path.Combine(cache, "xkboracle-" + hash);
        if (File.Exists(binary))
            return binary;
        var flags = await ProcessRunner.RunAsync("pkg-config", ["--cflags", "--libs", "xkbcommon"], TimeSpan.FromSeconds(30));
        if (flags.ExitCode != 0)
            throw new InvalidOperationException("pkg-config xkbcommon failed: " + flags);
        string temp = binary + ".tmp" + Environment.ProcessId;
        var gcc = await ProcessRunner.RunAsync("gcc",
            ["-O2", "-Wall", "-Wextra", "-o", temp, source, .. flags.StdOut.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)],
            TimeSpan.FromSeconds(120));
        if (gcc.ExitCode != 0)
            throw new InvalidOperationException("building xkboracle failed: " + gcc);
        File.Move(temp, binary, overwrite: true);
        return binary;
    }

    /// <summary>Every printable character the layout types with one key plus Shift/AltGr, then the dead-key ones.</summary>
    public static async Task<IReadOnlyList<LayoutCharacter>> ListAsync(string layout)
    {
        var result = await ProcessRunner.RunAsync(await Binary.Value, ["list", layout], TimeSpan.FromSeconds(60));
        if (result.ExitCode != 0)
            throw new InvalidOperationException("xkboracle list failed: " + result);
        var list = new List<LayoutCharacter>();
        foreach (string line in result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] f = line.Split(' ');
            list.Add(new LayoutCharacter(uint.Parse(f[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                int.Parse(f[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                int.Parse(f[3], CultureInfo.InvariantCulture), f[0] == "C"));
        }
        return list;
    }

    /// <summary>What a host set to <paramref name="layout"/> types when it receives <paramref name="reports"/>.</summary>
    public static async Task<string> TypeAsync(string layout, byte[] reports, bool capsLock = false, bool numLock = false)
    {
        string file = Path.Combine(Path.GetTempPath(), $"xkboracle-{Environment.ProcessId}-{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(file, reports);
        try
        {
            var args = new List<string> { "type", layout, file };
            if (capsLock) args.Add("caps");
            if (numLock) args.Add("numlock");
            var result = await ProcessRunner.RunAsync(await Binary.Value, args, TimeSpan.FromSeconds(60));
            if (result.ExitCode != 0)
                throw new InvalidOperationException("xkboracle type failed: " + result);
            // ProcessRunner collects lines; the oracle writes text without newlines of its own unless typed.
            return result.StdOut.EndsWith('\n') ? result.StdOut[..^1] : result.StdOut;
        }
        finally
        {
            File.Delete(file);
        }
    }
}
