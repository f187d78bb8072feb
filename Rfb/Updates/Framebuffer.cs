// SPDX-License-Identifier: MIT
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using KvmPi.Vnc.Rfb.Pixels;

namespace KvmPi.Vnc.Rfb.Updates;

/// <summary>
/// The frame all viewers see, in BGRX, shared by every client session. One publisher (the capture or the demo
/// target) feeds whole frames; change detection compares each new frame with the current contents once, tile by tile
/// (Vector128, which is what the Pi's NEON gives). Sessions read an update's rectangles from one
/// <see cref="FrameSnapshot"/>, converted to their own pixel format.
/// </summary>
/// <remarks>
/// <para>
/// Each frame is written into a snapshot nobody holds, which then becomes the current one: a viewer encoding an
/// update holds the snapshot it started with, so every rectangle of the update shows the same frame, however long
/// encoding takes (a whole 1080p ZRLE update takes longer than a frame interval; with one shared buffer its lower
/// rectangles came from the next frame, a torn picture until the next update). The publisher never waits for an
/// encoder unless all <see cref="MaxSnapshots"/> are held. A spare snapshot is brought up to date by copying in the
/// tiles it missed (<see cref="FrameSnapshot.Stale"/>) along with the frame's changed ones, so a still screen costs
/// no copy, typing a few tiles, and video the whole frame, as one buffer did.
/// </para>
/// <para>
/// Change detection walks memory row by row, the whole frame width at a time, rather than tile by tile: the
/// hardware prefetcher sees one linear stream, which measured 2x faster than per-tile compares from DRAM
/// (stack-notes §3). A tile found changed is skipped for the rest of its tile row. Comparing needs no lock: nobody
/// writes the current snapshot. The version moves once per frame, so viewers that read the same frame share
/// encodings.
/// </para>
/// </remarks>
public sealed class Framebuffer
{
    /// <summary>Change-detection granularity: 64 pixels, as TigerVNC's ComparingUpdateTracker (one 1080p frame = 30×17 tiles).</summary>
    public const int TileSize = 64;

    /// <summary>
    /// At most this many frames are kept (8 MB each at 1080p): the current one, one an encoder still reads, one to
    /// write the next frame into. They are made as they are needed, so one viewer that encodes within a frame
    /// interval uses two.
    /// </summary>
    public const int MaxSnapshots = 3;

    /// <summary>How long the publisher waits between looks for a released snapshot (a release also wakes it).</summary>
    private const int SnapshotWaitMilliseconds = 5;

    private readonly int _width;
    private readonly int _height;
    private readonly int _columns;
    private readonly int _rows;
    private readonly FrameSnapshot[] _snapshots = new FrameSnapshot[MaxSnapshots];
    private int _snapshotCount;
    private FrameSnapshot _current;
    private readonly bool[] _tileDirty;   // Update's scratch: the changed tiles, row-major
    private readonly object _releaseGate = new();
    private int _publisherWaiting;
    // Unique across framebuffers too (a resize makes a new one): each starts 2^32 versions after the previous one.
    private static long s_versionBase;
    private long _version = Interlocked.Add(ref s_versionBase, 1L << 32);
    private readonly Stack<SourceImage> _spareImages = new();
    private long _frames;   // frames published (FrameSnapshot.FrameNumber)
    private long _announcedFrame;

    public Framebuffer(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        // rfbproto "ServerInit" carries U16 sizes.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, ushort.MaxValue);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, ushort.MaxValue);
        _width = width;
        _height = height;
        _columns = (width + TileSize - 1) / TileSize;
        _rows = (height + TileSize - 1) / TileSize;
        _tileDirty = new bool[_columns * _rows];
        _current = new FrameSnapshot(this, width, height, black: true);
        _current.SetVersion(_version);
        _snapshots[_snapshotCount++] = _current;
    }

    public int Width => _width;
    public int Height => _height;
    public int TileColumns => _columns;
    public int TileRows => _rows;

    /// <summary>The newest frame; readers hold it through <see cref="EnterRead"/>.</summary>
    internal FrameSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Guards the current snapshot's source image against a reader taking it as the publisher lets it go.</summary>
    internal object SourceLock => _spareImages;

    /// <summary>
    /// The last <see cref="FrameSnapshot.FrameNumber"/> whose changes every viewer has been told of (set by the server
    /// after it told them); a viewer that starts watching this framebuffer takes it as the last one it was told of.
    /// </summary>
    internal long AnnouncedFrame
    {
        get => Volatile.Read(ref _announcedFrame);
        set => Volatile.Write(ref _announcedFrame, value);
    }

    /// <summary>Snapshots made so far (at most <see cref="MaxSnapshots"/>).</summary>
    internal int SnapshotCount => Volatile.Read(ref _snapshotCount);

    /// <summary>
    /// Compares <paramref name="frame"/> (BGRX, this framebuffer's size, rows <paramref name="stride"/> bytes apart)
    /// with the current contents, publishes it if it differs, and marks the changed tiles in
    /// <paramref name="changed"/> (which it does not clear first). Returns whether any tile changed. Single
    /// publisher only.
    /// </summary>
    public bool Update(ReadOnlySpan<byte> frame, int stride, TileSet changed) => Update(frame, stride, changed, 0, _height);

    /// <summary>
    /// As <see cref="Update(ReadOnlySpan{byte}, int, TileSet)"/> for a frame whose source knows that only rows
    /// <paramref name="changedTop"/>..<paramref name="changedBottom"/> (exclusive) can differ from the current
    /// contents (a capture that decoded only those): only those rows are compared. <paramref name="frame"/> is still
    /// the whole frame, and its other rows must equal the current contents.
    /// </summary>
    /// <remarks>
    /// A new frame is published without a source image (none is better than the last frame's, which would not
    /// match these pixels); the overload that takes one publishes the two together.
    /// </remarks>
    public bool Update(ReadOnlySpan<byte> frame, int stride, TileSet changed, int changedTop, int changedBottom) =>
        Update(frame, stride, changed, changedTop, changedBottom, default, recordSource: false);

    /// <summary>
    /// As <see cref="Update(ReadOnlySpan{byte}, int, TileSet, int, int)"/>, and records <paramref name="sourceJpeg"/>
    /// (empty: none) as the image the frame was decoded from, with the pixels: a viewer that holds the new frame
    /// sees its image, never the one before (see <see cref="SetSourceJpeg"/>). Even unchanged pixels get the new
    /// image: it decodes to the same contents.
    /// </summary>
    public bool Update(ReadOnlySpan<byte> frame, int stride, TileSet changed, int changedTop, int changedBottom,
        ReadOnlySpan<byte> sourceJpeg) => Update(frame, stride, changed, changedTop, changedBottom, sourceJpeg, recordSource: true);

    private bool Update(ReadOnlySpan<byte> frame, int stride, TileSet changed, int changedTop, int changedBottom,
        ReadOnlySpan<byte> sourceJpeg, bool recordSource)
    {
        ArgumentNullException.ThrowIfNull(changed);
        int rowBytes = _width * 4;
        if (stride < rowBytes) throw new ArgumentOutOfRangeException(nameof(stride), stride, "Stride is shorter than a row.");
        if (frame.Length < (long)stride * (_height - 1) + rowBytes)
            throw new ArgumentException("Frame is smaller than stride × height.", nameof(frame));
        if (changed.Columns != _columns || changed.Rows != _rows)
            throw new ArgumentException("Tile set does not match this framebuffer's tile grid.", nameof(changed));

        if (!FindChangedTiles(frame, stride, Math.Max(0, changedTop), Math.Min(_height, changedBottom)))
        {
            if (recordSource) StoreSourceJpeg(Current, sourceJpeg, ahead: false);
            return false;
        }
        Publish(frame, stride, changed, sourceJpeg);
        return true;
    }

    /// <summary>Marks in <c>_tileDirty</c> the tiles where <paramref name="frame"/> differs from the current snapshot.</summary>
    private bool FindChangedTiles(ReadOnlySpan<byte> frame, int stride, int changedTop, int changedBottom)
    {
        int rowBytes = _width * 4;
        ReadOnlySpan<byte> pixels = Current.Bgrx;
        bool any = false;
        bool[] dirty = _tileDirty;
        Array.Clear(dirty);
        for (int tr = changedTop / TileSize; tr < _rows && tr * TileSize < changedBottom; tr++)
        {
            int y0 = tr * TileSize, y1 = Math.Min(_height, y0 + TileSize);
            Span<bool> rowDirty = dirty.AsSpan(tr * _columns, _columns);
            int dirtyCount = 0;
            for (int y = Math.Max(y0, changedTop); y < Math.Min(y1, changedBottom) && dirtyCount < _columns; y++)
            {
                ReadOnlySpan<byte> src = frame.Slice(y * stride, rowBytes);
                ReadOnlySpan<byte> cur = pixels.Slice(y * rowBytes, rowBytes);
                // Common case, nothing found yet in this tile row: one linear compare of the whole row; only a
                // mismatch pays for finding which tiles it falls in.
                if (dirtyCount == 0 && BytesEqual(src, cur)) continue;
                for (int tc = 0; tc < _columns; tc++)
                {
                    if (rowDirty[tc]) continue;
                    int x0 = tc * TileSize * 4;
                    int n = Math.Min(rowBytes - x0, TileSize * 4);
                    if (!BytesEqual(src.Slice(x0, n), cur.Slice(x0, n)))
                    {
                        rowDirty[tc] = true;
                        dirtyCount++;
                    }
                }
            }

            any |= dirtyCount != 0;
        }

        return any;
    }

    /// <summary>
    /// Writes the frame into a snapshot nobody holds (its changed tiles and the ones that snapshot missed; rows
    /// outside the compared band equal the contents, so whole tiles may be copied) and makes it the current one.
    /// </summary>
    private void Publish(ReadOnlySpan<byte> frame, int stride, TileSet changed, ReadOnlySpan<byte> sourceJpeg)
    {
        int rowBytes = _width * 4;
        bool[] dirty = _tileDirty;
        FrameSnapshot target = TakeSpareSnapshot(Current);
        Span<byte> pixels = target.PublisherPixels;
        TileSet stale = target.Stale;
        target.Changed.Clear();
        for (int tr = 0; tr < _rows; tr++)
        {
            int y0 = tr * TileSize, y1 = Math.Min(_height, y0 + TileSize);
            for (int tc = 0; tc < _columns; tc++)
            {
                bool isDirty = dirty[tr * _columns + tc];
                if (!isDirty && !stale.Contains(tc, tr)) continue;
                int x0 = tc * TileSize * 4;
                int n = Math.Min(rowBytes - x0, TileSize * 4);
                for (int y = y0; y < y1; y++)
                    frame.Slice(y * stride + x0, n).CopyTo(pixels.Slice(y * rowBytes + x0, n));
                if (!isDirty) continue;
                changed.Set(tc, tr);
                target.Changed.Set(tc, tr);
                for (int i = 0; i < _snapshotCount; i++)
                    if (_snapshots[i] != target) _snapshots[i].Stale.Set(tc, tr);
            }
        }
        stale.Clear();

        StoreSourceJpeg(target, sourceJpeg, ahead: false);
        target.SetVersion(++_version);
        target.SetFrameNumber(++_frames);
        // A full fence: a reader that counts its hold on the previous snapshot after this sees that it moved on.
        Interlocked.Exchange(ref _current, target);
    }

    /// <summary>
    /// A snapshot other than the current one that nobody holds: a spare, a new one while fewer than
    /// <see cref="MaxSnapshots"/> exist, or else the first one an encoder lets go of (encoders hold one only while
    /// they encode an update, never while they wait for the network).
    /// </summary>
    private FrameSnapshot TakeSpareSnapshot(FrameSnapshot current)
    {
        if (TryFindSpare(current) is { } spare) return spare;
        if (_snapshotCount < MaxSnapshots)
        {
            var made = new FrameSnapshot(this, _width, _height, black: false);
            _snapshots[_snapshotCount] = made;
            Volatile.Write(ref _snapshotCount, _snapshotCount + 1);
            return made;
        }

        lock (_releaseGate)
        {
            // Set before looking (a full fence), so a release after the look sees it and wakes us.
            Interlocked.Exchange(ref _publisherWaiting, 1);
            try
            {
                while (true)
                {
                    if (TryFindSpare(current) is { } released) return released;
                    Monitor.Wait(_releaseGate, SnapshotWaitMilliseconds);
                }
            }
            finally
            {
                Volatile.Write(ref _publisherWaiting, 0);
            }
        }
    }

    private FrameSnapshot? TryFindSpare(FrameSnapshot current)
    {
        for (int i = 0; i < _snapshotCount; i++)
        {
            FrameSnapshot s = _snapshots[i];
            if (s != current && !s.IsHeld) return s;
        }
        return null;
    }

    /// <summary>A reader let go of a snapshot: wakes the publisher if it waits for one.</summary>
    internal void OnSnapshotReleased()
    {
        if (Volatile.Read(ref _publisherWaiting) == 0) return;
        lock (_releaseGate) Monitor.PulseAll(_releaseGate);
    }

    /// <summary>
    /// Vector128 equality of two equal-length spans (a whole row, or a tile's row segment of 4..256 bytes).
    /// 64 bytes per iteration, XOR-OR reduced, so there is one branch per 4 loads; the tail re-reads an overlapping
    /// last vector instead of looping byte by byte.
    /// </summary>
    internal static bool BytesEqual(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        int n = a.Length;
        ref byte pa = ref MemoryMarshal.GetReference(a);
        ref byte pb = ref MemoryMarshal.GetReference(b);
        if (!Vector128.IsHardwareAccelerated || n < Vector128<byte>.Count)
        {
            int i = 0;
            for (; i <= n - 4; i += 4)
                if (Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref pa, i)) != Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref pb, i)))
                    return false;
            for (; i < n; i++)
                if (Unsafe.Add(ref pa, i) != Unsafe.Add(ref pb, i)) return false;
            return true;
        }

        nuint off = 0, len = (nuint)n;
        for (; off + 64 <= len; off += 64)
        {
            Vector128<byte> d =
                (Vector128.LoadUnsafe(ref pa, off) ^ Vector128.LoadUnsafe(ref pb, off)) |
                (Vector128.LoadUnsafe(ref pa, off + 16) ^ Vector128.LoadUnsafe(ref pb, off + 16)) |
                (Vector128.LoadUnsafe(ref pa, off + 32) ^ Vector128.LoadUnsafe(ref pb, off + 32)) |
                (Vector128.LoadUnsafe(ref pa, off + 48) ^ Vector128.LoadUnsafe(ref pb, off + 48));
            if (d != Vector128<byte>.Zero) return false;
        }

        for (; off + 16 <= len; off += 16)
            if (Vector128.LoadUnsafe(ref pa, off) != Vector128.LoadUnsafe(ref pb, off)) return false;
        if (off < len)
        {
            nuint last = len - 16;
            if (Vector128.LoadUnsafe(ref pa, last) != Vector128.LoadUnsafe(ref pb, last)) return false;
        }

        return true;
    }

    /// <summary>
    /// The current contents (BGRX, <see cref="Width"/> × 4 bytes per row), for the publisher only: between its own
    /// calls they cannot change (scroll detection compares them with the next frame before <see cref="Update"/>).
    /// </summary>
    internal ReadOnlySpan<byte> PublisherPixels => Current.Bgrx;

    /// <summary>The current snapshot's <see cref="FrameSnapshot.Version"/>.</summary>
    public long Version => Current.Version;

    /// <summary>
    /// Holds the current frame until the scope is disposed: its pixels do not change meanwhile, whatever the
    /// publisher does. Encoders read pixels in place (TurboJPEG takes a pointer and a pitch) from
    /// <see cref="ReadScope.Frame"/>. Take one per update and let go before waiting for anything: while all
    /// <see cref="MaxSnapshots"/> are held the publisher waits.
    /// </summary>
    public ReadScope EnterRead() => new(Hold());

    /// <summary>As <see cref="EnterRead"/>, for a holder that cannot keep a scope: it calls <see cref="FrameSnapshot.Release"/> once.</summary>
    internal FrameSnapshot Hold()
    {
        while (true)
        {
            FrameSnapshot current = Current;
            if (current.TryHold()) return current;
        }
    }

    /// <summary>A held <see cref="FrameSnapshot"/>; dispose exactly once.</summary>
    public readonly ref struct ReadScope
    {
        internal ReadScope(FrameSnapshot frame) => Frame = frame;

        public FrameSnapshot Frame { get; }

        public ReadOnlySpan<byte> Bgrx => Frame.Bgrx;

        public int Stride => Frame.Stride;

        /// <summary>The <see cref="FrameSnapshot.Version"/> of the held frame.</summary>
        public long Version => Frame.Version;

        public void Dispose() => Frame.Release();
    }

    /// <summary>
    /// Reads a rectangle (inside the frame) of the current frame as client pixel values, row-major, no padding.
    /// Returns the <see cref="Version"/> of the contents read. An update reads all its rectangles from one
    /// <see cref="EnterRead"/> instead.
    /// </summary>
    public long ReadPixels(Rect rect, PixelTranslator translator, Span<uint> destination)
    {
        using ReadScope scope = EnterRead();
        scope.Frame.ReadPixels(rect, translator, destination);
        return scope.Version;
    }

    /// <summary>
    /// Records the JPEG image the current contents were decoded from (empty: none), so a viewer that takes Tight
    /// JPEG can be sent the capture's own bytes (MJPEG pass-through). Single publisher only; call after
    /// <see cref="Update"/>, which leaves the contents equal to the whole decoded frame.
    /// </summary>
    public void SetSourceJpeg(ReadOnlySpan<byte> jpeg) => StoreSourceJpeg(Current, jpeg, ahead: false);

    /// <summary>
    /// Records a JPEG image that is newer than the contents: viewers are to be sent it as it is, and the contents
    /// catch up with the next <see cref="Update"/> and <see cref="SetSourceJpeg"/>. The version moves, as the
    /// picture did. Single publisher only.
    /// </summary>
    public void SetSourceAhead(ReadOnlySpan<byte> jpeg)
    {
        FrameSnapshot current = Current;
        StoreSourceJpeg(current, jpeg, ahead: true);
        current.SetVersion(++_version);   // the picture moved on though the pixels did not
    }

    /// <summary>Records the source image of a snapshot: the current one, or the one about to become current.</summary>
    private void StoreSourceJpeg(FrameSnapshot snapshot, ReadOnlySpan<byte> jpeg, bool ahead)
    {
        lock (SourceLock)
        {
            SourceImage? source = snapshot.SourceLocked;
            if (jpeg.IsEmpty)
            {
                source?.Release();
                source = null;
            }
            else
            {
                // A viewer still writing the previous image, or an older snapshot, keeps it; the new one goes into a spare.
                if (source is null || source.IsShared)
                {
                    source?.Release();
                    source = RentImage();
                }
                source.Fill(jpeg);
            }
            snapshot.SetSourceLocked(source, jpeg.Length, ahead);
        }
    }

    private SourceImage RentImage()
    {
        // Called under SourceLock, which is _spareImages: SourceImage.Release locks it too, re-entrantly here.
        _spareImages.TryPop(out SourceImage? image);
        image ??= new SourceImage(_spareImages);
        image.Reset();
        return image;
    }

    /// <summary>Whether the current source JPEG is newer than the contents (<see cref="SetSourceAhead"/>).</summary>
    public bool SourceAhead => Current.SourceAhead;

    /// <summary>Publisher only: whether <paramref name="jpeg"/> is the recorded source JPEG.</summary>
    internal bool SourceJpegEquals(ReadOnlySpan<byte> jpeg) => Current.SourceJpegEquals(jpeg);

    /// <summary>Length of the current source JPEG; 0 when the contents did not come from one.</summary>
    public int SourceJpegLength => Current.SourceJpegLength;

    /// <summary>The current frame's source JPEG (<see cref="FrameSnapshot.AcquireSourceJpeg"/>).</summary>
    public SourceImage? AcquireSourceJpeg(out bool ahead) => Current.AcquireSourceJpeg(out ahead);

    /// <summary>Copies the whole current frame as BGRX (Width × 4 bytes per row) into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination)
    {
        using ReadScope scope = EnterRead();
        scope.Bgrx.CopyTo(destination);
    }
}
