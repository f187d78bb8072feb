// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using KvmPi.Vnc.Rfb;
using KvmPi.Vnc.Rfb.Server;
using KvmPi.Vnc.Rfb.Updates;
using KvmPi.Vnc.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvmPi.Vnc.Tests.Rfb.Server;

/// <summary>
/// Captured frames taken as the JPEG alone (<see cref="RfbServer.TryPublishJpegOnly"/>): only when every viewer
/// takes Tight JPEG at a quality the capture meets, or nobody watches; such viewers are sent exactly the capture's
/// bytes; the next frame published with pixels is sent whole, since the pixels were older than what viewers held,
/// unless it is the same image again; and a viewer that needs pixels waits for them rather than be shown older ones.
/// </summary>
public class JpegOnlyFrameTests
{
    private const int W = 256, H = 192, T = 64;

    /// <summary>One rectangle of a Tight update as far as these tests look: its area, and the JPEG if it is one.</summary>
    private sealed record TightRect(int X, int Y, int Width, int Height, byte[]? Jpeg);

    /// <summary>A viewer that reads Tight fill and JPEG rectangles (all these tests' frames give).</summary>
    private sealed class Viewer(Stream stream)
    {
        public async Task RequestAsync(bool incremental) =>
            await stream.WriteAsync(new byte[] { 3, (byte)(incremental ? 1 : 0), 0, 0, 0, 0, W >> 8, W & 255, H >> 8, H & 255 });

        public async Task<List<TightRect>> ReadUpdateAsync()
        {
            var rects = new List<TightRect>();
            byte[] header = await Read(4);
            Assert.Equal(0, header[0]);
            for (int i = 0; i < BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2)); i++)
            {
                byte[] r = await Read(12);
                int x = BinaryPrimitives.ReadUInt16BigEndian(r), y = BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(2));
                int w = BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(4)), h = BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(6));
                Assert.Equal(7, BinaryPrimitives.ReadInt32BigEndian(r.AsSpan(8)));
                byte control = (await Read(1))[0];
                switch (control >> 4)
                {
                    case 8:   // fill: one 24-bit TPIXEL
                        await Read(3);
                        rects.Add(new TightRect(x, y, w, h, null));
                        break;
                    case 9:   // JPEG: compact length, then the image
                        int length = 0;
                        for (int shift = 0; shift < 21; shift += 7)
                        {
                            byte b = (await Read(1))[0];
                            length |= (b & 0x7F) << shift;
                            if (b < 0x80) break;
                        }
                        rects.Add(new TightRect(x, y, w, h, await Read(length)));
                        break;
                    default:
                        Assert.Fail($"unexpected Tight control 0x{control:X2}");
                        break;
                }
            }
            return rects;
        }

        private async Task<byte[]> Read(int n)
        {
            byte[] b = new byte[n];
            await stream.ReadExactlyAsync(b).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            return b;
        }
    }

    private static byte[] Grey() => TestJpegEncoder.SolidBgrx(W, H, 90, 90, 90);

    /// <summary><paramref name="pixels"/> with tile (1, 1) filled with one colour: a change of exactly one tile.</summary>
    private static byte[] WithOneTile(byte[] pixels, byte r, byte g, byte b)
    {
        byte[] p = (byte[])pixels.Clone();
        for (int y = T; y < 2 * T; y++)
            for (int x = T; x < 2 * T; x++)
                (p[(y * W + x) * 4], p[(y * W + x) * 4 + 1], p[(y * W + x) * 4 + 2]) = (b, g, r);
        return p;
    }

    private static async Task<(RfbServer Server, Viewer Viewer, Stream Client, Task Serving)> ConnectAsync(RfbServer server, params int[] encodings)
    {
        var (client, serving) = await InMemoryConnection.ConnectViewerAsync(server, encodings);
        var viewer = new Viewer(client);
        return (server, viewer, client, serving);
    }

    /// <param name="firstJpeg">The image <paramref name="first"/> was decoded from, if any.</param>
    /// <param name="pixelWait">How long a viewer waits for pixels (RfbServerOptions.PixelWait), if not the default.</param>
    private static RfbServer NewServer(byte[] first, byte[]? firstJpeg = null, TimeSpan? pixelWait = null)
    {
        var options = new RfbServerOptions { InitialWidth = W, InitialHeight = H, PixelWait = pixelWait ?? new RfbServerOptions().PixelWait };
        var server = new RfbServer(options, new NullDesktop(), NullLoggerFactory.Instance);
        server.PublishFrame(first, W, H, W * 4, firstJpeg ?? []);
        return server;
    }

    /// <summary>A viewer that lists only Raw (it needs pixels), once it has asked for the whole frame.</summary>
    private static async Task<(Stream Client, Task Serving)> ConnectRawAsync(RfbServer server)
    {
        var (client, serving) = await InMemoryConnection.ConnectViewerAsync(server, 0);
        await client.WriteAsync(FlowControlTests.FullRequest(W, H));
        return (client, serving);
    }

    /// <summary>Waits until the session has taken its encodings (the server reads them on its own task).</summary>
    private static async Task<bool> OfferUntilTakenAsync(RfbServer server, byte[] jpeg)
    {
        for (int i = 0; i < 200; i++)
        {
            if (server.TryPublishJpegOnly(jpeg, W, H, 1.0)) return true;
            await Task.Delay(10);
        }
        return false;
    }

    [Fact]
    public async Task ATightJpegViewerIsSentTheCapturesOwnBytesAndTheNextDecodedFrameWhole()
    {
        byte[] grey = Grey();
        RfbServer server = NewServer(grey);
        var (_, viewer, client, serving) = await ConnectAsync(server, 7, -24);   // Tight, quality level 8
        await viewer.RequestAsync(incremental: false);
        List<TightRect> first = await viewer.ReadUpdateAsync();
        Assert.All(first, r => Assert.Null(r.Jpeg));   // a grey frame: fills

        byte[] image = TestJpegEncoder.Gradient(W, H);
        Assert.True(await OfferUntilTakenAsync(server, image));
        await viewer.RequestAsync(incremental: true);
        List<TightRect> passed = await viewer.ReadUpdateAsync();
        TightRect only = Assert.Single(passed);
        Assert.Equal((0, 0, W, H), (only.X, only.Y, only.Width, only.Height));
        Assert.Equal(image, only.Jpeg);

        // The pixels were still the grey frame's; the next decoded frame differs from them in one tile only, but
        // from the viewer's picture (the gradient) everywhere: it must go whole (here: its own JPEG, since all changed).
        byte[] next = WithOneTile(grey, 200, 30, 30);
        byte[] nextJpeg = TestJpegEncoder.Encode(next, W, H, 85, 1);
        server.PublishFrame(next, W, H, W * 4, nextJpeg);
        await viewer.RequestAsync(incremental: true);
        TightRect whole = Assert.Single(await viewer.ReadUpdateAsync());
        Assert.Equal(nextJpeg, whole.Jpeg);

        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// Several viewers are sent each image from the one copy they share, straight to their connections (no copy per
    /// viewer): every viewer gets every image intact, including images of other lengths and images published while
    /// another viewer has not read the previous one yet.
    /// </summary>
    [Fact]
    public async Task EveryViewerIsSentEachCapturedImageIntactFromTheSharedCopy()
    {
        byte[] grey = Grey();
        RfbServer server = NewServer(grey);
        var viewers = new List<(Viewer Viewer, Stream Client, Task Serving)>();
        for (int i = 0; i < 3; i++)
        {
            var (_, viewer, client, serving) = await ConnectAsync(server, 7, -24);
            await viewer.RequestAsync(incremental: false);
            await viewer.ReadUpdateAsync();
            viewers.Add((viewer, client, serving));
        }

        byte[] gradient = TestJpegEncoder.Gradient(W, H);
        byte[][] images =
        [
            gradient,
            TestJpegEncoder.Encode(WithOneTile(grey, 200, 30, 30), W, H, 85, 1),
            TestJpegEncoder.Encode(TestJpegEncoder.SolidBgrx(W, H, 10, 200, 10), W, H, 95, 1),
            gradient,
        ];
        foreach (byte[] image in images)
        {
            foreach (var v in viewers) await v.Viewer.RequestAsync(incremental: true);
            Assert.True(await OfferUntilTakenAsync(server, image));
            foreach (var v in viewers)
            {
                TightRect only = Assert.Single(await v.Viewer.ReadUpdateAsync());
                Assert.Equal((0, 0, W, H), (only.X, only.Y, only.Width, only.Height));
                Assert.Equal(image, only.Jpeg);
            }
        }

        // The last viewer reads late: two images are published meanwhile (it asked for updates continuously).
        var late = viewers[^1];
        await late.Viewer.RequestAsync(incremental: true);
        Assert.True(await OfferUntilTakenAsync(server, images[1]));
        Assert.Equal(images[1], Assert.Single(await late.Viewer.ReadUpdateAsync()).Jpeg);
        await late.Viewer.RequestAsync(incremental: true);
        Assert.True(await OfferUntilTakenAsync(server, images[2]));
        Assert.Equal(images[2], Assert.Single(await late.Viewer.ReadUpdateAsync()).Jpeg);

        foreach (var v in viewers)
        {
            v.Client.Dispose();
            await v.Serving.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>A transport that notes the array behind each write it is given.</summary>
    private sealed class WriteRecordingStream(Stream inner) : DelegatingStream(inner)
    {
        public ConcurrentQueue<(byte[]? Array, int Length)> Writes { get; } = new();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes.Enqueue((MemoryMarshal.TryGetArray(buffer, out ArraySegment<byte> segment) ? segment.Array : null, buffer.Length));
            return base.WriteAsync(buffer, cancellationToken);
        }
    }

    /// <summary>
    /// The capture's image goes to the connection from the framebuffer's shared copy itself, not copied into the
    /// viewer's output pipe first: with eight viewers that copy was ~200 KB each a frame.
    /// </summary>
    [Fact]
    public async Task TheCapturesImageIsWrittenToTheConnectionFromTheSharedCopy()
    {
        RfbServer server = NewServer(Grey());
        WriteRecordingStream? transport = null;
        var (client, serving) = await InMemoryConnection.ConnectViewerAsync(server, end => transport = new WriteRecordingStream(end), 7, -24);
        var viewer = new Viewer(client);
        await viewer.RequestAsync(incremental: false);
        await viewer.ReadUpdateAsync();

        byte[] image = TestJpegEncoder.Gradient(W, H);
        await viewer.RequestAsync(incremental: true);
        Assert.True(await OfferUntilTakenAsync(server, image));
        Assert.Equal(image, Assert.Single(await viewer.ReadUpdateAsync()).Jpeg);

        SourceImage shared = server.Framebuffer.Current.AcquireSourceJpeg(out _)!;
        Assert.True(MemoryMarshal.TryGetArray(shared.Memory, out ArraySegment<byte> bytes));
        shared.Release();
        Assert.Contains(transport!.Writes, w => ReferenceEquals(w.Array, bytes.Array) && w.Length == image.Length);

        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task TheSameImageDecodedAfterwardsSendsOnlyWhatChangedSinceThePixels()
    {
        byte[] grey = Grey();
        RfbServer server = NewServer(grey);
        var (_, viewer, client, serving) = await ConnectAsync(server, 7, -24);
        await viewer.RequestAsync(incremental: false);
        await viewer.ReadUpdateAsync();

        byte[] still = WithOneTile(grey, 30, 200, 30);
        byte[] stillJpeg = TestJpegEncoder.Encode(still, W, H, 85, 1);
        Assert.True(await OfferUntilTakenAsync(server, stillJpeg));
        await viewer.RequestAsync(incremental: true);
        Assert.Equal(stillJpeg, Assert.Single(await viewer.ReadUpdateAsync()).Jpeg);

        // The screen stands still: the capture decodes the same image and publishes its pixels. The viewer holds
        // it already (as JPEG); only the tile that differs from the old pixels is due, not the whole frame.
        server.PublishFrame(still, W, H, W * 4, stillJpeg);
        await viewer.RequestAsync(incremental: true);
        TightRect tile = Assert.Single(await viewer.ReadUpdateAsync());
        Assert.Equal((T, T, T, T), (tile.X, tile.Y, tile.Width, tile.Height));
        Assert.Null(tile.Jpeg);

        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData(new[] { 16 })]          // ZRLE: needs pixels
    [InlineData(new[] { 7 })]           // lossless Tight
    [InlineData(new[] { 7, -30 })]      // Tight JPEG quality level 2 (JPEG quality 41): far smaller than the capture's
    public async Task AViewerThatNeedsPixelsKeepsEveryFrameDecoded(int[] encodings)
    {
        byte[] grey = Grey();
        RfbServer server = NewServer(grey);
        var (_, viewer, client, serving) = await ConnectAsync(server, encodings);
        await viewer.RequestAsync(incremental: false);
        await Task.Delay(100);   // its encodings have been read (the first update need not be parsed here)
        byte[] image = TestJpegEncoder.Gradient(W, H);
        Assert.False(server.TryPublishJpegOnly(image, W, H, 1.0));
        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData(-26, 95, false)]   // quality level 6 (JPEG 79) against a capture at 95: re-encoding costs far fewer bytes
    [InlineData(-24, 95, true)]    // level 8 (92)
    [InlineData(-26, 85, true)]    // level 6 against a typical dongle's 85
    [InlineData(-26, 0, true)]     // capture quality unknown: taken as 85
    [InlineData(-28, 0, false)]    // level 4 (JPEG 62)
    public async Task AViewerIsSentTheCapturesImageOnlyNearItsOwnQuality(int qualityLevel, int captureQuality, bool taken)
    {
        byte[] grey = Grey();
        RfbServer server = NewServer(grey);
        var (_, viewer, client, serving) = await ConnectAsync(server, 7, qualityLevel);
        await viewer.RequestAsync(incremental: false);
        await viewer.ReadUpdateAsync();
        byte[] image = TestJpegEncoder.Gradient(W, H);
        Assert.Equal(taken, server.TryPublishJpegOnly(image, W, H, 1.0, captureQuality));
        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task WithPassThroughOffEveryFrameIsDecodedAndReEncoded()
    {
        byte[] grey = Grey();
        var server = new RfbServer(new RfbServerOptions { InitialWidth = W, InitialHeight = H, JpegPassThrough = false },
            new NullDesktop(), NullLoggerFactory.Instance);
        server.PublishFrame(grey, W, H, W * 4);
        var (_, viewer, client, serving) = await ConnectAsync(server, 7, -24);
        await viewer.RequestAsync(incremental: false);
        await viewer.ReadUpdateAsync();
        byte[] image = TestJpegEncoder.Gradient(W, H);
        Assert.False(server.TryPublishJpegOnly(image, W, H, 1.0));
        // A frame that changed everywhere, published with its JPEG: re-encoded, not the capture's bytes.
        byte[] other = TestJpegEncoder.SolidBgrx(W, H, 10, 200, 10);
        byte[] otherJpeg = TestJpegEncoder.Encode(other, W, H, 85, 1);
        server.PublishFrame(other, W, H, W * 4, otherJpeg);
        await viewer.RequestAsync(incremental: true);
        Assert.All(await viewer.ReadUpdateAsync(), r => Assert.NotEqual(otherJpeg, r.Jpeg));
        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task WithAViewerNoFrameIsTakenUndecodedWhenLittleChangedOrTheSizeDiffers()
    {
        byte[] grey = Grey();
        RfbServer server = NewServer(grey);
        byte[] image = TestJpegEncoder.Gradient(W, H);
        var (_, viewer, client, serving) = await ConnectAsync(server, 7, -24);
        await viewer.RequestAsync(incremental: false);
        await viewer.ReadUpdateAsync();
        Assert.False(server.TryPublishJpegOnly(image, W, H, 0.2));        // little changed: decode, send what changed
        Assert.False(server.TryPublishJpegOnly(image, W * 2, H, 1.0));    // a new size goes through PublishFrame
        Assert.True(server.TryPublishJpegOnly(image, W, H, 0.9));
        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>A KVM nobody watches decodes nothing: its pixels would go to no one.</summary>
    [Fact]
    public void WithoutViewersEveryFrameOfTheSameSizeIsTakenUndecoded()
    {
        RfbServer server = NewServer(Grey());
        byte[] image = TestJpegEncoder.Gradient(W, H);
        Assert.True(server.TryPublishJpegOnly(image, W, H, 0.01));       // however little changed
        Assert.True(server.TryPublishJpegOnly(image, W, H, 1.0, 40));    // whatever its quality
        Assert.False(server.TryPublishJpegOnly(image, W * 2, H, 1.0));   // a new size goes through PublishFrame

        var off = new RfbServer(new RfbServerOptions { InitialWidth = W, InitialHeight = H, JpegPassThrough = false },
            new NullDesktop(), NullLoggerFactory.Instance);
        off.PublishFrame(Grey(), W, H, W * 4);
        Assert.False(off.TryPublishJpegOnly(image, W, H, 1.0));
    }

    /// <summary>
    /// Frames went undecoded while nobody watched, so the pixels are older than the screen. A viewer that needs pixels
    /// (Raw here) is not shown them: its first update waits for the next frame decoded (which its arrival brings, as
    /// it refuses frames undecoded) and shows that frame.
    /// </summary>
    [Fact]
    public async Task AViewerThatNeedsPixelsIsShownTheNextDecodedFrameNotTheOlderPixels()
    {
        byte[] grey = Grey();
        // The wait's bound is AViewerWaitsForPixelsOnlyAWhile's subject; here a loaded machine must not reach it.
        RfbServer server = NewServer(grey, pixelWait: TimeSpan.FromHours(1));
        byte[] red = TestJpegEncoder.SolidBgrx(W, H, 200, 30, 30);
        byte[] redJpeg = TestJpegEncoder.Encode(red, W, H, 85, 1);
        Assert.True(server.TryPublishJpegOnly(redJpeg, W, H, 1.0));      // nobody watches: not decoded

        var (client, serving) = await ConnectRawAsync(server);
        await Task.Delay(300);   // time enough to send the grey pixels, were they sent
        Assert.False(server.TryPublishJpegOnly(redJpeg, W, H, 1.0));     // the viewer needs pixels: decode
        server.PublishFrame(red, W, H, W * 4, redJpeg);
        AssertShows(await RawUpdateReader.ReadAsync(client), 30, 30, 200);

        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>The same image decoded after it went undecoded changes no pixel here, and still lets the waiting viewer go.</summary>
    [Fact]
    public async Task TheSameImageDecodedLetsAViewerWaitingForPixelsGo()
    {
        byte[] grey = Grey();
        byte[] greyJpeg = TestJpegEncoder.Encode(grey, W, H, 85, 1);
        RfbServer server = NewServer(grey, greyJpeg, pixelWait: TimeSpan.FromHours(1));
        Assert.True(server.TryPublishJpegOnly(greyJpeg, W, H, 1.0));

        var (client, serving) = await ConnectRawAsync(server);
        await Task.Delay(100);
        server.PublishFrame(grey, W, H, W * 4, greyJpeg);   // nothing changed
        AssertShows(await RawUpdateReader.ReadAsync(client), 90, 90, 90);

        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>A capture that stalls after frames went undecoded: the viewer gets the older pixels after the wait, not never.</summary>
    [Fact]
    public async Task AViewerWaitsForPixelsOnlyAWhile()
    {
        RfbServer server = NewServer(Grey(), pixelWait: TimeSpan.FromMilliseconds(200));
        Assert.True(server.TryPublishJpegOnly(TestJpegEncoder.Gradient(W, H), W, H, 1.0));

        var (client, serving) = await ConnectRawAsync(server);
        AssertShows(await RawUpdateReader.ReadAsync(client), 90, 90, 90);

        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Uncompressed captures (RfbServer.TryPublishWithoutPixels): converted for nobody only while nobody watches.</summary>
    [Fact]
    public async Task UncompressedFramesAreTakenWithoutPixelsOnlyWhileNobodyWatches()
    {
        RfbServer server = NewServer(Grey());
        Assert.True(server.TryPublishWithoutPixels(W, H));
        Assert.False(server.TryPublishWithoutPixels(W * 2, H));   // a new size goes through PublishFrame

        var (client, serving) = await ConnectRawAsync(server);
        Assert.False(server.TryPublishWithoutPixels(W, H));
        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// After uncompressed frames went unconverted, a viewer is shown the next converted frame, not the older pixels:
    /// a Raw viewer, and a Tight JPEG one too, for which there is no capture's image to send instead.
    /// </summary>
    [Fact]
    public async Task AViewerAfterFramesWentUnconvertedIsShownTheNextConvertedFrame()
    {
        byte[] red = TestJpegEncoder.SolidBgrx(W, H, 200, 30, 30);
        RfbServer server = NewServer(Grey(), pixelWait: TimeSpan.FromHours(1));
        Assert.True(server.TryPublishWithoutPixels(W, H));

        var (client, serving) = await ConnectRawAsync(server);
        var (_, tight, tightClient, tightServing) = await ConnectAsync(server, 7, -24);   // Tight, quality level 8
        await tight.RequestAsync(incremental: false);
        Task<List<TightRect>> tightUpdate = tight.ReadUpdateAsync();
        await Task.Delay(300);   // time enough to send the grey pixels, were they sent
        Assert.False(tightUpdate.IsCompleted, "the Tight viewer was sent the older pixels");
        server.PublishFrame(red, W, H, W * 4);
        AssertShows(await RawUpdateReader.ReadAsync(client), 30, 30, 200);
        Assert.Equal(W * H, (await tightUpdate).Sum(r => r.Width * r.Height));

        client.Dispose();
        tightClient.Dispose();
        await Task.WhenAll(serving, tightServing).WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Every pixel of the update's rectangles, which together cover the frame, is (b, g, r).</summary>
    private static void AssertShows(List<RawRect> rects, byte b, byte g, byte r)
    {
        Assert.Equal(W * H, rects.Sum(x => x.Width * x.Height));
        foreach (var rect in rects)
            for (int i = 0; i < rect.Pixels.Length; i += 4)
                Assert.True((rect.Pixels[i], rect.Pixels[i + 1], rect.Pixels[i + 2]) == (b, g, r),
                    $"pixel {i / 4} of ({rect.X},{rect.Y} {rect.Width}x{rect.Height}) is {rect.Pixels[i]},{rect.Pixels[i + 1]},{rect.Pixels[i + 2]}");
    }
}
