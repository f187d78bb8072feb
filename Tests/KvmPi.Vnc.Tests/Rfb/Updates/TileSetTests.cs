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
