// SPDX-License-Identifier: MIT
using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using KvmPi.Vnc.Rfb.Diagnostics;
using KvmPi.Vnc.Rfb.Encoding;
using KvmPi.Vnc.Rfb.Encoding.Jpeg;
using KvmPi.Vnc.Rfb.Encoding.Tight;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Rfb.Protocol;
using KvmPi.Vnc.Rfb.Updates;

namespace KvmPi.Vnc.Rfb.Server;

/// <summary>The update loop: what is due, in which encoding, and back-pressure from a slow viewer.</summary>
internal sealed partial class ClientSession
{
    /// <summary>
    /// Rectangles are cut to at most this many pixels, so the per-session scratch is bounded (512 KiB of pixel
    /// values) however large the frame or the request. 2048 × 64 keeps 64-pixel tile rows whole up to 2048 wide,
    /// which is also the widest rectangle Tight allows, for when Tight joins.
    /// </summary>
    private const int MaxPiecePixels = 2048 * 64;
    private const int MaxPieceWidth = 2048;

    // Guarded by _lock (shared with the receive loop and the publisher).
    private Framebuffer _framebuffer;
    private TileSet _dirty;
    private int _clientWidth, _clientHeight;
    private PixelTranslator _translator;
    private ClientCapabilities _capabilities = ClientCapabilities.Default;
    private bool _updateRequested;
    private Rect _requestArea;
    private bool _fullUpdatePending;
    private Rect _fullUpdateArea;
    private bool _framebufferReplaced;
    private LockKeys? _ledSent;            // what this viewer was last told; null: nothing yet

    // Set by PrepareUpdate for WriteUpdate (update loop only): the LED state to send in this update, if any.
    private LockKeys? _ledToSend;
    private EncodingType _ledEncoding;
    private bool _qemuKeysAcknowledged;
    private Framebuffer? _notice;                 // what a viewer that cannot resize sees while the size differs
    private bool _desktopSizePending;             // an ExtendedDesktopSize to send: announce, or answer SetDesktopSize
    private DesktopSizeReason _desktopSizeReason;
    private DesktopSizeStatus _desktopSizeStatus;
    private bool _desktopSizeAnnounced;

    // Owned by the update loop.
    private readonly List<Rect> _rects = [];
    private readonly List<Rect> _pieces = [];
    private uint[] _scratch = [];   // rented when updates start: an unauthenticated socket costs no 512 KiB
    private RawEncoder? _raw;
    private HextileEncoder? _hextile;
    private ZrleEncoder? _zrle;
    private TightUpdateWriter? _tight;
    private TightUpdateWriter? _tightPng;
    private readonly ArrayBufferWriter<byte> _staging = new(64 * 1024);
    private readonly ArrayBufferWriter<byte> _sharedStaging = new(64 * 1024);

    // Lossless refresh (cf. TigerVNC EncodeManager): tiles the viewer holds as JPEG are sent again losslessly once
    // they have not changed for a refresh interval. _lossy, _stillLossy and _refreshRects belong to the update loop;
    // _recentlyChanged is guarded by _lock (the publisher writes it).
    internal const int RefreshIntervalMs = 300;
    private TileSet? _lossy;
    private TileSet? _stillLossy;
    private TileSet? _recentlyChanged;
    private volatile bool _hasLossy;
    // When the lossy tiles are next checked for stillness (Environment.TickCount64; 0: the viewer holds none). The
    // check runs on whatever wakes the update loop once it is due: while the picture changes, every frame does. For a
    // screen gone still, when nothing else wakes the loop, the server's RefreshClock does once the check is
    // RefreshOverdueMs late. Written by the update loop only.
    private long _refreshDueAt;
    internal const long RefreshOverdueMs = RefreshIntervalMs / 2;
    private readonly List<Rect> _refreshRects = [];

    // "And bandwidth allows" (cf. TigerVNC's lossless refresh, limited to what the link carries meanwhile): on a link
    // whose bandwidth the fences (or, without fences, the viewer's requests) measure, one update refreshes only what
    // takes about this long to send, so changes (typing) never queue behind a whole screen of lossless pixels; the
    // rest goes in the updates after it.
    private static readonly TimeSpan RefreshLinkTime = TimeSpan.FromMilliseconds(100);
    // Guarded by _lock: the update loop notes updates, the receive loop requests.
    private readonly RequestPacedBandwidth _requestPaced = new();
    // How long the refresh waits for a viewer without fences to answer the update before it (see RefreshTileBudgetLocked).
    private static readonly TimeSpan RefreshAnswerWait = TimeSpan.FromSeconds(2);
    // Bytes a refreshed pixel cost lately (update loop only): the budget's pixels from the link's bytes. Starts where
    // lossless desktop content is (text ~0.3, photographs ~2–3) and follows what was sent.
    private double _refreshBytesPerPixel = 1.0;

    /// <summary>
    /// Publisher thread: tiles changed in the current framebuffer (all of them for a frame taken as the capture's image
    /// alone, <see cref="RfbServer.TryPublishJpegOnly"/>), and the band that scrolled, if any. This viewer's update
    /// loop is woken on the publisher's thread: a small update (typing, a pointer) or the capture's image as it is
    /// takes less to write than the thread-pool hop would, and the loop moves to the pool itself before anything
    /// longer (<see cref="IsBrief"/>).
    /// </summary>
    public void OnFramebufferChanged(Framebuffer framebuffer, TileSet changed, ScrollDetector? scroll = null, ScrollMove move = default)
    {
        lock (_lock)
        {
            if (framebuffer != _framebuffer) return;   // we will resend everything of the new one anyway
            if (_notice is not null) return;            // this viewer sees the resize notice, which does not change
            if (scroll is null || !TryTakeMoveLocked(framebuffer, scroll, move, changed))
                _dirty.UnionWith(changed);
            AnnouncedLocked(framebuffer.Current.FrameNumber);
            _recentlyChanged?.UnionWith(changed);
            if (!_updateRequested && !_continuousUpdates) return;
        }
        _updateSignal.SetInline();
    }

    // Pixels an update may have and still be written on the thread that woke the loop: four tiles, about what a
    // few typed characters change, whose encoding takes a fraction of a millisecond. A hop to the pool would wake a
    // worker, a thread switch or two (docs/performance.md, "Thread switches a frame"); the capture's next frame is
    // tens of milliseconds away.
    private const int BriefUpdatePixels = 4 * Framebuffer.TileSize * Framebuffer.TileSize;

    /// <summary>
    /// Whether an update is brief enough to write from the thread that woke the loop inline (the publisher's): no
    /// pixels at all, a few changed tiles with nothing to refresh or move, or the capture's image alone to a Tight
    /// viewer.
    /// </summary>
    private bool IsBrief(UpdateKind kind, Framebuffer framebuffer, EncodingType encoding) =>
        kind != UpdateKind.Data
        || (_refreshRects.Count == 0 && _movesToSend.Count == 0
            && ((IsTight(encoding) && _server.Options.JpegPassThrough && framebuffer.SourceAhead && framebuffer.SourceJpegLength > 0)
                || (!framebuffer.SourceAhead && Rect.TotalArea(_rects) <= BriefUpdatePixels)));

    /// <summary>
    /// Publisher thread: whether this viewer can be sent the capture's JPEG as it is instead of the pixels of the
    /// next frame (<see cref="RfbServer.TryPublishJpegOnly"/>): it takes Tight JPEG at a quality near the capture's
    /// (<paramref name="sourceQuality"/>) or above, and sees the whole frame at its size.
    /// </summary>
    public bool TakesJpegOnly(Framebuffer framebuffer, int sourceQuality)
    {
        lock (_lock)
        {
            if (framebuffer != _framebuffer || _framebufferReplaced || _notice is not null) return false;
            if (_clientWidth != framebuffer.Width || _clientHeight != framebuffer.Height || framebuffer.Width > TightEncoder.MaxWidth)
                return false;
            return TightJpegSettingsLocked() is { } settings
                   && settings.JpegQuality >= sourceQuality - RfbServer.JpegOnlyQualityMargin;
        }
    }

    /// <summary>Under the lock: this viewer's Tight settings when it takes Tight with JPEG, else null.</summary>
    private TightSettings? TightJpegSettingsLocked()
    {
        EncodingType encoding = _capabilities.PreferredEncoding;
        if (!IsTight(encoding)) return null;
        ClientCapabilities caps = _capabilities;
        var settings = TightSettings.From(encoding == EncodingType.TightPng, _translator.Format.BitsPerPixel,
            caps.CompressLevel, caps.QualityLevel, caps.FineQuality, caps.Subsampling);
        return settings.AllowsJpeg ? settings : null;
    }

    /// <summary>
    /// Under the lock: whether an update of <paramref name="held"/> must wait for the next frame's pixels. Frames taken
    /// as the capture's image alone (<see cref="RfbServer.TryPublishJpegOnly"/>: while nobody watched, or every viewer
    /// took the image) leave the pixels older than the picture; a viewer that can be sent the image itself is sent
    /// that, any other would be shown a picture from before, for a moment or, after hours unwatched, from hours ago.
    /// It refuses frames as the image alone, so the capture decodes the next one, within a frame's time. Only pixels
    /// wait: with nothing dirty there is nothing to show from them.
    /// </summary>
    private bool MustWaitForPixelsLocked(FrameSnapshot held, Framebuffer framebuffer, Rect visible)
    {
        if (!held.SourceAhead || framebuffer != _framebuffer || _dirty.IsEmpty) return false;
        // An uncompressed frame taken without pixels (RfbServer.TryPublishWithoutPixels) left no image to send.
        bool takesImage = held.SourceJpegLength > 0 && _server.Options.JpegPassThrough && TightJpegSettingsLocked() is { } settings
                          && TightUpdateWriter.PassThroughFits(settings, visible, framebuffer.Width, framebuffer.Height);
        return !takesImage;
    }

    /// <summary>
    /// Under the lock: whether the update loop, woken now, might have something to send. Errs towards yes: anything
    /// it could find to do, whatever the requested area. Whatever becomes due later wakes the loop itself.
    /// </summary>
    private bool UpdateMayBeDueLocked() =>
        _fullUpdatePending || !_dirty.IsEmpty || _stillLossy is { IsEmpty: false } || RefreshCheckOverdue()
        || _control.WrittenCount > 0 || _framebufferReplaced || _framebuffer != _server.Framebuffer
        || _desktopSizePending || _pendingMoves.Count > 0 || _syncFence != SyncFenceState.None
        || (_capabilities.LedState is not null && _server.LedState is LockKeys state && state != _ledSent);

    /// <summary>Publisher thread: a frame of another size replaced the framebuffer.</summary>
    public void OnFramebufferReplaced()
    {
        lock (_lock) _framebufferReplaced = true;
        _updateSignal.Set();
    }

    /// <summary>Any thread: the machine's lock keys changed; sent with the next update (at once if one is requested).</summary>
    public void OnLedStateChanged()
    {
        lock (_lock)
        {
            if (_capabilities.LedState is null || (!_updateRequested && !_continuousUpdates)) return;
        }
        _updateSignal.Set();
    }

    /// <summary>Under the lock: whether this viewer takes LED state and has not been told the current one.</summary>
    private bool TakeLedStateDueUnsynchronized()
    {
        _ledToSend = null;
        if (_capabilities.LedState is not EncodingType encoding || _server.LedState is not LockKeys state || state == _ledSent)
            return false;
        _ledSent = state;
        _ledToSend = state;
        _ledEncoding = encoding;
        return true;
    }

    private async Task RunUpdateLoopAsync(CancellationTokenSource stop)
    {
        using var writeTimeout = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, writeTimeout.Token);
        // Wakes the loop when the oldest unanswered ping would be overdue, so a viewer that stops answering fences
        // is dropped after the write timeout like one that stops reading.
        using var fenceTimer = new Timer(static signal => ((AsyncSignal)signal!).Set(), _updateSignal, Timeout.Infinite, Timeout.Infinite);
        // Wakes the loop when an update waiting for pixels (MustWaitForPixelsLocked) has waited long enough.
        using var pixelTimer = new Timer(static signal => ((AsyncSignal)signal!).Set(), _updateSignal, Timeout.Infinite, Timeout.Infinite);
        long fenceTimeoutMicros = (long)_server.Options.WriteTimeout.TotalMicroseconds;
        _scratch = ArrayPool<uint>.Shared.Rent(MaxPiecePixels);
        _stream = new UpdateStream(writeTimeout, linked.Token, stop);
        try
        {
            while (!_closing)
            {
                await _updateSignal.WaitAsync().ConfigureAwait(false);
                if (_closing) break;
                Volatile.Write(ref _updateLoopWakes, _updateLoopWakes + 1);
                long flushed = _bytesWritten;   // only this loop writes it
                // Every rectangle of the update, and the CopyRects before them, show the frame held here, whatever
                // the capture publishes meanwhile (PrepareUpdate). Let go before the flush waits for the viewer.
                UpdateKind kind = PrepareUpdate(out bool wroteControl, out bool ping, out long? waitingSince,
                    out int newWidth, out int newHeight, out Framebuffer framebuffer, out PixelTranslator translator,
                    out EncodingType encoding, out FrameSnapshot? held);
                long after = 0;
                if (_pixelWaitWake > 0)
                {
                    pixelTimer.Change(_pixelWaitWake, Timeout.Infinite);
                    _pixelWaitWake = 0;
                }
                try
                {
                    if (waitingSince is long sentAt)
                    {
                        long left = sentAt + fenceTimeoutMicros - NowMicros();
                        if (left <= 0)
                        {
                            RfbLog.FenceTimeout(_logger, _remote, _server.Options.WriteTimeout.TotalSeconds);
                            await StopAsync(stop, "not answering fences").ConfigureAwait(false);
                            return;
                        }
                        fenceTimer.Change(left / 1000 + 1, Timeout.Infinite);
                    }
                    if (kind == UpdateKind.None && !wroteControl) continue;
                    ping &= kind != UpdateKind.None;
                    _stream.Begin(ping);
                    // Woken on the publisher's thread (OnFramebufferChanged): anything longer than a brief update goes to the pool.
                    // ForceYielding rather than Task.Yield, which would post to the publisher's synchronization context, if any.
                    if (AsyncSignal.RunningInline && !IsBrief(kind, framebuffer, encoding))
                        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);

                    // An update between two RTT pings (TigerVNC does the same): the first answer tells the round trip
                    // with nothing of this update ahead of it, the second when the whole update has been processed.
                    if (kind != UpdateKind.None)
                    {
                        if (ping) _stream.PingBefore = WritePing(flushed);
                        try
                        {
                            await WriteUpdateAsync(kind, newWidth, newHeight, held, translator, encoding).ConfigureAwait(false);
                        }
                        finally
                        {
                            lock (_lock) ClearInFlightLocked(framebuffer, held?.FrameNumber ?? -1);
                            _movesToSend.Clear();
                        }
                        if (ping) after = WritePing(flushed + _stream.FlushedBytes);
                    }
                }
                finally
                {
                    held?.Release();
                    ScheduleRefreshCheck();
                }
                long written = flushed + _stream.FlushedBytes + _output.UnflushedBytes;
                lock (_lock)
                {
                    _bytesWritten = written;
                    if (ping)
                    {
                        long now = NowMicros();
                        if (_stream.StartedAt == 0) _congestion.SentPing(_stream.PingBefore, now);   // else sent with its first part
                        _congestion.SentPing(after, now);
                    }
                    else if (kind != UpdateKind.None && !_continuousUpdates)
                    {
                        // On the link from its first part on, if it went in parts (StreamChunkBytes).
                        _requestPaced.SentUpdate(written - flushed, _stream.StartedAt != 0 ? _stream.StartedAt : NowMicros());
                    }
                }

                if (!await FlushOrStopAsync(_stream).ConfigureAwait(false)) return;
                if (kind == UpdateKind.SizeReply) _updateSignal.Set();   // pixels may be due too: look again
            }
        }
        catch (Exception e) when (IsPeerGone(e) || stop.IsCancellationRequested)
        {
            // The receive loop sees the same ending and reports it.
            _input.CancelPendingRead();
        }
        catch (Exception e)
        {
            RfbLog.UnexpectedError(_logger, _remote, e);
            _stopReason = "internal error";
            await stop.CancelAsync().ConfigureAwait(false);
            _input.CancelPendingRead();
        }
        finally
        {
            ArrayPool<uint>.Shared.Return(_scratch);
            _scratch = [];
        }
    }

    /// <summary>
    /// An update larger than this goes to the viewer in parts as it is encoded, so the viewer decodes the first
    /// rectangles while the server encodes the next (and, on a real link, while they cross it): a lossless 1080p
    /// update is ~1 MB and tens of milliseconds of encoding.
    /// </summary>
    /// <remarks>
    /// The methods that write an update are async for these flushes. They complete synchronously while the socket
    /// takes the bytes, and suspend on a slow link; their state machines are pooled, so they allocate nothing per update.
    /// </remarks>
    internal const int StreamChunkBytes = 64 * 1024;

    /// <summary>The update loop's flush state: its write timeout, and the update being written (update loop only).</summary>
    private sealed class UpdateStream(CancellationTokenSource writeTimeout, CancellationToken token, CancellationTokenSource stop)
    {
        public CancellationTokenSource WriteTimeout { get; } = writeTimeout;
        public CancellationToken Token { get; } = token;
        public CancellationTokenSource Stop { get; } = stop;
        /// <summary>Whether the update is between two pings.</summary>
        public bool Ping { get; private set; }
        /// <summary>Position of the ping written before the update.</summary>
        public long PingBefore { get; set; }
        /// <summary>Bytes of this update flushed in parts so far.</summary>
        public long FlushedBytes { get; set; }
        /// <summary>When its first part was flushed (monotonic microseconds); 0: not in parts.</summary>
        public long StartedAt { get; set; }

        public void Begin(bool ping)
        {
            Ping = ping;
            PingBefore = FlushedBytes = StartedAt = 0;
        }
    }

    private UpdateStream _stream = null!;   // made when the update loop starts

    /// <summary>Bytes written since the update began, flushed in parts or not.</summary>
    private long UpdatePosition => _stream.FlushedBytes + _output.UnflushedBytes;

    /// <summary>
    /// Update loop, mid-update: flushes what is written when it reaches <see cref="StreamChunkBytes"/>. The first part
    /// starts the update's time on the link: the ping before it is sent now, as its answer may come before the rest
    /// is written. A viewer that stops reading ends the session here as at the update's end.
    /// </summary>
    /// <param name="shared">
    /// Bytes that follow what the output holds, sent from where they are (the capture's image, which all viewers share):
    /// the pipe would copy them first, ~200 KB for each viewer and frame. Always sent, however little the output holds.
    /// </param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FlushPartAsync(ReadOnlyMemory<byte> shared = default)
    {
        UpdateStream stream = _stream;
        long pending = _output.UnflushedBytes;
        if (pending < StreamChunkBytes && shared.IsEmpty) return;
        if (stream.StartedAt == 0)
        {
            long now = NowMicros();
            stream.StartedAt = now;
            if (stream.Ping) lock (_lock) _congestion.SentPing(stream.PingBefore, now);
        }
        if (!await FlushOrStopAsync(stream, shared).ConfigureAwait(false))
            throw new OperationCanceledException("the viewer stopped reading updates", stream.Stop.Token);
        stream.FlushedBytes += pending + shared.Length;
    }

    /// <summary>
    /// Flushes the output, then <paramref name="shared"/> if any, within the write timeout. False when the viewer did
    /// not read it in time: the session is then stopping ("not reading updates").
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> FlushOrStopAsync(UpdateStream stream, ReadOnlyMemory<byte> shared = default)
    {
        stream.WriteTimeout.CancelAfter(_server.Options.WriteTimeout);
        try
        {
            // StreamPipeWriter.WriteAsync writes its buffered segments and then these bytes to the transport, uncopied.
            ValueTask<FlushResult> flush = shared.IsEmpty ? _output.FlushAsync(stream.Token) : _output.WriteAsync(shared, stream.Token);
            if (flush.IsCompleted)
            {
                flush.GetAwaiter().GetResult();
            }
            else
            {
                await flush.ConfigureAwait(false);
                // The viewer's socket took its time, and what follows a socket operation may run on the sockets'
                // one epoll thread (the server enables inline completions): the rest of the update, whatever it
                // encodes, goes on in the pool rather than hold up every other connection.
                await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
            }
        }
        catch (OperationCanceledException) when (stream.WriteTimeout.IsCancellationRequested && !stream.Stop.IsCancellationRequested)
        {
            await StopNotReadingAsync(stream.Stop).ConfigureAwait(false);
            return false;
        }
        // The timer fired as the flush completed: the token is spent, and the viewer was that slow anyway.
        if (!stream.WriteTimeout.TryReset())
        {
            await StopNotReadingAsync(stream.Stop).ConfigureAwait(false);
            return false;
        }
        return true;
    }

    /// <summary>Moves the staged rectangles of an update to the output, in pieces the pipe's segments take whole.</summary>
    private void WriteStaged()
    {
        ReadOnlySpan<byte> staged = _staging.WrittenSpan;
        while (!staged.IsEmpty)
        {
            int n = Math.Min(16 * 1024, staged.Length);
            _output.Write(staged[..n]);
            staged = staged[n..];
        }
        _staging.ResetWrittenCount();
    }

    /// <summary>
    /// What the next update holds: nothing, a size change alone (DesktopSize, or ExtendedDesktopSize when the
    /// viewer lists it; rfbproto: only EDS goes to viewers that list both), an ExtendedDesktopSize alone at an
    /// unchanged size (the first announcement, or the answer to SetDesktopSize), or pixel data.
    /// </summary>
    private enum UpdateKind { None, Resize, ResizeExtended, SizeReply, Data }

    private async Task StopNotReadingAsync(CancellationTokenSource stop)
    {
        RfbLog.WriteTimeout(_logger, _remote, _server.Options.WriteTimeout.TotalSeconds);
        await StopAsync(stop, "not reading updates").ConfigureAwait(false);
    }

    private async Task StopAsync(CancellationTokenSource stop, string reason)
    {
        _stopReason = reason;
        await stop.CancelAsync().ConfigureAwait(false);
        _input.CancelPendingRead();
    }

    /// <summary>
    /// Decides under the lock what the next update holds: a DesktopSize alone after a resize, or the dirty tiles
    /// inside the requested area (everything requested, for a non-incremental request; the continuous-updates area
    /// as if always requested). Queued control messages are written first, in the same step. Returns
    /// <see cref="UpdateKind.None"/> when nothing is due or the update must wait (<paramref name="waitingSince"/>:
    /// for the answer to a ping sent then); the request then stays pending.
    /// </summary>
    private UpdateKind PrepareUpdate(out bool wroteControl, out bool ping, out long? waitingSince, out int newWidth,
        out int newHeight, out Framebuffer framebuffer, out PixelTranslator translator, out EncodingType encoding,
        out FrameSnapshot? held)
    {
        held = null;
        FrameSnapshot? candidate = HoldAnnouncedFrame();
        try
        {
            return PrepareUpdateLocked(out wroteControl, out ping, out waitingSince, out newWidth, out newHeight,
                out framebuffer, out translator, out encoding, ref candidate, out held);
        }
        catch
        {
            // A frame held for good would leave the publisher one spare short, and with two, waiting for ever.
            held?.Release();
            held = null;
            throw;
        }
        finally
        {
            candidate?.Release();
        }
    }

    /// <summary>
    /// How long an update waits to be told of the frame it would hold. The publisher makes a frame current and then
    /// tells the viewers what changed, which takes microseconds unless its thread is preempted; an update that goes
    /// without waiting sends that frame's changes as pixels, and so loses its scroll as CopyRect.
    /// </summary>
    private const int AnnouncementWaitMilliseconds = 20;

    // Update loop, set under the lock by PrepareUpdateLocked: since when (Environment.TickCount64; -1: not) an update
    // waits for pixels, and in how many milliseconds the loop must look again (0: no wake due).
    private long _pixelsAwaitedSince = -1;
    private int _pixelWaitWake;

    /// <summary>
    /// Holds the current frame, once this viewer has been told what it changed (or the publisher has finished telling
    /// the viewers it knew of), waiting at most <see cref="AnnouncementWaitMilliseconds"/>. Outside the lock: the
    /// publisher takes it to tell us.
    /// </summary>
    private FrameSnapshot HoldAnnouncedFrame()
    {
        Framebuffer framebuffer = _server.Framebuffer;
        FrameSnapshot held = framebuffer.Hold();
        if (IsAnnounced(framebuffer, held)) return held;
        long deadline = Environment.TickCount64 + AnnouncementWaitMilliseconds;
        var spin = new SpinWait();
        while (!IsAnnounced(framebuffer, held) && Environment.TickCount64 < deadline) spin.SpinOnce();
        return held;
    }

    private bool IsAnnounced(Framebuffer framebuffer, FrameSnapshot held) =>
        held.FrameNumber <= framebuffer.AnnouncedFrame || held.FrameNumber <= Volatile.Read(ref _announcedFrame);

    /// <summary>
    /// <see cref="PrepareUpdate"/> under the lock. <paramref name="candidate"/> is the frame held beforehand: taken as
    /// the update's (<paramref name="held"/>, and <paramref name="candidate"/> set to null) when it is still right.
    /// </summary>
    private UpdateKind PrepareUpdateLocked(out bool wroteControl, out bool ping, out long? waitingSince, out int newWidth,
        out int newHeight, out Framebuffer framebuffer, out PixelTranslator translator, out EncodingType encoding,
        ref FrameSnapshot? candidate, out FrameSnapshot? held)
    {
        held = null;
        lock (_lock)
        {
            wroteControl = WriteControlLocked();
            ping = _capabilities.Fence;
            waitingSince = null;
            framebuffer = _server.Framebuffer;
            newWidth = framebuffer.Width;
            newHeight = framebuffer.Height;
            translator = _translator;
            encoding = _capabilities.PreferredEncoding;
            _rects.Clear();
            _refreshRects.Clear();
            // The answer to SetDesktopSize goes at once, request or not (as TigerVNC's no-data update); the first
            // announcement waits for the viewer's first request, so it is the first update the viewer sees.
            if (_desktopSizePending && _capabilities.ExtendedDesktopSize
                && (_updateRequested || _continuousUpdates || _desktopSizeReason == DesktopSizeReason.ThisClient)
                && !(_framebufferReplaced || framebuffer != _framebuffer))
            {
                _desktopSizePending = false;
                // It answers the pending request, as the QEMU key ack does (WriteControlLocked).
                _updateRequested = false;
                newWidth = _clientWidth;
                newHeight = _clientHeight;
                ping = false;
                return UpdateKind.SizeReply;
            }
            if (!_updateRequested && !_continuousUpdates) return UpdateKind.None;
            if (UpdatesHeldLocked(out bool congested))
            {
                if (congested) waitingSince = _congestion.OldestUnansweredSentAt;
                return UpdateKind.None;
            }

            if (_framebufferReplaced || framebuffer != _framebuffer)
            {
                _framebufferReplaced = false;
                _framebuffer = framebuffer;
                _dirty = new TileSet(framebuffer.TileColumns, framebuffer.TileRows);
                _dirty.SetAll();
                // Everything is resent; what goes lossy is marked again. The three sets are made at the new grid when
                // pixels are next due: until then (a DesktopSize goes first and waits for the viewer's request) the
                // publisher must not mark the new frame's tiles in a set of the old grid.
                _lossy = null;
                _stillLossy = null;
                _recentlyChanged = null;
                _notice = null;
                ResetMovesLocked();
                _announcedFrame = framebuffer.AnnouncedFrame;
                if (newWidth != _clientWidth || newHeight != _clientHeight)
                {
                    if (_capabilities.CanResize)
                    {
                        // rfbproto "DesktopSize": sent alone; pixels at the new size follow the viewer's next request.
                        _clientWidth = newWidth;
                        _clientHeight = newHeight;
                        _updateRequested = false;
                        _fullUpdatePending = false;
                        _desktopSizePending = false;
                        return _capabilities.ExtendedDesktopSize ? UpdateKind.ResizeExtended : UpdateKind.Resize;
                    }
                    if (_server.Options.ResizeNotice is { } notice)
                    {
                        _notice = RenderNotice(notice, newWidth, newHeight);
                        _dirty = new TileSet(_notice.TileColumns, _notice.TileRows);
                        _dirty.SetAll();
                    }
                }
            }
            if (_notice is not null) framebuffer = _notice;

            // A viewer that cannot resize keeps its size: it sees the notice, or the part of a larger frame that fits.
            var visible = new Rect(0, 0, Math.Min(_clientWidth, framebuffer.Width), Math.Min(_clientHeight, framebuffer.Height));
            if (_fullUpdatePending)
            {
                _dirty.SetRect(_fullUpdateArea.Intersect(visible));
                _fullUpdatePending = false;
            }
            if (_lossy is null || _lossy.Columns != _dirty.Columns || _lossy.Rows != _dirty.Rows)
            {
                _lossy = new TileSet(_dirty.Columns, _dirty.Rows);
                _stillLossy = new TileSet(_dirty.Columns, _dirty.Rows);
                _recentlyChanged = new TileSet(_dirty.Columns, _dirty.Rows);
                _hasLossy = false;
            }

            // The frame this update shows: held from here until it is written (pixel data only; the caller lets go).
            // The one held before the lock, unless the framebuffer was replaced or a newer frame announced meanwhile
            // (its changes would be sent from older pixels and then taken as sent).
            if (candidate is not null && candidate.Owner == framebuffer
                && !(framebuffer == _framebuffer && candidate.FrameNumber < _announcedFrame))
            {
                held = candidate;
                candidate = null;
            }
            else
            {
                held = framebuffer.Hold();
            }
            if (MustWaitForPixelsLocked(held, framebuffer, visible))
            {
                long now = Environment.TickCount64;
                if (_pixelsAwaitedSince < 0) _pixelsAwaitedSince = now;
                long wait = (long)_server.Options.PixelWait.TotalMilliseconds;
                long left = _pixelsAwaitedSince + wait - now;
                if (left > 0)
                {
                    // The request stays pending: the frame with pixels wakes this loop, or the timer does.
                    _pixelWaitWake = (int)Math.Min(left + 1, int.MaxValue - 1);
                    held.Release();
                    held = null;
                    return UpdateKind.None;
                }
                RfbLog.PixelsNotDecoded(_logger, _remote, wait);
            }
            _pixelsAwaitedSince = -1;
            if (framebuffer == _framebuffer) TakeUnannouncedChangesLocked(held);

            if (RefreshCheckDue() && _stillLossy is not null && _recentlyChanged is not null)
            {
                // Lossy tiles that did not change during the last interval and are not about to be resent anyway.
                Volatile.Write(ref _refreshDueAt, Environment.TickCount64 + RefreshIntervalMs);
                _stillLossy.CopyFrom(_lossy);
                _stillLossy.ExceptWith(_recentlyChanged);
                _stillLossy.ExceptWith(_dirty);
                _recentlyChanged.Clear();
            }

            Rect area = !_continuousUpdates ? _requestArea :
                _updateRequested ? Union(_requestArea, _continuousArea) : _continuousArea;
            // Tiles are cut at the visible edge, not the frame's: a tile straddling the edge of a smaller viewer's
            // view is then fully sent and cleared, instead of staying marked and being resent forever.
            TakePendingMovesLocked(area, visible, _lossy);
            _dirty.TakeRects(area.Intersect(visible), visible.Width, visible.Height, _rects);
            if (_stillLossy is not null)
            {
                int budget = RefreshTileBudgetLocked();
                if (budget > 0) _stillLossy.TakeRects(area.Intersect(visible), visible.Width, visible.Height, _refreshRects, budget);
                if (budget != int.MaxValue && _refreshRects.Count > 0 && !_stillLossy.IsEmpty)
                    RfbLog.RefreshCut(_logger, _remote, budget, _stillLossy.Count, LinkBandwidthLocked());
                else if (budget == int.MaxValue && _refreshRects.Count > 0)
                    RfbLog.RefreshWhole(_logger, _remote, _refreshRects.Count, LinkBandwidthLocked());
            }
            MarkInFlightLocked(held);
            // rfbproto "LED State": sent whenever it changes, as a pseudo-rectangle of an update (alone if no pixels are due).
            bool ledDue = TakeLedStateDueUnsynchronized();
            if (_rects.Count == 0 && _refreshRects.Count == 0 && _movesToSend.Count == 0 && !ledDue)
            {
                held.Release();
                held = null;
                return UpdateKind.None;
            }
            _updateRequested = false;
            return UpdateKind.Data;
        }
    }

    /// <summary>
    /// Under the lock: the publisher makes a frame current before it tells the viewers what changed, so the frame
    /// held for an update may be one this viewer has not been told of yet. Its changes go in this update, or the
    /// picture would show that frame's pixels in the tiles due anyway and the frame before elsewhere. Its
    /// announcement follows and changes nothing more than a resend.
    /// </summary>
    private void TakeUnannouncedChangesLocked(FrameSnapshot held)
    {
        if (held.FrameNumber <= _announcedFrame) return;
        if (held.FrameNumber == _announcedFrame + 1)
        {
            _dirty.UnionWith(held.Changed);
            _recentlyChanged?.UnionWith(held.Changed);
        }
        else
        {
            // More than one frame came meanwhile (the viewer's loop was held up); what each changed is gone.
            _dirty.SetAll();
            _recentlyChanged?.SetAll();
        }
    }

    /// <summary>The notice at this viewer's size; allocated once per size change, only for viewers that cannot resize.</summary>
    private Framebuffer RenderNotice(IResizeNotice notice, int newWidth, int newHeight)
    {
        byte[] pixels = new byte[_clientWidth * _clientHeight * 4];
        notice.Render(pixels, _clientWidth, _clientHeight, newWidth, newHeight);
        var framebuffer = new Framebuffer(_clientWidth, _clientHeight);
        framebuffer.Update(pixels, _clientWidth * 4, new TileSet(framebuffer.TileColumns, framebuffer.TileRows));
        RfbLog.ResizeNoticeShown(_logger, _remote, _clientWidth, _clientHeight, newWidth, newHeight);
        return framebuffer;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteUpdateAsync(UpdateKind update, int width, int height, FrameSnapshot? held, PixelTranslator translator, EncodingType encoding)
    {
        switch (update)
        {
            case UpdateKind.Resize:
                ServerMessageWriter.WriteFramebufferUpdateHeader(_output, 1);
                ServerMessageWriter.WriteDesktopSize(_output, width, height);
                return;
            case UpdateKind.ResizeExtended:
                ServerMessageWriter.WriteFramebufferUpdateHeader(_output, 1);
                ServerMessageWriter.WriteExtendedDesktopSize(_output, DesktopSizeReason.Server, DesktopSizeStatus.NoError, width, height);
                return;
            case UpdateKind.SizeReply:
                ServerMessageWriter.WriteFramebufferUpdateHeader(_output, 1);
                DesktopSizeReason reason;
                DesktopSizeStatus status;
                lock (_lock) (reason, status) = (_desktopSizeReason, _desktopSizeStatus);
                ServerMessageWriter.WriteExtendedDesktopSize(_output, reason, status, width, height);
                return;
        }
        FrameSnapshot frame = held ?? throw new InvalidOperationException("Pixel data without a held frame.");

        if (IsTight(encoding))
        {
            await WriteTightUpdateAsync(frame, translator, encoding).ConfigureAwait(false);
            return;
        }

        // Raw, Hextile and ZRLE are lossless: areas a Tight JPEG left lossy (before the viewer switched encodings)
        // are exact once sent, and still ones are due for refresh like any others.
        _pieces.Clear();
        foreach (Rect rect in _rects) Split(rect, _pieces);
        int refreshPieces = _pieces.Count;
        foreach (Rect rect in _refreshRects) Split(rect, _pieces);
        refreshPieces = _pieces.Count - refreshPieces;
        foreach (Rect piece in _pieces) _lossy?.RemoveCovered(piece, frame.Width, frame.Height);
        _hasLossy = _lossy is { IsEmpty: false };
        IRectEncoder encoder = EncoderFor(encoding, translator.Format);
        if (encoder is ZrleEncoder zrle) zrle.UpdateArea = Rect.TotalArea(_pieces);
        SharedEncodingCache? shared = _server.ShareEncodings ? _server.SharedEncodings : null;
        SharedPayloadKind kind = encoder.Encoding == EncodingType.Hextile ? SharedPayloadKind.Hextile : SharedPayloadKind.Raw;
        if (encoder.Encoding is not (EncodingType.Raw or EncodingType.Hextile)) shared = null;   // zlib state: per viewer
        if (frame.Owner != _server.Framebuffer) shared = null;   // this viewer's own resize notice
        WriteUpdateStart(_pieces.Count);
        int firstRefreshPiece = _pieces.Count - refreshPieces;
        long refreshStart = 0;
        for (int p = 0; p < _pieces.Count; p++)
        {
            Rect piece = _pieces[p];
            if (p == firstRefreshPiece) refreshStart = UpdatePosition;
            ServerMessageWriter.WriteRectHeader(_output, piece, encoder.Encoding);
            if (shared is null)
            {
                Span<uint> pixels = _scratch.AsSpan(0, piece.Width * piece.Height);
                frame.ReadPixels(piece, translator, pixels);
                encoder.Encode(pixels, piece.Width, piece.Height, translator.Format, _output);
            }
            else
            {
                WriteSharedPiece(shared, kind, encoder, frame, piece, translator);
            }
            await FlushPartAsync().ConfigureAwait(false);
        }
        if (refreshPieces > 0) NoteRefreshCost(UpdatePosition - refreshStart, Rect.TotalArea(_refreshRects));
    }

    /// <summary>
    /// A Raw or Hextile piece through the server's per-frame cache: copied when another viewer already encoded the
    /// same pixels in the same format, encoded (and offered to the others) otherwise.
    /// </summary>
    private void WriteSharedPiece(SharedEncodingCache shared, SharedPayloadKind kind, IRectEncoder encoder, FrameSnapshot frame,
        Rect piece, PixelTranslator translator)
    {
        var key = new SharedPayloadKey(frame.Version, piece, kind, translator.Format, 0, 0);
        SharedLookup lookup = shared.TryWrite(key, _output);
        if (lookup == SharedLookup.Hit) return;
        Span<uint> pixels = _scratch.AsSpan(0, piece.Width * piece.Height);
        frame.ReadPixels(piece, translator, pixels);
        if (lookup == SharedLookup.Claimed && frame.Version != key.Version)
        {
            shared.Abandon(key);   // a JPEG-only frame moved the version on since the lookup (the pixels stay)
            lookup = SharedLookup.Bypass;
        }
        if (lookup == SharedLookup.Bypass)
        {
            encoder.Encode(pixels, piece.Width, piece.Height, translator.Format, _output);
            return;
        }
        _sharedStaging.ResetWrittenCount();
        try
        {
            encoder.Encode(pixels, piece.Width, piece.Height, translator.Format, _sharedStaging);
        }
        catch
        {
            shared.Abandon(key);
            throw;
        }
        shared.Publish(key, _sharedStaging.WrittenSpan);
        _output.Write(_sharedStaging.WrittenSpan);
    }

    private static bool IsTight(EncodingType encoding) => encoding is EncodingType.Tight or EncodingType.TightPng;

    /// <summary>
    /// Updates of at least this many pixels go to viewers that list LastRect as they are encoded (<see cref="StreamChunkBytes"/>);
    /// smaller ones are staged and carry their rectangle count, as before, and are the same bytes as without LastRect.
    /// </summary>
    internal const long StreamMinArea = 16 * Framebuffer.TileSize * Framebuffer.TileSize;

    /// <summary>
    /// A Tight update: the dirty rectangles (or the capture's own JPEG when that covers them), then the lossless
    /// refresh of still lossy areas. Rectangles are staged first because the header carries their count, unless the
    /// viewer lists LastRect and the update is large: it then goes as it is encoded (<see cref="WriteTightStreamedAsync"/>).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteTightUpdateAsync(FrameSnapshot frame, PixelTranslator translator, EncodingType encoding)
    {
        ClientCapabilities caps;
        int clientWidth, clientHeight;
        lock (_lock)
        {
            caps = _capabilities;
            clientWidth = _clientWidth;
            clientHeight = _clientHeight;
        }

        bool png = encoding == EncodingType.TightPng;
        TightUpdateWriter writer = png
            ? _tightPng ??= new TightUpdateWriter(png: true, new TurboJpegCompressor())
            : _tight ??= new TightUpdateWriter(png: false, new TurboJpegCompressor());
        var settings = TightSettings.From(png, translator.Format.BitsPerPixel, caps.CompressLevel, caps.QualityLevel,
            caps.FineQuality, caps.Subsampling);
        writer.SharedJpegs = _server.ShareEncodings ? _server.SharedEncodings : null;
        TileSet lossy = _lossy!;
        _staging.ResetWrittenCount();

        long dirtyArea = Rect.TotalArea(_rects);
        var visible = new Rect(0, 0, Math.Min(clientWidth, frame.Width), Math.Min(clientHeight, frame.Height));
        // The capture's own image, when it covers the update, goes from the framebuffer's shared copy straight to the
        // transport (not copied into each viewer's pipe first): only the lossless refresh that may follow it is staged.
        bool ahead = false;
        SourceImage? image = _rects.Count > 0 && _server.Options.JpegPassThrough
            ? writer.TryTakePassThrough(frame, dirtyArea, visible, settings, out ahead) : null;
        if (image is null && caps.LastRect && dirtyArea + Rect.TotalArea(_refreshRects) >= StreamMinArea)
        {
            await WriteTightStreamedAsync(writer, frame, translator, settings, lossy).ConfigureAwait(false);
            return;
        }
        try
        {
            int count;
            if (image is not null)
            {
                lossy.SetAll();
                // While the capture's image is ahead of the pixels, the pixels are older than what the viewer now holds.
                count = 1 + (ahead ? 0 : WriteTightRefresh(writer, frame, translator, settings, lossy));
            }
            else
            {
                count = writer.Write(frame, _rects, translator, settings, lossless: false, lossy, _staging)
                        + WriteTightRefresh(writer, frame, translator, settings, lossy);
            }
            WriteUpdateStart(count);
            if (image is not null)
            {
                writer.WritePassThroughHeader(image, frame, _output);
                await FlushPartAsync(image.Memory).ConfigureAwait(false);
            }
        }
        finally
        {
            image?.Release();
        }
        WriteStaged();
        EndTightUpdate(writer, lossy);
    }

    /// <summary>
    /// A Tight update as it is encoded, band by band, flushed in parts of <see cref="StreamChunkBytes"/>: the header
    /// says the count is unknown and a LastRect ends it (rfbproto "LastRect pseudo-encoding"), so the viewer decodes the
    /// first rectangles while the next are encoded.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteTightStreamedAsync(TightUpdateWriter writer, FrameSnapshot frame, PixelTranslator translator,
        TightSettings settings, TileSet lossy)
    {
        WriteUpdateStart(ServerMessageWriter.UnknownRectangleCount);
        await WriteTightBandsAsync(writer, frame, translator, settings, _rects, lossless: false, lossy).ConfigureAwait(false);
        if (_refreshRects.Count > 0)
        {
            long start = UpdatePosition;
            await WriteTightBandsAsync(writer, frame, translator, settings, _refreshRects, lossless: true, lossy).ConfigureAwait(false);
            NoteRefreshCost(UpdatePosition - start, Rect.TotalArea(_refreshRects));
        }
        ServerMessageWriter.WriteLastRect(_output);
        EndTightUpdate(writer, lossy);
    }

    /// <summary>
    /// The start of a pixel update: its header, which counts the LED state and the CopyRects too (unless it is
    /// <see cref="ServerMessageWriter.UnknownRectangleCount"/>: a LastRect ends the update), then those.
    /// </summary>
    private void WriteUpdateStart(int rectangles)
    {
        ServerMessageWriter.WriteFramebufferUpdateHeader(_output, rectangles == ServerMessageWriter.UnknownRectangleCount
            ? rectangles : rectangles + _movesToSend.Count + (_ledToSend is null ? 0 : 1));
        if (_ledToSend is LockKeys led)
            ServerMessageWriter.WriteLedState(_output, _ledEncoding, led);
        WriteMoves();
    }

    /// <summary>The end of a Tight update: a JPEG failure is logged once, and lossy tiles are due for refresh.</summary>
    private void EndTightUpdate(TightUpdateWriter writer, TileSet lossy)
    {
        if (writer.JpegFailure is { } failure && !_jpegFailureLogged)
        {
            _jpegFailureLogged = true;
            RfbLog.JpegUnavailable(_logger, _remote, failure);
        }
        _hasLossy = !lossy.IsEmpty;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteTightBandsAsync(TightUpdateWriter writer, FrameSnapshot frame, PixelTranslator translator,
        TightSettings settings, List<Rect> rects, bool lossless, TileSet lossy)
    {
        writer.BeginWrite(rects, settings, lossless);
        try
        {
            while (writer.WriteNext(frame, translator, lossy, _output, out _))
                await FlushPartAsync().ConfigureAwait(false);
        }
        finally
        {
            writer.EndWrite(frame);
        }
    }

    /// <summary>The lossless refresh of a Tight update, staged after its other rectangles; notes what it cost.</summary>
    private int WriteTightRefresh(TightUpdateWriter writer, FrameSnapshot frame, PixelTranslator translator,
        TightSettings settings, TileSet lossy)
    {
        if (_refreshRects.Count == 0) return 0;
        int before = _staging.WrittenCount;
        long area = Rect.TotalArea(_refreshRects);
        int count = writer.Write(frame, _refreshRects, translator, settings, lossless: true, lossy, _staging);
        NoteRefreshCost(_staging.WrittenCount - before, area);
        return count;
    }

    /// <summary>
    /// How many still lossy tiles the next update may refresh: what the link carries in <see cref="RefreshLinkTime"/>
    /// at the bandwidth the fences measured (or, for a viewer without fences, its requests), at least one tile;
    /// while nothing is measured, everything for a viewer with fences and an eighth for one without; none while a
    /// viewer without fences has not answered the last update.
    /// </summary>
    private int RefreshTileBudgetLocked()
    {
        // A viewer without fences may keep a second request outstanding (libvncclient did, until no-data updates
        // answered the pending request; others may send requests ahead), so the refresh could go
        // right behind an update still on its way. Both may then arrive in one read, and libvncclient before 0.9.15
        // (Debian 12's) leaves the second unread until more data comes (its WaitForMessage ignored what it had
        // buffered): on a still screen, never. So the refresh waits for the answer to the update before it.
        if (!_capabilities.Fence && !_continuousUpdates
            && _requestPaced.AwaitsAnswer(NowMicros(), (long)RefreshAnswerWait.TotalMicroseconds))
            return 0;
        long bandwidth = LinkBandwidthLocked();
        if (bandwidth <= 0)
        {
            // Not measured yet. Congestion control holds fences viewers' updates; without fences, only requests pace
            // them, and the link may be slow: the refresh, often many times the bytes of the updates before it (whose
            // answers measured nothing if they were small), goes in eighths, as however low an estimate falls.
            return _capabilities.Fence || _stillLossy is null ? int.MaxValue : Math.Max(1, (_stillLossy.Count + 7) / 8);
        }
        double pixels = bandwidth * RefreshLinkTime.TotalSeconds / _refreshBytesPerPixel;
        int tiles = (int)Math.Clamp(pixels / (Framebuffer.TileSize * Framebuffer.TileSize), 1, int.MaxValue);
        // Requests measure the link less surely than fences (a viewer may leave an update unanswered, and the
        // estimate then falls for nothing): however low it falls, the refresh takes about eight updates at most.
        if (!_capabilities.Fence && _stillLossy is not null) tiles = Math.Max(tiles, (_stillLossy.Count + 7) / 8);
        return tiles;
    }

    /// <summary>The link's bandwidth in bytes per second as measured so far; 0 while unknown.</summary>
    private long LinkBandwidthLocked() =>
        _capabilities.Fence ? _congestion.BandwidthBytesPerSecond : _requestPaced.BandwidthBytesPerSecondAt(NowMicros());

    /// <summary>Follows what the refresh just sent cost a pixel (half the old estimate, half the new).</summary>
    private void NoteRefreshCost(long bytes, long pixels)
    {
        if (pixels <= 0) return;
        _refreshBytesPerPixel = Math.Clamp((_refreshBytesPerPixel + (double)bytes / pixels) / 2, 0.05, 8.0);
    }

    /// <summary>Whether lossy tiles are due to be checked for stillness (any thread).</summary>
    private bool RefreshCheckDue()
    {
        long due = Volatile.Read(ref _refreshDueAt);
        return due != 0 && Environment.TickCount64 >= due;
    }

    /// <summary>
    /// Whether the stillness check is overdue (any thread): due and no frame has run it since. Only then is it worth
    /// waking the update loop for; a check merely due is run by the next frame, as the picture is still changing.
    /// </summary>
    private bool RefreshCheckOverdue()
    {
        long due = Volatile.Read(ref _refreshDueAt);
        return due != 0 && Environment.TickCount64 >= due + RefreshOverdueMs;
    }

    /// <summary>
    /// Update loop, after every pass: lossy tiles (JPEG, or moved approximately by a CopyRect) are checked for
    /// stillness a refresh interval after the first and every interval after that; the server's refresh clock wakes
    /// the loop for a check that no frame brought. A check that found nothing still leaves the tiles lossy, so the
    /// next one is due: a screen that goes still right after a burst of frames is refreshed too.
    /// </summary>
    private void ScheduleRefreshCheck()
    {
        long due = _refreshDueAt;
        if (!_hasLossy)
        {
            if (due != 0) Volatile.Write(ref _refreshDueAt, 0);
            return;
        }
        if (due != 0) return;
        // A full fence before the clock's flag is read (RefreshClock.Start): a clock that is stopping sees this time.
        Interlocked.Exchange(ref _refreshDueAt, Environment.TickCount64 + RefreshIntervalMs);
        _server.RefreshClock.Start();
    }

    /// <summary>
    /// The refresh clock's thread: wakes the update loop if its stillness check is overdue (no frame woke it: a still
    /// screen, or a viewer that has not asked since). Whether this viewer has a check due at all.
    /// </summary>
    internal bool WakeIfRefreshOverdue(long now)
    {
        long due = Volatile.Read(ref _refreshDueAt);
        if (due == 0 || _closing) return false;
        if (now >= due + RefreshOverdueMs) _updateSignal.Set();
        return true;
    }

    private bool _jpegFailureLogged;

    private void DisposeEncoders()
    {
        _zrle?.Dispose();
        _tight?.Dispose();
        _tightPng?.Dispose();
    }

    /// <summary>Cuts a rectangle into pieces of at most <see cref="MaxPieceWidth"/> wide and <see cref="MaxPiecePixels"/> pixels.</summary>
    private static void Split(Rect rect, List<Rect> pieces)
    {
        for (int x = rect.X; x < rect.Right; x += MaxPieceWidth)
        {
            int w = Math.Min(MaxPieceWidth, rect.Right - x);
            int rows = Math.Max(1, MaxPiecePixels / w);
            if (rows >= Framebuffer.TileSize) rows -= rows % Framebuffer.TileSize;   // keep 64-row tile bands whole
            for (int y = rect.Y; y < rect.Bottom; y += rows)
                pieces.Add(new Rect(x, y, w, Math.Min(rows, rect.Bottom - y)));
        }
    }

    /// <remarks>
    /// ZRLE with a 32-bpp format deeper than 24 bits goes as Hextile: rfbproto then calls for 4-byte CPIXELs,
    /// but TigerVNC's decoder decides by the largest pixel value alone and expects 3, so the two families of
    /// clients disagree on the bytes. No common viewer asks for such a format; none of them can be misled.
    /// </remarks>
    private IRectEncoder EncoderFor(EncodingType encoding, PixelFormat format) => encoding switch
    {
        EncodingType.Zrle when format.BitsPerPixel == 32 && format.Depth > 24 => _hextile ??= new HextileEncoder(),
        EncodingType.Zrle => _zrle ??= NewZrleEncoder(),
        EncodingType.Hextile => _hextile ??= new HextileEncoder(),
        _ => _raw ??= new RawEncoder(),
    };

    /// <summary>ZRLE's zlib levels follow the compression level the viewer asked before its first ZRLE rectangle.</summary>
    private ZrleEncoder NewZrleEncoder()
    {
        int requested;
        lock (_lock) requested = _capabilities.CompressLevel;
        return new ZrleEncoder(ZrleEncoder.ZlibLevelFor(requested), ZrleEncoder.TextZlibLevelFor(requested), pixelDeflaterForSmooth: true);
    }
}
