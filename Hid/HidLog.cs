// SPDX-License-Identifier: MIT
using Microsoft.Extensions.Logging;

namespace KvmPi.Vnc.Hid;

/// <summary>
/// Every log line the Hid project writes, source-generated so that a disabled level costs one IsEnabled check and
/// no boxing or formatting on the key and pointer hot paths (style.md §d "Logging").
/// </summary>
internal static partial class HidLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug,
        Message = "Keysym 0x{Keysym:X} cannot be typed on the '{Layout}' layout; ignored")]
    public static partial void UnmappedKeysym(ILogger logger, uint keysym, string layout);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug,
        Message = "Keysym 0x{Keysym:X} (usage 0x{Usage:X2}) ignored: sixteen keys are already held")]
    public static partial void TooManyKeysHeld(ILogger logger, uint keysym, byte usage);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug,
        Message = "XT scancode 0x{Scancode:X} (QEMU key number) has no keyboard key and came without a keysym; ignored")]
    public static partial void UnmappedScancode(ILogger logger, uint scancode);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information,
        Message = "Paste: typed {Typed} characters, skipped {Skipped} the '{Layout}' layout cannot type ({Outcome})")]
    public static partial void PasteFinished(ILogger logger, int typed, int skipped, string layout, string outcome);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information,
        Message = "Paste chord pressed, but no viewer has sent clipboard text yet; nothing typed")]
    public static partial void PasteEmpty(ILogger logger);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning,
        Message = "Paste text of {Length} characters cut to the first {Limit}")]
    public static partial void PasteTruncated(ILogger logger, int length, int limit);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning,
        Message = "HID device {Path}: cannot open (errno {Errno}); retrying, only the newest report will be sent")]
    public static partial void OpenFailed(ILogger logger, string path, int errno);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning,
        Message = "HID device {Path}: write failed (errno {Errno}); closing and reopening, only the newest report will be sent")]
    public static partial void WriteFailed(ILogger logger, string path, int errno);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning,
        Message = "HID device {Path}: the host took no report for {TimeoutMs} ms (not polling or asleep); closing and reopening")]
    public static partial void DeviceNotWritable(ILogger logger, string path, int timeoutMs);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information,
        Message = "HID device {Path}: writing again ({Skipped} stale reports skipped while offline)")]
    public static partial void Recovered(ILogger logger, string path, long skipped);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning,
        Message = "HID device {Path}: queue full, {Dropped} oldest reports dropped so far (newest kept)")]
    public static partial void QueueOverflow(ILogger logger, string path, long dropped);

    [LoggerMessage(EventId = 15, Level = LogLevel.Warning,
        Message = "HID device {Path}: {Pending} reports still queued after the {TimeoutMs} ms flush budget; abandoned")]
    public static partial void FlushTimedOut(ILogger logger, string path, int pending, int timeoutMs);

    [LoggerMessage(EventId = 20, Level = LogLevel.Information,
        Message = "Keyboard LEDs from {Path}: 0x{Leds:X2} (num={Num} caps={Caps} scroll={Scroll})")]
    private static partial void LedsChangedCore(ILogger logger, string path, byte leds, bool num, bool caps, bool scroll);

    public static void LedsChanged(ILogger logger, string path, byte leds) =>
        LedsChangedCore(logger, path, leds, (leds & 1) != 0, (leds & 2) != 0, (leds & 4) != 0);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information,
        Message = "Keyboard LEDs: {Path} is not a character device (a file or FIFO holds our own reports); LED state is not read")]
    public static partial void LedNotCharDevice(ILogger logger, string path);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning,
        Message = "Keyboard LEDs: cannot open {Path} (errno {Errno}); retrying")]
    public static partial void LedOpenFailed(ILogger logger, string path, int errno);

    [LoggerMessage(EventId = 23, Level = LogLevel.Warning,
        Message = "Keyboard LEDs: read from {Path} failed (errno {Errno}); reopening")]
    public static partial void LedReadFailed(ILogger logger, string path, int errno);
}
