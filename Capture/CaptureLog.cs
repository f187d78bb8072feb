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

    [LoggerMessage(EventId = 10, Level = LogLevel.Information,
        Message = "{Device}: streaming {Format} {Width}x{Height}, DV timings {Timings}, {Colorimetry}, {Buffers} buffers, {Rate:0.##} fps, source-change events: {Events}")]
    public static partial void DeviceStreaming(ILogger logger, string device, string format, int width, int height, string timings,
        string colorimetry, int buffers, double rate, bool events);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "{Device}: no picture: {Reason}; retrying every second")]
    public static partial void NoSignal(ILogger logger, string device, string reason);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "{Description}: picture back at {Width}x{Height}")]
    public static partial void PictureBack(ILogger logger, string description, int width, int height);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "{Device}: the source changed; restarting capture")]
    public static partial void SourceChanged(ILogger logger, string device);

    [LoggerMessage(EventId = 14, Level = LogLevel.Debug, Message = "{Device}: {Error}")]
    public static partial void DeviceError(ILogger logger, string device, string error);

    [LoggerMessage(EventId = 15, Level = LogLevel.Debug, Message = "no V4L2 capture device: {Why}")]
    public static partial void DeviceSearchFailed(ILogger logger, string why);

    [LoggerMessage(EventId = 16, Level = LogLevel.Debug, Message = "{Device}: capture failed")]
    public static partial void CaptureFailed(ILogger logger, string device, Exception exception);

    /// <summary>Seconds on the monotonic clock (Stopwatch, CLOCK_MONOTONIC on Linux): what a viewer on the same machine times against.</summary>
    [LoggerMessage(EventId = 17, Level = LogLevel.Trace, Message = "frame {Index} read at {Seconds} s")]
    public static partial void FrameRead(ILogger logger, int index, string seconds);
}
