// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Rfb.Updates;
using KvmPi.Vnc.Tests.Rfb.Pixels;

using KvmPi.Vnc.Tests.Support;

namespace KvmPi.Vnc.Tests.Rfb.Updates;

public sealed class FramebufferTests
{
    [Fact]
    public void StartsBlackWithTheRightTileGrid()
    {
        var fb = new Framebuffer(130, 65);
        Assert.Equal(3, fb.TileColumns);
        Assert.Equal(2, fb.TileRows);
        byte[] copy = new byte[130 * 65 * 4];
        copy.AsSpan().Fill(0x55);
        fb.CopyTo(copy);
        Assert.All(copy, b => Assert.Equal(0, b));
    }

    public static TheoryData<int, int, int, int> EdgePixels()
    {
        var data = new TheoryData<int, int, int, int>();
        foreach ((int w, int h) in new[] { (64, 64), (100, 70), (130, 65), (1, 1), (65, 1), (200, 129), (1920, 1080) })
        {
            foreach (int x in new[] { 0, 63, 64, 65, w - 1 })
                foreach (int y in new[] { 0, 63, 64, h - 1 })
                    if (x < w && y < h) data.Add(w, h, x, y);
        }

        return data;
    }

    [Theory, MemberData(nameof(EdgePixels))]
    public void OneChangedPixelMarksExactlyItsTile(int width, int height, int x, int y)
    {
        var fb = new Framebuffer(width, height);
        var changed = new TileSet(fb.TileColumns, fb.TileRows);
        byte[] frame = new byte[width * height * 4];
        // Only the X byte differs: the compare is over all 4 bytes, so this counts as a change too (cheaper than
        // masking, and a capture never varies X on its own).
        frame[(y * width + x) * 4 + 2] = 0x7F;
        Assert.True(fb.Update(frame, width * 4, changed));
        Assert.Equal(1, changed.Count);
        Assert.True(changed.Contains(x / 64, y / 64));

        byte[] copy = new byte[frame.Length];
        fb.CopyTo(copy);
        Assert.Equal(frame, copy);

        changed.Clear();
        Assert.False(fb.Update(frame, width * 4, changed));
        Assert.True(changed.IsEmpty);
    }

    [Fact]
    public void StridePaddingIsIgnored()
    {
        const int W = 70, H = 20, Stride = W * 4 + 24;
        var fb = new Framebuffer(W, H);
        var changed = new TileSet(fb.TileColumns, fb.TileRows);
        byte[] frame = new byte[Stride * H];
        for (int y = 0; y < H; y++) frame.AsSpan(y * Stride + W * 4, 24).Fill(0xEE); // garbage past each row
        Assert.False(fb.Update(frame, Stride, changed));
        frame[5 * Stride + 69 * 4] = 1;
        Assert.True(fb.Update(frame, Stride, changed));
        Assert.Equal(1, changed.Count);
        Assert.True(changed.Contains(1, 0));
    }

    [Fact]
    public void EveryTileOfARandomFrameIsFoundAndCopied()
    {
        const int W = 200, H = 150;
        var fb = new Framebuffer(W, H);
        var changed = new TileSet(fb.TileColumns, fb.TileRows);
        byte[] frame = new byte[W * H * 4];
        new Random(7).NextBytes(frame);
        Assert.True(fb.Update(frame, W * 4, changed));
        Assert.Equal(fb.TileColumns * fb.TileRows, changed.Count);
        byte[] copy = new byte[frame.Length];
        fb.CopyTo(copy);
        Assert.Equal(frame, copy);
    }

    [Theory]
    [InlineData(96, 112)]    // inside tile row 1
    [InlineData(60, 70)]     // across tile rows 0 and 1
    [InlineData(140, 150)]   // the partial last tile row
    public void ABandUpdateComparesOnlyItsRowsAndCopiesWholeTiles(int top, int bottom)
    {
        const int W = 200, H = 150;
        var fb = new Framebuffer(W, H);
        var changed = new TileSet(fb.TileColumns, fb.TileRows);
        byte[] frame = new byte[W * H * 4];
        // A change inside the band (marked) and one outside it (not looked at: the source vouched for those rows).
        frame[(top * W + 70) * 4] = 9;
        frame[((bottom - 1) * W + 190) * 4] = 9;
        int outside = top >= 64 ? 0 : 149;
        frame[(outside * W + 10) * 4] = 9;
        Assert.True(fb.Update(frame, W * 4, changed, top, bottom));
        Assert.True(changed.Contains(1, top / 64));
        Assert.True(changed.Contains(2, (bottom - 1) / 64));
        Assert.False(changed.Contains(0, outside / 64));
        Assert.Equal(2, changed.Count);

        // Nothing in the band changed: nothing marked, even with differences outside it.
        changed.Clear();
        Assert.False(fb.Update(frame, W * 4, changed, top, bottom));
        Assert.False(fb.Update(frame, W * 4, changed, 0, 0));
        Assert.True(changed.IsEmpty);
    }

    [Fact]
    public void TheVersionMovesOncePerChangedFrameHoweverManyTileRowsChanged()
    {
        // Viewers key shared encodings by version: a frame that changed in several tile rows must still be one
        // version, or viewers reading at different moments would never share.
        const int W = 256, H = 256;
        var fb = new Framebuffer(W, H);
        byte[] frame = new byte[W * H * 4];
        long before = fb.Version;
        frame[0] = 1;                                   // tile row 0
        frame[(100 * W + 10) * 4] = 1;                  // tile row 1
        frame[(255 * W + 255) * 4 + 2] = 1;             // tile row 3
        var changed = new TileSet(fb.TileColumns, fb.TileRows);
        Assert.True(fb.Update(frame, W * 4, changed));
        Assert.Equal(before + 1, fb.Version);
        Assert.Equal(3, changed.Count);

        Assert.False(fb.Update(frame, W * 4, changed));   // unchanged: same version
        Assert.Equal(before + 1, fb.Version);
    }

    [Fact]
    public void UpdateDoesNotClearTheCallersSet()
    {
        var fb = new Framebuffer(128, 64);
        var changed = new TileSet(2, 1);
        changed.Set(1, 0);
        byte[] frame = new byte[128 * 64 * 4];
        frame[0] = 1;
        fb.Update(frame, 128 * 4, changed);
        Assert.Equal(2, changed.Count);
    }

    [Fact]
    public void ReadPixelsConvertsToTheClientFormat()
    {
        const int W = 100, H = 70;
        var fb = new Framebuffer(W, H);
        byte[] frame = new byte[W * H * 4];
        new Random(3).NextBytes(frame);
        fb.Update(frame, W * 4, new TileSet(fb.TileColumns, fb.TileRows));
        var t = new PixelTranslator(TestPixelFormats.Rgb565BigEndian);
        var rect = new Rect(61, 60, 39, 10);
        uint[] px = new uint[rect.Width * rect.Height];
        fb.ReadPixels(rect, t, px);
        for (int y = 0; y < rect.Height; y++)
            for (int x = 0; x < rect.Width; x++)
            {
                uint bgrx = BitConverter.ToUInt32(frame, ((rect.Y + y) * W + rect.X + x) * 4);
                Assert.Equal(t.Translate(bgrx), px[y * rect.Width + x]);
            }

        Assert.Throws<ArgumentOutOfRangeException>(() => fb.ReadPixels(new Rect(90, 0, 11, 1), t, px));
    }

    [Fact]
    public void UpdateAndReadAllocateNothing()
    {
        const int W = 640, H = 480;
        var fb = new Framebuffer(W, H);
        var changed = new TileSet(fb.TileColumns, fb.TileRows);
        byte[] a = new byte[W * H * 4], b = new byte[W * H * 4];
        b[1000] = 9;
        var t = new PixelTranslator(TestPixelFormats.Rgbx32NoVnc);
        uint[] px = new uint[256 * 256];
        for (int i = 0; i < 3; i++)
        {
            fb.Update(a, W * 4, changed);
            fb.Update(b, W * 4, changed);
            fb.ReadPixels(new Rect(10, 10, 256, 256), t, px);
        }

        Assert.Equal(0, Allocations.LeastOverRounds(() =>
        {
            for (int i = 0; i < 20; i++)
            {
                fb.Update(a, W * 4, changed);
                fb.Update(b, W * 4, changed);
                fb.ReadPixels(new Rect(10, 10, 256, 256), t, px);
            }
        }));
    }

    [Fact]
    public void AnAcquiredSourceImageKeepsItsBytesWhileNewerOnesAreRecorded()
    {
        var fb = new Framebuffer(64, 64);
        byte[] a = [1, 2, 3, 4], b = [5, 6, 7], c = [8, 9];
        Assert.Null(fb.AcquireSourceJpeg(out _));

        fb.SetSourceJpeg(a);
        SourceImage held = fb.AcquireSourceJpeg(out bool ahead)!;
        Assert.False(ahead);
        Assert.Equal(a, held.Span.ToArray());

        // A viewer still writing the first image: the next ones must not overwrite it.
        fb.SetSourceAhead(b);
        SourceImage second = fb.AcquireSourceJpeg(out ahead)!;
        Assert.True(ahead);
        Assert.NotSame(held, second);
        Assert.Equal(b, second.Span.ToArray());
        second.Release();
        fb.SetSourceAhead(c);   // nobody holds the current one: refilled in place
        Assert.Equal(a, held.Span.ToArray());
        SourceImage third = fb.AcquireSourceJpeg(out _)!;
        Assert.Same(second, third);
        Assert.Equal(c, third.Span.ToArray());
        third.Release();

        held.Release();
        Assert.Throws<InvalidOperationException>(held.Release);
        fb.SetSourceJpeg([]);
        Assert.Null(fb.AcquireSourceJpeg(out _));
        Assert.Equal(0, fb.SourceJpegLength);
    }

    [Fact]
    public void SharingSourceImagesAllocatesNothingOnceSparesExist()
    {
        var fb = new Framebuffer(64, 64);
        byte[] jpeg = new byte[200_000];
        new Random(3).NextBytes(jpeg);
        void Round()
        {
            // A frame recorded while a viewer still sends the previous one, then both let go.
            SourceImage old = fb.AcquireSourceJpeg(out _)!;
            fb.SetSourceAhead(jpeg);
            SourceImage current = fb.AcquireSourceJpeg(out _)!;
            if (current.Length != jpeg.Length || current == old) throw new InvalidOperationException("not the new image");
            old.Release();
            current.Release();
        }
        fb.SetSourceJpeg(jpeg);
        for (int i = 0; i < 4; i++) Round();
        Assert.Equal(0, Allocations.LeastOverRounds(() =>
        {
            for (int i = 0; i < 100; i++) Round();
        }));
    }

    [Fact]
    public void AHeldFrameKeepsItsPixelsWhileNewerFramesArePublished()
    {
        const int W = 200, H = 150;
        var fb = new Framebuffer(W, H);
        var changed = new TileSet(fb.TileColumns, fb.TileRows);
        byte[] first = Filled(W, H, 0x11), second = Filled(W, H, 0x22), third = Filled(W, H, 0x33);
        fb.Update(first, W * 4, changed);

        using (Framebuffer.ReadScope held = fb.EnterRead())
        {
            long version = held.Version;
            Assert.True(fb.Update(second, W * 4, changed));
            Assert.True(fb.Update(third, W * 4, changed));
            // The encoder holding the first frame still reads it, whole; newcomers read the newest.
            Assert.Equal(first, held.Bgrx.ToArray());
            Assert.Equal(version, held.Version);
            Assert.Equal(third, Copy(fb));
            Assert.True(fb.Version > version);
        }

        Assert.True(fb.SnapshotCount <= Framebuffer.MaxSnapshots);
        Assert.True(fb.Update(first, W * 4, changed));
        Assert.Equal(first, Copy(fb));
    }

    [Fact]
    public void RandomFramesAndHoldsEachReadTheFrameTheyHeld()
    {
        // Seeded: changes in random tiles and bands, holds taken and let go at random (one older frame at most, so
        // the single-threaded publisher never waits). Every snapshot a spare is rebuilt from must catch up exactly.
        const int W = 333, H = 197;
        for (int seed = 0; seed < 40; seed++)
        {
            var random = new Random(seed);
            var fb = new Framebuffer(W, H);
            var changed = new TileSet(fb.TileColumns, fb.TileRows);
            byte[] frame = new byte[W * H * 4];
            FrameSnapshot? held = null;
            byte[]? heldPixels = null;
            for (int step = 0; step < 60; step++)
            {
                int top = 0, bottom = H;
                int changes = random.Next(4);
                for (int c = 0; c < changes; c++)
                {
                    int x = random.Next(W), y = random.Next(H), w = random.Next(1, W - x + 1), h = random.Next(1, H - y + 1);
                    byte value = (byte)random.Next(256);
                    for (int row = y; row < y + h; row++) frame.AsSpan((row * W + x) * 4, w * 4).Fill(value);
                }
                changed.Clear();
                bool any = fb.Update(frame, W * 4, changed, top, bottom);
                Assert.Equal(any, !changed.IsEmpty);
                Assert.True(frame.AsSpan().SequenceEqual(fb.Current.Bgrx), $"seed {seed} step {step}: the current frame");
                if (held is not null)
                    Assert.True(heldPixels.AsSpan().SequenceEqual(held.Bgrx), $"seed {seed} step {step}: a held frame changed");

                if (held is not null && random.Next(3) == 0)
                {
                    held.Release();
                    held = null;
                }
                else if (held is null && random.Next(2) == 0)
                {
                    held = fb.EnterRead().Frame;   // let go below, as an encoder lets go after its update
                    heldPixels = held.Bgrx.ToArray();
                }
            }
            held?.Release();
            Assert.True(fb.SnapshotCount <= Framebuffer.MaxSnapshots);
        }
    }

    [Fact]
    public async Task ThePublisherWaitsOnlyWhenEverySnapshotIsHeld()
    {
        const int W = 128, H = 64;
        var fb = new Framebuffer(W, H);
        var changed = new TileSet(fb.TileColumns, fb.TileRows);
        byte[] one = Filled(W, H, 1), two = Filled(W, H, 2), three = Filled(W, H, 3);
        fb.Update(one, W * 4, changed);
        FrameSnapshot first = fb.EnterRead().Frame;
        fb.Update(two, W * 4, changed);
        FrameSnapshot second = fb.EnterRead().Frame;
        fb.Update(three, W * 4, changed);   // into the last spare
        Assert.Equal(Framebuffer.MaxSnapshots, fb.SnapshotCount);

        // Both older frames are held: the next frame has nowhere to go until one is let go.
        var publishing = Task.Factory.StartNew(() => fb.Update(one, W * 4, changed), TaskCreationOptions.LongRunning);
        await Task.Delay(300);
        Assert.False(publishing.IsCompleted);
        first.Release();
        Assert.True(await publishing.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(one, Copy(fb));
        Assert.Equal(two, second.Bgrx.ToArray());
        second.Release();
        Assert.Throws<InvalidOperationException>(second.Release);
    }

    [Fact]
    public void EachFrameKeepsTheImageItWasDecodedFrom()
    {
        // A viewer that holds a frame and sends the capture's own image must send that frame's image, not a newer
        // one (the pixels around it, its lossless refresh, would disagree with the picture).
        const int W = 128, H = 64;
        var fb = new Framebuffer(W, H);
        var changed = new TileSet(fb.TileColumns, fb.TileRows);
        byte[] jpegOne = [1, 1, 1], jpegTwo = [2, 2];
        fb.Update(Filled(W, H, 1), W * 4, changed, 0, H, jpegOne);
        FrameSnapshot one = fb.EnterRead().Frame;
        fb.Update(Filled(W, H, 2), W * 4, changed, 0, H, jpegTwo);

        SourceImage image = one.AcquireSourceJpeg(out bool ahead)!;
        Assert.Equal(jpegOne, image.Span.ToArray());
        Assert.False(ahead);
        image.Release();
        image = fb.AcquireSourceJpeg(out _)!;
        Assert.Equal(jpegTwo, image.Span.ToArray());
        image.Release();

        // The same pixels again with another image: it replaces the current frame's, and the held frame keeps its own.
        byte[] jpegThree = [3];
        Assert.False(fb.Update(Filled(W, H, 2), W * 4, changed, 0, H, jpegThree));
        Assert.Equal(jpegThree.Length, fb.SourceJpegLength);
        Assert.Equal(jpegOne.Length, one.SourceJpegLength);
        one.Release();
    }

    private static byte[] Filled(int width, int height, byte value)
    {
        byte[] frame = new byte[width * height * 4];
        frame.AsSpan().Fill(value);
        return frame;
    }

    private static byte[] Copy(Framebuffer fb)
    {
        byte[] copy = new byte[fb.Width * fb.Height * 4];
        fb.CopyTo(copy);
        return copy;
    }
}
