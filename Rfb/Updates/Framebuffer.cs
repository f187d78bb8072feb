// SPDX-License-Identifier: MIT
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using KvmPi.Vnc.Rfb.Pixels;

namespace KvmPi.Vnc.Rfb.Updates;

/// <summary>
/// The frame all viewers see, in BGRX, shared by every client session. One publisher (the capture or the demo
/// target) feeds whole frames; change detection compares each new frame with the current contents once, tile by tile
/// (Vector128, which is what the Pi's NEON gives), and copies in only the changed tiles. Sessions read rectangles
/// converted to their own pixel format. A reader/writer lock keeps each rectangle read consistent; it is held only
/// for a copy, never while encoding.
/// </summary>
/// <remarks>
/// Change detection walks memory row by row, the whole frame width at a time, rather than tile by tile: the
/// hardware prefetcher sees one linear stream, which measured 2x faster than per-tile compares from DRAM
/// (stack-notes §3). A tile found changed is skipped for the rest of its tile row. Comparing needs no lock, because
/// only the publisher ever writes <c>_pixels</c>. The changed tiles are then copied in under one write lock, and the
/// version moves once per frame: a write lock per tile row made the publisher queue behind the viewers' reads
/// (which hold the lock for a JPEG compress) up to 17 times a frame, and gave viewers that read mid-frame a version
/// no other viewer had, so they could not share encodings. The lock covers the copy only, not the compare, so a
/// reader waits for at most one frame's changed tiles to be copied.
/// </remarks>
public sealed class Framebuffer
{
    /// <summary>Change-detection granularity: 64 pixels, as TigerVNC's ComparingUpdateTracker (one 1080p frame = 30×17 tiles).</summary>
    public const int TileSize = 64;

    private readonly int _width;
    private readonly int _height;
    private readonly int _columns;
    private readonly int _rows;
    private readonly byte[] _pixels;
    private readonly bool[] _tileDirty;   // Update's scratch: the changed tiles, row-major
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    // Unique across framebuffers too (a resize makes a new one): each starts 2^32 versions after the previous one.
    private static long s_versionBase;
    private long _version = Interlocked.Add(ref s_versionBase, 1L << 32);
    private SourceImage? _source;   // changed under the write lock; holds one reference of its own
    private readonly Stack<SourceImage> _spareImages = new();
    private int _sourceJpegLength;
    private bool _sourceAhead;

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
        _pixels = GC.AllocateUninitializedArray<byte>(checked(width * height * 4));
        Array.Clear(_pixels); // initial contents black (and X = 0)
        _tileDirty = new bool[_columns * _rows];
    }

    public int Width => _width;
    public int Height => _height;
    public int TileColumns => _columns;
    public int TileRows => _rows;

    /// <summary>
    /// Compares <paramref name="frame"/> (BGRX, this framebuffer's size, rows <paramref name="stride"/> bytes apart)
    /// with the current contents, copies the changed tiles in, and marks them in <paramref name="changed"/>
    /// (which it does not clear first). Returns whether any tile changed. Single publisher only.
    /// </summary>
    public bool Update(ReadOnlySpan<byte> frame, int stride, TileSet changed) => Update(frame, stride, changed, 0, _height);

    /// <summary>
    /// As <see cref="Update(ReadOnlySpan{byte}, int, TileSet)"/> for a frame whose source knows that only rows
    /// <paramref name="changedTop"/>..<paramref name="changedBottom"/> (exclusive) can differ from the current
    /// contents (a capture that decoded only those): only those rows are compared. <paramref name="frame"/> is still
    /// the whole frame.
    /// </summary>
    public bool Update(ReadOnlySpan<byte> frame, int stride, TileSet changed, int changedTop, int changedBottom)
    {
        ArgumentNullException.ThrowIfNull(changed);
        int rowBytes = _width * 4;
        if (stride < rowBytes) throw new ArgumentOutOfRangeException(nameof(stride), stride, "Stride is shorter than a row.");
        if (frame.Length < (long)stride * (_height - 1) + rowBytes)
            throw new ArgumentException("Frame is smaller than stride × height.", nameof(frame));
        if (changed.Columns != _columns || changed.Rows != _rows)
            throw new ArgumentException("Tile set does not match this framebuffer's tile grid.", nameof(changed));

        try
        {
            return CompareAndCopy(frame, stride, changed, Math.Max(0, changedTop), Math.Min(_height, changedBottom));
        }
        finally
        {
            if (_lock.IsWriteLockHeld) _lock.ExitWriteLock();
        }
    }

    /// <summary>The body of <see cref="Update(ReadOnlySpan{byte}, int, TileSet, int, int)"/>: compares without the lock, then takes it (Update releases it) to copy.</summary>
    private bool CompareAndCopy(ReadOnlySpan<byte> frame, int stride, TileSet changed, int changedTop, int changedBottom)
    {
        int rowBytes = _width * 4;
        bool any = false;
        bool[] dirty = _tileDirty;
        Array.Clear(dirty);
        for (int tr = changedTop / TileSize; tr < _rows && tr * TileSize < changedBottom; tr++)
        {
            int y0 = tr * TileSize, y1 = Math.Min(_height, y0 + TileSize);
            Span<bool> rowDirty = dirty.AsSpan(tr * _columns, _columns);
            int dirtyCount = 0;
            // Rows outside the changed band equal the contents, so a changed tile's copy below may include them.
            for (int y = Math.Max(y0, changedTop); y < Math.Min(y1, changedBottom) && dirtyCount < _columns; y++)
            {
                ReadOnlySpan<byte> src = frame.Slice(y * stride, rowBytes);
                ReadOnlySpan<byte> cur = _pixels.AsSpan(y * rowBytes, rowBytes);
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

        if (!any) return false;
        _lock.EnterWriteLock();   // released by Update
        _version++;
        for (int tr = 0; tr < _rows; tr++)
        {
            int y0 = tr * TileSize, y1 = Math.Min(_height, y0 + TileSize);
            for (int tc = 0; tc < _columns; tc++)
            {
                if (!dirty[tr * _columns + tc]) continue;
                int x0 = tc * TileSize * 4;
                int n = Math.Min(rowBytes - x0, TileSize * 4);
                for (int y = y0; y < y1; y++)
                    frame.Slice(y * stride + x0, n).CopyTo(_pixels.AsSpan(y * rowBytes + x0, n));
                changed.Set(tc, tr);
            }
        }

        return true;
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
    /// The current contents (BGRX, <see cref="Width"/> × 4 bytes per row) without the lock, for the publisher only:
    /// it is the only writer, so between its own calls the pixels cannot change (scroll detection compares them
    /// with the next frame before <see cref="Update"/>).
    /// </summary>
    internal ReadOnlySpan<byte> PublisherPixels => _pixels;

    /// <summary>
    /// Which state of the contents this is: it changes whenever pixels change (under the write lock), so two reads
    /// with the same version saw the same pixels. Keys shared encodings (<see cref="Encoding.SharedEncodingCache"/>).
    /// </summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>
    /// Reads a rectangle (inside the frame) as client pixel values, row-major, no padding. Returns the
    /// <see cref="Version"/> of the contents read.
    /// </summary>
    public long ReadPixels(Rect rect, PixelTranslator translator, Span<uint> destination)
    {
        ArgumentNullException.ThrowIfNull(translator);
        if (rect.IsEmpty) return Version;
        if (rect.X < 0 || rect.Y < 0 || rect.Right > _width || rect.Bottom > _height)
            throw new ArgumentOutOfRangeException(nameof(rect), rect, "Rectangle is not inside the frame.");
        if (destination.Length < rect.Area)
            throw new ArgumentException("Destination is smaller than the rectangle.", nameof(destination));

        int rowBytes = _width * 4;
        _lock.EnterReadLock();
        try
        {
            for (int y = 0; y < rect.Height; y++)
            {
                ReadOnlySpan<byte> src = _pixels.AsSpan((rect.Y + y) * rowBytes + rect.X * 4, rect.Width * 4);
                translator.TranslateRow(src, destination.Slice(y * rect.Width, rect.Width));
            }
            return _version;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// Read access to the BGRX pixels (rows <see cref="Width"/> × 4 bytes apart) until the scope is disposed, for an
    /// encoder that reads them in place (TurboJPEG takes a pointer and a pitch) instead of copying megabytes first.
    /// Holds the read lock: the publisher waits, so keep it to one rectangle's work.
    /// </summary>
    public ReadScope EnterRead()
    {
        _lock.EnterReadLock();
        return new ReadScope(this);
    }

    /// <summary>A held read lock on a <see cref="Framebuffer"/>; dispose exactly once.</summary>
    public readonly ref struct ReadScope
    {
        private readonly Framebuffer _owner;

        internal ReadScope(Framebuffer owner) => _owner = owner;

        public ReadOnlySpan<byte> Bgrx => _owner._pixels;

        public int Stride => _owner._width * 4;

        /// <summary>The <see cref="Framebuffer.Version"/> of the pixels in this scope (stable while it is held).</summary>
        public long Version => _owner._version;

        public void Dispose() => _owner._lock.ExitReadLock();
    }

    /// <summary>
    /// Records the JPEG image the current contents were decoded from (empty: none), so a viewer that takes Tight
    /// JPEG can be sent the capture's own bytes (MJPEG pass-through). Single publisher only; call after
    /// <see cref="Update"/>, which leaves the contents equal to the whole decoded frame.
    /// </summary>
    public void SetSourceJpeg(ReadOnlySpan<byte> jpeg) => StoreSourceJpeg(jpeg, ahead: false);

    /// <summary>
    /// Records a JPEG image that is newer than the contents: viewers are to be sent it as it is, and the contents
    /// catch up with the next <see cref="Update"/> and <see cref="SetSourceJpeg"/>. The version moves, as the
    /// picture did. Single publisher only.
    /// </summary>
    public void SetSourceAhead(ReadOnlySpan<byte> jpeg) => StoreSourceJpeg(jpeg, ahead: true);

    private void StoreSourceJpeg(ReadOnlySpan<byte> jpeg, bool ahead)
    {
        _lock.EnterWriteLock();
        try
        {
            if (jpeg.IsEmpty)
            {
                _source?.Release();
                _source = null;
            }
            else
            {
                // A viewer still writing the previous image keeps it; the new one goes into a spare.
                if (_source is null || _source.IsShared)
                {
                    _source?.Release();
                    _source = RentImage();
                }
                _source.Fill(jpeg);
            }
            _sourceJpegLength = jpeg.Length;
            if (ahead) _version++;   // the picture moved on though the pixels did not
            _sourceAhead = ahead;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    private SourceImage RentImage()
    {
        SourceImage? image;
        lock (_spareImages) _spareImages.TryPop(out image);
        image ??= new SourceImage(_spareImages);
        image.Reset();
        return image;
    }

    /// <summary>
    /// Whether the recorded source JPEG is newer than the contents (<see cref="SetSourceAhead"/>): the pixels are
    /// then not the picture, and only that JPEG may be sent.
    /// </summary>
    public bool SourceAhead => Volatile.Read(ref _sourceAhead);

    /// <summary>Publisher only: whether <paramref name="jpeg"/> is the recorded source JPEG.</summary>
    internal bool SourceJpegEquals(ReadOnlySpan<byte> jpeg) => _source is { } source && jpeg.SequenceEqual(source.Span);

    /// <summary>Length of the recorded source JPEG; 0 when the contents did not come from one.</summary>
    public int SourceJpegLength => Volatile.Read(ref _sourceJpegLength);

    /// <summary>
    /// The source JPEG of the current contents, shared (no copy): the caller sends its bytes and then calls
    /// <see cref="SourceImage.Release"/> exactly once. Null when there is none. <paramref name="ahead"/> tells, for
    /// this very image, whether it is newer than the pixels (<see cref="SourceAhead"/>).
    /// </summary>
    public SourceImage? AcquireSourceJpeg(out bool ahead)
    {
        _lock.EnterReadLock();
        try
        {
            ahead = _sourceAhead;
            SourceImage? source = _source;
            source?.AddReference();
            return source;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Copies the whole frame as BGRX (Width × 4 bytes per row) into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination)
    {
        _lock.EnterReadLock();
        try
        {
            _pixels.CopyTo(destination);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }
}
