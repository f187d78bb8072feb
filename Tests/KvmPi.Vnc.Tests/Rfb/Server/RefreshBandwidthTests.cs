// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Rfb.Server;
using KvmPi.Vnc.Rfb.Updates;
using KvmPi.Vnc.Tests.Support.Decoders;
using static KvmPi.Vnc.Tests.Rfb.Server.FlowControlTests;

namespace KvmPi.Vnc.Tests.Rfb.Server;

/// <summary>
/// The lossless refresh "as bandwidth allows": a Tight JPEG viewer on a link the test simulates by answering each
/// ping (a viewer with continuous updates and fences) or asking for the next update (a viewer without) only when
/// the bytes before would have crossed a link of a given rate. The delays only shape what the server measures;
/// what is asserted is what the updates hold.
/// </summary>
public class RefreshBandwidthTests
{
    private const int W = 512, H = 256, Tiles = W / 64 * (H / 64);

    /// <summary>A noisy photograph: Tight sends it as JPEG to a viewer that allows it.</summary>
    private static byte[] Photo(int seed)
    {
        var rng = new Random(seed);
        var px = new byte[W * H * 4];
        for (int y = 0, o = 0; y < H; y++)
        {
            for (int x = 0; x < W; x++, o += 4)
            {
                px[o] = (byte)(x / 2 + rng.Next(40));
                px[o + 1] = (byte)(y + rng.Next(40));
                px[o + 2] = (byte)((x + y) / 3 + rng.Next(40));
            }
        }
        return px;
    }

    /// <summary>
    /// The viewer's side of a link carrying <see cref="_bytesPerSecond"/>: reads and decodes Tight updates into a
    /// canvas and answers each ping, or without fences asks for the next update after each, once the bytes received
    /// since the last answer would have arrived.
    /// </summary>
    private sealed class SlowLinkViewer(Stream client, int bytesPerSecond, bool fences) : IDisposable
    {
        private readonly int _bytesPerSecond = bytesPerSecond;
        private readonly TightDecoder _decoder = new();
        private long _bytesSinceAnswer;

        public uint[] Canvas { get; } = new uint[W * H];

        /// <summary>Without fences: whether it asks for the next update after each.</summary>
        public bool AsksAgain { get; set; } = true;

        /// <summary>Reads updates until the canvas shows <paramref name="bgrx"/> exactly (at most a few per tile).</summary>
        public async Task ReadUntilExactAsync(byte[] bgrx, string what = "")
        {
            uint[] expected = new uint[W * H];
            new PixelTranslator(PixelFormat.Bgrx32).TranslateRow(bgrx, expected);
            for (int updates = 0; !Canvas.AsSpan().SequenceEqual(expected); updates++)
            {
                Assert.True(updates < 4 * Tiles, $"{what}not exact after {updates} updates");
                await ReadUpdateAsync().WaitAsync(TimeSpan.FromSeconds(5));
            }
        }

        /// <summary>Answers the pings before it, then reads one update; returns its rectangles' kinds and area.</summary>
        public async Task<(List<string> Kinds, long Area)> ReadUpdateAsync()
        {
            while (true)
            {
                byte type = (await Read(1))[0];
                if (type == 248)
                {
                    byte[] fence = await Read(8);
                    await Read(fence[7]);
                    await Task.Delay(TimeSpan.FromSeconds((double)_bytesSinceAnswer / _bytesPerSecond));
                    _bytesSinceAnswer = 0;
                    await client.WriteAsync(PingAnswer);
                    continue;
                }
                Assert.Equal(0, type);
                byte[] header = await Read(3);
                var kinds = new List<string>();
                long area = 0;
                for (int i = 0; i < BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(1)); i++)
                {
                    byte[] r = await Read(12);
                    int x = BinaryPrimitives.ReadUInt16BigEndian(r), y = BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(2));
                    int w = BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(4)), h = BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(6));
                    Assert.Equal(7, BinaryPrimitives.ReadInt32BigEndian(r.AsSpan(8)));
                    byte[] payload = await TightRectReader.ReadPayloadAsync(Read, w, h);
                    uint[] px = _decoder.Decode(payload, w, h, PixelFormat.Bgrx32, out int consumed);
                    Assert.Equal(payload.Length, consumed);
                    for (int row = 0; row < h; row++) px.AsSpan(row * w, w).CopyTo(Canvas.AsSpan((y + row) * W + x, w));
                    kinds.Add(_decoder.LastKind);
                    area += (long)w * h;
                }
                if (!fences && AsksAgain)
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)_bytesSinceAnswer / _bytesPerSecond));
                    _bytesSinceAnswer = 0;
                    await client.WriteAsync(IncrementalRequest);
                }
                return (kinds, area);
            }
        }

        private async Task<byte[]> Read(int n)
        {
            byte[] b = await ReadExactly(client, n);
            _bytesSinceAnswer += n;
            return b;
        }

        public void Dispose() => _decoder.Dispose();
    }

    private static readonly byte[] IncrementalRequest = [3, 1, 0, 0, 0, 0, W >> 8, W & 0xFF, H >> 8, H & 0xFF];

    [Fact]
    public Task OnASlowLinkTheLosslessRefreshGoesInPiecesThatTakeAboutATenthOfASecondEach() => RefreshInPiecesAsync(fences: true);

    /// <summary>
    /// The same for a viewer without fences or continuous updates (libvncclient, TightVNC, RealVNC, gtk-vnc): the
    /// server measures the link by how soon the viewer asks again after each update.
    /// </summary>
    [Fact]
    public Task ForAViewerWithoutFencesItsRequestsMeasureTheLinkAndTheRefreshGoesInPiecesToo() => RefreshInPiecesAsync(fences: false);

    /// <summary>
    /// A viewer without fences whose link nothing measured yet: at the lowest JPEG quality the photographs' updates
    /// are under RequestPacedBandwidth.MinSampleBytes, so no answer measured the link when the refresh (many times
    /// their bytes) is due. It goes in pieces all the same; sent whole, it would hold a slow link for seconds.
    /// </summary>
    [Fact]
    public Task ForAViewerWithoutFencesOnALinkNotMeasuredYetTheRefreshGoesInPiecesToo() => RefreshInPiecesAsync(fences: false, qualityLevel: 0);

    /// <summary>
    /// A screen that goes still right after a burst of frames: the stillness check after the last frame finds every
    /// tile just changed and has nothing to send, and no frame comes to wake the next check. It must come all the
    /// same (the refresh clock), and the picture end exact.
    /// </summary>
    [Fact]
    public async Task AScreenThatGoesStillRightAfterABurstOfFramesIsStillRefreshed()
    {
        var (server, client, serving, viewer) = await ConnectFastJpegViewerAsync();
        using var _ = viewer;
        await viewer.ReadUpdateAsync();   // the first frame, black
        byte[][] photos = [Photo(1), Photo(2), Photo(3), Photo(4)];
        int published = 0;
        // Every 10 ms for 0.7 s: two stillness checks or more come while every tile keeps changing.
        Task burst = Task.Run(async () =>
        {
            for (var clock = System.Diagnostics.Stopwatch.StartNew(); clock.ElapsedMilliseconds < 700; published++)
            {
                server.PublishFrame(photos[published % photos.Length], W, H, W * 4);
                await Task.Delay(10);
            }
        });
        bool sawJpeg = false;
        while (!burst.IsCompleted) sawJpeg |= (await viewer.ReadUpdateAsync()).Kinds.Contains("jpeg");
        await burst;
        Assert.True(sawJpeg, "the burst went lossless: nothing to refresh");

        await viewer.ReadUntilExactAsync(photos[(published - 1) % photos.Length]);
        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// A viewer without fences that holds JPEG tiles and does not ask for another update: its stillness check falls
    /// due and cannot run (nothing may be sent unasked). The update loop must wait for the request, looking again at
    /// most an interval later, not be woken by the refresh clock over and over; and once it asks, the refresh comes.
    /// </summary>
    [Fact]
    public async Task AViewerHoldingJpegThatDoesNotAskAgainIsNotWokenOverAndOver()
    {
        var (server, client, serving, viewer) = await ConnectFastJpegViewerAsync();
        using var _ = viewer;
        await viewer.ReadUpdateAsync();   // the first frame, black; it asks again
        viewer.AsksAgain = false;
        byte[] photo = Photo(1);
        server.PublishFrame(photo, W, H, W * 4);
        Assert.Contains("jpeg", (await viewer.ReadUpdateAsync()).Kinds);

        ClientSession session = Assert.Single(server.Sessions);
        long before = session.UpdateLoopWakes;
        await Task.Delay(1500);   // the check falls due after 0.3 s
        long wakes = session.UpdateLoopWakes - before;
        Assert.True(wakes <= 10, $"the update loop woke {wakes} times in 1.5 s with nothing it could send");

        viewer.AsksAgain = true;
        await client.WriteAsync(IncrementalRequest);
        await viewer.ReadUntilExactAsync(photo);
        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// The server's refresh clock runs while a viewer holds JPEG tiles, stops once the refresh has made the picture
    /// exact, and starts again for the next photograph, whose refresh it then brings on a still screen.
    /// </summary>
    [Fact]
    public async Task TheRefreshClockRunsOnlyWhileAViewerHoldsJpegAndStartsAgainForTheNext()
    {
        var (server, client, serving, viewer) = await ConnectFastJpegViewerAsync();
        using var _ = viewer;
        await viewer.ReadUpdateAsync();   // the first frame, black
        Assert.False(server.RefreshClock.Running, "the clock runs with nothing lossy");

        for (int round = 1; round <= 2; round++)
        {
            byte[] photo = Photo(round);
            server.PublishFrame(photo, W, H, W * 4);
            Assert.Contains("jpeg", (await viewer.ReadUpdateAsync()).Kinds);
            // The update loop sets its check time after the update's flush, which the viewer may read first.
            await WaitForClockAsync(server, running: true, 2000, $"round {round}: no clock for the JPEG tiles");
            await viewer.ReadUntilExactAsync(photo, $"round {round}: ");
            // Exact: nothing lossy is left, so the clock stops within a tick or two.
            await WaitForClockAsync(server, running: false, 5000, $"round {round}: the clock still runs with nothing lossy");
        }
        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// A Tight JPEG viewer without fences on a link of no limit, whose first (full) update is asked for and not yet
    /// read.
    /// </summary>
    private static async Task<(RfbServer Server, Stream Client, Task Serving, SlowLinkViewer Viewer)> ConnectFastJpegViewerAsync()
    {
        var (server, client, serving) = await ConnectAsync(W, H, null, 7, -32 + 8);   // Tight, JPEG
        await client.WriteAsync(FullRequest(W, H));
        return (server, client, serving, new SlowLinkViewer(client, bytesPerSecond: int.MaxValue, fences: false));
    }

    /// <summary>Waits until the server's refresh clock runs (or stops), failing after <paramref name="limitMs"/>.</summary>
    private static async Task WaitForClockAsync(RfbServer server, bool running, int limitMs, string what)
    {
        for (int waited = 0; server.RefreshClock.Running != running; waited += 10)
        {
            Assert.True(waited < limitMs, what);
            await Task.Delay(10);
        }
    }

    private static async Task RefreshInPiecesAsync(bool fences, int qualityLevel = 8)
    {
        RfbServer server;
        Stream client;
        Task serving;
        if (fences)
        {
            (server, client, serving) = await ConnectAsync(W, H, null, 7, -32 + qualityLevel, -312, -313);   // Tight, JPEG
            Assert.Equal(Fence(0x8000_0000, 0), await ReadExactly(client, 10));
            Assert.Equal(150, (await ReadExactly(client, 1))[0]);
            await client.WriteAsync(EnableContinuousUpdates(true, W, H));
        }
        else
        {
            (server, client, serving) = await ConnectAsync(W, H, null, 7, -32 + qualityLevel);
            await client.WriteAsync(FullRequest(W, H));
        }
        using var viewer = new SlowLinkViewer(client, bytesPerSecond: 200_000, fences);
        await viewer.ReadUpdateAsync();   // the first frame, black
        // A few one-pixel changes, answered at once: the server learns the base round trip before it measures the
        // link on the photographs (on a busy machine a late first answer would inflate that base and, with it, the
        // bandwidth measured over it).
        for (uint n = 1; n <= 5; n++)
        {
            byte[] dot = Frame(W, H, 0);
            BinaryPrimitives.WriteUInt32LittleEndian(dot, n);
            server.PublishFrame(dot, W, H, W * 4);
            await viewer.ReadUpdateAsync();
        }

        // Two photographs in a row: the second changed right after the first, so it goes as JPEG (lossy).
        server.PublishFrame(Photo(1), W, H, W * 4);
        await viewer.ReadUpdateAsync();
        byte[] still = Photo(2);
        server.PublishFrame(still, W, H, W * 4);
        var (kinds, _) = await viewer.ReadUpdateAsync();
        Assert.Contains("jpeg", kinds);

        // Then the screen stays still: the refresh follows, a few tiles an update, until the picture is exact.
        uint[] expected = new uint[W * H];
        new PixelTranslator(PixelFormat.Bgrx32).TranslateRow(still, expected);
        var refreshed = new List<long>();
        while (!viewer.Canvas.AsSpan().SequenceEqual(expected))
        {
            Assert.True(refreshed.Count < 4 * Tiles, $"not exact after {refreshed.Count} refresh updates");
            var (refreshKinds, area) = await viewer.ReadUpdateAsync();
            Assert.DoesNotContain("jpeg", refreshKinds);
            refreshed.Add(area);
        }

        // 200 KB/s × 0.1 s is 20,000 bytes: 5 tiles at the first estimate of a byte a pixel, then fewer as the
        // noise costs more. The server's estimate comes from clocks on a busy machine (9 tiles seen once under a
        // full test run), so the bound is half the frame; without the budget the whole frame went in one update.
        long tile = Framebuffer.TileSize * Framebuffer.TileSize;
        string pieces = string.Join(", ", refreshed.Select(a => a / tile));
        Assert.True(refreshed.Count >= 3, $"refresh in {refreshed.Count} updates: {pieces} tiles");
        Assert.True(refreshed[0] <= Tiles / 2 * tile, $"first refresh update: {refreshed[0] / tile} tiles (all: {pieces})");
        Assert.Equal(Tiles * tile, refreshed.Sum());
        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
