// SPDX-License-Identifier: MIT
using System.Buffers;
using System.Runtime.InteropServices;
using KvmPi.Vnc.Rfb.Encoding.Jpeg;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Rfb.Protocol;
using KvmPi.Vnc.Rfb.Updates;

namespace KvmPi.Vnc.Rfb.Encoding.Tight;

/// <summary>
/// Turns the dirty rectangles of one update into Tight (or TightPNG) rectangles, choosing per 64×64 tile as
/// TigerVNC's EncodeManager does per sub-rectangle: solid tiles as fill, few-colour tiles as mono/palette (or
/// full colour through zlib), photographic tiles as JPEG when the viewer allows lossy and lossless otherwise.
/// </summary>
/// <remarks>
/// Work goes band by band (64 rows, at most 2048 wide): the band is read once as client pixel values, each tile is
/// classified (solid? more than <see cref="PhotoColours"/> colours?), and neighbouring tiles of one kind become one
/// rectangle: fill runs of one colour, lossless runs of at most 1024 pixels wide (64 × 1024 = 65536 pixels, the
/// Tight limit for non-JPEG data), and photographic runs that grow downwards while the band below has a run with the
/// same columns, so a full-screen video goes as one JPEG, not seventeen. JPEG is compressed straight from the
/// framebuffer under its read lock (pointer and pitch; no copy).
/// Tiles sent as JPEG are marked in the caller's lossy set and tiles sent losslessly are cleared from it; the
/// session re-sends the lossy ones losslessly once they have stopped changing (lossless refresh).
/// One instance per session (it owns the zlib streams). Not thread-safe.
/// </remarks>
internal sealed class TightUpdateWriter : IDisposable
{
    private const int T = Framebuffer.TileSize;

    /// <summary>
    /// A 64×64 tile with more colours than this is "photographic" and goes as JPEG when allowed. TigerVNC allows
    /// 96 colours before JPEG in a 65536-pixel sub-rectangle; anti-aliased coloured text stays under it per tile,
    /// while photos and captured (already JPEG-noisy) video exceed it within the first rows.
    /// </summary>
    internal const int PhotoColours = 96;

    private const int BandWidth = TightEncoder.MaxWidth;
    private const int LosslessRunWidth = TightEncoder.MaxArea / T;   // 1024
    private const int MaxJpegHeight = 2048;
    private const int Tiles = BandWidth / T;

    private readonly TightEncoder _encoder;
    private readonly uint[] _piece = new uint[TightEncoder.MaxArea];
    private uint[]? _tile, _run;   // a tile, and neighbouring full-colour tiles, of _piece (WriteLosslessTiles)
    private readonly TileKind[] _kinds = new TileKind[Tiles];
    private readonly uint[] _solidColour = new uint[Tiles];
    private readonly uint[] _colourKeys = new uint[256];
    private readonly int[] _colourStamps = new int[256];
    private int _colourStamp;
    private readonly List<Rect> _open = [];
    private readonly List<Rect> _next = [];
    private bool _jpegFailed;

    /// <summary>
    /// A photographic run of at most this many pixels (two tiles) goes losslessly instead of as JPEG when that
    /// costs at most 3× the JPEG: a JPEG area is sent again losslessly once it stops changing, so for a run that
    /// changes once or twice (typed text: captured text has JPEG noise and counts as photographic) JPEG plus refresh
    /// costs more than lossless at once, while video (lossless 3× the JPEG and more) stays JPEG. Measured on the load
    /// tool's typing at quality 8: 2.134 KiB/update at 1.5×, 2.074 at 3× and at 10× (libvncserver 2.062, no refresh).
    /// Bounded so the trial encoding costs little: typing updates are a tile or two.
    /// </summary>
    private const int SmallPhotoArea = 2 * T * T;

    /// <summary>
    /// A larger photographic run gets the same trial when it changed after a still spell: none of its tiles changed
    /// in the <see cref="StillUpdates"/> updates before (a line of captured text cleared at once, a dialog opening).
    /// Such a change is usually followed by stillness, so JPEG would be followed by its lossless refresh; video and
    /// scrolling change the same tiles update after update and go straight to JPEG. On the load tool's typing at
    /// quality 8, the cleared 640×64 line went as 13.8 KB of JPEG plus 26.6 KB of refresh instead of 26.6 KB
    /// (2103 → 2048 B/update over the measured 8 s). At most <see cref="TightEncoder.MaxArea"/>, which the trial
    /// encodes as one rectangle.
    /// </summary>
    private const int OneOffPhotoArea = TightEncoder.MaxArea;
    private const int StillUpdates = 4;

    // The update (count of non-refresh writes) in which each tile last changed; 0: not since this writer began.
    private int[] _lastChanged = [];
    private int _historyColumns, _updates;

    private TightEncoder? _estimator;
    private readonly CountingBufferWriter _estimate = new();

    private enum TileKind : byte { Solid, Lossless, Photo }

    /// <param name="png">TightPNG rather than Tight.</param>
    /// <param name="jpeg">JPEG compressor (owned from now on), or null: never JPEG.</param>
    public TightUpdateWriter(bool png, IJpegCompressor? jpeg)
    {
        _encoder = new TightEncoder(png, jpeg);
    }

    public EncodingType Encoding => _encoder.Encoding;

    /// <summary>Set when JPEG compression failed once (library missing or broken); the session is lossless since.</summary>
    public string? JpegFailure { get; private set; }

    /// <summary>
    /// Writes rectangles (header and payload each) for <paramref name="rects"/> (tile-aligned, inside the frame),
    /// returns how many. <paramref name="lossless"/> forbids JPEG (lossless refresh).
    /// </summary>
    public int Write(Framebuffer framebuffer, List<Rect> rects, PixelTranslator translator, TightSettings settings,
        bool lossless, TileSet lossy, IBufferWriter<byte> output)
    {
        _encoder.CompressLevel = settings.CompressLevel;
        _encoder.SmallUpdate = Rect.TotalArea(rects) <= TightEncoder.MaxArea;
        bool jpeg = settings.AllowsJpeg && !lossless && !_jpegFailed && _encoder.CanCompressJpeg;
        if (!lossless) _updates++;
        int count = 0;
        foreach (Rect rect in rects)
        {
            for (int x = rect.X; x < rect.Right; x += BandWidth)
            {
                int w = Math.Min(BandWidth, rect.Right - x);
                for (int y = rect.Y; y < rect.Bottom; y += T)
                {
                    var band = new Rect(x, y, w, Math.Min(T, rect.Bottom - y));
                    count += WriteBand(framebuffer, band, translator, settings, jpeg, lossy, output);
                }

                count += FlushOpen(framebuffer, translator, settings, lossy, output, _open);
                _open.Clear();
            }
        }

        if (!lossless)
            foreach (Rect rect in rects) MarkChanged(framebuffer, rect);
        return count;
    }

    /// <summary>Whether no tile of <paramref name="rect"/> changed in the <see cref="StillUpdates"/> updates before this one.</summary>
    private bool StillBefore(Framebuffer framebuffer, Rect rect)
    {
        if (!HistoryFits(framebuffer)) return true;   // a new size: nothing is known of before
        for (int r = rect.Y / T; r <= (rect.Bottom - 1) / T; r++)
            for (int c = rect.X / T; c <= (rect.Right - 1) / T; c++)
            {
                int last = _lastChanged[r * _historyColumns + c];
                if (last != 0 && _updates - last <= StillUpdates) return false;
            }
        return true;
    }

    private bool HistoryFits(Framebuffer framebuffer) =>
        _historyColumns == framebuffer.TileColumns && _lastChanged.Length == framebuffer.TileColumns * framebuffer.TileRows;

    private void MarkChanged(Framebuffer framebuffer, Rect rect)
    {
        if (!HistoryFits(framebuffer))
        {
            _lastChanged = new int[framebuffer.TileColumns * framebuffer.TileRows];   // once per frame size
            _historyColumns = framebuffer.TileColumns;
        }
        if (_updates == int.MaxValue)
        {
            Array.Clear(_lastChanged);
            _updates = 1;
        }
        rect = rect.Intersect(new Rect(0, 0, framebuffer.Width, framebuffer.Height));
        if (rect.IsEmpty) return;
        int c0 = rect.X / T, columns = (rect.Right - 1) / T - c0 + 1;
        for (int r = rect.Y / T; r <= (rect.Bottom - 1) / T; r++)
            _lastChanged.AsSpan(r * _historyColumns + c0, columns).Fill(_updates);
    }

    /// <summary>
    /// MJPEG pass-through: when the framebuffer holds a frame decoded from a JPEG (the capture's own bytes), the
    /// viewer allows JPEG and the update covers almost all of the frame (or the JPEG is newer than the pixels, see
    /// <see cref="Framebuffer.SourceAhead"/>), that JPEG goes out as the one rectangle of the update: no decode, no
    /// re-encode, no per-tile analysis. Returns the image to send with <see cref="WritePassThrough"/> (the caller
    /// releases it), or null when pass-through does not apply.
    /// </summary>
    /// <param name="dirtyArea">Pixels the update would otherwise send.</param>
    /// <param name="visible">The part of the frame the viewer sees; pass-through needs the whole frame.</param>
    /// <param name="ahead">Whether this image is newer than the framebuffer's pixels (no lossless refresh may read them).</param>
    public SourceImage? TryTakePassThrough(Framebuffer framebuffer, long dirtyArea, Rect visible, TightSettings settings,
        out bool ahead)
    {
        ahead = false;
        if (!settings.AllowsJpeg || _jpegFailed) return null;
        var frame = new Rect(0, 0, framebuffer.Width, framebuffer.Height);
        if (visible != frame || frame.Width > TightEncoder.MaxWidth) return null;
        SourceImage? image = framebuffer.AcquireSourceJpeg(out ahead);
        if (image is null) return null;
        // "Changed almost everywhere" (90 %), or the image is newer than the pixels (RfbServer.TryPublishJpegOnly).
        if ((dirtyArea * 10 < frame.Area * 9 && !ahead) || image.Length > TightCompactLength.Max)
        {
            image.Release();
            return null;
        }
        return image;
    }

    /// <summary>
    /// The image taken by <see cref="TryTakePassThrough"/> as one Tight JPEG rectangle covering the frame, written
    /// from the shared bytes straight to <paramref name="output"/>. The caller marks the frame lossy.
    /// </summary>
    public void WritePassThrough(SourceImage image, Framebuffer framebuffer, IBufferWriter<byte> output)
    {
        var frame = new Rect(0, 0, framebuffer.Width, framebuffer.Height);
        ServerMessageWriter.WriteRectHeader(output, frame, _encoder.Encoding);
        _encoder.WriteJpeg(image.Span, output);
        _updates++;
        MarkChanged(framebuffer, frame);   // the whole frame changed, as far as the lossless trial is concerned
    }

    /// <summary>
    /// <see cref="TryTakePassThrough"/> and <see cref="WritePassThrough"/> in one (the frame marked lossy): for an
    /// update of that one rectangle.
    /// </summary>
    public bool TryWritePassThrough(Framebuffer framebuffer, long dirtyArea, Rect visible, TightSettings settings,
        TileSet lossy, IBufferWriter<byte> output)
    {
        SourceImage? image = TryTakePassThrough(framebuffer, dirtyArea, visible, settings, out _);
        if (image is null) return false;
        try
        {
            WritePassThrough(image, framebuffer, output);
        }
        finally
        {
            image.Release();
        }
        lossy.SetAll();
        return true;
    }

    private int WriteBand(Framebuffer framebuffer, Rect band, PixelTranslator translator, TightSettings settings,
        bool jpeg, TileSet lossy, IBufferWriter<byte> output)
    {
        // Classified on the framebuffer's own BGRX, in place: photographic tiles are never converted at all, and
        // a 1080p photo costs the classifier a few hundred pixels a tile. Client values are read later, only for
        // what goes lossless. (Counting colours before conversion can only count more: a narrow client format
        // merges colours, never splits them, so at worst a tile goes lossless that could have gone as palette.)
        int tiles = (band.Width + T - 1) / T;
        using (Framebuffer.ReadScope scope = framebuffer.EnterRead())
        {
            for (int t = 0; t < tiles; t++) Classify(scope.Bgrx, scope.Stride, band, t, jpeg, translator);
        }

        int count = 0;
        int start = 0;
        while (start < tiles)
        {
            TileKind kind = _kinds[start];
            int end = start + 1;
            while (end < tiles && _kinds[end] == kind && (kind != TileKind.Solid || _solidColour[end] == _solidColour[start]))
                end++;
            int x0 = start * T, x1 = Math.Min(band.Width, end * T);
            var run = new Rect(band.X + x0, band.Y, x1 - x0, band.Height);
            switch (kind)
            {
                case TileKind.Solid:
                    ServerMessageWriter.WriteRectHeader(output, run, _encoder.Encoding);
                    _encoder.WriteFill(_solidColour[start], translator.Format, output);
                    lossy.RemoveCovered(run, framebuffer.Width, framebuffer.Height);
                    count++;
                    break;
                case TileKind.Lossless:
                    count += WriteLossless(framebuffer, run, translator, lossy, output);
                    break;
                default:
                    OpenPhoto(run);
                    break;
            }

            start = end;
        }

        // JPEG runs that did not continue into this band are complete.
        for (int i = _open.Count - 1; i >= 0; i--)
        {
            if (_open[i].Bottom == band.Bottom) continue;
            count += WriteJpeg(framebuffer, _open[i], translator, settings, lossy, output);
            _open.RemoveAt(i);
        }

        return count;
    }

    private void OpenPhoto(Rect run)
    {
        for (int i = 0; i < _open.Count; i++)
        {
            Rect o = _open[i];
            if (o.X == run.X && o.Width == run.Width && o.Bottom == run.Y && o.Height + run.Height <= MaxJpegHeight)
            {
                _open[i] = o with { Height = o.Height + run.Height };
                return;
            }
        }

        _open.Add(run);
    }

    private int FlushOpen(Framebuffer framebuffer, PixelTranslator translator, TightSettings settings, TileSet lossy,
        IBufferWriter<byte> output, List<Rect> open)
    {
        int count = 0;
        foreach (Rect r in open) count += WriteJpeg(framebuffer, r, translator, settings, lossy, output);
        return count;
    }

    /// <summary>Lossless pieces of a run at most 64 rows high, each at most 1024 wide (65536 pixels).</summary>
    private int WriteLossless(Framebuffer framebuffer, Rect run, PixelTranslator translator, TileSet lossy,
        IBufferWriter<byte> output)
    {
        int count = 0;
        for (int x = run.X; x < run.Right; x += LosslessRunWidth)
        {
            var piece = new Rect(x, run.Y, Math.Min(LosslessRunWidth, run.Right - x), run.Height);
            Span<uint> px = _piece.AsSpan(0, piece.Width * piece.Height);
            framebuffer.ReadPixels(piece, translator, px);
            if (piece.Width > T && _encoder.Encoding == EncodingType.Tight && !_encoder.FitsPalette(px))
            {
                count += WriteLosslessTiles(framebuffer, piece, px, translator.Format, lossy, output);
                continue;
            }

            WriteEncoded(px, piece, translator.Format, framebuffer, lossy, output);
            count++;
        }

        return count;
    }

    /// <summary>
    /// A piece of over 256 colours whose tiles one by one may fit a palette (a gradient wallpaper beside a window,
    /// say): a byte a pixel instead of three is worth 12 bytes of rectangle header a tile. Neighbouring tiles that
    /// do not fit go together as one full-colour rectangle: on captured (JPEG-noisy) screens that is most of them,
    /// and one deflate block per tile cost a Huffman code and its header each (a third of lossless Tight's CPU on
    /// the load tool's captured scrolling, and more bytes).
    /// </summary>
    private int WriteLosslessTiles(Framebuffer framebuffer, Rect piece, ReadOnlySpan<uint> px, PixelFormat format,
        TileSet lossy, IBufferWriter<byte> output)
    {
        _tile ??= new uint[T * T];
        _run ??= new uint[TightEncoder.MaxArea];
        int count = 0, runStart = piece.X;
        for (int tx = piece.X; tx < piece.Right; tx += T)
        {
            int tw = Math.Min(T, piece.Right - tx);
            Span<uint> tile = _tile.AsSpan(0, tw * piece.Height);
            CopyColumns(px, piece.Width, tx - piece.X, tw, piece.Height, tile);
            if (!_encoder.FitsPalette(tile)) continue;
            count += WriteColumns(framebuffer, piece, px, runStart, tx, format, lossy, output);
            WriteEncoded(tile, new Rect(tx, piece.Y, tw, piece.Height), format, framebuffer, lossy, output);
            count++;
            runStart = tx + tw;
        }

        return count + WriteColumns(framebuffer, piece, px, runStart, piece.Right, format, lossy, output);
    }

    /// <summary>Columns <paramref name="from"/>..<paramref name="to"/> of the piece as one rectangle (none when empty).</summary>
    private int WriteColumns(Framebuffer framebuffer, Rect piece, ReadOnlySpan<uint> px, int from, int to, PixelFormat format,
        TileSet lossy, IBufferWriter<byte> output)
    {
        if (to <= from) return 0;
        Span<uint> run = _run.AsSpan(0, (to - from) * piece.Height);
        CopyColumns(px, piece.Width, from - piece.X, to - from, piece.Height, run);
        WriteEncoded(run, new Rect(from, piece.Y, to - from, piece.Height), format, framebuffer, lossy, output);
        return 1;
    }

    private static void CopyColumns(ReadOnlySpan<uint> px, int width, int x, int w, int h, Span<uint> dst)
    {
        for (int y = 0; y < h; y++) px.Slice(y * width + x, w).CopyTo(dst.Slice(y * w, w));
    }

    private void WriteEncoded(ReadOnlySpan<uint> px, Rect piece, PixelFormat format, Framebuffer framebuffer, TileSet lossy,
        IBufferWriter<byte> output)
    {
        ServerMessageWriter.WriteRectHeader(output, piece, _encoder.Encoding);
        _encoder.Encode(px, piece.Width, piece.Height, format, output);
        lossy.RemoveCovered(piece, framebuffer.Width, framebuffer.Height);
    }

    /// <summary>
    /// Whether <paramref name="rect"/> (at most <see cref="SmallPhotoArea"/>) sent losslessly would take at most
    /// <paramref name="budget"/> bytes: encoded for real by a second encoder whose zlib streams see the same kind of
    /// data as the session's, and whose output is only counted.
    /// </summary>
    private bool LosslessCostsAtMost(Framebuffer framebuffer, Rect rect, PixelTranslator translator, long budget)
    {
        Span<uint> px = _piece.AsSpan(0, (int)rect.Area);
        framebuffer.ReadPixels(rect, translator, px);
        _estimator ??= new TightEncoder(_encoder.Encoding == EncodingType.TightPng, jpeg: null);
        _estimator.CompressLevel = _encoder.CompressLevel;
        _estimator.SmallUpdate = _encoder.SmallUpdate;
        _estimate.Reset();
        _estimator.Encode(px, rect.Width, rect.Height, translator.Format, _estimate);
        return _estimate.Written <= budget;
    }

    /// <summary>
    /// A photographic rectangle as JPEG, compressed in place from the framebuffer. Too large for the 4 MiB compact
    /// length: halves. Compressor failure: this and every later rectangle lossless.
    /// </summary>
    private int WriteJpeg(Framebuffer framebuffer, Rect rect, PixelTranslator translator, TightSettings settings,
        TileSet lossy, IBufferWriter<byte> output)
    {
        if (!_jpegFailed)
        {
            try
            {
                ReadOnlySpan<byte> image = CompressOrShareJpeg(framebuffer, rect, settings);

                if (!image.IsEmpty && (rect.Area <= SmallPhotoArea || (rect.Area <= OneOffPhotoArea && StillBefore(framebuffer, rect)))
                    && LosslessCostsAtMost(framebuffer, rect, translator, image.Length * 3L))
                    return WriteLosslessRect(framebuffer, rect, translator, lossy, output);

                if (!image.IsEmpty)
                {
                    ServerMessageWriter.WriteRectHeader(output, rect, _encoder.Encoding);
                    _encoder.WriteJpeg(image, output);
                    lossy.SetRect(rect);
                    return 1;
                }

                if (rect.Height > 1)
                {
                    int top = Math.Max(1, rect.Height / 2 / T * T);
                    if (top >= rect.Height) top = rect.Height / 2;
                    return WriteJpeg(framebuffer, rect with { Height = top }, translator, settings, lossy, output)
                           + WriteJpeg(framebuffer, new Rect(rect.X, rect.Y + top, rect.Width, rect.Height - top),
                               translator, settings, lossy, output);
                }
            }
            catch (JpegCompressionException e)
            {
                _jpegFailed = true;
                JpegFailure = e.Message;
            }
        }

        return WriteLosslessRect(framebuffer, rect, translator, lossy, output);
    }

    /// <summary>
    /// JPEG images other viewers' writers may share (same contents, rectangle, quality and subsampling: encoded once
    /// per frame for all); null when this viewer is alone. Set by the session before each update.
    /// </summary>
    public SharedEncodingCache? SharedJpegs { get; set; }

    private readonly ArrayBufferWriter<byte> _sharedJpeg = new(16 * 1024);

    /// <summary>Compresses the rectangle, or takes the JPEG another viewer's writer made of the same pixels.</summary>
    /// <remarks>
    /// The shared cache is asked before the framebuffer's read lock is taken: a viewer waiting there for another's
    /// encoding must not hold the lock, or the publisher (and, behind its waiting write, every other reader) waits too.
    /// </remarks>
    private ReadOnlySpan<byte> CompressOrShareJpeg(Framebuffer framebuffer, Rect rect, TightSettings settings)
    {
        SharedEncodingCache? cache = SharedJpegs;
        SharedPayloadKey key = default;
        SharedLookup lookup = SharedLookup.Bypass;
        if (cache is not null)
        {
            key = new SharedPayloadKey(framebuffer.Version, rect, SharedPayloadKind.Jpeg, default, settings.JpegQuality, (int)settings.Subsampling);
            _sharedJpeg.ResetWrittenCount();
            lookup = cache.TryWrite(key, _sharedJpeg);
            if (lookup == SharedLookup.Hit) return _sharedJpeg.WrittenSpan;
        }

        ReadOnlySpan<byte> image;
        try
        {
            using Framebuffer.ReadScope scope = framebuffer.EnterRead();
            if (lookup == SharedLookup.Claimed && scope.Version != key.Version)
            {
                cache!.Abandon(key);   // the frame moved on since the lookup: these pixels are not the keyed ones
                lookup = SharedLookup.Bypass;
            }
            ReadOnlySpan<byte> src = scope.Bgrx[(rect.Y * scope.Stride + rect.X * 4)..];
            image = _encoder.CompressJpeg(src, rect.Width, rect.Height, scope.Stride, settings.JpegQuality, settings.Subsampling);
        }
        catch
        {
            if (lookup == SharedLookup.Claimed) cache!.Abandon(key);
            throw;
        }
        if (lookup == SharedLookup.Claimed)
        {
            if (image.IsEmpty) cache!.Abandon(key);
            else cache!.Publish(key, image);
        }
        return image;
    }

    /// <summary>Any rectangle losslessly, in pieces of at most 1024 × 64.</summary>
    private int WriteLosslessRect(Framebuffer framebuffer, Rect rect, PixelTranslator translator, TileSet lossy,
        IBufferWriter<byte> output)
    {
        int count = 0;
        for (int y = rect.Y; y < rect.Bottom; y += T)
            count += WriteLossless(framebuffer, new Rect(rect.X, y, rect.Width, Math.Min(T, rect.Bottom - y)), translator,
                lossy, output);
        return count;
    }

    private void Classify(ReadOnlySpan<byte> bgrx, int stride, Rect band, int tile, bool jpeg, PixelTranslator translator)
    {
        int x0 = band.X + tile * T, tw = Math.Min(T, band.Right - x0);
        ReadOnlySpan<uint> frame = MemoryMarshal.Cast<byte, uint>(bgrx);
        int pitch = stride / 4;
        int at = band.Y * pitch + x0;
        uint first = frame[at];
        bool solid = true;
        for (int y = 0; y < band.Height && solid; y++)
            solid = frame.Slice(at + y * pitch, tw).IndexOfAnyExcept(first) < 0;
        if (solid)
        {
            _kinds[tile] = TileKind.Solid;
            _solidColour[tile] = translator.Translate(first);
            return;
        }

        _kinds[tile] = jpeg && MoreColoursThan(frame, at, pitch, tw, band.Height, PhotoColours) ? TileKind.Photo : TileKind.Lossless;
    }

    /// <summary>Whether a tile of BGRX pixels has more than <paramref name="limit"/> colours; stops as soon as it knows.</summary>
    private bool MoreColoursThan(ReadOnlySpan<uint> frame, int at, int pitch, int tw, int th, int limit)
    {
        if (++_colourStamp == int.MaxValue)
        {
            Array.Clear(_colourStamps);
            _colourStamp = 1;
        }

        int stamp = _colourStamp, colours = 0;
        uint prev = ~frame[at] & 0xFFFFFF;
        for (int y = 0; y < th; y++)
        {
            ReadOnlySpan<uint> row = frame.Slice(at + y * pitch, tw);
            foreach (uint bgrx in row)
            {
                uint p = bgrx & 0xFFFFFF;   // the X byte is not colour
                if (p == prev) continue;
                prev = p;
                int slot = (int)((p * 0x9E3779B1u) >> 24);
                while (true)
                {
                    if (_colourStamps[slot] != stamp)
                    {
                        if (++colours > limit) return true;
                        _colourStamps[slot] = stamp;
                        _colourKeys[slot] = p;
                        break;
                    }

                    if (_colourKeys[slot] == p) break;
                    slot = (slot + 1) & 255;
                }
            }
        }

        return false;
    }

    public void Dispose()
    {
        _encoder.Dispose();
        _estimator?.Dispose();
    }
}
