// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Encoding;
using KvmPi.Vnc.Rfb.Updates;

namespace KvmPi.Vnc.Rfb.Server;

/// <summary>
/// Scrolled bands as CopyRect: the publisher offers each detected move (<see cref="ScrollDetector"/>), and this
/// viewer takes it for every tile it can trust, i.e. where its own picture of the move's source really is the
/// previous frame, and where the copy leaves what it holds within noise of the new frame (measured on
/// <see cref="ViewerPicture"/>: copies of copies of a picture that changes as it moves would drift). Those tiles are
/// then not sent at all; the viewer holds them approximately (captured video never moves exactly) until the lossless
/// refresh resends them once they are still.
/// </summary>
/// <remarks>
/// <para>This viewer's picture of a tile is the previous frame (within noise) unless the tile is dirty (not sent
/// since it changed), in flight (in the update being written, whose pixels are read after they were taken, so
/// possibly from the new frame already), or written ahead (sent by an update that read the new frame in the moment
/// between its publication and its announcement to this viewer). A destination tile is taken when the detector found it within noise and
/// every source tile its rows are copied from is neither; a tile only partly inside the band must also not be
/// dirty itself, because the copy leaves its other rows as the viewer has them.</para>
/// <para>Moves accepted before the next update are kept in order and sent first in it, in the same order: each
/// was checked against the picture the ones before it leave (moved tiles are clean), so they compose. Taken tiles
/// are added to the lossy set when the update is prepared, before the update's own rectangles clear it. A move
/// that cannot be sent after all (the viewer dropped CopyRect, asked for another area) makes its tiles dirty.</para>
/// </remarks>
internal sealed partial class ClientSession
{
    private const int MaxPendingMoves = 8;

    /// <summary>
    /// A copied tile is left within noise only if none of its pixel rows is off by more than this on average per
    /// byte, besides the tile's mean (<see cref="ScrollDetector.TileToleranceSixteenths"/>): a short word in a
    /// corner of a blank tile is a few hundred pixels, well within the mean, and must not go missing.
    /// </summary>
    internal const int MaxRowDifferencePerByte = 8;

    // Guarded by _lock: moves accepted since the last update, the tiles they made (approximately) right, the tiles
    // they touch at all, and the tiles of the update being written.
    private readonly List<ScrollMove> _pendingMoves = [];
    private TileSet? _movedTiles, _touchedTiles, _inFlight, _takenTiles;
    private TileSet? _exactTiles;   // of _movedTiles: copied to exactly the new frame (ScrollDetector.Exact), for the one pending move
    private ViewerPicture? _picture;   // what this viewer holds, for measuring what a copy would leave it
    // Tiles updates sent from a frame newer than the last one announced to this viewer (see ClearInFlightLocked),
    // until the announcement of frame _writtenAheadUntil; and the FrameNumber of that last announcement (-1: none
    // of this framebuffer yet).
    private TileSet? _writtenAhead;
    private long _writtenAheadUntil;
    private long _announcedFrame = -1;

    // Update loop: the moves of the update being written.
    private readonly List<ScrollMove> _movesToSend = [];

    /// <summary>Whether this viewer takes CopyRect (the publisher runs scroll detection only then).</summary>
    public bool TakesCopyRect
    {
        get { lock (_lock) return _capabilities.CopyRect && _notice is null; }
    }

    /// <summary>
    /// Under the lock, publisher thread: takes what it can of a move of this frame (see remarks) and marks the
    /// frame's changed tiles dirty, except the ones the move makes right. Returns false (nothing taken) when the
    /// move is of no use to this viewer.
    /// </summary>
    private bool TryTakeMoveLocked(Framebuffer framebuffer, ScrollDetector scroll, ScrollMove move, TileSet changed)
    {
        const int T = Framebuffer.TileSize;
        var visible = new Rect(0, 0, Math.Min(_clientWidth, framebuffer.Width), Math.Min(_clientHeight, framebuffer.Height));
        if (!_capabilities.CopyRect || _pendingMoves.Count >= MaxPendingMoves
            || !visible.Contains(move.Destination) || !visible.Contains(move.Source))
            return false;
        EnsureMoveSetsLocked();
        TileSet taken = _takenTiles!, inFlight = _inFlight!, writtenAhead = _writtenAhead!;
        ViewerPicture picture = _picture!;
        taken.Clear();
        Rect dst = move.Destination;
        int c0 = dst.X / T, c1 = (dst.Right - 1) / T;
        bool any = false;
        for (int tr = dst.Y / T; tr <= (dst.Bottom - 1) / T; tr++)
        {
            int ty0 = tr * T, ty1 = Math.Min(framebuffer.Height, ty0 + T);
            int cy0 = Math.Max(dst.Y, ty0), cy1 = Math.Min(dst.Bottom, ty1);   // rows of this tile row the copy writes
            bool whole = cy0 == ty0 && cy1 == ty1;
            int sr0 = (cy0 + move.Dy) / T, sr1 = (cy1 - 1 + move.Dy) / T;
            ReadOnlySpan<ulong> drift = default, worstRow = default;
            for (int c = c0; c <= c1; c++)
            {
                if (!scroll.Approximate.Contains(c, tr)) continue;
                if (!whole && _dirty.Contains(c, tr)) continue;
                bool sourceClean = true;
                for (int sr = sr0; sr <= sr1 && sourceClean; sr++)
                    sourceClean = !_dirty.Contains(c, sr) && !inFlight.Contains(c, sr) && !writtenAhead.Contains(c, sr);
                if (!sourceClean) continue;
                // The detector found the previous frame's source within noise of the new frame; what this viewer
                // holds there may be further off (see ViewerPicture): the copy must leave the viewer within noise.
                if (drift.IsEmpty) picture.TileDifferencesAfter(move, tr, c0, c1, framebuffer.PublisherPixels, out drift, out worstRow);
                int rowBytes = Math.Min(T, framebuffer.Width - c * T) * 4, tileBytes = rowBytes * (ty1 - ty0);
                if (!ScrollDetector.WithinTolerance(drift[c - c0], tileBytes)
                    || worstRow[c - c0] > (ulong)(MaxRowDifferencePerByte * rowBytes)) continue;
                taken.Set(c, tr);
                // Exact once copied if the detector says so and this viewer holds the source exactly (checked when
                // the move goes out; rows of the tile the copy does not write are its own).
                if (_pendingMoves.Count == 0 && scroll.Exact.Contains(c, tr)) _exactTiles!.Set(c, tr);
                any = true;
            }
        }
        if (!any) return false;

        _pendingMoves.Add(move);
        picture.Apply(move);
        _touchedTiles!.SetRect(dst);
        _movedTiles!.UnionWith(taken);
        // Everything the copy writes and does not make right must be sent after it, like every other change.
        _dirty.UnionWith(changed);
        _dirty.SetRect(dst);
        _dirty.ExceptWith(taken);
        return true;
    }

    /// <summary>
    /// Under the lock, update loop (PrepareUpdate): moves the pending moves into this update when they can go in
    /// <paramref name="area"/>, marking their tiles lossy; otherwise makes their tiles dirty again.
    /// </summary>
    private void TakePendingMovesLocked(Rect area, Rect visible, TileSet lossy)
    {
        _movesToSend.Clear();
        if (_pendingMoves.Count == 0) return;
        bool fits = _capabilities.CopyRect;
        foreach (ScrollMove m in _pendingMoves)
            fits &= area.Intersect(visible).Contains(m.Destination) && area.Intersect(visible).Contains(m.Source);
        if (fits && lossy.Columns == _movedTiles!.Columns && lossy.Rows == _movedTiles.Rows)
        {
            _movesToSend.AddRange(_pendingMoves);
            if (_pendingMoves.Count == 1) KeepExactCopiesExactLocked(_pendingMoves[0], lossy);
            lossy.UnionWith(_movedTiles);
        }
        else
        {
            _dirty.UnionWith(_touchedTiles!);
        }
        _pendingMoves.Clear();
        _movedTiles!.Clear();
        _touchedTiles!.Clear();
        _exactTiles!.Clear();
    }

    /// <summary>
    /// Under the lock, update loop: takes out of <see cref="_movedTiles"/> the tiles the move copies to exactly the
    /// new frame from tiles this viewer holds exactly (not lossy), so the lossless refresh leaves them alone: about
    /// 40 % of the updates while an editor scrolled were refreshes of blank tiles that were never wrong.
    /// </summary>
    private void KeepExactCopiesExactLocked(ScrollMove move, TileSet lossy)
    {
        const int T = Framebuffer.TileSize;
        Rect dst = move.Destination;
        for (int tr = dst.Y / T; tr <= (dst.Bottom - 1) / T; tr++)
        {
            int ty0 = tr * T, ty1 = ty0 + T;
            int cy0 = Math.Max(dst.Y, ty0), cy1 = Math.Min(dst.Bottom, ty1);
            int sr0 = (cy0 + move.Dy) / T, sr1 = (cy1 - 1 + move.Dy) / T;
            bool whole = cy0 == ty0 && cy1 == ty1;
            for (int c = dst.X / T; c <= (dst.Right - 1) / T; c++)
            {
                if (!_exactTiles!.Contains(c, tr) || (!whole && lossy.Contains(c, tr))) continue;
                bool sourceExact = true;
                for (int sr = sr0; sr <= sr1 && sourceExact; sr++)
                    sourceExact = !lossy.Contains(c, sr);
                if (!sourceExact) continue;
                _movedTiles!.Remove(c, tr);
                if (whole) lossy.Remove(c, tr);   // wholly overwritten by an exact copy
            }
        }
    }

    /// <summary>Under the lock: the tiles of the update about to be written are in flight until it is.</summary>
    /// <remarks>They are <see cref="ViewerPicture"/>'s too from now on: the viewer has them before any later move.</remarks>
    private void MarkInFlightLocked(FrameSnapshot held)
    {
        if (!_capabilities.CopyRect) return;
        EnsureMoveSetsLocked();
        _inFlight!.Clear();
        // A resize notice, or the capture's image ahead of the pixels, is not what the frame's pixels show: the viewer
        // is sent all of the next frame before any move (its tiles are dirty until then).
        ViewerPicture? picture = held.Owner == _framebuffer && _notice is null && !held.SourceAhead ? _picture : null;
        foreach (Rect r in _rects)
        {
            _inFlight.SetRect(r);
            picture?.CopyFrom(held, r);
        }
        foreach (Rect r in _refreshRects)
        {
            _inFlight.SetRect(r);
            picture?.CopyFrom(held, r);
        }
    }

    /// <summary>
    /// Under the lock: the update has been written from frame <paramref name="heldFrame"/> of
    /// <paramref name="framebuffer"/>. When that frame is newer than the last one announced to this viewer (the
    /// publisher makes a frame current before it tells the viewers what changed), its tiles now hold that frame, and
    /// the move announced with it must not take them for the previous one: they stay out of its sources until then.
    /// </summary>
    private void ClearInFlightLocked(Framebuffer framebuffer, long heldFrame)
    {
        if (_inFlight is null) return;
        if (framebuffer == _framebuffer && heldFrame > _announcedFrame && _writtenAhead is not null)
        {
            _writtenAhead.UnionWith(_inFlight);
            _writtenAheadUntil = Math.Max(_writtenAheadUntil, heldFrame);
        }
        _inFlight.Clear();
    }

    /// <summary>Under the lock, publisher thread: frame <paramref name="frame"/> was announced, its move (if any) taken.</summary>
    private void AnnouncedLocked(long frame)
    {
        Volatile.Write(ref _announcedFrame, frame);   // read without the lock by HoldAnnouncedFrame
        if (frame >= _writtenAheadUntil) _writtenAhead?.Clear();
    }

    /// <summary>Under the lock: a new framebuffer (or notice) replaces everything; pending moves are void.</summary>
    private void ResetMovesLocked()
    {
        _pendingMoves.Clear();
        _movedTiles = _touchedTiles = _inFlight = _takenTiles = _exactTiles = _writtenAhead = null;
        _picture = null;
        _writtenAheadUntil = 0;
        _announcedFrame = -1;
    }

    private void EnsureMoveSetsLocked()
    {
        // Made once per framebuffer size (8 MB at 1080p, only for viewers that take CopyRect). Zeroed: tiles the
        // viewer was sent before it existed then read as black, so a copy from them measures as far off unless
        // they are.
        if (_picture is null || _picture.Width != _framebuffer.Width || _picture.Height != _framebuffer.Height)
            _picture = new ViewerPicture(_framebuffer.Width, _framebuffer.Height);
        if (_movedTiles is not null && _movedTiles.Columns == _dirty.Columns && _movedTiles.Rows == _dirty.Rows) return;
        _pendingMoves.Clear();
        _movedTiles = new TileSet(_dirty.Columns, _dirty.Rows);
        _touchedTiles = new TileSet(_dirty.Columns, _dirty.Rows);
        _inFlight = new TileSet(_dirty.Columns, _dirty.Rows);
        _takenTiles = new TileSet(_dirty.Columns, _dirty.Rows);
        _exactTiles = new TileSet(_dirty.Columns, _dirty.Rows);
        _writtenAhead = new TileSet(_dirty.Columns, _dirty.Rows);
        _writtenAheadUntil = 0;
    }

    /// <summary>Update loop: the CopyRects of this update, first in it (their sources are read before anything overwrites them).</summary>
    private void WriteMoves()
    {
        foreach (ScrollMove m in _movesToSend) CopyRectWriter.Write(_output, m);
    }
}
