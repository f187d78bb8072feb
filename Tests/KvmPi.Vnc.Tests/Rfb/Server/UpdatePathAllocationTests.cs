// SPDX-License-Identifier: MIT
using System.Net;
using System.Net.Sockets;
using KvmPi.Vnc.Rfb;
using KvmPi.Vnc.Rfb.Server;
using KvmPi.Vnc.Tests.Rfb.Encoding;
using KvmPi.Vnc.Tests.Rfb.Updates;
using KvmPi.Vnc.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvmPi.Vnc.Tests.Rfb.Server;

/// <summary>Tests that count allocations of the whole process: they run alone, after the parallel ones.</summary>
[CollectionDefinition(nameof(ProcessWideAllocations), DisableParallelization = true)]
public sealed class ProcessWideAllocations;

/// <summary>
/// The whole update path allocates nothing per frame in steady state: a real server over TCP, frames published,
/// change detection, each encoding, the session's update loop, flow control and the socket, with a viewer asking for
/// each update and with one taking continuous updates between fences (TigerVNC's way), alone and three at once. The viewers allocate nothing themselves (<see cref="FramingViewer"/>), so
/// what the process allocates while frames go out is the server's.
/// </summary>
[Collection(nameof(ProcessWideAllocations))]
public sealed class UpdatePathAllocationTests
{
    private const int W = 320, H = 192;
    private const int Tight = 7, TightPng = -260, Zrle = 16, Hextile = 5, Raw = 0, CopyRect = 1;
    private const int Quality8 = -32 + 8, Compress3 = -256 + 3, ContinuousUpdates = -313, Fence = -312;
    private const int WarmUpFrames = 60, FramesPerRound = 48;

    /// <summary>
    /// Less than the smallest object per frame. What the runtime itself allocates now and then (a pooled async state
    /// machine or a thread pool's per-thread cache missing on a thread it has not run on before: 168 bytes a few
    /// times a minute) stays below; anything the update path allocates for every frame does not.
    /// </summary>
    private const int AllowedPerRound = FramesPerRound * 24 - 1;

    public static TheoryData<string, bool, int> Cases()
    {
        var data = new TheoryData<string, bool, int>();
        // TightJPEG-PassThrough: the frames are published as the capture's JPEG alone (RfbServer.TryPublishJpegOnly).
        foreach (string encoding in (string[])["Raw", "TightPNG", "Hextile", "ZRLE", "TightLossless", "TightJPEG", "TightJPEG-PassThrough", "CopyRect+ZRLE", "CopyRect+TightJPEG"])
        {
            data.Add(encoding, false, 1);   // one request per update
            data.Add(encoding, true, 1);    // continuous updates and fences
            data.Add(encoding, false, 3);   // several viewers: shared encodings, and one viewer's sending for all
            data.Add(encoding, true, 3);
        }
        return data;
    }

    private static int[] Encodings(string name, bool continuous)
    {
        int[] listed = name switch
        {
            "Raw" => [Raw],
            "Hextile" => [Hextile],
            "ZRLE" => [Zrle],
            "TightLossless" => [Tight, Compress3],
            "TightJPEG" or "TightJPEG-PassThrough" => [Tight, Compress3, Quality8],
            "TightPNG" => [TightPng, Quality8],
            "CopyRect+ZRLE" => [CopyRect, Zrle],
            "CopyRect+TightJPEG" => [CopyRect, Tight, Compress3, Quality8],
            _ => throw new ArgumentException(name),
        };
        return continuous ? [.. listed, ContinuousUpdates, Fence] : listed;
    }

    /// <summary>Frames made before anything is measured: a desktop with text, a solid area and changing photographs, or a scrolling document.</summary>
    private static byte[][] Frames(bool scrolling)
    {
        var frames = new byte[24][];
        var text = new ScrollingText(W, H);
        for (int i = 0; i < frames.Length; i++)
        {
            if (scrolling)
            {
                frames[i] = text.Frame(40 + 19 * i);
                continue;
            }
            frames[i] = TightUpdateWriterTests.Desktop(i + 1);
            frames[i][(i * 7 % H * W + 130 + i % 100) * 4] ^= 0xFF;   // a text tile changes too (lossless)
        }
        return frames;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task SteadyStateUpdatesAllocateNothing(string encoding, bool continuous, int viewerCount)
    {
        byte[][] frames = Frames(scrolling: encoding.StartsWith("CopyRect", StringComparison.Ordinal));
        byte[][]? jpegs = encoding.EndsWith("PassThrough", StringComparison.Ordinal)
            ? [.. frames.Select(f => TestJpegEncoder.Encode(f, W, H, 85, 1))] : null;
        var server = new RfbServer(new RfbServerOptions { InitialWidth = W, InitialHeight = H }, new NullDesktop(), NullLoggerFactory.Instance);
        server.PublishFrame(frames[0], W, H, W * 4);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource();
        Task accepting = AcceptAsync(listener, server, stop.Token);
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var viewers = new FramingViewer[viewerCount];
        for (int i = 0; i < viewerCount; i++) viewers[i] = new FramingViewer(port, W, H, continuous, Encodings(encoding, continuous));
        try
        {
            // Each viewer's first (full) update shows frames[0]; only then are frames published, starting with one
            // that differs. A first frame equal to the server's would change nothing, and a viewer already served
            // before it was published would wait for an update that never comes.
            WaitForUpdates(viewers, new long[viewers.Length]);
            int next = 1;
            for (int i = 0; i < WarmUpFrames; i++) PublishAndWait(server, frames, jpegs, ref next, viewers);

            long least = long.MaxValue;
            int published = 0, jpegOnly = 0;
            for (int round = 0; round < 5 && least > AllowedPerRound; round++)
            {
                long before = GC.GetTotalAllocatedBytes(precise: true) - ViewersAllocated(viewers);
                for (int i = 0; i < FramesPerRound; i++, published++)
                    if (PublishAndWait(server, frames, jpegs, ref next, viewers)) jpegOnly++;
                least = Math.Min(least, GC.GetTotalAllocatedBytes(precise: true) - ViewersAllocated(viewers) - before);
            }
            Assert.True(least <= AllowedPerRound, $"{encoding}: {least} bytes allocated for {FramesPerRound} frames to {viewerCount} viewer(s)");
            if (jpegs is not null) Assert.Equal(published, jpegOnly);   // every measured frame went as the capture's image
            foreach (FramingViewer v in viewers) Assert.Null(v.Failure);
        }
        finally
        {
            foreach (FramingViewer v in viewers) v.Dispose();
            stop.Cancel();
            listener.Stop();
            await accepting.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    private static long ViewersAllocated(FramingViewer[] viewers)
    {
        long sum = 0;
        foreach (FramingViewer v in viewers) sum += v.AllocatedBytes;
        return sum;
    }

    /// <summary>
    /// Publishes the next frame (as its JPEG alone when <paramref name="jpegs"/> are given and the viewers take it) and
    /// waits until every viewer has read an update since (no allocation here either).
    /// </summary>
    private static bool PublishAndWait(RfbServer server, byte[][] frames, byte[][]? jpegs, ref int next, FramingViewer[] viewers)
    {
        Span<long> seen = stackalloc long[viewers.Length];
        for (int i = 0; i < viewers.Length; i++) seen[i] = viewers[i].Updates;
        bool jpegOnly = jpegs is not null && server.TryPublishJpegOnly(jpegs[next], W, H, 1.0);
        if (!jpegOnly) server.PublishFrame(frames[next], W, H, W * 4, jpegs is null ? default : jpegs[next]);
        next = (next + 1) % frames.Length;
        WaitForUpdates(viewers, seen);
        return jpegOnly;
    }

    /// <summary>Until each viewer has had an update beyond the count in <paramref name="seen"/>.</summary>
    private static void WaitForUpdates(FramingViewer[] viewers, ReadOnlySpan<long> seen)
    {
        long deadline = Environment.TickCount64 + 20_000;
        for (int i = 0; i < viewers.Length; i++)
        {
            while (viewers[i].Updates == seen[i])
            {
                if (viewers[i].Failure is { } failure) throw new InvalidOperationException("viewer stopped", failure);
                if (Environment.TickCount64 > deadline) throw new TimeoutException($"viewer {i} of {viewers.Length}: no update within 20 s");
                Thread.Sleep(1);
            }
        }
    }

    private static async Task AcceptAsync(TcpListener listener, RfbServer server, CancellationToken cancellationToken)
    {
        var serving = new List<Task>();
        try
        {
            while (true)
            {
                Socket socket = await listener.AcceptSocketAsync(cancellationToken);
                socket.NoDelay = true;   // as the server's own listener (TcpRfbListener) sets it
                serving.Add(server.RunConnectionAsync(new NetworkStream(socket, ownsSocket: true), socket.RemoteEndPoint, cancellationToken));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        await Task.WhenAll(serving);
    }
}
