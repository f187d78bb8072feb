// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Capture.V4l2;

/// <summary>The pixel format asked of a V4L2 device (<c>--format</c>).</summary>
public enum CaptureFormat
{
    /// <summary>Whichever the device delivers fastest at the wanted size; uncompressed on a tie.</summary>
    Auto,
    Mjpeg,
    Yuyv,
    Uyvy,
    Nv12,
}

/// <summary>How to capture from a V4L2 device.</summary>
/// <param name="DevicePath">A /dev/videoN node, or null for the first capture-capable device (looked up on every attempt).</param>
/// <param name="Format">The pixel format, or <see cref="CaptureFormat.Auto"/>.</param>
/// <param name="Width">Wanted width, 0 for the source's own (DV timings) or the largest offered up to 1920x1080.</param>
/// <param name="Height">Wanted height, with <paramref name="Width"/>.</param>
/// <param name="FramesPerSecond">Wanted rate for devices that let it be set (UVC dongles); 0 for the device's default.</param>
public sealed record V4l2CaptureSettings(string? DevicePath, CaptureFormat Format = CaptureFormat.Auto, int Width = 0, int Height = 0,
    int FramesPerSecond = 0);
