// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using KvmPi.Vnc.Rfb;
using KvmPi.Vnc.Rfb.Server;
using KvmPi.Vnc.Rfb.Updates;
using KvmPi.Vnc.Tests.Rfb.Updates;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvmPi.Vnc.Tests.Rfb.Server;

/// <summary>
/// Scrolled bands as CopyRect, end to end over an in-memory connection: a small viewer applies Raw and CopyRect
/// rectangles in order to its own picture, which is compared with the frame the server was given.
/// </summary>
public class ScrollUpdateTests
{
    private const int W = 256, H = 192;

    /// <summary>The viewer's side: its picture (BGRX) and what the last update held.</summary>
    private sealed class Viewer(Stream stream)
    {
        public byte[] Picture { get; } = new byte[W * H * 4];
        public List<(int Encoding, int X, int Y, int W, int H, int SrcX, int SrcY)> Rects { get; } = [];
        public long Bytes { get; private set; }

        public async Task RequestAsync(bool incremental) =>
            await stream.WriteAsync(new byte[] { 3, (byte)(incremental ? 1 : 0), 0, 0, 0, 0, W >> 8, W & 255, H >> 8, H & 255 });

        public async Task ReadUpdateAsync()
        {
            Rects.Clear();
            byte[] header = await Read(4);
            Assert.Equal(0, header[0]);
            for (int i = 0; i < BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2)); i++)
            {
                byte[] r = await Read(12);
                int x = BinaryPrimitives.ReadUInt16BigEndian(r), y = BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(2));
                int w = BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(4)), h = BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(6));
                int encoding = BinaryPrimitives.ReadInt32BigEndian(r.AsSpan(8));
                if (encoding == 1)
                {
                    byte[] src = await Read(4);
                    int sx = BinaryPrimitives.ReadUInt16BigEndian(src), sy = BinaryPrimitives.ReadUInt16BigEndian(src.AsSpan(2));
                    Rects.Add((1, x, y, w, h, sx, sy));
                    byte[] copy = new byte[w * h * 4];
                    for (int row = 0; row < h; row++)
                        Picture.AsSpan(((sy + row) * W + sx) * 4, w * 4).CopyTo(copy.AsSpan(row * w * 4));
                    for (int row = 0; row < h; row++)
                        copy.AsSpan(row * w * 4, w * 4).CopyTo(Picture.AsSpan(((y + row) * W + x) * 4));
                    continue;
                }
                Assert.Equal(0, encoding);
                Rects.Add((0, x, y, w, h, 0, 0));
                byte[] data = await Read(w * h * 4);
                for (int row = 0; row < h; row++)
                    data.AsSpan(row * w * 4, w * 4).CopyTo(Picture.AsSpan(((y + row) * W + x) * 4));
            }
        }

        private async Task<byte[]> Read(int n)
        {
            byte[] b = new byte[n];
            await stream.ReadExactlyAsync(b).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Bytes += n;
            return b;
        }

        /// <summary>Largest difference of any colour channel from <paramref name="frame"/>.</summary>
        public int MaxDifference(byte[] frame)
        {
            int max = 0;
            for (int i = 0; i < frame.Length; i++)
                if ((i & 3) != 3) max = Math.Max(max, Math.Abs(frame[i] - Picture[i]));
            return max;
        }
    }

    private static async Task<(RfbServer Server, Viewer Viewer, Stream Client, Task Serving)> ConnectAsync(byte[] first, params int[] encodings)
    {
        var server = new RfbServer(new RfbServerOptions { InitialWidth = W, InitialHeight = H }, new NullDesktop(), NullLoggerFactory.Instance);
        server.PublishFrame(first, W, H, W * 4);
        var (client, serving) = await InMemoryConnection.ConnectViewerAsync(server, encodings);
        var viewer = new Viewer(client);
        await viewer.RequestAsync(incremental: false);
        await viewer.ReadUpdateAsync();
        Assert.Equal(first, viewer.Picture);
        return (server, viewer, client, serving);
    }

    private static async Task CloseAsync(Stream client, Task serving)
    {
        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task AScrollGoesAsOneCopyRectFirstThenTheExposedLines()
    {
        var text = new ScrollingText(W, H);
        byte[] a = text.Frame(100), b = text.Frame(138);   // two lines down, exact
        var (server, viewer, client, serving) = await ConnectAsync(a, 1, 0);

        server.PublishFrame(b, W, H, W * 4);
        await viewer.RequestAsync(incremental: true);
        await viewer.ReadUpdateAsync();

        Assert.Equal((1, 0, 32, W, H - 38 - 32, 0, 32 + 38), viewer.Rects[0]);
        Assert.All(viewer.Rects.Skip(1), r => Assert.Equal(0, r.Encoding));
        Assert.Equal(b, viewer.Picture);
        // Raw would be the whole document area; the copy leaves the tile rows the exposed lines fall in.
        Assert.True(viewer.Bytes < 2 * 64 * W * 4 + 4096 + (W * H * 4), $"{viewer.Bytes} bytes");
        long raw = viewer.Rects.Where(r => r.Encoding == 0).Sum(r => (long)r.W * r.H);
        Assert.True(raw <= 2 * 64 * W, $"{raw} raw pixels");
        await CloseAsync(client, serving);
    }

    [Fact]
    public async Task ANoisyScrollIsCloseAtOnceAndExactOnceStill()
    {
        var text = new ScrollingText(W, H);
        byte[] a = text.Frame(100, noise: 3), b = text.Frame(157, noise: 3);
        var (server, viewer, client, serving) = await ConnectAsync(a, 1, 0);

        server.PublishFrame(b, W, H, W * 4);
        await viewer.RequestAsync(incremental: true);
        await viewer.ReadUpdateAsync();
        Assert.Equal(1, viewer.Rects[0].Encoding);
        int difference = viewer.MaxDifference(b);
        Assert.InRange(difference, 1, 6);   // the noise of two captures, and no more

        // Nothing changes any more: the lossless refresh resends the moved tiles exactly.
        while (viewer.MaxDifference(b) != 0)
        {
            await viewer.RequestAsync(incremental: true);
            await viewer.ReadUpdateAsync();
            Assert.All(viewer.Rects, r => Assert.Equal(0, r.Encoding));
        }
        Assert.Equal(b, viewer.Picture);
        await CloseAsync(client, serving);
    }

    [Fact]
    public async Task TilesCopiedExactlyAreNotRefreshed()
    {
        var text = new ScrollingText(W, H);
        byte[] a = text.Frame(100), b = text.Frame(138);   // exact: every copied tile is right
        var (server, viewer, client, serving) = await ConnectAsync(a, 1, 0);
        server.PublishFrame(b, W, H, W * 4);
        await viewer.RequestAsync(incremental: true);
        await viewer.ReadUpdateAsync();
        Assert.Equal(1, viewer.Rects[0].Encoding);
        Assert.Equal(b, viewer.Picture);

        // Still: the refresh (after 300 ms) has nothing to resend. A request stays unanswered until a change,
        // which then comes alone.
        await viewer.RequestAsync(incremental: true);
        await Task.Delay(1000);
        byte[] c = WithBlock(b);
        server.PublishFrame(c, W, H, W * 4);
        await viewer.ReadUpdateAsync();
        Assert.Equal((0, 64, 64, 64, 64), Assert.Single(viewer.Rects) is var r ? (r.Encoding, r.X, r.Y, r.W, r.H) : default);
        Assert.Equal(c, viewer.Picture);
        await CloseAsync(client, serving);
    }

    [Fact]
    public async Task AnUpdateOfAFrameNotYetAnnouncedShowsItWholeAndItsMoveCopiesNothingWrong()
    {
        // The publisher makes a frame current, then tells the viewers what changed; an update that starts in between
        // holds the new frame. It must show all of it (not its pixels in the tiles due anyway and the frame before
        // elsewhere), and the move announced next must not take the tiles it sent for the previous frame's.
        var text = new ScrollingText(W, H);
        byte[] a = text.Frame(100);
        byte[] b = WithMark(text.Frame(100), 80), c = WithMark(text.Frame(138), 80 - 38);   // the mark scrolls too
        var (server, viewer, client, serving) = await ConnectAsync(a, 1, 0);
        server.PublishFrame(b, W, H, W * 4);   // tile (1, 1), a source of the coming move, is due

        var detector = new ScrollDetector(W, H);
        Assert.True(detector.Detect(b, W * 4, c, W * 4, out ScrollMove move));
        var changed = new TileSet(server.Framebuffer.TileColumns, server.Framebuffer.TileRows);
        Assert.True(server.Framebuffer.Update(c, W * 4, changed));   // c is current, not yet announced
        await viewer.RequestAsync(incremental: true);
        await viewer.ReadUpdateAsync();
        Assert.Equal(c, viewer.Picture);

        server.NotifyFrameChanged(server.Framebuffer, changed, detector, move);
        await viewer.RequestAsync(incremental: true);
        await viewer.ReadUpdateAsync();
        Assert.Equal(c, viewer.Picture);
        await CloseAsync(client, serving);
    }

    /// <summary><paramref name="frame"/> with a dark mark 10 rows high from row <paramref name="y"/>, in tile column 1.</summary>
    private static byte[] WithMark(byte[] frame, int y)
    {
        for (int row = y; row < y + 10; row++) frame.AsSpan((row * W + 70) * 4, 40).Fill(0);
        return frame;
    }

    /// <summary><paramref name="frame"/> with a dark block in tile (1, 1) only.</summary>
    private static byte[] WithBlock(byte[] frame)
    {
        byte[] c = (byte[])frame.Clone();
        for (int y = 80; y < 90; y++) c.AsSpan((y * W + 70) * 4, 40).Fill(0);
        return c;
    }

    [Fact]
    public async Task AViewerWithoutCopyRectGetsPixels()
    {
        var text = new ScrollingText(W, H);
        byte[] a = text.Frame(100), b = text.Frame(138);
        var (server, viewer, client, serving) = await ConnectAsync(a, 0);
        server.PublishFrame(b, W, H, W * 4);
        await viewer.RequestAsync(incremental: true);
        await viewer.ReadUpdateAsync();
        Assert.All(viewer.Rects, r => Assert.Equal(0, r.Encoding));
        Assert.Equal(b, viewer.Picture);
        await CloseAsync(client, serving);
    }

    [Fact]
    public async Task MovesOfFramesTheViewerSkippedGoInOrder()
    {
        var text = new ScrollingText(W, H);
        byte[] a = text.Frame(100), b = text.Frame(138), c = text.Frame(157);
        var (server, viewer, client, serving) = await ConnectAsync(a, 1, 0);

        // Two scrolls before the viewer asks again: both moves go, in order, then what neither could copy.
        server.PublishFrame(b, W, H, W * 4);
        server.PublishFrame(c, W, H, W * 4);
        await viewer.RequestAsync(incremental: true);
        await viewer.ReadUpdateAsync();
        Assert.Equal(1, viewer.Rects[0].Encoding);
        Assert.Equal(1, viewer.Rects[1].Encoding);
        Assert.Equal(38, viewer.Rects[0].SrcY - viewer.Rects[0].Y);
        Assert.Equal(19, viewer.Rects[1].SrcY - viewer.Rects[1].Y);
        Assert.Equal(c, viewer.Picture);
        // What neither move could copy: the tile rows the 57 exposed lines fall in, nothing more.
        long raw = viewer.Rects.Where(r => r.Encoding == 0).Sum(r => (long)r.W * r.H);
        Assert.True(raw <= 2 * 64 * W, $"{raw} raw pixels: {string.Join(' ', viewer.Rects)}");
        await CloseAsync(client, serving);
    }

    [Fact]
    public async Task ATileTheViewerHasNotBeenSentIsNotCopied()
    {
        var text = new ScrollingText(W, H);
        byte[] a = text.Frame(100);
        var (server, viewer, client, serving) = await ConnectAsync(a, 1, 0);

        // A change in the band the viewer has not been sent yet, then the scroll carries it up: the viewer's own
        // copy of that tile is stale, so what it would move there is sent as pixels instead.
        byte[] changed = (byte[])a.Clone();
        for (int y = 140; y < 150; y++) changed.AsSpan((y * W + 70) * 4, 40).Fill(0);
        server.PublishFrame(changed, W, H, W * 4);
        byte[] moved = new byte[a.Length];
        for (int i = 0; i < moved.Length; i++) moved[i] = (i & 3) == 3 ? (byte)0 : (byte)255;
        changed.AsSpan(0, 32 * W * 4).CopyTo(moved);
        for (int y = 32; y < H - 38; y++) changed.AsSpan((y + 38) * W * 4, W * 4).CopyTo(moved.AsSpan(y * W * 4));
        server.PublishFrame(moved, W, H, W * 4);

        await viewer.RequestAsync(incremental: true);
        await viewer.ReadUpdateAsync();
        Assert.Equal(1, viewer.Rects[0].Encoding);
        Assert.Equal(moved, viewer.Picture);
        await CloseAsync(client, serving);
    }

    [Fact]
    public async Task APictureThatChangesAsItMovesDoesNotDriftThroughCopiesOfCopies()
    {
        // Each frame scrolls a line and darkens by one level: every move alone is within noise (the detector compares
        // consecutive frames), but a copy of a copy of a copy holds a picture three levels off, and so on. The viewer
        // is only ever copied what leaves it within noise of the frame it is shown (no pixel row of a tile more than
        // 8 off a byte on average, i.e. 10 levels in each colour); the rest comes as pixels. Also, the exposed lines
        // below the band fall partly into a tile the copy writes: the tile's mean stays within noise without a
        // word that is missing there, which must not be.
        var text = new ScrollingText(W, H);
        byte[] Darkened(int k)
        {
            byte[] frame = text.Frame(100 + k * ScrollingText.LineHeight);
            for (int i = 0; i < frame.Length; i++)
                if ((i & 3) != 3) frame[i] = (byte)Math.Max(0, frame[i] - k);
            return frame;
        }
        var (server, viewer, client, serving) = await ConnectAsync(Darkened(0), 1, 0);
        int copies = 0, worst = 0;
        for (int k = 1; k <= 24; k++)
        {
            byte[] frame = Darkened(k);
            server.PublishFrame(frame, W, H, W * 4);
            await viewer.RequestAsync(incremental: true);
            await viewer.ReadUpdateAsync();
            copies += viewer.Rects.Count(r => r.Encoding == 1);
            worst = Math.Max(worst, viewer.MaxDifference(frame));
        }
        Assert.True(copies >= 12, $"{copies} CopyRects in 24 scrolls");
        Assert.InRange(worst, 1, 10);
        await CloseAsync(client, serving);
    }
}
