// SPDX-License-Identifier: MIT
using System.Net;
using KvmPi.Vnc.Rfb.Diagnostics;
using KvmPi.Vnc.Rfb.Encoding;
using KvmPi.Vnc.Rfb.Encoding.Tight;
using KvmPi.Vnc.Rfb.Security;
using KvmPi.Vnc.Rfb.Updates;
using Microsoft.Extensions.Logging;

namespace KvmPi.Vnc.Rfb.Server;

/// <summary>
/// The RFB server: one shared framebuffer fed by <see cref="PublishFrame"/>, and one <see cref="ClientSession"/> per
/// connected viewer. Transport-agnostic: the host hands it each accepted connection as a <see cref="Stream"/>
/// (a TCP socket now, a WebSocket later).
/// </summary>
/// <remarks>
/// Change detection runs once per published frame, not once per client (cf. TigerVNC VNCServerST::writeUpdate):
/// the changed tiles are OR-ed into each session's own dirty set, and each session sends when its viewer asks.
/// </remarks>
public sealed class RfbServer
{
    private readonly ILogger _logger;
    private readonly Lock _sessionsLock = new();
    private ClientSession[] _sessions = [];   // copy-on-write: the publisher iterates without locking or allocating
    private volatile Framebuffer _framebuffer;
    private TileSet _changed;
    private ScrollDetector? _scroll;   // publisher only; made when a viewer first takes CopyRect
    private bool _sourceAhead;         // publisher only: the last frame was taken as JPEG alone (TryPublishJpegOnly)
    private long _jpegOnlyRun;         // publisher only: frames taken so since the last one published with pixels
    private bool _jpegOnlyToViewers;   // publisher only: some of them went to viewers (logged once a run)
    private int _lockKeys = -1;   // LockKeys, or -1 until the machine has said

    public RfbServer(RfbServerOptions options, IRfbDesktop desktop, ILoggerFactory loggerFactory)
    {
        Options = options;
        Desktop = desktop;
        _logger = loggerFactory.CreateLogger("KvmPi.Vnc.Rfb");
        _framebuffer = new Framebuffer(options.InitialWidth, options.InitialHeight);
        _changed = new TileSet(_framebuffer.TileColumns, _framebuffer.TileRows);
        RefreshClock = new RefreshClock(() => Sessions, ClientSession.RefreshIntervalMs);
    }

    public RfbServerOptions Options { get; }
    internal IRfbDesktop Desktop { get; }
    internal AuthFailureBlacklist AuthFailures { get; } = new();

    /// <summary>Stateless encodings (Raw, Hextile, JPEG rectangles) made once per frame for all viewers.</summary>
    public SharedEncodingCache SharedEncodings { get; } = new();

    /// <summary>Wakes viewers whose lossless refresh no frame brought (a still screen).</summary>
    internal RefreshClock RefreshClock { get; }

    /// <summary>Whether sessions share encodings: with one viewer, the cache would only add a copy.</summary>
    internal bool ShareEncodings => ConnectionCount >= 2;
    internal Framebuffer Framebuffer => _framebuffer;

    public int Width => _framebuffer.Width;
    public int Height => _framebuffer.Height;

    /// <summary>Viewers connected right now (handshaking or serving).</summary>
    public int ConnectionCount => Volatile.Read(ref _sessions).Length;

    /// <summary>The viewers now connected.</summary>
    internal ClientSession[] Sessions => Volatile.Read(ref _sessions);

    /// <summary>
    /// Publishes a whole frame (BGRX). A frame of a new size replaces the framebuffer, and viewers are told through
    /// DesktopSize. Single publisher: call from one thread at a time.
    /// </summary>
    /// <param name="sourceJpeg">
    /// The JPEG image the frame was decoded from, if any (a Motion-JPEG capture): kept with the frame so viewers that
    /// take Tight JPEG can be sent these bytes instead of a re-encoded frame (MJPEG pass-through).
    /// </param>
    public void PublishFrame(ReadOnlySpan<byte> bgrx, int width, int height, int stride, ReadOnlySpan<byte> sourceJpeg = default) =>
        PublishFrame(bgrx, width, height, stride, sourceJpeg, 0, height);

    /// <summary>
    /// As <see cref="PublishFrame(ReadOnlySpan{byte}, int, int, int, ReadOnlySpan{byte})"/> for a source that knows
    /// only rows <paramref name="changedTop"/>..<paramref name="changedBottom"/> (exclusive) can differ from the
    /// frame it published last: change detection looks at those rows only.
    /// </summary>
    public void PublishFrame(ReadOnlySpan<byte> bgrx, int width, int height, int stride, ReadOnlySpan<byte> sourceJpeg,
        int changedTop, int changedBottom)
    {
        // After frames taken as JPEG alone, the contents are older than what viewers hold (TryPublishJpegOnly).
        bool afterJpegOnly = _sourceAhead;
        _sourceAhead = false;
        if (_jpegOnlyRun > 0)
        {
            RfbLog.JpegOnlyStopped(_logger, _jpegOnlyRun);
            _jpegOnlyRun = 0;
            _jpegOnlyToViewers = false;
        }
        Framebuffer framebuffer = _framebuffer;
        if (width != framebuffer.Width || height != framebuffer.Height)
        {
            framebuffer = new Framebuffer(width, height);
            _changed = new TileSet(framebuffer.TileColumns, framebuffer.TileRows);
            framebuffer.Update(bgrx, stride, _changed, 0, height, sourceJpeg);
            _framebuffer = framebuffer;
            RfbLog.FrameResized(_logger, width, height);
            foreach (ClientSession session in Volatile.Read(ref _sessions))
                session.OnFramebufferReplaced();
            framebuffer.AnnouncedFrame = framebuffer.Current.FrameNumber;
            return;
        }

        bool stillImage = afterJpegOnly && framebuffer.SourceJpegEquals(sourceJpeg);

        // Scroll detection compares the new frame with the current contents, so it runs before Update replaces them,
        // and only while some viewer takes CopyRect (its signature of the previous frame is recomputed when it resumes).
        bool moved = false;
        ScrollMove move = default;
        if (!afterJpegOnly && AnySessionTakesCopyRect())
        {
            if (_scroll is null || _scroll.Width != width || _scroll.Height != height) _scroll = new ScrollDetector(width, height);
            moved = _scroll.Detect(framebuffer.PublisherPixels, width * 4, bgrx, stride, changedTop, changedBottom, out move);
            if (moved) RfbLog.ScrollDetected(_logger, move);
        }
        else
        {
            _scroll?.Reset();
        }

        _changed.Clear();
        bool changed = framebuffer.Update(bgrx, stride, _changed, changedTop, changedBottom, sourceJpeg);
        if (afterJpegOnly && !stillImage)
        {
            // What changed since the pixels is not what changed since the picture viewers hold: all of it may have.
            _changed.SetAll();
            changed = true;
        }
        // The same image again after it went undecoded: nothing changed, but viewers waiting for the pixels may go now.
        if (!changed && !afterJpegOnly) return;
        NotifyFrameChanged(framebuffer, _changed, moved ? _scroll : null, move);
    }

    /// <summary>
    /// Tells every viewer what the frame just published changed, and the band that scrolled, if any. Publisher
    /// thread, right after the frame became the current one: a viewer may already have read pixels of it.
    /// </summary>
    internal void NotifyFrameChanged(Framebuffer framebuffer, TileSet changed, ScrollDetector? scroll, ScrollMove move)
    {
        foreach (ClientSession session in Volatile.Read(ref _sessions))
            session.OnFramebufferChanged(framebuffer, changed, scroll, move);
        framebuffer.AnnouncedFrame = framebuffer.Current.FrameNumber;
    }

    /// <summary>
    /// Below this share of changed coded data a captured frame is decoded and only what changed is sent; above it a
    /// re-encode would cost about as many bytes as the capture's own image (measured: a 1088x612 video window,
    /// 89 % of the coded data, re-encoded at Tight quality 8 is 1.3× the whole captured frame).
    /// </summary>
    internal const double MinJpegOnlyShare = 0.5;

    /// <summary>
    /// A viewer is sent the capture's own image when the quality it asks for is at most this much below the
    /// capture's: JPEG bytes grow with quality, so the capture's image then costs it about what a re-encode would.
    /// </summary>
    internal const int JpegOnlyQualityMargin = 10;

    /// <summary>The capture's JPEG quality when its quantization tables do not tell (dongles write about 80–90).</summary>
    internal const int AssumedSourceQuality = 85;

    /// <summary>
    /// Offers a captured JPEG before it is decoded. When it changed much (<paramref name="changedShare"/> of its coded
    /// data ≥ <see cref="MinJpegOnlyShare"/>) and every viewer takes Tight JPEG at a quality near the capture's own
    /// (<paramref name="quality"/>, within <see cref="JpegOnlyQualityMargin"/>),
    /// the server takes it as it is: each viewer is sent these bytes (MJPEG pass-through), nobody needs its pixels,
    /// so the capture need not decode it. With no viewer at all, nobody needs the pixels of any frame: it is taken
    /// whatever changed, and a KVM nobody watches decodes nothing. Returns false when it must be decoded and published with
    /// <see cref="PublishFrame(ReadOnlySpan{byte}, int, int, int, ReadOnlySpan{byte}, int, int)"/>. Single publisher.
    /// </summary>
    /// <remarks>
    /// The framebuffer's pixels then lag the picture the viewers are sent, until the next frame published with pixels.
    /// That frame is compared with pixels older than what viewers hold, so it is sent whole (or, when it is the same
    /// image again, a still screen, only what changed since those pixels); no CopyRect is derived from it, and no
    /// lossless refresh reads pixels while they lag.
    /// </remarks>
    /// <param name="quality">The JPEG quality the capture wrote it at (1..100); 0: unknown.</param>
    public bool TryPublishJpegOnly(ReadOnlySpan<byte> jpeg, int width, int height, double changedShare, int quality = 0)
    {
        Framebuffer framebuffer = _framebuffer;
        if (!Options.JpegPassThrough || width != framebuffer.Width || height != framebuffer.Height
            || jpeg.IsEmpty || jpeg.Length > TightCompactLength.Max)
            return false;
        // A viewer that connects meanwhile and cannot be sent this image waits for the next frame's pixels, which it
        // brings by refusing the next JPEG-only frame (ClientSession.MustWaitForPixelsLocked).
        ClientSession[] sessions = Volatile.Read(ref _sessions);
        if (sessions.Length > 0 && changedShare < MinJpegOnlyShare) return false;
        foreach (ClientSession session in sessions)
            if (!session.TakesJpegOnly(framebuffer, quality > 0 ? quality : AssumedSourceQuality)) return false;

        TakeAhead(framebuffer, jpeg, sessions);
        return true;
    }

    /// <summary>
    /// Offers an uncompressed captured frame (YUYV, UYVY, NV12) before it is converted: with no viewer, nobody needs
    /// its pixels, and it is taken without them, so a KVM nobody watches converts nothing. A viewer that connects
    /// then waits for the next frame with pixels, which it brings by refusing the next such offer. Returns false when
    /// the frame must be converted and published with <see cref="PublishFrame(ReadOnlySpan{byte}, int, int, int, ReadOnlySpan{byte}, int, int)"/>
    /// (then whole: the pixels are older than the screen). Single publisher.
    /// </summary>
    public bool TryPublishWithoutPixels(int width, int height)
    {
        Framebuffer framebuffer = _framebuffer;
        ClientSession[] sessions = Volatile.Read(ref _sessions);
        if (width != framebuffer.Width || height != framebuffer.Height || sessions.Length > 0) return false;
        TakeAhead(framebuffer, ReadOnlySpan<byte>.Empty, sessions);
        return true;
    }

    /// <summary>
    /// A frame taken without its pixels: the picture moves on to <paramref name="jpeg"/> (empty: an uncompressed frame,
    /// no image to send), the framebuffer's pixels lag it until the next frame published with pixels.
    /// </summary>
    private void TakeAhead(Framebuffer framebuffer, ReadOnlySpan<byte> jpeg, ClientSession[] sessions)
    {
        framebuffer.SetSourceAhead(jpeg);
        _sourceAhead = true;
        if (sessions.Length == 0)
        {
            if (_jpegOnlyRun == 0) RfbLog.UnwatchedStarted(_logger);
        }
        else if (!_jpegOnlyToViewers)
        {
            _jpegOnlyToViewers = true;
            RfbLog.JpegOnlyStarted(_logger);
        }
        _jpegOnlyRun++;
        _scroll?.Reset();
        _changed.SetAll();
        foreach (ClientSession session in sessions)
            session.OnFramebufferChanged(framebuffer, _changed);
    }

    private bool AnySessionTakesCopyRect()
    {
        foreach (ClientSession session in Volatile.Read(ref _sessions))
            if (session.TakesCopyRect) return true;
        return false;
    }

    /// <summary>The served machine's lock keys as last published; null until the first <see cref="PublishLedState"/>.</summary>
    public LockKeys? LedState
    {
        get
        {
            int state = Volatile.Read(ref _lockKeys);
            return state < 0 ? null : (LockKeys)state;
        }
    }

    /// <summary>
    /// The served machine's Caps/Num/Scroll Lock state changed (or is known for the first time). Viewers that listed
    /// an LED State pseudo-encoding get it with their next update, and each new such viewer at its first. Any thread.
    /// </summary>
    public void PublishLedState(LockKeys state)
    {
        int value = (int)(state & (LockKeys.ScrollLock | LockKeys.NumLock | LockKeys.CapsLock));
        if (Interlocked.Exchange(ref _lockKeys, value) == value) return;
        RfbLog.LedStatePublished(_logger, state);
        foreach (ClientSession session in Volatile.Read(ref _sessions))
            session.OnLedStateChanged();
    }

    internal bool AnyOtherSessionHoldsInput(ClientSession session)
    {
        foreach (ClientSession other in Volatile.Read(ref _sessions))
            if (other != session && other.HoldsInput) return true;
        return false;
    }

    /// <summary>
    /// Serves one connection until it ends: handshake, then messages and updates. Never throws for anything the
    /// peer does; every ending is logged once. Input the viewer held is released when it ends.
    /// </summary>
    public async Task RunConnectionAsync(Stream transport, EndPoint? remote, CancellationToken cancellationToken)
    {
        if (ConnectionCount >= Options.MaxConnections)
        {
            RfbLog.TooManyConnections(_logger, remote, Options.MaxConnections);
            await transport.DisposeAsync().ConfigureAwait(false);
            return;
        }

        var session = new ClientSession(this, transport, remote, _logger);
        lock (_sessionsLock) _sessions = [.. _sessions, session];
        RfbLog.Connected(_logger, remote, ConnectionCount);
        try
        {
            await session.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_sessionsLock) _sessions = Array.FindAll(_sessions, s => s != session);
            await transport.DisposeAsync().ConfigureAwait(false);
        }
    }
}
