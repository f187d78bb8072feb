// SPDX-License-Identifier: MIT
using Microsoft.Extensions.Logging;

namespace KvmPi.Vnc.Capture;

/// <summary>Every log line Capture writes, source-generated so that disabled levels cost nothing.</summary>
internal static partial class CaptureLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Playing {Description}: {Width}x{Height} at {FramesPerSecond} fps")]
    public static partial void FilePlaybackStarting(ILogger logger, string description, int width, int height, int framesPerSecond);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "{Description}: skipped {SkippedSinceLastReport} bad frame(s) ({SkippedTotal} in all); last: {Reason}")]
    public static partial void FramesSkipped(ILogger logger, string description, long skippedSinceLastReport, long skippedTotal, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information,
        Message = "{Description}: frame size changed from {OldWidth}x{OldHeight} to {NewWidth}x{NewHeight}")]
    public static partial void FrameSizeChanged(ILogger logger, string description, int oldWidth, int oldHeight, int newWidth, int newHeight);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug,
        Message = "{Description}: frame decoded with a warning: {Warning}")]
    public static partial void FrameDecodedWithWarning(ILogger logger, string description, string warning);
}
