// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Updates;

/// <summary>
/// The picture one viewer holds, in the server's BGRX, as far as copies need it: every rectangle sent to it is
/// copied in from the frame it was read from, and every CopyRect is applied in the order the viewer applies them.
/// Then the error a further copy would leave can be measured against the new frame itself, not estimated.
/// </summary>
/// <remarks>
/// Why: moves of captured video are taken within noise (<see cref="ScrollDetector"/>), so a viewer's tile copied
/// from a tile it holds by an earlier copy carries both errors. For content that really scrolled they cancel (the
/// viewer holds an older capture of the same text); for content that changes while it moves (video panning) they
/// add up frame after frame: the detector, which compares consecutive frames, cannot see that drift, this can.
/// Rectangles sent as JPEG are kept as the frame's exact pixels: a copy's drift is then measured apart from the
/// loss the viewer asked for. Not thread-safe: callers lock.
/// </remarks>
public sealed class ViewerPicture
{
    private const int T = Framebuffer.TileSize;
    private readonly byte[] _pixels;
    private readonly ulong[] _sums, _rowSums, _worstRowSums;

    public ViewerPicture(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        Width = width;
        Height = height;
        _pixels = new byte[checked(width * height * 4)];
        _sums = new ulong[(width + T - 1) / T];
        _rowSums = new ulong[_sums.Length];
        _worstRowSums = new ulong[_sums.Length];
    }

    public int Width { get; }
    public int Height { get; }
    private int Stride => Width * 4;

    /// <summary>The picture itself, BGRX (for tests).</summary>
    internal ReadOnlySpan<byte> Pixels => _pixels;

    /// <summary>The viewer was sent <paramref name="rect"/> of <paramref name="frame"/> (clipped to both pictures).</summary>
    public void CopyFrom(FrameSnapshot frame, Rect rect)
    {
        ArgumentNullException.ThrowIfNull(frame);
        rect = rect.Intersect(new Rect(0, 0, Math.Min(Width, frame.Width), Math.Min(Height, frame.Height)));
        if (rect.IsEmpty) return;
        ReadOnlySpan<byte> source = frame.Bgrx;
        int bytes = rect.Width * 4;
        for (int y = rect.Y; y < rect.Bottom; y++)
            source.Slice(y * frame.Stride + rect.X * 4, bytes).CopyTo(_pixels.AsSpan(y * Stride + rect.X * 4, bytes));
    }

    /// <summary>The viewer applies <paramref name="move"/> (a CopyRect from its source rows to its destination).</summary>
    public void Apply(ScrollMove move)
    {
        Rect dst = ClipMove(move);
        if (dst.IsEmpty) return;
        int bytes = dst.Width * 4, x = dst.X * 4;
        // Row by row in the order that reads each source row before the copy overwrites it.
        if (move.Dy >= 0)
            for (int y = dst.Y; y < dst.Bottom; y++) Row(y + move.Dy, x, bytes).CopyTo(Row(y, x, bytes));
        else
            for (int y = dst.Bottom - 1; y >= dst.Y; y--) Row(y + move.Dy, x, bytes).CopyTo(Row(y, x, bytes));
    }

    /// <summary>
    /// For tile row <paramref name="tileRow"/>, columns <paramref name="firstColumn"/>..<paramref name="lastColumn"/>:
    /// how far each tile as the viewer would hold it after <paramref name="move"/> (moved rows inside its band, its
    /// own rows outside) is from <paramref name="next"/>, the new frame (this picture's size, BGRX): the sum of
    /// absolute differences over the tile, and the largest over one of its pixel rows (a mean over the tile can hide
    /// a word). The spans are valid until the next call.
    /// </summary>
    public void TileDifferencesAfter(ScrollMove move, int tileRow, int firstColumn, int lastColumn, ReadOnlySpan<byte> next,
        out ReadOnlySpan<ulong> tileSums, out ReadOnlySpan<ulong> worstRowSums)
    {
        int columns = _sums.Length, rows = (Height + T - 1) / T;
        if ((uint)tileRow >= (uint)rows || firstColumn < 0 || lastColumn >= columns || firstColumn > lastColumn)
            throw new ArgumentOutOfRangeException(nameof(tileRow), $"tiles ({firstColumn}..{lastColumn}, {tileRow}) outside {columns} x {rows}");
        if (next.Length < Stride * Height) throw new ArgumentException("The frame is smaller than this picture.", nameof(next));
        int strips = lastColumn - firstColumn + 1;
        Span<ulong> sums = _sums.AsSpan(0, strips), row = _rowSums.AsSpan(0, strips), worst = _worstRowSums.AsSpan(0, strips);
        sums.Clear();
        worst.Clear();
        var copied = new ScrollMove(ClipMove(move), move.Dy);
        int x = firstColumn * T * 4, bytes = (Math.Min(Width, (lastColumn + 1) * T) - firstColumn * T) * 4;
        int y0 = tileRow * T, y1 = Math.Min(Height, y0 + T);
        for (int y = y0; y < y1; y++)
        {
            int sy = copied.RowCopiedTo(y);
            row.Clear();
            PixelSums.AddStripDifferences(next.Slice(y * Stride + x, bytes), Row(sy, x, bytes), row);
            for (int k = 0; k < strips; k++)
            {
                sums[k] += row[k];
                worst[k] = Math.Max(worst[k], row[k]);
            }
        }
        tileSums = sums;
        worstRowSums = worst;
    }

    /// <summary>The move's destination where both it and its source lie inside this picture.</summary>
    private Rect ClipMove(ScrollMove move)
    {
        var all = new Rect(0, 0, Width, Height);
        Rect dst = move.Destination.Intersect(all);
        Rect fromSource = move.Source.Intersect(all);
        return dst.Intersect(fromSource with { Y = fromSource.Y - move.Dy });
    }

    private Span<byte> Row(int y, int x, int bytes) => _pixels.AsSpan(y * Stride + x, bytes);
}
