// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Updates;

/// <summary>
/// A set of framebuffer tiles (<see cref="Framebuffer.TileSize"/> pixels square; the last column and row may be
/// partial). Change detection marks tiles once per frame; each client keeps its own set of tiles it has not yet
/// been sent. Not thread-safe: callers lock.
/// </summary>
public sealed class TileSet
{
    public TileSet(int columns, int rows) => throw new NotImplementedException();

    public int Columns => throw new NotImplementedException();
    public int Rows => throw new NotImplementedException();
    public bool IsEmpty => throw new NotImplementedException();

    public void Clear() => throw new NotImplementedException();
    public void SetAll() => throw new NotImplementedException();
    public void Set(int column, int row) => throw new NotImplementedException();
    public bool Contains(int column, int row) => throw new NotImplementedException();

    /// <summary>Marks every tile that a pixel rectangle touches.</summary>
    public void SetRect(Rect pixels) => throw new NotImplementedException();

    public void UnionWith(TileSet other) => throw new NotImplementedException();

    /// <summary>
    /// Appends to <paramref name="output"/> the pixel rectangles covering the marked tiles that intersect
    /// <paramref name="clip"/>, clipped to it and to the frame (<paramref name="frameWidth"/> × <paramref name="frameHeight"/>):
    /// horizontal runs of tiles, merged with identical runs in the rows below. Tiles entirely inside the clip are
    /// cleared; tiles only partly inside stay marked. Returns the number of rectangles appended. No allocation
    /// once <paramref name="output"/> has grown.
    /// </summary>
    public int TakeRects(Rect clip, int frameWidth, int frameHeight, List<Rect> output) => throw new NotImplementedException();
}
