// SPDX-License-Identifier: MIT
using System.Text;

namespace KvmPi.Vnc.Hid.Devices;

/// <summary>Character device checks by type and device number (statx), never by name.</summary>
public static class DeviceNode
{
    /// <summary>Whether <paramref name="path"/> itself (not a link's target) is a character device; its number if so.</summary>
    public static unsafe bool TryGetCharDevice(string path, out uint major, out uint minor)
    {
        major = minor = 0;
        byte[] name = Encoding.UTF8.GetBytes(path + "\0");
        LibC.Statx result;
        fixed (byte* p = name)
        {
            if (LibC.StatxCall(LibC.AT_FDCWD, p, LibC.AT_SYMLINK_NOFOLLOW, LibC.STATX_TYPE, &result) != 0)
                return false;
        }
        if ((result.Mode & LibC.S_IFMT) != LibC.S_IFCHR)
            return false;
        major = result.RdevMajor;
        minor = result.RdevMinor;
        return true;
    }

    /// <summary>Whether <paramref name="path"/> exists and, if so, whether it is a character device (links followed).</summary>
    internal static unsafe bool? IsCharDevice(string path)
    {
        byte[] name = Encoding.UTF8.GetBytes(path + "\0");
        LibC.Statx result;
        fixed (byte* p = name)
        {
            if (LibC.StatxCall(LibC.AT_FDCWD, p, 0, LibC.STATX_TYPE, &result) != 0)
                return null;
        }
        return (result.Mode & LibC.S_IFMT) == LibC.S_IFCHR;
    }

    /// <summary>Whether an open descriptor is a character device (not a FIFO, socket or regular file).</summary>
    internal static unsafe bool IsCharDevice(int fd)
    {
        byte empty = 0;
        LibC.Statx result;
        if (LibC.StatxCall(fd, &empty, LibC.AT_EMPTY_PATH, LibC.STATX_TYPE, &result) != 0)
            return false;
        return (result.Mode & LibC.S_IFMT) == LibC.S_IFCHR;
    }

    /// <summary>
    /// The node in <paramref name="deviceDirectory"/> (not its subdirectories) that is the character device
    /// major:minor, or null. Names starting with "hidg" are tried first: that is where udev and devtmpfs put them.
    /// </summary>
    public static string? FindCharDevice(string deviceDirectory, uint major, uint minor)
    {
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateFileSystemEntries(deviceDirectory).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        string[] all = [.. entries.OrderBy(e => Path.GetFileName(e).StartsWith("hidg", StringComparison.Ordinal) ? 0 : 1)
            .ThenBy(e => e, StringComparer.Ordinal)];
        foreach (string entry in all)
        {
            if (TryGetCharDevice(entry, out uint maj, out uint min) && maj == major && min == minor)
                return entry;
        }
        return null;
    }

    /// <summary>Parses configfs' "MAJOR:MINOR\n".</summary>
    public static bool TryParseDeviceNumber(string? text, out uint major, out uint minor)
    {
        major = minor = 0;
        if (text is null)
            return false;
        string[] parts = text.Trim().Split(':');
        return parts.Length == 2
            && uint.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out major)
            && uint.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out minor);
    }
}
