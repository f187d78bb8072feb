// SPDX-License-Identifier: MIT
using System.Diagnostics;
using System.Security.Cryptography;

namespace KvmPi.Vnc.Benchmarks.LoadTest;

/// <summary>
/// Builds the C programs of the comparison with gcc, cached by a hash of the source: the libvncserver server
/// (LoadTest/Native/lvs-mjpeg.c) and the libvncclient client (the integration tests' rfbprobe.c), both copied
/// next to this tool by the project file.
/// </summary>
internal static class NativeTools
{
    public static string LibVncServerProgram() => Build("lvs-mjpeg.c", "libvncserver", "-ldl");

    public static string Probe() => Build("rfbprobe.c", "libvncclient", "-lm");

    private static string Build(string source, string package, params string[] extra)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "LoadTest", "Native", source);
        string hash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)))[..16].ToLowerInvariant();
        string dir = Path.Combine(ContentGenerator.CacheDirectory, "bin");
        Directory.CreateDirectory(dir);
        string binary = Path.Combine(dir, Path.GetFileNameWithoutExtension(source) + "-" + hash);
        if (File.Exists(binary)) return binary;
        string flags = Run("pkg-config", "--cflags", "--libs", package);
        string temp = binary + ".tmp" + Environment.ProcessId;
        Run("gcc", ["-O2", "-Wall", "-o", temp, path, .. flags.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries), .. extra]);
        File.Move(temp, binary, overwrite: true);
        return binary;
    }

    private static string Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + tool);
        Task<string> err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed: {err.Result}");
        return output;
    }
}
