// SPDX-License-Identifier: MIT
using System.Text;

namespace KvmPi.Vnc.Hid.Gadget;

/// <summary>
/// <see cref="IConfigFs"/> over the real file system. Every method maps to one system call, so the kernel's answer
/// (EBUSY, ENODEV, EACCES...) surfaces as the IOException the caller reports.
/// </summary>
public sealed class ConfigFs : IConfigFs
{
    public static ConfigFs Instance { get; } = new();

    public bool DirectoryExists(string path) => Directory.Exists(path);

    public void CreateDirectory(string path)
    {
        if (!Directory.Exists(Path.GetDirectoryName(path)))
            throw new DirectoryNotFoundException($"'{Path.GetDirectoryName(path)}' does not exist");
        Directory.CreateDirectory(path);
    }

    // Directory.Delete without recursion is rmdir(2).
    public void RemoveDirectory(string path) => Directory.Delete(path, recursive: false);

    public string? ReadAttribute(string path)
    {
        try
        {
            return File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public bool AttributeExists(string path) => File.Exists(path);

    public void WriteAttribute(string path, ReadOnlySpan<byte> value)
    {
        // FileMode.Open: an attribute the kernel does not offer must fail, not be created. One Write call is one
        // write(2) for a buffer this small (bufferSize 0: no FileStream buffering that could split it).
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        file.Write(value);
    }

    public void CreateLink(string link, string target) => File.CreateSymbolicLink(link, target);

    public void RemoveLink(string link) => File.Delete(link);   // unlink(2); never follows the link

    public bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;

    public IReadOnlyList<string> List(string directory)
    {
        if (!Directory.Exists(directory))
            return [];
        var names = new List<string>();
        foreach (string entry in Directory.EnumerateFileSystemEntries(directory))
            names.Add(Path.GetFileName(entry));
        names.Sort(StringComparer.Ordinal);
        return names;
    }
}
