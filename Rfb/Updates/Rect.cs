// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Updates;

/// <summary>An axis-aligned rectangle in framebuffer pixels. Empty when either side is zero or negative.</summary>
public readonly record struct Rect(int X, int Y, int Width, int Height)
{
    public int Right => X + Width;
    public int Bottom => Y + Height;
    public bool IsEmpty => Width <= 0 || Height <= 0;
    public long Area => IsEmpty ? 0 : (long)Width * Height;

    public Rect Intersect(Rect other)
    {
        int x0 = Math.Max(X, other.X), y0 = Math.Max(Y, other.Y);
        int x1 = Math.Min(Right, other.Right), y1 = Math.Min(Bottom, other.Bottom);
        return x1 > x0 && y1 > y0 ? new Rect(x0, y0, x1 - x0, y1 - y0) : default;
    }

    public bool Contains(Rect other) =>
        other.X >= X && other.Y >= Y && other.Right <= Right && other.Bottom <= Bottom;

    /// <summary>The summed area of <paramref name="rects"/> (which do not overlap: an update's rectangles).</summary>
    public static long TotalArea(List<Rect> rects)
    {
        long area = 0;
        foreach (Rect r in rects) area += r.Area;
        return area;
    }

    public override string ToString() => $"{Width}x{Height}+{X}+{Y}";
}
