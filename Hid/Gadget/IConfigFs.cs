// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Gadget;

/// <summary>
/// The file operations that building a configfs gadget takes, each one system call. configfs is not an ordinary
/// file system: mkdir creates an item with its attribute files and default groups already inside, rmdir removes an
/// item with its attributes but refuses while it is linked or has child items, and attributes can be written but never
/// created or deleted. Behind this interface so that unit tests can run the same code over a temporary directory that
/// imitates those rules (and fails on demand).
/// </summary>
public interface IConfigFs
{
    bool DirectoryExists(string path);

    /// <summary>mkdir of one level; the parent exists.</summary>
    void CreateDirectory(string path);

    /// <summary>rmdir: removes one configfs item (or an empty directory).</summary>
    void RemoveDirectory(string path);

    /// <summary>The attribute's content, or null if there is no such file.</summary>
    string? ReadAttribute(string path);

    bool AttributeExists(string path);

    /// <summary>One write() of <paramref name="value"/> (configfs attributes take a value per write).</summary>
    void WriteAttribute(string path, ReadOnlySpan<byte> value);

    /// <summary>symlink(target, link): puts a function into a configuration.</summary>
    void CreateLink(string link, string target);

    void RemoveLink(string link);

    bool IsLink(string path);

    /// <summary>Names (not paths) of the entries in <paramref name="directory"/>, sorted ordinally; empty if it is missing.</summary>
    IReadOnlyList<string> List(string directory);
}
