// SPDX-License-Identifier: MIT
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace KvmPi.Vnc.IntegrationTests.Support;

/// <summary>
/// The release tarballs as ./release.sh makes them (Native AOT for linux-arm64 and linux-x64), built once per test
/// run. They are cached under ~/.cache/kvmpi-vnc/release/KEY, KEY being a hash of every file the release is made
/// of (sources, deploy/, the scripts, README, LICENSE, the web client's lock file), so a second run of the suite on
/// unchanged sources does not publish again; any change to those files builds afresh.
/// </summary>
public sealed class ReleaseBuild
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(9);
    private const int CacheEntriesKept = 3;

    private ReleaseBuild(string directory, string version)
    {
        Directory = directory;
        Version = version;
    }

    public string Directory { get; }
    public string Version { get; }

    public string Tarball(string rid) => Path.Combine(Directory, $"kvmpi-vnc-{Version}-{rid}.tar.gz");

    /// <summary>The unpacked tree release.sh left beside the tarball.</summary>
    public string Staged(string rid) => Path.Combine(Directory, $"kvmpi-vnc-{Version}-{rid}");

    private static readonly Lazy<Task<ReleaseBuild>> Instance = new(BuildAsync);

    public static Task<ReleaseBuild> GetAsync() => Instance.Value;

    public static string RepoRoot =>
        typeof(ReleaseBuild).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "KvmPiRepoRoot").Value!;

    private static async Task<ReleaseBuild> BuildAsync()
    {
        string root = RepoRoot;
        string version = ReadVersion(root);
        // For iterating on the tests: tarballs a ./release.sh run already made (e.g. artifacts/release).
        if (Environment.GetEnvironmentVariable("KVMPI_RELEASE_DIR") is { Length: > 0 } made)
        {
            if (!File.Exists(Path.Combine(made, ".complete")))
                File.WriteAllText(Path.Combine(made, ".complete"), "(made outside the tests; KVMPI_RELEASE_DIR)");
            return new ReleaseBuild(Path.GetFullPath(made), version);
        }
        string key = await SourceHashAsync(root);
        string cacheRoot = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "kvmpi-vnc", "release");
        string entry = Path.Combine(cacheRoot, key);
        var build = new ReleaseBuild(entry, version);
        if (File.Exists(Path.Combine(entry, ".complete")))
            return build;

        string temp = entry + ".tmp" + Environment.ProcessId;
        if (System.IO.Directory.Exists(temp))
            System.IO.Directory.Delete(temp, recursive: true);
        var run = await ProcessRunner.RunAsync(Path.Combine(root, "release.sh"), ["--output", temp], BuildTimeout, workingDirectory: root);
        if (run.ExitCode != 0)
            throw new InvalidOperationException("./release.sh failed: " + run);
        System.IO.Directory.Delete(Path.Combine(temp, "obj"), recursive: true);
        File.WriteAllText(Path.Combine(temp, ".complete"), run.StdErr);
        if (System.IO.Directory.Exists(entry))
            System.IO.Directory.Delete(entry, recursive: true);
        System.IO.Directory.Move(temp, entry);
        PruneCache(cacheRoot, entry);
        return build;
    }

    /// <summary>The output of the release.sh run that made these tarballs (per-architecture publish times).</summary>
    public string BuildLog => File.ReadAllText(Path.Combine(Directory, ".complete"));

    private static string ReadVersion(string root)
    {
        string props = File.ReadAllText(Path.Combine(root, "Directory.Build.props"));
        int start = props.IndexOf("<Version>", StringComparison.Ordinal) + "<Version>".Length;
        return props[start..props.IndexOf("</Version>", start, StringComparison.Ordinal)];
    }

    private static async Task<string> SourceHashAsync(string root)
    {
        var files = await ProcessRunner.RunAsync("git", ["-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], TimeSpan.FromSeconds(60));
        if (files.ExitCode != 0)
            throw new InvalidOperationException("git ls-files failed: " + files);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string file in files.StdOut.Split('\0', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal))
        {
            if (file.StartsWith("Tests/", StringComparison.Ordinal) || file.StartsWith("Benchmarks/", StringComparison.Ordinal)
                || file.StartsWith("tools/", StringComparison.Ordinal) || file.StartsWith(".ci/", StringComparison.Ordinal))
                continue;
            string path = Path.Combine(root, file);
            if (!File.Exists(path))
                continue;
            hash.AppendData(Encoding.UTF8.GetBytes(file + "\0"));
            hash.AppendData(await File.ReadAllBytesAsync(path));
        }
        return Convert.ToHexString(hash.GetHashAndReset())[..16].ToLowerInvariant();
    }

    private static void PruneCache(string cacheRoot, string keep)
    {
        var old = new DirectoryInfo(cacheRoot).GetDirectories()
            .Where(d => d.FullName != keep && !d.Name.Contains(".tmp", StringComparison.Ordinal))
            .OrderByDescending(d => d.LastWriteTimeUtc)
            .Skip(CacheEntriesKept - 1);
        foreach (var d in old)
        {
            try { d.Delete(recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
