// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Updates;

/// <summary>
/// A captured JPEG image that viewers are sent as it is (MJPEG pass-through), shared by all of them: each viewer
/// takes a reference (<see cref="FrameSnapshot.AcquireSourceJpeg"/>), writes the bytes and lets go, so eight viewers do
/// not each copy 200 KB into a buffer of their own first. The bytes never change while anyone holds a reference: the
/// framebuffer refills an image in place only when nobody else holds it, and otherwise moves on to a spare one.
/// </summary>
public sealed class SourceImage
{
    private readonly Stack<SourceImage> _spares;   // the owning framebuffer's; locked
    private byte[] _bytes = [];
    private int _length;
    private int _references;

    /// <summary>Idle images a framebuffer keeps for reuse: one in use, one being sent meanwhile, a little slack.</summary>
    internal const int MaxSpares = 3;

    internal SourceImage(Stack<SourceImage> spares) => _spares = spares;

    /// <summary>The JPEG image. Valid until <see cref="Release"/>.</summary>
    public ReadOnlySpan<byte> Span => _bytes.AsSpan(0, _length);

    /// <summary>The JPEG image, for a write that may complete later. Valid until <see cref="Release"/>.</summary>
    public ReadOnlyMemory<byte> Memory => _bytes.AsMemory(0, _length);

    public int Length => _length;

    /// <summary>Whether a reference other than the framebuffer's own is held (the bytes must not change).</summary>
    internal bool IsShared => Volatile.Read(ref _references) > 1;

    /// <summary>Framebuffer, under its source lock, when nobody else holds the image: its new bytes.</summary>
    internal void Fill(ReadOnlySpan<byte> jpeg)
    {
        if (_bytes.Length < jpeg.Length) _bytes = GC.AllocateUninitializedArray<byte>(jpeg.Length + jpeg.Length / 4);
        jpeg.CopyTo(_bytes);
        _length = jpeg.Length;
    }

    /// <summary>Framebuffer: the image is handed out afresh with one reference, the framebuffer's.</summary>
    internal void Reset() => Volatile.Write(ref _references, 1);

    /// <summary>Framebuffer, under its source lock (so it cannot be refilled meanwhile): one more holder.</summary>
    internal void AddReference() => Interlocked.Increment(ref _references);

    /// <summary>Lets go of a reference; the last one returns the image to its framebuffer's spares.</summary>
    public void Release()
    {
        int left = Interlocked.Decrement(ref _references);
        if (left > 0) return;
        if (left < 0) throw new InvalidOperationException("A source image was released more often than acquired.");
        lock (_spares)
        {
            if (_spares.Count < MaxSpares) _spares.Push(this);
        }
    }
}
