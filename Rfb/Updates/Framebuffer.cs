// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Pixels;

namespace KvmPi.Vnc.Rfb.Updates;

/// <summary>
/// The frame all viewers see, in BGRX, shared by every client session. One publisher (the capture or the demo
/// target) feeds whole frames; change detection compares each new frame with the current contents once, tile by tile
/// (Vector128, which is what the Pi's NEON gives), and copies in only the changed tiles. Sessions read rectangles
/// converted to their own pixel format. A reader/writer lock keeps each rectangle read consistent; it is held only
/// for a copy, never while encoding.
/// </summary>
public sealed class Framebuffer
{
    /// <summary>Change-detection granularity: 64 pixels, as TigerVNC's ComparingUpdateTracker (one 1080p frame = 30×17 tiles).</summary>
    public const int TileSize = 64;

    public Framebuffer(int width, int height) => throw new NotImplementedException();

    public int Width => throw new NotImplementedException();
    public int Height => throw new NotImplementedException();
    public int TileColumns => throw new NotImplementedException();
    public int TileRows => throw new NotImplementedException();

    /// <summary>
    /// Compares <paramref name="frame"/> (BGRX, this framebuffer's size, rows <paramref name="stride"/> bytes apart)
    /// with the current contents, copies the changed tiles in, and marks them in <paramref name="changed"/>
    /// (which it does not clear first). Returns whether any tile changed. Single publisher only.
    /// </summary>
    public bool Update(ReadOnlySpan<byte> frame, int stride, TileSet changed) => throw new NotImplementedException();

    /// <summary>Reads a rectangle (inside the frame) as client pixel values, row-major, no padding.</summary>
    public void ReadPixels(Rect rect, PixelTranslator translator, Span<uint> destination) => throw new NotImplementedException();

    /// <summary>Copies the whole frame as BGRX (Width × 4 bytes per row) into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination) => throw new NotImplementedException();
}
