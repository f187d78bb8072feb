// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Pixels;

namespace KvmPi.Vnc.Rfb.Updates;

/// <summary>
/// One published frame of a <see cref="Framebuffer"/>: its BGRX pixels, which never change while anyone holds it
/// (<see cref="Framebuffer.EnterRead"/>), with the JPEG image they were decoded from. An update reads all its
/// rectangles from one snapshot, so it shows one frame even when encoding it takes longer than a frame interval.
/// </summary>
/// <remarks>
/// The framebuffer keeps a few of these and writes each new frame into one nobody holds (see
/// <see cref="Framebuffer"/>); holding one costs a reader an interlocked increment and decrement, and the publisher
/// never waits for an encoder unless every spare one is held.
/// </remarks>
public sealed class FrameSnapshot
{
    private readonly Framebuffer _owner;
    private readonly byte[] _pixels;
    private int _holders;
    private long _version;
    // The source image and whether it is ahead of the pixels: changed on the current snapshot or the one about to
    // become current, under the owner's source lock (the image of a new frame, a new image of unchanged pixels, a JPEG-only frame).
    private SourceImage? _source;
    private int _sourceLength;
    private bool _sourceAhead;

    internal FrameSnapshot(Framebuffer owner, int width, int height, bool black)
    {
        _owner = owner;
        _pixels = GC.AllocateUninitializedArray<byte>(checked(width * height * 4));
        if (black) Array.Clear(_pixels);   // initial contents black (and X = 0)
        Stale = new TileSet(owner.TileColumns, owner.TileRows);
        if (!black) Stale.SetAll();
        Changed = new TileSet(owner.TileColumns, owner.TileRows);
    }

    /// <summary>The framebuffer this frame belongs to (a resize makes a new one).</summary>
    public Framebuffer Owner => _owner;

    public int Width => _owner.Width;
    public int Height => _owner.Height;
    public int TileColumns => _owner.TileColumns;
    public int TileRows => _owner.TileRows;

    /// <summary>The pixels, BGRX, <see cref="Stride"/> bytes a row. Valid while held.</summary>
    public ReadOnlySpan<byte> Bgrx => _pixels;

    public int Stride => _owner.Width * 4;

    /// <summary>
    /// Which state of the contents this is: two reads with the same version saw the same pixels. Keys shared
    /// encodings (<see cref="Encoding.SharedEncodingCache"/>). A JPEG-only frame moves it on the current snapshot
    /// though the pixels stay (<see cref="Framebuffer.SetSourceAhead"/>).
    /// </summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>
    /// Which published frame the pixels are: it grows by one with each frame that changed something (0: the initial
    /// black one), and, unlike <see cref="Version"/>, not with a JPEG-only frame. Tells a viewer whether an update
    /// read a frame it has not yet been told about.
    /// </summary>
    internal long FrameNumber { get; private set; }

    /// <summary>
    /// The tiles this frame changed from the one before it (<see cref="FrameNumber"/> − 1). Written by the publisher
    /// before the frame becomes current, read-only after; valid while held.
    /// </summary>
    internal TileSet Changed { get; }

    /// <summary>Publisher only: the tiles where these pixels differ from the current snapshot's.</summary>
    internal TileSet Stale { get; }

    /// <summary>Publisher only, while nobody holds it: the pixels to write the next frame into.</summary>
    internal Span<byte> PublisherPixels => _pixels;

    /// <summary>
    /// Reads a rectangle (inside the frame) as client pixel values, row-major, no padding.
    /// </summary>
    public void ReadPixels(Rect rect, PixelTranslator translator, Span<uint> destination)
    {
        ArgumentNullException.ThrowIfNull(translator);
        if (rect.IsEmpty) return;
        int width = Width;
        if (rect.X < 0 || rect.Y < 0 || rect.Right > width || rect.Bottom > Height)
            throw new ArgumentOutOfRangeException(nameof(rect), rect, "Rectangle is not inside the frame.");
        if (destination.Length < rect.Area)
            throw new ArgumentException("Destination is smaller than the rectangle.", nameof(destination));

        int rowBytes = width * 4;
        for (int y = 0; y < rect.Height; y++)
        {
            ReadOnlySpan<byte> src = _pixels.AsSpan((rect.Y + y) * rowBytes + rect.X * 4, rect.Width * 4);
            translator.TranslateRow(src, destination.Slice(y * rect.Width, rect.Width));
        }
    }

    /// <summary>
    /// The JPEG image these pixels were decoded from, shared (no copy): the caller sends its bytes and then calls
    /// <see cref="SourceImage.Release"/> exactly once. Null when there is none. <paramref name="ahead"/> tells, for
    /// this very image, whether it is newer than the pixels (<see cref="SourceAhead"/>).
    /// </summary>
    public SourceImage? AcquireSourceJpeg(out bool ahead)
    {
        lock (_owner.SourceLock)
        {
            ahead = _sourceAhead;
            SourceImage? source = _source;
            source?.AddReference();
            return source;
        }
    }

    /// <summary>
    /// Whether the recorded source JPEG is newer than the pixels (<see cref="Framebuffer.SetSourceAhead"/>): the
    /// pixels are then not the picture, and only that JPEG may be sent.
    /// </summary>
    public bool SourceAhead => Volatile.Read(ref _sourceAhead);

    /// <summary>Length of the recorded source JPEG; 0 when the pixels did not come from one.</summary>
    public int SourceJpegLength => Volatile.Read(ref _sourceLength);

    /// <summary>Publisher only: whether <paramref name="jpeg"/> is the recorded source JPEG.</summary>
    internal bool SourceJpegEquals(ReadOnlySpan<byte> jpeg) => _source is { } source && jpeg.SequenceEqual(source.Span);

    /// <summary>Under the owner's source lock: the recorded image (null: none).</summary>
    internal SourceImage? SourceLocked => _source;

    /// <summary>Under the owner's source lock: records an image (the snapshot takes over the caller's reference).</summary>
    internal void SetSourceLocked(SourceImage? source, int length, bool ahead)
    {
        _source = source;
        Volatile.Write(ref _sourceLength, length);
        Volatile.Write(ref _sourceAhead, ahead);
    }

    internal void SetVersion(long version) => Interlocked.Exchange(ref _version, version);

    /// <summary>Publisher, before the snapshot becomes the current one (the swap publishes it to readers).</summary>
    internal void SetFrameNumber(long frame) => FrameNumber = frame;

    /// <summary>
    /// Takes a hold if this is still the owner's current snapshot: the publisher may have moved on (and may be
    /// writing into this one) since the caller read it, so the hold is checked after it is counted.
    /// </summary>
    internal bool TryHold()
    {
        Interlocked.Increment(ref _holders);
        if (_owner.Current == this) return true;
        Release();
        return false;
    }

    /// <summary>Whether anyone holds it (the publisher must not write into it).</summary>
    internal bool IsHeld => Volatile.Read(ref _holders) != 0;

    internal void Release()
    {
        int left = Interlocked.Decrement(ref _holders);
        if (left < 0) throw new InvalidOperationException("A frame snapshot was released more often than held.");
        if (left == 0) _owner.OnSnapshotReleased();
    }
}
