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
/// held frame (pointer and pitch; no copy).
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

    // The write under way (BeginWrite..EndWrite): its rectangles, and the next band's place in them.
    private static readonly List<Rect> NoRects = [];
    private List<Rect> _writeRects = NoRects;
    private int _writeRect, _writeX, _writeY;
    private bool _writeJpeg, _writeLossless;
    private TightSettings _writeSettings;

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
    public int Write(FrameSnapshot frame, List<Rect> rects, PixelTranslator translator, TightSettings settings,
        bool lossless, TileSet lossy, IBufferWriter<byte> output)
    {
        BeginWrite(rects, settings, lossless);
        int count = 0;
        bool more;
        do
        {
            more = WriteNext(frame, translator, lossy, output, out int written);
            count += written;
        }
        while (more);
        EndWrite(frame);
        return count;
    }

    /// <summary>
    /// <see cref="Write"/> a band at a time, for a caller that sends the rectangles as they come (a LastRect update):
    /// this, then <see cref="WriteNext"/> until it returns false, then <see cref="EndWrite"/>. The list must not change
    /// meanwhile.
    /// </summary>
    public void BeginWrite(List<Rect> rects, TightSettings settings, bool lossless)
    {
        _encoder.CompressLevel = settings.CompressLevel;
        _encoder.SmallUpdate = Rect.TotalArea(rects) <= TightEncoder.MaxArea;
        _writeJpeg = settings.AllowsJpeg && !lossless && !_jpegFailed && _encoder.CanCompressJpeg;
        _writeLossless = lossless;
        _writeSettings = settings;
        _writeRects = rects;
        _writeRect = -1;
        NextWriteRect();
        if (!lossless) _updates++;
    }

    /// <summary>
    /// Writes the next band (64 rows, at most 2048 wide) of the rectangles begun with <see cref="BeginWrite"/>, and the
    /// photographic runs it ends; <paramref name="written"/>: how many rectangles. False once nothing is left.
    /// </summary>
    public bool WriteNext(FrameSnapshot frame, PixelTranslator translator, TileSet lossy, IBufferWriter<byte> output, out int written)
    {
        written = 0;
        if (_writeRect >= _writeRects.Count) return false;
        Rect rect = _writeRects[_writeRect];
        var band = new Rect(_writeX, _writeY, Math.Min(BandWidth, rect.Right - _writeX), Math.Min(T, rect.Bottom - _writeY));
        written += WriteBand(frame, band, translator, _writeSettings, _writeJpeg, lossy, output);
        _writeY += T;
        if (_writeY < rect.Bottom) return true;

        // The end of a column of bands: photographic runs grow no further.
        written += FlushOpen(frame, translator, _writeSettings, lossy, output, _open);
        _open.Clear();
        _writeY = rect.Y;
        _writeX += BandWidth;
        if (_writeX >= rect.Right) NextWriteRect();
        return _writeRect < _writeRects.Count;
    }

    /// <summary>Ends what <see cref="BeginWrite"/> began: the tiles written count as changed in this update.</summary>
    public void EndWrite(FrameSnapshot frame)
    {
        if (!_writeLossless)
            foreach (Rect rect in _writeRects) MarkChanged(frame, rect);
        _writeRects = NoRects;
    }

    private void NextWriteRect()
    {
        do _writeRect++;
        while (_writeRect < _writeRects.Count && _writeRects[_writeRect].IsEmpty);
        if (_writeRect < _writeRects.Count) (_writeX, _writeY) = (_writeRects[_writeRect].X, _writeRects[_writeRect].Y);
    }

    /// <summary>Whether no tile of <paramref name="rect"/> changed in the <see cref="StillUpdates"/> updates before this one.</summary>
    private bool StillBefore(FrameSnapshot frame, Rect rect)
    {
        if (!HistoryFits(frame)) return true;   // a new size: nothing is known of before
        for (int r = rect.Y / T; r <= (rect.Bottom - 1) / T; r++)
            for (int c = rect.X / T; c <= (rect.Right - 1) / T; c++)
            {
                int last = _lastChanged[r * _historyColumns + c];
                if (last != 0 && _updates - last <= StillUpdates) return false;
            }
        return true;
    }

    private bool HistoryFits(FrameSnapshot frame) =>
        _historyColumns == frame.TileColumns && _lastChanged.Length == frame.TileColumns * frame.TileRows;

    private void MarkChanged(FrameSnapshot frame, Rect rect)
    {
        if (!HistoryFits(frame))
        {
            _lastChanged = new int[frame.TileColumns * frame.TileRows];   // once per frame size
            _historyColumns = frame.TileColumns;
        }
        if (_updates == int.MaxValue)
        {
            Array.Clear(_lastChanged);
            _updates = 1;
        }
        rect = rect.Intersect(new Rect(0, 0, frame.Width, frame.Height));
        if (rect.IsEmpty) return;
        int c0 = rect.X / T, columns = (rect.Right - 1) / T - c0 + 1;
        for (int r = rect.Y / T; r <= (rect.Bottom - 1) / T; r++)
            _lastChanged.AsSpan(r * _historyColumns + c0, columns).Fill(_updates);
    }

    /// <summary>
    /// MJPEG pass-through: when the framebuffer holds a frame decoded from a JPEG (the capture's own bytes), the
    /// viewer allows JPEG and the update covers almost all of the frame (or the JPEG is newer than the pixels, see
    /// <see cref="Framebuffer.SourceAhead"/>), that JPEG goes out as the one rectangle of the update: no decode, no
    /// re-encode, no per-tile analysis. Returns the image to send with <see cref="WritePassThroughHeader"/> (the caller
    /// releases it), or null when pass-through does not apply.
    /// </summary>
    /// <param name="dirtyArea">Pixels the update would otherwise send.</param>
    /// <param name="visible">The part of the frame the viewer sees; pass-through needs the whole frame.</param>
    /// <param name="ahead">Whether this image is newer than the framebuffer's pixels (no lossless refresh may read them).</param>
    public SourceImage? TryTakePassThrough(FrameSnapshot frame, long dirtyArea, Rect visible, TightSettings settings,
        out bool ahead)
    {
        ahead = false;
        if (_jpegFailed || !PassThroughFits(settings, visible, frame.Width, frame.Height)) return null;
        var whole = new Rect(0, 0, frame.Width, frame.Height);
        SourceImage? image = frame.AcquireSourceJpeg(out ahead);
        if (image is null) return null;
        // "Changed almost everywhere" (90 %), or the image is newer than the pixels (RfbServer.TryPublishJpegOnly).
        if ((dirtyArea * 10 < whole.Area * 9 && !ahead) || image.Length > TightCompactLength.Max)
        {
            image.Release();
            return null;
        }
        return image;
    }

    /// <summary>
    /// Whether a viewer with these settings that sees <paramref name="visible"/> of a frame can be sent the capture's
    /// image as it is: it allows JPEG and sees the whole frame, which a Tight rectangle can be as wide as.
    /// </summary>
    public static bool PassThroughFits(TightSettings settings, Rect visible, int frameWidth, int frameHeight) =>
        settings.AllowsJpeg && visible == new Rect(0, 0, frameWidth, frameHeight) && frameWidth <= TightEncoder.MaxWidth;

    /// <summary>
    /// The image taken by <see cref="TryTakePassThrough"/> as one Tight JPEG rectangle covering the frame: its header
    /// goes to <paramref name="output"/>, and the caller sends the image's bytes right after it, from where they are
    /// (eight viewers would otherwise each copy ~200 KB a frame). The caller marks the frame lossy.
    /// </summary>
    public void WritePassThroughHeader(SourceImage image, FrameSnapshot frame, IBufferWriter<byte> output)
    {
        var whole = new Rect(0, 0, frame.Width, frame.Height);
        ServerMessageWriter.WriteRectHeader(output, whole, _encoder.Encoding);
        _encoder.WriteJpegHeader(image.Length, output);
        _updates++;
        MarkChanged(frame, whole);   // the whole frame changed, as far as the lossless trial is concerned
    }

    /// <summary>
    /// <see cref="TryTakePassThrough"/>, <see cref="WritePassThroughHeader"/> and the image in one (the frame marked
    /// lossy): for an update of that one rectangle.
    /// </summary>
    public bool TryWritePassThrough(FrameSnapshot frame, long dirtyArea, Rect visible, TightSettings settings,
        TileSet lossy, IBufferWriter<byte> output)
    {
        SourceImage? image = TryTakePassThrough(frame, dirtyArea, visible, settings, out _);
        if (image is null) return false;
        try
        {
            WritePassThroughHeader(image, frame, output);
            output.Write(image.Span);
        }
        finally
        {
            image.Release();
        }
        lossy.SetAll();
        return true;
    }

    private int WriteBand(FrameSnapshot frame, Rect band, PixelTranslator translator, TightSettings settings,
        bool jpeg, TileSet lossy, IBufferWriter<byte> output)
    {
        // Classified on the framebuffer's own BGRX, in place: photographic tiles are never converted at all, and
        // a 1080p photo costs the classifier a few hundred pixels a tile. Client values are read later, only for
        // what goes lossless. (Counting colours before conversion can only count more: a narrow client format
        // merges colours, never splits them, so at worst a tile goes lossless that could have gone as palette.)
        int tiles = (band.Width + T - 1) / T;
        for (int t = 0; t < tiles; t++) Classify(frame.Bgrx, frame.Stride, band, t, jpeg, translator);

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
                    lossy.RemoveCovered(run, frame.Width, frame.Height);
                    count++;
                    break;
                case TileKind.Lossless:
                    count += WriteLossless(frame, run, translator, lossy, output);
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
            count += WriteJpeg(frame, _open[i], translator, settings, lossy, output);
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

    private int FlushOpen(FrameSnapshot frame, PixelTranslator translator, TightSettings settings, TileSet lossy,
        IBufferWriter<byte> output, List<Rect> open)
    {
        int count = 0;
        foreach (Rect r in open) count += WriteJpeg(frame, r, translator, settings, lossy, output);
        return count;
    }

    /// <summary>Lossless pieces of a run at most 64 rows high, each at most 1024 wide (65536 pixels).</summary>
    private int WriteLossless(FrameSnapshot frame, Rect run, PixelTranslator translator, TileSet lossy,
        IBufferWriter<byte> output)
    {
        int count = 0;
        for (int x = run.X; x < run.Right; x += LosslessRunWidth)
        {
            var piece = new Rect(x, run.Y, Math.Min(LosslessRunWidth, run.Right - x), run.Height);
            Span<uint> px = _piece.AsSpan(0, piece.Width * piece.Height);
            frame.ReadPixels(piece, translator, px);
            if (piece.Width > T && _encoder.Encoding == EncodingType.Tight && !_encoder.FitsPalette(px))
            {
                count += WriteLosslessTiles(frame, piece, px, translator.Format, lossy, output);
                continue;
            }

            WriteEncoded(px, piece, translator.Format, frame, lossy, output);
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
    private int WriteLosslessTiles(FrameSnapshot frame, Rect piece, ReadOnlySpan<uint> px, PixelFormat format,
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
            count += WriteColumns(frame, piece, px, runStart, tx, format, lossy, output);
            WriteEncoded(tile, new Rect(tx, piece.Y, tw, piece.Height), format, frame, lossy, output);
            count++;
            runStart = tx + tw;
        }

        return count + WriteColumns(frame, piece, px, runStart, piece.Right, format, lossy, output);
    }

    /// <summary>Columns <paramref name="from"/>..<paramref name="to"/> of the piece as one rectangle (none when empty).</summary>
    private int WriteColumns(FrameSnapshot frame, Rect piece, ReadOnlySpan<uint> px, int from, int to, PixelFormat format,
        TileSet lossy, IBufferWriter<byte> output)
    {
        if (to <= from) return 0;
        Span<uint> run = _run.AsSpan(0, (to - from) * piece.Height);
        CopyColumns(px, piece.Width, from - piece.X, to - from, piece.Height, run);
        WriteEncoded(run, new Rect(from, piece.Y, to - from, piece.Height), format, frame, lossy, output);
        return 1;
    }

    private static void CopyColumns(ReadOnlySpan<uint> px, int width, int x, int w, int h, Span<uint> dst)
    {
        for (int y = 0; y < h; y++) px.Slice(y * width + x, w).CopyTo(dst.Slice(y * w, w));
    }

    private void WriteEncoded(ReadOnlySpan<uint> px, Rect piece, PixelFormat format, FrameSnapshot frame, TileSet lossy,
        IBufferWriter<byte> output)
    {
        ServerMessageWriter.WriteRectHeader(output, piece, _encoder.Encoding);
        _encoder.Encode(px, piece.Width, piece.Height, format, output);
        lossy.RemoveCovered(piece, frame.Width, frame.Height);
    }

    /// <summary>
    /// Whether <paramref name="rect"/> (at most <see cref="SmallPhotoArea"/>) sent losslessly would take at most
    /// <paramref name="budget"/> bytes, near enough: encoded by a second encoder whose zlib streams see the same kind
    /// of data as the session's, with a faster deflate (<see cref="TightEncoder.Estimating"/>), and whose output is
    /// only counted.
    /// </summary>
    private bool LosslessCostsAtMost(FrameSnapshot frame, Rect rect, PixelTranslator translator, long budget)
    {
        Span<uint> px = _piece.AsSpan(0, (int)rect.Area);
        frame.ReadPixels(rect, translator, px);
        _estimator ??= new TightEncoder(_encoder.Encoding == EncodingType.TightPng, jpeg: null) { Estimating = true };
        _estimator.CompressLevel = _encoder.CompressLevel;
        _estimator.SmallUpdate = _encoder.SmallUpdate;
        _estimate.Reset();
        _estimator.Encode(px, rect.Width, rect.Height, translator.Format, _estimate);
        return _estimate.Written <= budget;
    }

    /// <summary>
    /// A photographic rectangle as JPEG, compressed in place from the frame. Too large for the 4 MiB compact
    /// length: halves. Compressor failure: this and every later rectangle lossless.
    /// </summary>
    private int WriteJpeg(FrameSnapshot frame, Rect rect, PixelTranslator translator, TightSettings settings,
        TileSet lossy, IBufferWriter<byte> output)
    {
        if (!_jpegFailed)
        {
            try
            {
                ReadOnlySpan<byte> image = CompressOrShareJpeg(frame, rect, settings);

                if (!image.IsEmpty && (rect.Area <= SmallPhotoArea || (rect.Area <= OneOffPhotoArea && StillBefore(frame, rect)))
                    && LosslessCostsAtMost(frame, rect, translator, image.Length * 3L))
                    return WriteLosslessRect(frame, rect, translator, lossy, output);

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
                    return WriteJpeg(frame, rect with { Height = top }, translator, settings, lossy, output)
                           + WriteJpeg(frame, new Rect(rect.X, rect.Y + top, rect.Width, rect.Height - top),
                               translator, settings, lossy, output);
                }
            }
            catch (JpegCompressionException e)
            {
                _jpegFailed = true;
                JpegFailure = e.Message;
            }
        }

        return WriteLosslessRect(frame, rect, translator, lossy, output);
    }

    /// <summary>
    /// JPEG images other viewers' writers may share (same contents, rectangle, quality and subsampling: encoded once
    /// per frame for all); null when this viewer is alone. Set by the session before each update.
    /// </summary>
    public SharedEncodingCache? SharedJpegs { get; set; }

    private readonly ArrayBufferWriter<byte> _sharedJpeg = new(16 * 1024);

    /// <summary>Compresses the rectangle, or takes the JPEG another viewer's writer made of the same pixels.</summary>
    private ReadOnlySpan<byte> CompressOrShareJpeg(FrameSnapshot frame, Rect rect, TightSettings settings)
    {
        SharedEncodingCache? cache = SharedJpegs;
        SharedPayloadKey key = default;
        SharedLookup lookup = SharedLookup.Bypass;
        if (cache is not null)
        {
            key = new SharedPayloadKey(frame.Version, rect, SharedPayloadKind.Jpeg, default, settings.JpegQuality, (int)settings.Subsampling);
            _sharedJpeg.ResetWrittenCount();
            lookup = cache.TryWrite(key, _sharedJpeg);
            if (lookup == SharedLookup.Hit) return _sharedJpeg.WrittenSpan;
        }

        ReadOnlySpan<byte> image;
        try
        {
            if (lookup == SharedLookup.Claimed && frame.Version != key.Version)
            {
                cache!.Abandon(key);   // a JPEG-only frame moved the version on since the lookup (the pixels stay)
                lookup = SharedLookup.Bypass;
            }
            ReadOnlySpan<byte> src = frame.Bgrx[(rect.Y * frame.Stride + rect.X * 4)..];
            image = _encoder.CompressJpeg(src, rect.Width, rect.Height, frame.Stride, settings.JpegQuality, settings.Subsampling);
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
    private int WriteLosslessRect(FrameSnapshot frame, Rect rect, PixelTranslator translator, TileSet lossy,
        IBufferWriter<byte> output)
    {
        int count = 0;
        for (int y = rect.Y; y < rect.Bottom; y += T)
            count += WriteLossless(frame, new Rect(rect.X, y, rect.Width, Math.Min(T, rect.Bottom - y)), translator,
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
