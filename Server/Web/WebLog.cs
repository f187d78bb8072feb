// SPDX-License-Identifier: MIT
using System.Net;
using Microsoft.Extensions.Logging;

namespace KvmPi.Vnc.Server.Web;

/// <summary>Every log line of the browser console and its WebSocket, source-generated.</summary>
internal static partial class WebLog
{
    [LoggerMessage(301, LogLevel.Warning, "{Remote}: WebSocket refused: origin '{Origin}' is not this console's (Host '{Host}')")]
    public static partial void ForeignOrigin(ILogger logger, string remote, string? origin, string? host);

    [LoggerMessage(302, LogLevel.Warning, "{Remote}: HTTP request refused: Host '{Host}' is not a loopback name, and the console listens on loopback only")]
    public static partial void ForeignHost(ILogger logger, string remote, string? host);

    [LoggerMessage(303, LogLevel.Warning, "{Remote}: WebSocket closed: a message over {Limit} bytes")]
    public static partial void MessageTooBig(ILogger logger, string remote, int limit);

    [LoggerMessage(304, LogLevel.Warning, "{Remote}: WebSocket closed: a text message (RFB travels in binary messages)")]
    public static partial void TextMessage(ILogger logger, string remote);

    [LoggerMessage(305, LogLevel.Warning, "{Remote}: WebSocket refused: subprotocols '{Offered}' offered, but only 'binary' is spoken")]
    public static partial void NoBinaryProtocol(ILogger logger, string remote, string offered);

    [LoggerMessage(306, LogLevel.Warning, "the browser console's noVNC files are missing under {Path}: build after `web/npm-ci.sh` (see README)")]
    public static partial void NoVncMissing(ILogger logger, string path);

    [LoggerMessage(308, LogLevel.Warning, "{Remote}: WebSocket closed: {Message}")]
    public static partial void WebSocketError(ILogger logger, string remote, string message);

    [LoggerMessage(309, LogLevel.Debug, "{Remote}: WebSocket ended: {Message}")]
    public static partial void WebSocketEnded(ILogger logger, string remote, string message);

    [LoggerMessage(307, LogLevel.Information, "serving the browser console on http://{Endpoint}/ (RFB over WebSocket at /websockify)")]
    public static partial void Serving(ILogger logger, IPEndPoint endpoint);
}
