// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.IntegrationTests.Support;

/// <summary>A fresh directory per test, removed on dispose unless KVMPI_KEEP_TEST_FILES is set.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string? label = null)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(),
            $"kvmpi-it-{label ?? "t"}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>An empty regular file for the server's --keyboard/--mouse reports (it opens the path like a
    /// device and does not create it).</summary>
    public string ReportFile(string name)
    {
        string path = File(name);
        System.IO.File.WriteAllBytes(path, []);
        return path;
    }

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("KVMPI_KEEP_TEST_FILES") != null)
            return;
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
