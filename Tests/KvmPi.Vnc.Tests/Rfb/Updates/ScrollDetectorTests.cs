// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Updates;
using KvmPi.Vnc.Tests.Support;

namespace KvmPi.Vnc.Tests.Rfb.Updates;

public sealed class ScrollDetectorTests
{
    private const int W = 640, H = 480, T = 64;

    private static bool Detect(ScrollDetector detector, byte[] previous, byte[] next, out ScrollMove move) =>
        detector.Detect(previous, W * 4, next, W * 4, out move);

    [Theory]
    [InlineData(57, 3)]     // three lines down, captured (noisy)
    [InlineData(19, 3)]     // one line down
    [InlineData(-38, 3)]    // two lines up
    [InlineData(57, 0)]     // exact (a lossless source)
    [InlineData(130, 2)]    // more than two tile rows
    public void FindsTheScrolledBandAndItsOffset(int dy, int noise)
    {
        var text = new ScrollingText(W, H);
        int start = 400;
        byte[] a = text.Frame(start, noise), b = text.Frame(start + dy, noise);
        var detector = new ScrollDetector(W, H);
        Assert.True(Detect(detector, a, b, out ScrollMove move));

        Assert.Equal(dy, move.Dy);
        // The band is the document area whose source is inside the frame: below the static title bar, minus the
        // newly exposed lines.
        int top = ScrollingText.TitleHeight + Math.Max(0, -dy), bottom = H - Math.Max(0, dy);
        Assert.Equal(new Rect(0, top, W, bottom - top), move.Destination);
        Assert.Equal(move.Destination with { Y = top + dy }, move.Source);

        // Every tile wholly inside the band is right within the noise once copied; exactly right without noise.
        for (int r = (top + T - 1) / T; (r + 1) * T <= bottom; r++)
            for (int c = 0; c < W / T; c++)
            {
                Assert.True(detector.Approximate.Contains(c, r), $"tile {c},{r}");
                if (noise == 0) Assert.True(detector.Exact.Contains(c, r), $"tile {c},{r} not exact");
            }
        if (noise > 0) Assert.True(detector.Exact.Count < detector.Approximate.Count, "noisy tiles counted exact");
        for (int r = 0; r < (H + T - 1) / T; r++)
            for (int c = 0; c < W / T; c++)
                Assert.True(!detector.Exact.Contains(c, r) || detector.Approximate.Contains(c, r), $"tile {c},{r} exact but not approximate");
    }

    [Fact]
    public void ATileThatAlsoChangedIsNotApproximate()
    {
        var text = new ScrollingText(W, H);
        byte[] a = text.Frame(400, 3), b = text.Frame(457, 3);
        // A glyph-sized dark block appears in tile (4, 3) as well as the scroll.
        for (int y = 200; y < 217; y++)
            for (int x = 260; x < 272; x++)
                b.AsSpan((y * W + x) * 4, 3).Fill(0);
        var detector = new ScrollDetector(W, H);
        Assert.True(Detect(detector, a, b, out ScrollMove move));
        Assert.Equal(57, move.Dy);
        Assert.False(detector.Approximate.Contains(4, 3));
        Assert.True(detector.Approximate.Contains(3, 3));
        Assert.True(detector.Approximate.Contains(5, 3));
    }

    [Fact]
    public void AStaticSidebarIsLeftOutOfTheBand()
    {
        var text = new ScrollingText(W, H, sidebarWidth: 150);
        byte[] a = text.Frame(400, 3), b = text.Frame(457, 3);
        var detector = new ScrollDetector(W, H);
        Assert.True(Detect(detector, a, b, out ScrollMove move));
        Assert.Equal(57, move.Dy);
        Assert.Equal(192, move.Destination.X);   // the first 64-pixel strip wholly right of the sidebar
        Assert.Equal(W, move.Destination.Right);
    }

    [Fact]
    public void NewContentOrNoChangeIsNoMove()
    {
        var text = new ScrollingText(W, H);
        var other = new ScrollingText(W, H, seed: 99);
        var detector = new ScrollDetector(W, H);
        byte[] a = text.Frame(400, 3);
        Assert.False(Detect(detector, a, text.Frame(400, 3), out _));        // a fresh capture of the same picture
        Assert.False(Detect(detector, a, other.Frame(400, 3), out _));       // a different document
        Assert.False(Detect(detector, a, a, out _));                           // nothing changed at all
    }

    [Fact]
    public void ConsecutiveFramesUseTheKeptSignature()
    {
        var text = new ScrollingText(W, H);
        var detector = new ScrollDetector(W, H);
        byte[] previous = text.Frame(0, 3);
        for (int f = 1; f <= 5; f++)
        {
            byte[] next = text.Frame(f * 38, 3);
            Assert.True(Detect(detector, previous, next, out ScrollMove move));
            Assert.Equal(38, move.Dy);
            previous = next;
        }
    }

    [Fact]
    public void ASourceThatNamesTheChangedRowsGetsTheSameMoves()
    {
        var text = new ScrollingText(W, H);
        var whole = new ScrollDetector(W, H);
        var banded = new ScrollDetector(W, H);
        byte[] previous = text.Frame(0, 3);
        for (int f = 1; f <= 4; f++)
        {
            byte[] next = text.Frame(f * 38, 3);
            if (f == 3)
            {
                // A frame where only a few rows changed (a caret blinking): no move, and the kept signature follows.
                next = (byte[])previous.Clone();
                next.AsSpan((300 * W + 10) * 4, 40).Fill(0);
                Assert.False(banded.Detect(previous, W * 4, next, W * 4, 300, 301, out _));
                Assert.False(whole.Detect(previous, W * 4, next, W * 4, out _));
                previous = next;
                continue;
            }
            Assert.True(whole.Detect(previous, W * 4, next, W * 4, out ScrollMove a));
            Assert.True(banded.Detect(previous, W * 4, next, W * 4, ScrollingText.TitleHeight, H, out ScrollMove b));
            Assert.Equal(a, b);
            previous = next;
        }
    }

    [Fact]
    public void SteadyStateAllocatesNothing()
    {
        var text = new ScrollingText(W, H);
        byte[] a = text.Frame(400, 3), b = text.Frame(457, 3);
        var detector = new ScrollDetector(W, H);
        Detect(detector, a, b, out _);
        Assert.Equal(0, Allocations.LeastOverRounds(() =>
        {
            Detect(detector, b, a, out _);
            Detect(detector, a, b, out _);
        }));
    }

    [Fact]
    public void RejectsFramesOfTheWrongSize()
    {
        var detector = new ScrollDetector(W, H);
        Assert.Throws<ArgumentException>(() => detector.Detect(new byte[W * H * 4], W * 4, new byte[W * 4], W * 4, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => detector.Detect(new byte[W * H * 4], W, new byte[W * H * 4], W * 4, out _));
    }
}
