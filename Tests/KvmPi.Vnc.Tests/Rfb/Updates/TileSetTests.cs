// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Updates;
using KvmPi.Vnc.Tests.Support;

namespace KvmPi.Vnc.Tests.Rfb.Updates;

public sealed class TileSetTests
{
    private const int T = Framebuffer.TileSize;

    [Fact]
    public void NewSetIsEmptyAndSetAllCoversEveryTileOnly()
    {
        var s = new TileSet(5, 3);
        Assert.True(s.IsEmpty);
        s.SetAll();
        Assert.False(s.IsEmpty);
        Assert.Equal(15, s.Count);
        s.Clear();
        Assert.True(s.IsEmpty);
    }

    [Fact]
    public void SetRectMarksEveryTouchedTile()
    {
        var s = new TileSet(4, 4);
        s.SetRect(new Rect(63, 64, 2, 1)); // straddles columns 0 and 1 of row 1
        Assert.Equal(2, s.Count);
        Assert.True(s.Contains(0, 1));
        Assert.True(s.Contains(1, 1));
        s.SetRect(new Rect(-10, -10, 5, 5)); // outside the frame: ignored
        Assert.Equal(2, s.Count);
    }

    [Fact]
    public void UnionWithOrsTheSets()
    {
        var a = new TileSet(3, 2);
        var b = new TileSet(3, 2);
        a.Set(0, 0);
        b.Set(2, 1);
        a.UnionWith(b);
        Assert.True(a.Contains(0, 0));
        Assert.True(a.Contains(2, 1));
        Assert.Equal(2, a.Count);
        Assert.Throws<ArgumentException>(() => a.UnionWith(new TileSet(2, 2)));
    }

    [Fact]
    public void FullSetBecomesOneRectClippedToTheFrame()
    {
        var s = new TileSet(4, 3);
        s.SetAll();
        var rects = new List<Rect>();
        Assert.Equal(1, s.TakeRects(new Rect(0, 0, 250, 150), 250, 150, rects));
        Assert.Equal(new Rect(0, 0, 250, 150), rects[0]);
        Assert.True(s.IsEmpty);
    }

    [Fact]
    public void IdenticalRunsMergeDownwardsOthersStaySeparate()
    {
        // . = clear, # = marked
        // row 0: # # . #
        // row 1: # # . #
        // row 2: # # # .
        var s = new TileSet(4, 3);
        s.Set(0, 0); s.Set(1, 0); s.Set(3, 0);
        s.Set(0, 1); s.Set(1, 1); s.Set(3, 1);
        s.Set(0, 2); s.Set(1, 2); s.Set(2, 2);
        var rects = new List<Rect>();
        Assert.Equal(3, s.TakeRects(new Rect(0, 0, 4 * T, 3 * T), 4 * T, 3 * T, rects));
        Assert.Equal(new Rect(0, 0, 2 * T, 2 * T), rects[0]);   // columns 0-1, rows 0-1
        Assert.Equal(new Rect(3 * T, 0, T, 2 * T), rects[1]);   // column 3, rows 0-1
        Assert.Equal(new Rect(0, 2 * T, 3 * T, T), rects[2]);   // row 2 run 0-2 differs from 0-1 above
        Assert.True(s.IsEmpty);
    }

    [Fact]
    public void RunThatIsAPrefixOfTheRowBelowDoesNotSwallowIt()
    {
        var s = new TileSet(3, 2);
        s.Set(0, 0);
        s.Set(0, 1); s.Set(1, 1);
        var rects = new List<Rect>();
        s.TakeRects(new Rect(0, 0, 3 * T, 2 * T), 3 * T, 2 * T, rects);
        Assert.Equal([new Rect(0, 0, T, T), new Rect(0, T, 2 * T, T)], rects);
    }

    [Fact]
    public void ClipLeavesPartlyCoveredTilesMarked()
    {
        var s = new TileSet(3, 1);
        s.SetAll();
        var rects = new List<Rect>();
        // Clip covers tile 0 wholly and half of tile 1; tile 2 not at all.
        Assert.Equal(1, s.TakeRects(new Rect(0, 0, T + T / 2, T), 3 * T, T, rects));
        Assert.Equal(new Rect(0, 0, T + T / 2, T), rects[0]);
        Assert.False(s.Contains(0, 0));
        Assert.True(s.Contains(1, 0));
        Assert.True(s.Contains(2, 0));
        rects.Clear();
        // A clip holding the partial last tile (frame 150 wide) clears it, since all of its in-frame pixels are in.
        Assert.Equal(1, s.TakeRects(new Rect(T, 0, 200, T), 150, T, rects));
        Assert.Equal(new Rect(T, 0, 150 - T, T), rects[0]);
        Assert.True(s.IsEmpty);
    }

    [Fact]
    public void FullSetInAClipInsideTheFrameTakesTheClipAndClearsOnlyTilesWhollyInside()
    {
        var s = new TileSet(5, 4);
        s.SetAll();
        var rects = new List<Rect>();
        // Columns 1-3 and rows 1-2 are touched; only columns 2-3 (tile 3 ends at 256 = the clip's right edge) and
        // row 2 (rows 1 starts before the clip) lie wholly inside.
        Assert.Equal(1, s.TakeRects(new Rect(T + 10, T + 1, 3 * T - 10, 2 * T - 1), 5 * T, 4 * T, rects));
        Assert.Equal([new Rect(T + 10, T + 1, 3 * T - 10, 2 * T - 1)], rects);
        Assert.Equal(20 - 2, s.Count);
        Assert.False(s.Contains(2, 2));
        Assert.False(s.Contains(3, 2));
        Assert.True(s.Contains(1, 2));
        Assert.True(s.Contains(2, 1));
    }

    /// <summary>A random grid, frame size (partial last tiles included) and set of marked tiles.</summary>
    private static (TileSet Set, bool[,] Marked, int FrameWidth, int FrameHeight) RandomSet(Random random)
    {
        int columns = random.Next(1, 12), rows = random.Next(1, 9);
        int frameWidth = (columns - 1) * T + random.Next(1, T + 1), frameHeight = (rows - 1) * T + random.Next(1, T + 1);
        var s = new TileSet(columns, rows);
        var marked = new bool[columns, rows];
        int density = random.Next(4);   // 0: full, else about 1/4, 1/2, 3/4 marked
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                if (density == 0 || random.Next(4) < density) { s.Set(c, r); marked[c, r] = true; }
        return (s, marked, frameWidth, frameHeight);
    }

    /// <summary>
    /// Random sets, clips and frame sizes (partial last tiles included) against the plain definition: every marked
    /// tile touching the clip is covered by exactly one rectangle, clipped, and exactly the tiles whose in-frame
    /// pixels all lie in the clip are cleared.
    /// </summary>
    [Fact]
    public void TakeRectsCoversEveryMarkedTileOnceAndClearsExactlyTheTilesInsideTheClip()
    {
        var random = new Random(5);
        var rects = new List<Rect>();
        for (int round = 0; round < 2000; round++)
        {
            var (s, marked, frameWidth, frameHeight) = RandomSet(random);
            int columns = s.Columns, rows = s.Rows;
            int x = random.Next(-10, frameWidth), y = random.Next(-10, frameHeight);
            var clip = new Rect(x, y, random.Next(1, frameWidth + 20), random.Next(1, frameHeight + 20));
            Rect visibleClip = clip.Intersect(new Rect(0, 0, frameWidth, frameHeight));

            rects.Clear();
            int n = s.TakeRects(clip, frameWidth, frameHeight, rects);

            Assert.Equal(rects.Count, n);
            foreach (Rect rect in rects) Assert.True(visibleClip.Contains(rect) && !rect.IsEmpty, $"round {round}: {rect} outside {visibleClip}");
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < columns; c++)
                {
                    Rect tile = new Rect(c * T, r * T, T, T).Intersect(new Rect(0, 0, frameWidth, frameHeight));
                    Rect wanted = tile.Intersect(visibleClip);
                    int covering = 0;
                    foreach (Rect rect in rects)
                        if (!rect.Intersect(tile).IsEmpty) { covering++; Assert.Equal(wanted, rect.Intersect(tile)); }
                    Assert.Equal(marked[c, r] && !wanted.IsEmpty ? 1 : 0, covering);
                    bool cleared = marked[c, r] && !visibleClip.IsEmpty && visibleClip.Contains(tile);
                    Assert.Equal(marked[c, r] && !cleared, s.Contains(c, r));
                }
            }
        }
    }

    /// <summary>
    /// With a budget, random sets over the whole frame taken call after call: each call covers exactly as many tiles
    /// as the budget allows or as are left, each tile once, and clears what it covers; together the calls cover every
    /// marked tile exactly once.
    /// </summary>
    [Fact]
    public void TakeRectsWithABudgetTakesThatManyTilesACallUntilNoneAreLeft()
    {
        var random = new Random(7);
        var rects = new List<Rect>();
        for (int round = 0; round < 1000; round++)
        {
            var (s, marked, frameWidth, frameHeight) = RandomSet(random);
            int columns = s.Columns, rows = s.Rows;
            var frame = new Rect(0, 0, frameWidth, frameHeight);
            var covered = new int[columns, rows];   // -1: marked and not yet covered; else the call that covered it
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < columns; c++)
                    if (marked[c, r]) covered[c, r] = -1;
            int left = s.Count;
            int budget = random.Next(1, columns * rows + 2);

            for (int call = 0; left > 0; call++)
            {
                Assert.True(call <= columns * rows, $"round {round}: no progress");
                rects.Clear();
                s.TakeRects(frame, frameWidth, frameHeight, rects, budget);
                int tiles = 0;
                foreach (Rect rect in rects)
                {
                    for (int r = rect.Y / T; r <= (rect.Bottom - 1) / T; r++)
                    {
                        for (int c = rect.X / T; c <= (rect.Right - 1) / T; c++)
                        {
                            Assert.True(covered[c, r] == -1, $"round {round}: tile {c},{r} unmarked or covered twice");
                            Assert.Equal(new Rect(c * T, r * T, T, T).Intersect(frame), rect.Intersect(new Rect(c * T, r * T, T, T)));
                            covered[c, r] = call;
                            Assert.False(s.Contains(c, r), $"round {round}: tile {c},{r} covered but still marked");
                            tiles++;
                        }
                    }
                }
                Assert.Equal(Math.Min(budget, left), tiles);
                left -= tiles;
                Assert.Equal(left, s.Count);
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void TakeRectsRefusesABudgetOfNoTiles(int budget) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TileSet(2, 2).TakeRects(new Rect(0, 0, T, T), T, T, [], budget));

    [Fact]
    public void EmptyClipTakesNothing()
    {
        var s = new TileSet(2, 2);
        s.SetAll();
        var rects = new List<Rect>();
        Assert.Equal(0, s.TakeRects(new Rect(500, 500, 10, 10), 2 * T, 2 * T, rects));
        Assert.Equal(4, s.Count);
    }

    [Fact]
    public void TakeRectsAllocatesNothingOnceTheListHasGrown()
    {
        var s = new TileSet(30, 17);
        var rects = new List<Rect>(1024);
        var clip = new Rect(0, 0, 1920, 1080);
        for (int warm = 0; warm < 3; warm++) Pattern(s, rects, clip);
        Assert.Equal(0, Allocations.LeastOverRounds(() =>
        {
            for (int i = 0; i < 100; i++) Pattern(s, rects, clip);
        }));

        static void Pattern(TileSet s, List<Rect> rects, Rect clip)
        {
            for (int r = 0; r < 17; r++)
                for (int c = (r * 7) % 3; c < 30; c += 2)
                    s.Set(c, r);
            rects.Clear();
            s.TakeRects(clip, 1920, 1080, rects);
        }
    }
}
