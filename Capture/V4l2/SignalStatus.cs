// SPDX-License-Identifier: MIT
using static KvmPi.Vnc.Capture.V4l2.V4l2Native;

namespace KvmPi.Vnc.Capture.V4l2;

/// <summary>Turns what the driver says about its input (status bits, DV-timings errors) into short reasons.</summary>
internal static class SignalStatus
{
    /// <summary>The reason the input has no picture, from its V4L2_IN_ST_* bits; null when the bits say nothing is wrong.</summary>
    public static string? NoPictureReason(uint status) =>
        (status & InStatusNoPower) != 0 ? "no signal (no power on the input)"
        : (status & InStatusNoSignal) != 0 ? "no signal"
        : (status & InStatusNoSync) != 0 ? "no signal (no sync)"
        : (status & (InStatusNoHLock | InStatusNoVLock)) != 0 ? "no signal (no lock)"
        : null;

    public static IEnumerable<string> Describe(uint status)
    {
        if (status == 0) yield return "ok";
        if ((status & InStatusNoPower) != 0) yield return "no-power";
        if ((status & InStatusNoSignal) != 0) yield return "no-signal";
        if ((status & InStatusNoHLock) != 0) yield return "no-h-lock";
        if ((status & InStatusNoVLock) != 0) yield return "no-v-lock";
        if ((status & InStatusNoSync) != 0) yield return "no-sync";
        uint known = InStatusNoPower | InStatusNoSignal | InStatusNoHLock | InStatusNoVLock | InStatusNoSync;
        if ((status & ~known) != 0) yield return $"other-0x{status & ~known:x}";
    }

    /// <summary>QUERY_DV_TIMINGS errors that mean "this input has no DV timings" rather than "no signal".</summary>
    public static bool IsUnsupported(int errno) => errno is ENOTTY or ENODATA or EINVAL or ENOSYS;

    public static string DescribeDvTimingsError(int errno) => errno switch
    {
        ENOLINK => "no signal",
        ENOLCK => "no signal (cannot lock to it)",
        ERANGE => "signal out of range (a mode the capture cannot take)",
        _ => $"DV timings unavailable (errno {errno})",
    };

    /// <summary>A device error as viewers should read it on the no-signal screen.</summary>
    public static string DescribeDeviceError(V4l2Exception e) => e.Errno switch
    {
        ENOENT => "device not found (unplugged?)",
        ENODEV or ENXIO => "device unplugged",
        EBUSY => "device busy: another program is capturing",
        EACCES => "permission denied (add the user to the video group)",
        EIO => "device error (I/O), retrying",
        _ => $"device error: {e.Message}",
    };
}
