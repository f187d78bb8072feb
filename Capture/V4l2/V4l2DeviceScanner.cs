// SPDX-License-Identifier: MIT
using System.Globalization;

namespace KvmPi.Vnc.Capture.V4l2;

/// <summary>Finds V4L2 video nodes and the ones among them that capture video.</summary>
public static class V4l2DeviceScanner
{
    /// <summary>Every /dev/videoN, in numeric order (video2 before video10).</summary>
    public static IReadOnlyList<string> VideoNodes(string directory = "/dev")
    {
        var nodes = new List<(int, string)>();
        try
        {
            foreach (string path in Directory.EnumerateFileSystemEntries(directory, "video*"))
            {
                string suffix = Path.GetFileName(path)["video".Length..];
                if (int.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out int n)) nodes.Add((n, path));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        nodes.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return nodes.ConvertAll(n => n.Item2);
    }

    /// <summary>The first node that captures single-planar video with streaming I/O, or null (with the reason for each node skipped).</summary>
    public static string? FindFirstCaptureDevice(out string whyNone)
    {
        var reasons = new List<string>();
        foreach (string path in VideoNodes())
        {
            try
            {
                using V4l2Device device = V4l2Device.Open(path);
                V4l2Capability cap = device.QueryCapabilities();
                if (V4l2Device.CanCapture(cap))
                {
                    whyNone = "";
                    return path;
                }
                reasons.Add($"{path}: not a capture node");
            }
            catch (V4l2Exception e)
            {
                reasons.Add(e.Message);
            }
        }
        whyNone = reasons.Count == 0 ? "no /dev/video* device" : string.Join("; ", reasons);
        return null;
    }
}
