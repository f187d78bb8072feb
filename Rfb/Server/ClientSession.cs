// SPDX-License-Identifier: MIT
using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using KvmPi.Vnc.Rfb.Diagnostics;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Rfb.Protocol;
using KvmPi.Vnc.Rfb.Updates;
using Microsoft.Extensions.Logging;

namespace KvmPi.Vnc.Rfb.Server;

/// <summary>
/// One connected viewer: the handshake, then two loops. The receive loop parses client messages and forwards
/// input to the desktop at once; the update loop sends at most one FramebufferUpdate at a time, only when the
/// viewer has asked and something it asked for has changed (cf. TigerVNC VNCSConnectionST).
/// </summary>
/// <remarks>
/// State shared between the loops and the publisher (<see cref="_lock"/>): the requested area, the dirty tiles,
/// the pixel format and capabilities. A slow viewer parks its update loop in FlushAsync while its dirty set keeps
/// growing: frames are never queued, memory stays bounded, and the viewer gets the newest pixels when it catches up.
/// </remarks>
internal sealed partial class ClientSession : IClientMessageHandler
{
    private readonly RfbServer _server;
    private readonly EndPoint? _remote;
    private readonly ILogger _logger;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly ClientMessageReader _messages;
    private readonly AsyncSignal _updateSignal = new();
    private long _updateLoopWakes;   // written by the update loop only
    private readonly Lock _lock = new();
    // Input state of this viewer, owned by the receive loop (and read by RfbServer.AnyOtherSessionHoldsInput).
    private readonly HeldKeys _heldKeys = new();
    private volatile byte _buttonMask;
    private int _pointerX, _pointerY;
    private bool _sentInput;
    private volatile bool _closing;

    public ClientSession(RfbServer server, Stream transport, EndPoint? remote, ILogger logger)
    {
        _server = server;
        _remote = remote;
        _logger = logger;
        // Each pipe has buffers of its own (SegmentPool says why): steady-state I/O allocates nothing.
        _input = PipeReader.Create(transport, new StreamPipeReaderOptions(new SegmentPool(16 * 1024, 64 * 1024),
            bufferSize: 16 * 1024, leaveOpen: true));
        // A whole update is written before one flush; 64 KiB segments keep large rectangles in few segments.
        _output = PipeWriter.Create(transport, new StreamPipeWriterOptions(new SegmentPool(64 * 1024, 4 * 1024 * 1024),
            minimumBufferSize: 64 * 1024, leaveOpen: true));
        _messages = new ClientMessageReader(server.Options.MaxClientCutTextBytes);
        _framebuffer = server.Framebuffer;
        _dirty = new TileSet(_framebuffer.TileColumns, _framebuffer.TileRows);
        _clientWidth = _framebuffer.Width;
        _clientHeight = _framebuffer.Height;
        _translator = new PixelTranslator(PixelFormat.Bgrx32);
    }

    /// <summary>How often the update loop has woken (any thread): what a viewer's wake-ups cost is the most of what it adds.</summary>
    internal long UpdateLoopWakes => Volatile.Read(ref _updateLoopWakes);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        string reason = "closed by the viewer";
        Task? updates = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            if (!await HandshakeAsync(stop.Token).ConfigureAwait(false))
            {
                reason = "handshake ended";
                return;
            }
            updates = RunUpdateLoopAsync(stop);
            reason = await RunReceiveLoopAsync(stop.Token).ConfigureAwait(false);
        }
        catch (RfbProtocolException e)
        {
            RfbLog.ProtocolError(_logger, _remote, e.Message);
            reason = "protocol error";
        }
        catch (Exception e) when (IsPeerGone(e) || stop.IsCancellationRequested)
        {
            reason = stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested ? _stopReason ?? "stopped" :
                cancellationToken.IsCancellationRequested ? "server stopping" : "connection lost";
        }
        catch (Exception e)
        {
            RfbLog.UnexpectedError(_logger, _remote, e);
            reason = "internal error";
        }
        finally
        {
            _closing = true;
            await stop.CancelAsync().ConfigureAwait(false);
            _updateSignal.Set();
            if (updates is not null)
                await updates.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            DisposeEncoders();   // the update loop, their only user, has ended
            ReleaseHeldInput();   // no key stays pressed, however the viewer left
            await _input.CompleteAsync().ConfigureAwait(false);
            // An exception tells the pipe to drop what an aborted flush left unsent instead of writing it now, with
            // no timeout, to a viewer that stopped reading or has gone.
            try
            {
                await _output.CompleteAsync(new OperationCanceledException("session ended")).ConfigureAwait(false);
            }
            catch (Exception e) when (IsPeerGone(e))
            {
            }
            RfbLog.Disconnected(_logger, _remote, reason);
        }
    }

    private string? _stopReason;

    /// <summary>Parses messages until the viewer closes. Returns why it ended.</summary>
    private async Task<string> RunReceiveLoopAsync(CancellationToken cancellationToken)
    {
        using var partialTimeout = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, partialTimeout.Token);
        bool partial = false, timerArmed = false;
        while (true)
        {
            // Idle viewers may stay silent for hours; a half-sent message may not (slowloris). The clock starts when
            // a message is left incomplete and runs until one completes, however the bytes trickle in.
            if (partial && !timerArmed)
            {
                partialTimeout.CancelAfter(_server.Options.PartialMessageTimeout);
                timerArmed = true;
            }
            ReadResult result;
            try
            {
                result = await _input.ReadAsync(partial ? linked.Token : cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (partialTimeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                RfbLog.PartialMessageTimeout(_logger, _remote, _server.Options.PartialMessageTimeout.TotalSeconds);
                return "half-sent message timed out";
            }
            if (result.IsCanceled) return _stopReason ?? "stopped";

            ReadOnlySequence<byte> buffer = result.Buffer;
            var reader = new SequenceReader<byte>(buffer);
            long before = _messages.PendingSkip;
            bool completedOne = false;
            while (_messages.TryReadOne(ref reader, this))
            {
                completedOne = true;
                OnMessageHandled();
            }
            _input.AdvanceTo(reader.Position, buffer.End);
            partial = reader.Remaining > 0 || _messages.PendingSkip > 0;
            if (timerArmed && (completedOne || _messages.PendingSkip < before) && partialTimeout.TryReset())
                timerArmed = false;   // progress: a new half-sent message gets a fresh allowance
            if (result.IsCompleted) return "closed by the viewer";
        }
    }

    private static bool IsPeerGone(Exception e) =>
        e is IOException or SocketException or ObjectDisposedException or OperationCanceledException ||
        e.InnerException is SocketException;
}
