// SPDX-License-Identifier: MIT
using System.Numerics;

namespace KvmPi.Vnc.Rfb.Updates;

/// <summary>
/// A set of framebuffer tiles (<see cref="Framebuffer.TileSize"/> pixels square; the last column and row may be
/// partial). Change detection marks tiles once per frame; each client keeps its own set of tiles it has not yet
/// been sent. Not thread-safe: callers lock.
/// </summary>
/// <remarks>
/// One bit per tile, row-major (bit index = row · Columns + column). A 1080p frame is 30 × 17 = 510 tiles, i.e.
/// 8 ulongs, so clearing, union and emptiness tests are a handful of word operations.
/// </remarks>
public sealed class TileSet
{
    private readonly int _columns;
    private readonly int _rows;
    private readonly ulong[] _bits;

    // Tiles already emitted by the current TakeRects call (merged into a rectangle started in a row above).
    // Kept between calls so TakeRects allocates nothing.
    private readonly ulong[] _taken;

    public TileSet(int columns, int rows)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        _columns = columns;
        _rows = rows;
        int words = (int)(((long)columns * rows + 63) / 64);
        _bits = new ulong[words];
        _taken = new ulong[words];
    }

    public int Columns => _columns;
    public int Rows => _rows;

    public bool IsEmpty
    {
        get
        {
            foreach (ulong w in _bits)
                if (w != 0) return false;
            return true;
        }
    }

    /// <summary>The number of marked tiles.</summary>
    public int Count
    {
        get
        {
            int n = 0;
            foreach (ulong w in _bits) n += BitOperations.PopCount(w);
            return n;
        }
    }

    public void Clear() => Array.Clear(_bits);

    public void SetAll()
    {
        Array.Fill(_bits, ulong.MaxValue);
        // Keep the bits past the last tile clear so IsEmpty, Count and UnionWith stay exact.
        int used = _columns * _rows % 64;
        if (used != 0) _bits[^1] = (1UL << used) - 1;
    }

    public void Set(int column, int row)
    {
        int i = Index(column, row);
        _bits[i >> 6] |= 1UL << i;
    }

    public bool Contains(int column, int row)
    {
        int i = Index(column, row);
        return (_bits[i >> 6] & (1UL << i)) != 0;
    }

    /// <summary>Removes one tile from the set.</summary>
    public void Remove(int column, int row)
    {
        int i = Index(column, row);
        _bits[i >> 6] &= ~(1UL << i);
    }

    /// <summary>Marks every tile that a pixel rectangle touches.</summary>
    public void SetRect(Rect pixels)
    {
        // Clip to the grid first: integer division truncates towards zero, so a rectangle left of or above the
        // frame would otherwise land in column or row 0.
        pixels = pixels.Intersect(new Rect(0, 0, _columns * Framebuffer.TileSize, _rows * Framebuffer.TileSize));
        if (pixels.IsEmpty) return;
        int c0 = pixels.X / Framebuffer.TileSize, r0 = pixels.Y / Framebuffer.TileSize;
        int c1 = (pixels.Right - 1) / Framebuffer.TileSize, r1 = (pixels.Bottom - 1) / Framebuffer.TileSize;
        for (int r = r0; r <= r1; r++)
            for (int c = c0; c <= c1; c++)
                Set(c, r);
    }

    /// <summary>Unmarks every tile lying wholly inside a pixel rectangle (clipped to the frame <paramref name="frameWidth"/> × <paramref name="frameHeight"/>).</summary>
    public void RemoveCovered(Rect pixels, int frameWidth, int frameHeight)
    {
        const int T = Framebuffer.TileSize;
        var frame = new Rect(0, 0, Math.Min(frameWidth, _columns * T), Math.Min(frameHeight, _rows * T));
        pixels = pixels.Intersect(frame);
        if (pixels.IsEmpty) return;
        for (int r = pixels.Y / T; r <= (pixels.Bottom - 1) / T; r++)
            for (int c = pixels.X / T; c <= (pixels.Right - 1) / T; c++)
                if (pixels.Contains(new Rect(c * T, r * T, T, T).Intersect(frame))) Remove(c, r);
    }

    /// <summary>Makes this set equal to <paramref name="other"/> (same grid).</summary>
    public void CopyFrom(TileSet other)
    {
        CheckGrid(other);
        other._bits.CopyTo(_bits, 0);
    }

    /// <summary>Removes every tile marked in <paramref name="other"/> (same grid).</summary>
    public void ExceptWith(TileSet other)
    {
        CheckGrid(other);
        for (int i = 0; i < _bits.Length; i++) _bits[i] &= ~other._bits[i];
    }

    private void CheckGrid(TileSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._columns != _columns || other._rows != _rows)
            throw new ArgumentException($"Tile grid {other._columns}x{other._rows} differs from {_columns}x{_rows}.", nameof(other));
    }

    public void UnionWith(TileSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._columns != _columns || other._rows != _rows)
            throw new ArgumentException($"Tile grid {other._columns}x{other._rows} differs from {_columns}x{_rows}.", nameof(other));
        for (int i = 0; i < _bits.Length; i++) _bits[i] |= other._bits[i];
    }

    /// <summary>
    /// Appends to <paramref name="output"/> the pixel rectangles covering the marked tiles that intersect
    /// <paramref name="clip"/>, clipped to it and to the frame (<paramref name="frameWidth"/> × <paramref name="frameHeight"/>):
    /// horizontal runs of tiles, merged with identical runs in the rows below. Tiles entirely inside the clip are
    /// cleared; tiles only partly inside stay marked. Returns the number of rectangles appended. No allocation
    /// once <paramref name="output"/> has grown.
    /// </summary>
    /// <param name="maxTiles">
    /// Takes at most this many tiles (at least one): the runs found first, from the top; a run is cut where the
    /// budget ends. The rest stay marked for a later call.
    /// </param>
    public int TakeRects(Rect clip, int frameWidth, int frameHeight, List<Rect> output, int maxTiles = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxTiles);
        ArgumentNullException.ThrowIfNull(output);
        const int T = Framebuffer.TileSize;
        clip = clip.Intersect(new Rect(0, 0, Math.Min(frameWidth, _columns * T), Math.Min(frameHeight, _rows * T)));
        if (clip.IsEmpty) return 0;

        if (IsEmpty) return 0;

        int c0 = clip.X / T, c1 = (clip.Right - 1) / T;
        int r0 = clip.Y / T, r1 = (clip.Bottom - 1) / T;
        // Tiles wholly inside the clip (and the frame): they are cleared once taken. A tile cut by the clip keeps its
        // bit so its remainder is sent later.
        int inside0 = (clip.X + T - 1) / T, inside1 = InsideLast(clip.Right, frameWidth, T);
        int insideRow0 = (clip.Y + T - 1) / T, insideRow1 = InsideLast(clip.Bottom, frameHeight, T);

        // A whole frame changed (video, or everything after a resize): every run spans the clip's columns and grows
        // to its last row, so the loop below would find one rectangle, the clip itself, after visiting every tile.
        if (IsFull && (maxTiles == int.MaxValue || maxTiles >= _columns * _rows))
        {
            output.Add(clip);
            ClearRange(inside0, inside1, insideRow0, insideRow1);
            return 1;
        }

        int appended = 0;
        int left = maxTiles;
        Array.Clear(_taken);

        for (int r = r0; r <= r1 && left > 0; r++)
        {
            int c = c0;
            while (c <= c1 && left > 0)
            {
                if (!IsFree(c, r)) { c++; continue; }
                int start = c;
                while (c <= c1 && IsFree(c, r) && c - start < left) c++;
                int end = c - 1; // inclusive
                int width = end - start + 1;

                // Grow downwards while the row below holds exactly the same run (same first and last column). A run
                // cut by the budget never grows: the row below goes on past its end.
                int bottom = r;
                while (bottom < r1 && (bottom - r + 2) * width <= left && IsExactRun(start, end, bottom + 1, c0, c1)) bottom++;
                for (int rr = r; rr <= bottom; rr++)
                    for (int cc = start; cc <= end; cc++)
                        MarkTaken(cc, rr);
                left -= width * (bottom - r + 1);

                var tiles = new Rect(start * T, r * T, width * T, (bottom - r + 1) * T);
                output.Add(tiles.Intersect(clip));
                appended++;
            }
        }

        if (left > 0) ClearRange(inside0, inside1, insideRow0, insideRow1);   // every marked tile inside was taken
        else ClearTaken(inside0, inside1, insideRow0, insideRow1);
        return appended;
    }

    /// <summary>Unmarks the tiles this TakeRects call took within the given columns and rows (inclusive).</summary>
    private void ClearTaken(int c0, int c1, int r0, int r1)
    {
        c1 = Math.Min(c1, _columns - 1);
        r1 = Math.Min(r1, _rows - 1);
        for (int r = r0; r <= r1; r++)
        {
            for (int c = c0; c <= c1; c++)
            {
                int i = r * _columns + c;
                if ((_taken[i >> 6] & (1UL << i)) != 0) _bits[i >> 6] &= ~(1UL << i);
            }
        }
    }

    /// <summary>
    /// The last tile column (or row) wholly inside a clip ending at <paramref name="clipEnd"/>: the tile ends at or
    /// before it, or is the frame's last, partial one, which ends at the frame's edge.
    /// </summary>
    private static int InsideLast(int clipEnd, int frameEnd, int tileSize) =>
        clipEnd >= frameEnd ? (frameEnd - 1) / tileSize : clipEnd / tileSize - 1;

    /// <summary>Whether every tile of the grid is marked.</summary>
    private bool IsFull
    {
        get
        {
            int last = _bits.Length - 1;
            for (int i = 0; i < last; i++)
                if (_bits[i] != ulong.MaxValue) return false;
            int used = _columns * _rows % 64;
            return _bits[last] == (used == 0 ? ulong.MaxValue : (1UL << used) - 1);
        }
    }

    /// <summary>Unmarks columns <paramref name="c0"/>..<paramref name="c1"/> of rows <paramref name="r0"/>..<paramref name="r1"/> (inclusive; empty when reversed).</summary>
    private void ClearRange(int c0, int c1, int r0, int r1)
    {
        c1 = Math.Min(c1, _columns - 1);
        r1 = Math.Min(r1, _rows - 1);
        if (c0 > c1 || r0 > r1) return;
        if (c0 == 0 && c1 == _columns - 1)
        {
            ClearBits(r0 * _columns, (r1 + 1) * _columns);   // whole rows are one run of bits
            return;
        }
        for (int r = r0; r <= r1; r++) ClearBits(r * _columns + c0, r * _columns + c1 + 1);
    }

    /// <summary>Unmarks bits <paramref name="from"/>..<paramref name="to"/> (exclusive), a word at a time.</summary>
    private void ClearBits(int from, int to)
    {
        while (from < to)
        {
            int word = from >> 6, bit = from & 63;
            int n = Math.Min(64 - bit, to - from);
            ulong mask = n == 64 ? ulong.MaxValue : ((1UL << n) - 1) << bit;
            _bits[word] &= ~mask;
            from += n;
        }
    }

    private bool IsFree(int column, int row)
    {
        int i = row * _columns + column;
        return ((_bits[i >> 6] & ~_taken[i >> 6]) & (1UL << i)) != 0;
    }

    private void MarkTaken(int column, int row)
    {
        int i = row * _columns + column;
        _taken[i >> 6] |= 1UL << i;
    }

    private bool IsExactRun(int start, int end, int row, int minColumn, int maxColumn)
    {
        if (start > minColumn && IsFree(start - 1, row)) return false;
        if (end < maxColumn && IsFree(end + 1, row)) return false;
        for (int c = start; c <= end; c++)
            if (!IsFree(c, row)) return false;
        return true;
    }

    private int Index(int column, int row)
    {
        if ((uint)column >= (uint)_columns) throw new ArgumentOutOfRangeException(nameof(column));
        if ((uint)row >= (uint)_rows) throw new ArgumentOutOfRangeException(nameof(row));
        return row * _columns + column;
    }
}
