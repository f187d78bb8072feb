// SPDX-License-Identifier: MIT
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace KvmPi.Vnc.Server.Web;

/// <summary>
/// RFB over a WebSocket as websockify carries it: the RFB byte stream in binary messages, message boundaries
/// meaning nothing. Lets <see cref="Rfb.Server.RfbServer.RunConnectionAsync"/> serve a browser exactly as it serves
/// a TCP viewer. Each write is one binary message; reads take whatever the current message has.
/// </summary>
/// <remarks>
/// The WebSocket is untrusted input: a message longer than <see cref="MaxMessageBytes"/> or a text message ends the
/// connection (close 1009 / 1003). Frame-level errors (unmasked frames, reserved bits or opcodes, oversized control
/// frames) are caught by the runtime's WebSocket and surface here as <see cref="WebSocketException"/>; every
/// WebSocket error becomes an <see cref="IOException"/>, which the RFB session treats as a lost connection.
/// Disposing closes the WebSocket cleanly (close frame, brief wait for the browser's) so that a browser which was
/// just told why it was refused (failed authentication) sees a clean close and shows that reason.
/// </remarks>
internal sealed class WebSocketRfbStream(WebSocket socket, int maxMessageBytes, ILogger logger, string remote) : Stream
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);
    private const long MaxDrainBytes = 256 * 1024;
    private long _messageBytes;
    private bool _closeReceived;
    private int _disposed;

    /// <summary>The largest binary message accepted from the browser.</summary>
    public int MaxMessageBytes => maxMessageBytes;

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;

    // Reads and writes wait for the browser on every update: pooled state machines, so they allocate nothing per call.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty) return 0;
        while (true)
        {
            if (_closeReceived) return 0;
            ValueWebSocketReceiveResult result;
            try
            {
                result = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (WebSocketException e)
            {
                // A browser that vanished is routine; anything else is a malformed frame from the peer.
                if (e.WebSocketErrorCode == WebSocketError.ConnectionClosedPrematurely) WebLog.WebSocketEnded(logger, remote, e.Message);
                else WebLog.WebSocketError(logger, remote, e.Message);
                throw new IOException($"WebSocket: {e.Message}", e);
            }
            switch (result.MessageType)
            {
                case WebSocketMessageType.Close:
                    _closeReceived = true;
                    return 0;
                case WebSocketMessageType.Text:
                    WebLog.TextMessage(logger, remote);
                    await CloseQuietlyAsync(WebSocketCloseStatus.InvalidMessageType, "binary messages only", waitForPeer: false).ConfigureAwait(false);
                    throw new IOException("WebSocket: text message (RFB travels in binary messages)");
            }
            _messageBytes += result.Count;
            if (_messageBytes > maxMessageBytes)
            {
                WebLog.MessageTooBig(logger, remote, maxMessageBytes);
                await CloseQuietlyAsync(WebSocketCloseStatus.MessageTooBig, "message too big", waitForPeer: false).ConfigureAwait(false);
                throw new IOException($"WebSocket: message over {maxMessageBytes} bytes");
            }
            if (result.EndOfMessage) _messageBytes = 0;
            if (result.Count > 0) return result.Count;
            // An empty frame: nothing for RFB, read on.
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty) return;
        try
        {
            await socket.SendAsync(buffer, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketException e)
        {
            throw new IOException($"WebSocket: {e.Message}", e);
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();
    public override void Flush() { }
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await CloseQuietlyAsync(WebSocketCloseStatus.NormalClosure, "", waitForPeer: true).ConfigureAwait(false);
        socket.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            socket.Abort();
            socket.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>
    /// The closing handshake, bounded: send our close frame; for a normal ending wait briefly (at most
    /// <see cref="CloseTimeout"/> and <see cref="MaxDrainBytes"/>) for the peer's, so a browser sees a clean close;
    /// then abort, so the TCP connection ends however the peer behaves. After a violation nothing more is read.
    /// </summary>
    private async Task CloseQuietlyAsync(WebSocketCloseStatus status, string description, bool waitForPeer)
    {
        using var timeout = new CancellationTokenSource(CloseTimeout);
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await socket.CloseOutputAsync(status, description, timeout.Token).ConfigureAwait(false);
            // Data still in flight before the peer's close frame is discarded.
            byte[] sink = new byte[4096];
            long drained = 0;
            while (waitForPeer && !_closeReceived && socket.State == WebSocketState.CloseSent && drained < MaxDrainBytes)
            {
                ValueWebSocketReceiveResult r = await socket.ReceiveAsync(sink.AsMemory(), timeout.Token).ConfigureAwait(false);
                drained += r.Count;
                if (r.MessageType == WebSocketMessageType.Close) _closeReceived = true;
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
        finally
        {
            if (socket.State is not (WebSocketState.Closed or WebSocketState.Aborted)) socket.Abort();
        }
    }
}
