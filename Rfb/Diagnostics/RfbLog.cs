// SPDX-License-Identifier: MIT
using System.Net;
using KvmPi.Vnc.Rfb.Updates;
using Microsoft.Extensions.Logging;

namespace KvmPi.Vnc.Rfb.Diagnostics;

/// <summary>Every log line Rfb writes, source-generated so that disabled levels cost nothing.</summary>
internal static partial class RfbLog
{
    [LoggerMessage(1, LogLevel.Information, "{Remote}: connected ({Count} connections)")]
    public static partial void Connected(ILogger logger, EndPoint? remote, int count);

    [LoggerMessage(2, LogLevel.Information, "{Remote}: disconnected: {Reason}")]
    public static partial void Disconnected(ILogger logger, EndPoint? remote, string reason);

    [LoggerMessage(3, LogLevel.Warning, "{Remote}: protocol error, closing: {Message}")]
    public static partial void ProtocolError(ILogger logger, EndPoint? remote, string message);

    [LoggerMessage(4, LogLevel.Information, "{Remote}: RFB 3.{Minor}, security {Security}, {Name}")]
    public static partial void HandshakeDone(ILogger logger, EndPoint? remote, int minor, string security, string name);

    [LoggerMessage(5, LogLevel.Warning, "{Remote}: authentication failed")]
    public static partial void AuthenticationFailed(ILogger logger, EndPoint? remote);

    [LoggerMessage(6, LogLevel.Warning, "{Remote}: handshake not finished within {Seconds} s, closing")]
    public static partial void HandshakeTimeout(ILogger logger, EndPoint? remote, double seconds);

    [LoggerMessage(7, LogLevel.Warning, "{Remote}: message left half-sent for {Seconds} s, closing")]
    public static partial void PartialMessageTimeout(ILogger logger, EndPoint? remote, double seconds);

    [LoggerMessage(8, LogLevel.Warning, "{Remote}: not reading updates for {Seconds} s, dropping it")]
    public static partial void WriteTimeout(ILogger logger, EndPoint? remote, double seconds);

    [LoggerMessage(9, LogLevel.Debug, "{Remote}: pixel format {Format}")]
    public static partial void PixelFormatSet(ILogger logger, EndPoint? remote, string format);

    [LoggerMessage(10, LogLevel.Debug, "{Remote}: encodings [{Encodings}], sending {Chosen}")]
    public static partial void EncodingsSet(ILogger logger, EndPoint? remote, string encodings, string chosen);

    [LoggerMessage(11, LogLevel.Information, "{Remote}: ClientCutText over the {Limit}-byte limit; skipped")]
    public static partial void CutTextSkipped(ILogger logger, EndPoint? remote, int limit);

    [LoggerMessage(12, LogLevel.Warning, "{Remote}: connection limit {Limit} reached, refusing")]
    public static partial void TooManyConnections(ILogger logger, EndPoint? remote, int limit);

    [LoggerMessage(13, LogLevel.Error, "{Remote}: unexpected error, closing")]
    public static partial void UnexpectedError(ILogger logger, EndPoint? remote, Exception exception);

    [LoggerMessage(15, LogLevel.Warning, "{Remote}: refused: too many authentication failures from this address ({Seconds} s left)")]
    public static partial void AuthenticationBlocked(ILogger logger, EndPoint? remote, double seconds);

    [LoggerMessage(14, LogLevel.Information, "frame size now {Width}x{Height}")]
    public static partial void FrameResized(ILogger logger, int width, int height);

    [LoggerMessage(40, LogLevel.Debug, "{Remote}: continuous updates {State} ({Area})")]
    public static partial void ContinuousUpdates(ILogger logger, EndPoint? remote, string state, string area);

    [LoggerMessage(41, LogLevel.Warning, "{Remote}: no answer to a fence for {Seconds} s, dropping it")]
    public static partial void FenceTimeout(ILogger logger, EndPoint? remote, double seconds);

    [LoggerMessage(42, LogLevel.Debug, "{Remote}: unexpected fence answer (payload {Length} bytes, type {Type})")]
    public static partial void UnexpectedFenceAnswer(ILogger logger, EndPoint? remote, int length, int type);

    [LoggerMessage(43, LogLevel.Debug, "{Remote}: lossless refresh of {Tiles} tiles now, {Left} in later updates (the link carries ~{Bandwidth} B/s; 0: not measured yet)")]
    public static partial void RefreshCut(ILogger logger, EndPoint? remote, int tiles, int left, long bandwidth);

    [LoggerMessage(44, LogLevel.Debug, "{Remote}: lossless refresh in {Rectangles} rectangles at once (the link carries ~{Bandwidth} B/s; 0: not measured yet)")]
    public static partial void RefreshWhole(ILogger logger, EndPoint? remote, int rectangles, long bandwidth);

    [LoggerMessage(50, LogLevel.Warning, "{Remote}: JPEG unavailable, sending Tight losslessly: {Reason}")]
    public static partial void JpegUnavailable(ILogger logger, EndPoint? remote, string reason);

    [LoggerMessage(60, LogLevel.Debug, "lock keys now {State}; telling viewers that take LED state")]
    public static partial void LedStatePublished(ILogger logger, LockKeys state);

    [LoggerMessage(70, LogLevel.Information, "{Remote}: SetDesktopSize {Width}x{Height} refused: a KVM shows the target's own mode")]
    public static partial void DesktopSizeRefused(ILogger logger, EndPoint? remote, int width, int height);

    [LoggerMessage(71, LogLevel.Information, "{Remote}: the viewer cannot resize; showing a notice at {Width}x{Height} (the desktop is now {NewWidth}x{NewHeight})")]
    public static partial void ResizeNoticeShown(ILogger logger, EndPoint? remote, int width, int height, int newWidth, int newHeight);

    [LoggerMessage(80, LogLevel.Debug, "scrolled: {Move}")]
    public static partial void ScrollDetected(ILogger logger, ScrollMove move);

    [LoggerMessage(81, LogLevel.Debug, "captured frames go to viewers as they are, undecoded (every viewer takes Tight JPEG; the picture changes much)")]
    public static partial void JpegOnlyStarted(ILogger logger);

    [LoggerMessage(82, LogLevel.Debug, "captured frames are decoded again ({Frames} went undecoded)")]
    public static partial void JpegOnlyStopped(ILogger logger, long frames);

    [LoggerMessage(84, LogLevel.Debug, "nobody watches: captured frames go undecoded and unconverted")]
    public static partial void UnwatchedStarted(ILogger logger);

    [LoggerMessage(83, LogLevel.Warning, "{Remote}: no frame was decoded within {Milliseconds} ms (the capture stalled?); sending the last decoded picture, which may be older than the screen")]
    public static partial void PixelsNotDecoded(ILogger logger, EndPoint? remote, long milliseconds);
}
