// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Updates;

/// <summary>
/// Finds the band of a frame that scrolled vertically since the previous frame (an editor, a terminal, a web
/// page), so viewers can be sent a CopyRect instead of the band's pixels. Works on captured video, where the moved
/// rows never match exactly (each frame is a fresh JPEG, and a shift that is not a multiple of the JPEG block
/// moves every block edge): everything is compared within a noise threshold. Once per published frame, shared
/// by all viewers; allocates nothing per frame.
/// </summary>
/// <remarks>
/// <para>Each frame gets a signature: for every row, the byte sum of each 64-pixel column strip (a 1080p frame:
/// 1080 × 30 sums, one pass over the pixels). The previous frame's signature is kept from the last call.</para>
/// <para>The offset: over the strips and rows that changed, the per-row totals of the new frame are compared with
/// the previous frame's at every offset (a 1-D search, cheap); the few best offsets are checked strip by strip,
/// and the one that explains the most changed rows wins. Its band is the longest run of rows that match (short
/// gaps allowed: a line that changed as well as moved is left to the tile check), narrowed to the strips that
/// match across it.</para>
/// <para>Then every 64×64 tile the band touches is checked in pixels (sum of absolute differences of the tile as
/// the copy would leave it, against the new frame). Tiles within the noise threshold are
/// <see cref="Approximate"/>: a viewer given the CopyRect holds them well enough until they are still, when the
/// lossless refresh resends them. The rest must be sent as usual after the CopyRect.</para>
/// </remarks>
public sealed class ScrollDetector
{
    private const int T = Framebuffer.TileSize;

    /// <summary>Moves shorter than this many rows are not worth a CopyRect.</summary>
    public const int MinimumRows = 32;

    /// <summary>Largest offset searched (rows). Scrolling further than this in one frame leaves little to copy.</summary>
    public const int MaximumOffset = 512;

    /// <summary>
    /// A strip row (64 pixels × 4 bytes) "matches" when its byte sum differs by at most this much: JPEG noise of
    /// a quality-85 capture on black-on-white text stays well inside it, a glyph that differs does not.
    /// </summary>
    public const int StripTolerance = 384;

    /// <summary>A tile is approximately right after the copy when its mean absolute difference per byte is at most this (×1/16).</summary>
    public const int TileToleranceSixteenths = 40;   // 2.5 per byte

    /// <summary>Whether a tile of <paramref name="tileBytes"/> bytes that differs by <paramref name="sumOfDifferences"/> in all is within noise.</summary>
    public static bool WithinTolerance(ulong sumOfDifferences, int tileBytes) =>
        sumOfDifferences * 16 <= (ulong)TileToleranceSixteenths * (ulong)tileBytes;

    private readonly int _width, _height, _columns;
    private ushort[] _previous, _current;   // [y * columns + c]: byte sum of 64 pixels of row y
    private bool _previousValid;
    private readonly bool[] _rowChanged, _columnChanged;
    private readonly int[] _totalsOld, _totalsNew;
    private readonly long[] _costs;
    private readonly int[] _candidates = new int[3];
    private readonly ulong[] _tileSums;

    public ScrollDetector(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        _width = width;
        _height = height;
        _columns = (width + T - 1) / T;
        _previous = new ushort[checked(height * _columns)];
        _current = new ushort[height * _columns];
        _rowChanged = new bool[height];
        _columnChanged = new bool[_columns];
        _totalsOld = new int[height];
        _totalsNew = new int[height];
        _costs = new long[2 * MaximumOffset + 1];
        _tileSums = new ulong[_columns];
        Approximate = new TileSet(_columns, (height + T - 1) / T);
        Exact = new TileSet(_columns, (height + T - 1) / T);
    }

    public int Width => _width;
    public int Height => _height;

    /// <summary>After a successful <see cref="Detect"/>: tiles touched by the move that are within noise of the new frame once copied.</summary>
    public TileSet Approximate { get; }

    /// <summary>
    /// After a successful <see cref="Detect"/>: the tiles of <see cref="Approximate"/> that the copy makes exactly the
    /// new frame (blank margins, flat backgrounds: JPEG decodes flat areas without noise), which need no refresh.
    /// </summary>
    public TileSet Exact { get; }

    /// <summary>Forget the previous frame (its signature is recomputed at the next call): call when frames were published without detection.</summary>
    public void Reset() => _previousValid = false;

    /// <summary>
    /// Compares the new frame with the previous one (both BGRX, this detector's size) and returns whether a band
    /// moved vertically; then <paramref name="move"/> and <see cref="Approximate"/> describe it.
    /// The new frame's signature is kept for the next call, found or not.
    /// </summary>
    public bool Detect(ReadOnlySpan<byte> previous, int previousStride, ReadOnlySpan<byte> next, int nextStride, out ScrollMove move) =>
        Detect(previous, previousStride, next, nextStride, 0, _height, out move);

    /// <summary>
    /// As <see cref="Detect(ReadOnlySpan{byte}, int, ReadOnlySpan{byte}, int, out ScrollMove)"/> for a source that
    /// knows only rows <paramref name="changedTop"/>..<paramref name="changedBottom"/> (exclusive) can differ from the
    /// previous frame: only those rows get a new signature.
    /// </summary>
    public bool Detect(ReadOnlySpan<byte> previous, int previousStride, ReadOnlySpan<byte> next, int nextStride,
        int changedTop, int changedBottom, out ScrollMove move)
    {
        CheckFrame(previous, previousStride, nameof(previous));
        CheckFrame(next, nextStride, nameof(next));
        changedTop = Math.Clamp(changedTop, 0, _height);
        changedBottom = Math.Clamp(changedBottom, changedTop, _height);
        move = default;
        Approximate.Clear();
        Exact.Clear();
        if (!_previousValid) ComputeSignature(previous, previousStride, _previous, 0, _height);
        if (changedBottom - changedTop < MinimumRows)
        {
            // Too little can have changed to be a scroll: the kept signature stays right if the rows are redone.
            if (changedBottom > changedTop) ComputeSignature(next, nextStride, _previous, changedTop, changedBottom);
            _previousValid = true;
            return false;
        }
        _previous.AsSpan(0, changedTop * _columns).CopyTo(_current);
        _previous.AsSpan(changedBottom * _columns).CopyTo(_current.AsSpan(changedBottom * _columns));
        ComputeSignature(next, nextStride, _current, changedTop, changedBottom);
        try
        {
            return Find(previous, previousStride, next, nextStride, out move);
        }
        finally
        {
            (_previous, _current) = (_current, _previous);
            _previousValid = true;
        }
    }

    private void CheckFrame(ReadOnlySpan<byte> frame, int stride, string name)
    {
        if (stride < _width * 4) throw new ArgumentOutOfRangeException(name, stride, "Stride is shorter than a row.");
        if (frame.Length < (long)stride * (_height - 1) + _width * 4) throw new ArgumentException("Frame is smaller than stride × height.", name);
    }

    private void ComputeSignature(ReadOnlySpan<byte> frame, int stride, ushort[] signature, int top, int bottom)
    {
        int rowBytes = _width * 4;
        for (int y = top; y < bottom; y++)
        {
            ReadOnlySpan<byte> row = frame.Slice(y * stride, rowBytes);
            int at = y * _columns;
            for (int c = 0; c < _columns; c++)
            {
                int x0 = c * T * 4;
                signature[at + c] = (ushort)PixelSums.Sum(row.Slice(x0, Math.Min(T * 4, rowBytes - x0)));
            }
        }
    }

    private bool Find(ReadOnlySpan<byte> previous, int previousStride, ReadOnlySpan<byte> next, int nextStride, out ScrollMove move)
    {
        move = default;
        ushort[] po = _previous, pn = _current;
        int columns = _columns;

        // Where the signature changed at all.
        Array.Clear(_columnChanged);
        int y0 = -1, y1 = -1;
        for (int y = 0; y < _height; y++)
        {
            bool changed = false;
            int at = y * columns;
            for (int c = 0; c < columns; c++)
            {
                if (po[at + c] == pn[at + c]) continue;
                changed = true;
                _columnChanged[c] = true;
            }
            _rowChanged[y] = changed;
            if (!changed) continue;
            if (y0 < 0) y0 = y;
            y1 = y;
        }
        if (y0 < 0 || y1 - y0 + 1 < MinimumRows) return false;
        int c0 = Array.IndexOf(_columnChanged, true), c1 = Array.LastIndexOf(_columnChanged, true);

        // Row totals over the changed strips, and the 1-D offset search on them.
        for (int y = 0; y < _height; y++)
        {
            int o = 0, n = 0, at = y * columns;
            for (int c = c0; c <= c1; c++)
            {
                o += po[at + c];
                n += pn[at + c];
            }
            _totalsOld[y] = o;
            _totalsNew[y] = n;
        }
        int maxDy = Math.Min(MaximumOffset, y1 - y0 + 1 - MinimumRows);
        if (maxDy < 1) return false;
        for (int dy = -maxDy; dy <= maxDy; dy++)
        {
            int from = Math.Max(y0, -dy), to = Math.Min(y1, _height - 1 - dy);
            long cost = long.MaxValue;
            if (dy != 0 && to - from + 1 >= MinimumRows)
            {
                int rows = to - from + 1;
                cost = PixelSums.SumAbsoluteDifferences(_totalsNew.AsSpan(from, rows), _totalsOld.AsSpan(from + dy, rows)) * 256 / rows;
            }
            _costs[dy + MaximumOffset] = cost;
        }

        // The three cheapest local minima.
        _candidates.AsSpan().Clear();
        Span<long> best = [long.MaxValue, long.MaxValue, long.MaxValue];
        for (int dy = -maxDy; dy <= maxDy; dy++)
        {
            long cost = _costs[dy + MaximumOffset];
            if (cost == long.MaxValue) continue;
            if (dy > -maxDy && _costs[dy - 1 + MaximumOffset] < cost) continue;
            if (dy < maxDy && _costs[dy + 1 + MaximumOffset] <= cost) continue;
            int worst = 0;
            for (int k = 1; k < 3; k++) if (best[k] > best[worst]) worst = k;
            if (cost >= best[worst]) continue;
            best[worst] = cost;
            _candidates[worst] = dy;
        }

        // Check the candidates strip by strip: the one under which most changed rows match wins.
        int bestDy = 0, bestScore = 0;
        foreach (int dy in _candidates)
        {
            if (dy == 0) continue;
            int score = 0;
            for (int y = Math.Max(y0, -dy); y <= Math.Min(y1, _height - 1 - dy); y++)
                if (_rowChanged[y] && RowMatches(y, dy, c0, c1) && !RowMatches(y, 0, c0, c1)) score++;
            if (score > bestScore) (bestDy, bestScore) = (dy, score);
        }
        if (bestScore < MinimumRows / 2) return false;

        // The band: matching rows in runs; runs that show the move (rows that match moved and did not match in
        // place) join across gaps of up to a text line (a line that changed as well as moved is left to the tile
        // check). Runs that show nothing (uniform rows match at any offset) join nothing.
        const int MaxGap = 24;
        int first = Math.Max(0, -bestDy), last = Math.Min(_height - 1, _height - 1 - bestDy);
        int bandTop = -1, bandBottom = -1, bestEvidence = 0;
        int chainTop = -1, chainBottom = -1, chainEvidence = 0;
        int row = first;
        while (row <= last)
        {
            if (!RowMatches(row, bestDy, c0, c1)) { row++; continue; }
            int runTop = row, evidence = 0;
            for (; row <= last && RowMatches(row, bestDy, c0, c1); row++)
                if (_rowChanged[row] && !RowMatches(row, 0, c0, c1)) evidence++;
            int runBottom = row - 1;
            if (evidence == 0) continue;
            if (chainTop >= 0 && runTop - chainBottom - 1 <= MaxGap)
            {
                chainBottom = runBottom;
                chainEvidence += evidence;
            }
            else
            {
                (chainTop, chainBottom, chainEvidence) = (runTop, runBottom, evidence);
            }
            if (chainEvidence > bestEvidence && chainBottom - chainTop + 1 >= MinimumRows)
                (bestEvidence, bandTop, bandBottom) = (chainEvidence, chainTop, chainBottom);
        }
        if (bandTop < 0) return false;

        // Narrow to the strips that match across the band.
        int left = -1, right = -1, runLeft = -1;
        int bandRows = bandBottom - bandTop + 1, widest = 0;
        for (int c = 0; c <= columns; c++)
        {
            bool ok = false;
            if (c < columns)
            {
                int bad = 0;
                for (int y = bandTop; y <= bandBottom; y++)
                    if (Math.Abs(pn[y * columns + c] - po[(y + bestDy) * columns + c]) > StripTolerance) bad++;
                ok = bad * 16 <= bandRows;
            }
            if (ok && runLeft < 0) runLeft = c;
            if (!ok && runLeft >= 0)
            {
                if (c - runLeft > widest) (widest, left, right) = (c - runLeft, runLeft, c - 1);
                runLeft = -1;
            }
        }
        if (left < 0) return false;

        int x0 = left * T, x1 = Math.Min(_width, (right + 1) * T);
        var destination = new Rect(x0, bandTop, x1 - x0, bandRows);
        move = new ScrollMove(destination, bestDy);
        return CheckTiles(previous, previousStride, next, nextStride, move, left, right);
    }

    /// <summary>Whether row y of the new frame matches row y + dy of the previous one in at least 3/4 of the changed strips.</summary>
    private bool RowMatches(int y, int dy, int c0, int c1)
    {
        ushort[] po = _previous, pn = _current;
        int an = y * _columns, ao = (y + dy) * _columns, bad = 0, allowed = (c1 - c0 + 1) / 4;
        for (int c = c0; c <= c1; c++)
            if (Math.Abs(pn[an + c] - po[ao + c]) > StripTolerance && ++bad > allowed) return false;
        return true;
    }

    /// <summary>Marks the tiles the move touches that it leaves within noise (and exact) of the new frame.</summary>
    private bool CheckTiles(ReadOnlySpan<byte> previous, int previousStride, ReadOnlySpan<byte> next, int nextStride,
        ScrollMove move, int left, int right)
    {
        Rect dst = move.Destination;
        int bx = left * T * 4, bytes = (Math.Min(_width, (right + 1) * T) - left * T) * 4, strips = right - left + 1;
        Span<ulong> sums = _tileSums.AsSpan(0, strips);
        bool any = false;
        for (int tr = dst.Y / T; tr <= (dst.Bottom - 1) / T; tr++)
        {
            int ty0 = tr * T, ty1 = Math.Min(_height, ty0 + T);
            sums.Clear();
            for (int y = ty0; y < ty1; y++)
            {
                // As the copy leaves it: moved rows inside the band, the previous frame's own rows outside it.
                int sy = move.RowCopiedTo(y);
                PixelSums.AddStripDifferences(next.Slice(y * nextStride + bx, bytes), previous.Slice(sy * previousStride + bx, bytes), sums);
            }
            for (int k = 0; k < strips; k++)
            {
                int c = left + k, tileBytes = Math.Min(T, _width - c * T) * 4 * (ty1 - ty0);
                if (!WithinTolerance(sums[k], tileBytes)) continue;
                Approximate.Set(c, tr);
                if (sums[k] == 0) Exact.Set(c, tr);
                any = true;
            }
        }
        return any;
    }
}
