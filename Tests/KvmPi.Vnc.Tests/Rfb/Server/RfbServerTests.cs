// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using System.Text;
using KvmPi.Vnc.Rfb;
using KvmPi.Vnc.Rfb.Server;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvmPi.Vnc.Tests.Rfb.Server;

/// <summary>The whole protocol over an in-memory connection: handshake, updates, input, release on disconnect.</summary>
public class RfbServerTests
{
    private sealed class RecordingDesktop : IRfbDesktop
    {
        public List<string> Events { get; } = [];
        public void KeyEvent(uint keysym, bool down) { lock (Events) Events.Add($"key {keysym:x} {down}"); }
        public void PointerEvent(int x, int y, byte buttonMask, int frameWidth, int frameHeight) { lock (Events) Events.Add($"ptr {x},{y} {buttonMask} {frameWidth}x{frameHeight}"); }
        public void ReleaseAllInput() { lock (Events) Events.Add("release"); }
    }

    private static byte[] Frame(int width, int height, uint bgrx)
    {
        byte[] frame = new byte[width * height * 4];
        for (int i = 0; i < frame.Length; i += 4) BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(i), bgrx);
        return frame;
    }

    private static async Task<byte[]> ReadExactly(Stream s, int n)
    {
        byte[] b = new byte[n];
        await s.ReadExactlyAsync(b).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        return b;
    }

    private static async Task HandshakeNone38(Stream client)
    {
        Assert.Equal("RFB 003.008\n", System.Text.Encoding.ASCII.GetString(await ReadExactly(client, 12)));
        await client.WriteAsync("RFB 003.008\n"u8.ToArray());
        Assert.Equal([1, 1], await ReadExactly(client, 2));     // one type: None
        await client.WriteAsync(new byte[] { 1 });
        Assert.Equal([0, 0, 0, 0], await ReadExactly(client, 4)); // SecurityResult OK (3.8)
        await client.WriteAsync(new byte[] { 1 });                 // ClientInit shared
    }

    [Fact]
    public async Task ServesAFrameAndForwardsInput()
    {
        var desktop = new RecordingDesktop();
        var server = new RfbServer(new RfbServerOptions { DesktopName = "test", InitialWidth = 64, InitialHeight = 32 }, desktop, NullLoggerFactory.Instance);
        server.PublishFrame(Frame(64, 32, 0x00112233), 64, 32, 64 * 4);
        var connection = new InMemoryConnection();
        Task serving = server.RunConnectionAsync(connection.ServerEnd, null, CancellationToken.None);
        Stream client = connection.ClientEnd;

        await HandshakeNone38(client);
        byte[] init = await ReadExactly(client, 24 + 4);
        Assert.Equal(64, BinaryPrimitives.ReadUInt16BigEndian(init));
        Assert.Equal(32, BinaryPrimitives.ReadUInt16BigEndian(init.AsSpan(2)));
        Assert.Equal(new byte[] { 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0 }, init[4..20]);
        Assert.Equal("test", System.Text.Encoding.UTF8.GetString(init, 24, 4));

        // No SetEncodings: Raw. Ask for everything.
        await client.WriteAsync(new byte[] { 3, 0, 0, 0, 0, 0, 0, 64, 0, 32 });
        byte[] header = await ReadExactly(client, 4);
        int rects = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2));
        int pixels = 0;
        for (int i = 0; i < rects; i++)
        {
            byte[] rect = await ReadExactly(client, 12);
            int w = BinaryPrimitives.ReadUInt16BigEndian(rect.AsSpan(4)), h = BinaryPrimitives.ReadUInt16BigEndian(rect.AsSpan(6));
            Assert.Equal(0, BinaryPrimitives.ReadInt32BigEndian(rect.AsSpan(8)));
            byte[] data = await ReadExactly(client, w * h * 4);
            for (int p = 0; p < data.Length; p += 4) Assert.Equal(0x00112233u, BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(p)));
            pixels += w * h;
        }
        Assert.Equal(64 * 32, pixels);

        await client.WriteAsync(new byte[] { 4, 1, 0, 0, 0, 0, 0, 0x61, 5, 1, 0, 10, 0, 99 });
        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
        // On leaving, the viewer releases what it held, then (as the last viewer) everything.
        Assert.Equal(["key 61 True", "ptr 10,31 1 64x32", "key 61 False", "ptr 10,31 0 64x32", "release"], desktop.Events);
    }

    [Fact]
    public async Task WrongPasswordFailsWithAReasonOn38()
    {
        var server = new RfbServer(new RfbServerOptions { Password = "right" }, new RecordingDesktop(), NullLoggerFactory.Instance);
        var connection = new InMemoryConnection();
        Task serving = server.RunConnectionAsync(connection.ServerEnd, null, CancellationToken.None);
        Stream client = connection.ClientEnd;
        await ReadExactly(client, 12);
        await client.WriteAsync("RFB 003.008\n"u8.ToArray());
        Assert.Equal([1, 2], await ReadExactly(client, 2));
        await client.WriteAsync(new byte[] { 2 });
        await ReadExactly(client, 16);
        await client.WriteAsync(new byte[16]);
        byte[] result = await ReadExactly(client, 8);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32BigEndian(result));
        int length = (int)BinaryPrimitives.ReadUInt32BigEndian(result.AsSpan(4));
        Assert.Equal("Authentication failed", System.Text.Encoding.UTF8.GetString(await ReadExactly(client, length)));
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task IncrementalUpdatesCarryOnlyChangedTilesAndResizeSendsDesktopSize()
    {
        var server = new RfbServer(new RfbServerOptions { InitialWidth = 256, InitialHeight = 128 }, new RecordingDesktop(), NullLoggerFactory.Instance);
        byte[] frame = Frame(256, 128, 0);
        server.PublishFrame(frame, 256, 128, 1024);
        var connection = new InMemoryConnection();
        Task serving = server.RunConnectionAsync(connection.ServerEnd, null, CancellationToken.None);
        Stream client = connection.ClientEnd;
        await HandshakeNone38(client);
        await ReadExactly(client, 24 + "KvmPi.Vnc".Length);
        await client.WriteAsync(new byte[] { 2, 0, 0, 2, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x21 }); // Raw, DesktopSize
        await client.WriteAsync(new byte[] { 3, 0, 0, 0, 0, 0, 1, 0, 0, 128 });
        await SkipUpdate(client);

        // One pixel changes in the tile at column 2, row 1: the next incremental update is that 64x64 tile only.
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan((70 * 256 + 130) * 4), 0x00FFFFFF);
        await client.WriteAsync(new byte[] { 3, 1, 0, 0, 0, 0, 1, 0, 0, 128 });
        server.PublishFrame(frame, 256, 128, 1024);
        byte[] header = await ReadExactly(client, 4);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2)));
        byte[] rect = await ReadExactly(client, 12);
        Assert.Equal(new byte[] { 0, 128, 0, 64, 0, 64, 0, 64, 0, 0, 0, 0 }, rect);
        await ReadExactly(client, 64 * 64 * 4);

        // A new size: DesktopSize alone, then the whole new frame.
        await client.WriteAsync(new byte[] { 3, 1, 0, 0, 0, 0, 1, 0, 0, 128 });
        server.PublishFrame(Frame(100, 50, 0x0000FF00), 100, 50, 400);
        header = await ReadExactly(client, 4);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2)));
        rect = await ReadExactly(client, 12);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 100, 0, 50, 0xFF, 0xFF, 0xFF, 0x21 }, rect);
        // The capture goes on before the viewer asks for pixels at the new size: the publisher marks the new frame's
        // tiles in this viewer's sets, none of which may still be of the old size (it threw here once).
        server.PublishFrame(Frame(100, 50, 0x000000FF), 100, 50, 400);
        await client.WriteAsync(new byte[] { 3, 1, 0, 0, 0, 0, 0, 100, 0, 50 });
        Assert.Equal(100 * 50, await SkipUpdate(client));

        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ExtendedDesktopSizeIsAnnouncedFollowsResizesAndRefusesSetDesktopSize()
    {
        var server = new RfbServer(new RfbServerOptions { InitialWidth = 128, InitialHeight = 64 }, new RecordingDesktop(), NullLoggerFactory.Instance);
        server.PublishFrame(Frame(128, 64, 0), 128, 64, 512);
        var (client, serving) = await ConnectAsync(server);
        // Raw, DesktopSize, ExtendedDesktopSize: only EDS may be used.
        await client.WriteAsync(new byte[] { 2, 0, 0, 3, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x21, 0xFF, 0xFF, 0xFE, 0xCC });
        await client.WriteAsync(new byte[] { 3, 0, 0, 0, 0, 0, 0, 128, 0, 64 });

        // The first update announces the layout (reason 0, status 0), alone: it answers the request.
        Assert.Equal(new byte[] { 0, 0, 0, 1 }, await ReadExactly(client, 4));
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 128, 0, 64, 0xFF, 0xFF, 0xFE, 0xCC, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 128, 0, 64, 0, 0, 0, 0 },
            await ReadExactly(client, 32));

        // SetDesktopSize 640x480, one screen: answered at once, reason 1 (this client), status 1 (prohibited), size
        // unchanged; no pixels came before it.
        byte[] request = new byte[8 + 16];
        request[0] = 251; request[2] = 0x02; request[3] = 0x80; request[4] = 0x01; request[5] = 0xE0; request[6] = 1;
        await client.WriteAsync(request);
        Assert.Equal(new byte[] { 0, 0, 0, 1 }, await ReadExactly(client, 4));
        byte[] reply = await ReadExactly(client, 32);
        Assert.Equal(new byte[] { 0, 1, 0, 1, 0, 128, 0, 64, 0xFF, 0xFF, 0xFE, 0xCC }, reply[..12]);

        // The next request, incremental as viewers send them, gets what the first one asked for: the whole frame.
        await client.WriteAsync(new byte[] { 3, 1, 0, 0, 0, 0, 0, 128, 0, 64 });
        Assert.Equal(128 * 64, await SkipUpdate(client));

        // The target changes mode: EDS reason 0 with the new size, alone.
        await client.WriteAsync(new byte[] { 3, 1, 0, 0, 0, 0, 0, 128, 0, 64 });
        server.PublishFrame(Frame(200, 100, 0x00FF0000), 200, 100, 800);
        Assert.Equal(new byte[] { 0, 0, 0, 1 }, await ReadExactly(client, 4));
        reply = await ReadExactly(client, 32);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 200, 0, 100, 0xFF, 0xFF, 0xFE, 0xCC }, reply[..12]);
        await client.WriteAsync(new byte[] { 3, 1, 0, 0, 0, 0, 0, 200, 0, 100 });
        Assert.Equal(200 * 100, await SkipUpdate(client));

        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private sealed class SolidNotice : IResizeNotice
    {
        public void Render(Span<byte> bgrx, int width, int height, int newWidth, int newHeight)
        {
            for (int i = 0; i < bgrx.Length; i += 4) BinaryPrimitives.WriteUInt32LittleEndian(bgrx[i..], 0x00ABCDEF);
        }
    }

    [Fact]
    public async Task AViewerThatCannotResizeStaysAtItsSizeAndSeesTheNotice()
    {
        var server = new RfbServer(new RfbServerOptions { InitialWidth = 128, InitialHeight = 64, ResizeNotice = new SolidNotice() },
            new RecordingDesktop(), NullLoggerFactory.Instance);
        server.PublishFrame(Frame(128, 64, 0), 128, 64, 512);
        var (client, serving) = await ConnectAsync(server);
        await client.WriteAsync(new byte[] { 2, 0, 0, 1, 0, 0, 0, 0 });   // Raw only
        await client.WriteAsync(new byte[] { 3, 0, 0, 0, 0, 0, 0, 128, 0, 64 });
        Assert.Equal(128 * 64, await SkipUpdate(client));

        server.PublishFrame(Frame(256, 128, 0x00112233), 256, 128, 1024);
        await client.WriteAsync(new byte[] { 3, 1, 0, 0, 0, 0, 0, 128, 0, 64 });
        byte[] header = await ReadExactly(client, 4);
        int pixels = 0;
        for (int i = 0; i < BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2)); i++)
        {
            byte[] rect = await ReadExactly(client, 12);
            int w = BinaryPrimitives.ReadUInt16BigEndian(rect.AsSpan(4)), h = BinaryPrimitives.ReadUInt16BigEndian(rect.AsSpan(6));
            Assert.True(BinaryPrimitives.ReadUInt16BigEndian(rect) + w <= 128 && BinaryPrimitives.ReadUInt16BigEndian(rect.AsSpan(2)) + h <= 64);
            byte[] data = await ReadExactly(client, w * h * 4);
            for (int p = 0; p < data.Length; p += 4) Assert.Equal(0x00ABCDEFu, BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(p)) & 0xFFFFFF);
            pixels += w * h;
        }
        Assert.Equal(128 * 64, pixels);

        // Frames of the new size keep coming; the notice does not change, so nothing more is sent for them.
        server.PublishFrame(Frame(256, 128, 0x00445566), 256, 128, 1024);
        await client.WriteAsync(new byte[] { 3, 1, 0, 0, 0, 0, 0, 128, 0, 64 });
        // Back at the viewer's size: its picture returns.
        server.PublishFrame(Frame(128, 64, 0x00778899), 128, 64, 512);
        Assert.Equal(128 * 64, await SkipUpdate(client));

        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static async Task<(Stream Client, Task Serving)> ConnectAsync(RfbServer server)
    {
        var connection = new InMemoryConnection();
        Task serving = server.RunConnectionAsync(connection.ServerEnd, null, CancellationToken.None);
        await HandshakeNone38(connection.ClientEnd);
        await ReadExactly(connection.ClientEnd, 24 + "KvmPi.Vnc".Length);
        return (connection.ClientEnd, serving);
    }

    private static async Task WaitForEvent(RecordingDesktop desktop, string expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            lock (desktop.Events)
                if (desktop.Events.Contains(expected)) return;
            Assert.True(DateTime.UtcNow < deadline, $"the desktop never got '{expected}'");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task AViewerLeavingReleasesOnlyWhatItHeld()
    {
        var desktop = new RecordingDesktop();
        var server = new RfbServer(new RfbServerOptions { InitialWidth = 64, InitialHeight = 64 }, desktop, NullLoggerFactory.Instance);
        var (a, servingA) = await ConnectAsync(server);
        var (b, servingB) = await ConnectAsync(server);

        await a.WriteAsync(new byte[] { 4, 1, 0, 0, 0, 0, 0, 0x61 });              // A holds 'a'
        // A's session reads on its own task: B must not leave before A's press is in, or B would be the last
        // viewer holding input and rightly release everything.
        await WaitForEvent(desktop, "key 61 True");
        await b.WriteAsync(new byte[] { 4, 1, 0, 0, 0, 0, 0, 0x62, 4, 0, 0, 0, 0, 0, 0, 0x42 }); // B: 'b' down, 'B' up
        await b.WriteAsync(new byte[] { 5, 1, 0, 5, 0, 6 });                       // B presses the left button
        b.Dispose();
        await servingB.WaitAsync(TimeSpan.FromSeconds(10));
        lock (desktop.Events)
        {
            Assert.Contains("ptr 5,6 0 64x64", desktop.Events);   // B's button released at its position
            Assert.DoesNotContain("key 61 False", desktop.Events); // A's key untouched
            Assert.DoesNotContain("release", desktop.Events);      // A still holds input
        }

        a.Dispose();
        await servingA.WaitAsync(TimeSpan.FromSeconds(10));
        lock (desktop.Events)
        {
            Assert.Equal("key 61 False", desktop.Events[^2]);
            Assert.Equal("release", desktop.Events[^1]);         // the last viewer out leaves an all-released target
        }
    }

    [Fact]
    public async Task TilesStraddlingASmallerViewersEdgeAreNotResentForever()
    {
        var server = new RfbServer(new RfbServerOptions { InitialWidth = 256, InitialHeight = 100 }, new RecordingDesktop(), NullLoggerFactory.Instance);
        server.PublishFrame(Frame(256, 100, 0), 256, 100, 1024);
        var (client, serving) = await ConnectAsync(server);
        await client.WriteAsync(new byte[] { 3, 0, 0, 0, 0, 0, 1, 0, 0, 100 });
        await SkipUpdate(client);

        // The frame grows; this viewer cannot resize (no DesktopSize), so it keeps seeing the top 256x100, whose
        // second tile row (y 64..128) it sees only in part.
        byte[] big = Frame(256, 200, 0x00FF0000);
        server.PublishFrame(big, 256, 200, 1024);
        await client.WriteAsync(new byte[] { 3, 1, 0, 0, 0, 0, 1, 0, 0, 100 });
        Assert.Equal(256 * 100, await SkipUpdate(client));

        // Next, one tile changes: the update is that tile alone, not the straddling row again.
        BinaryPrimitives.WriteUInt32LittleEndian(big.AsSpan((10 * 256 + 10) * 4), 0x00123456);
        await client.WriteAsync(new byte[] { 3, 1, 0, 0, 0, 0, 1, 0, 0, 100 });
        server.PublishFrame(big, 256, 200, 1024);
        byte[] header = await ReadExactly(client, 4);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2)));
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 64, 0, 64, 0, 0, 0, 0 }, await ReadExactly(client, 12));

        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task AnAddressThatKeepsGuessingIsRefusedForAWhileWithAReason()
    {
        var server = new RfbServer(new RfbServerOptions { Password = "right" }, new RecordingDesktop(), NullLoggerFactory.Instance);
        var remote = new System.Net.IPEndPoint(System.Net.IPAddress.Parse("192.0.2.9"), 40000);
        for (int attempt = 0; attempt < 5; attempt++)
        {
            var connection = new InMemoryConnection();
            Task serving = server.RunConnectionAsync(connection.ServerEnd, remote, CancellationToken.None);
            Stream c = connection.ClientEnd;
            await ReadExactly(c, 12);
            await c.WriteAsync("RFB 003.008\n"u8.ToArray());
            Assert.Equal([1, 2], await ReadExactly(c, 2));
            await c.WriteAsync(new byte[] { 2 });
            await ReadExactly(c, 16);
            await c.WriteAsync(new byte[16]);
            Assert.Equal(1u, BinaryPrimitives.ReadUInt32BigEndian(await ReadExactly(c, 4)));
            await serving.WaitAsync(TimeSpan.FromSeconds(10));
        }

        // The sixth try from that address is refused before any challenge: an empty security-type list and a reason.
        var refused = new InMemoryConnection();
        Task refusing = server.RunConnectionAsync(refused.ServerEnd, remote, CancellationToken.None);
        Stream client = refused.ClientEnd;
        await ReadExactly(client, 12);
        await client.WriteAsync("RFB 003.008\n"u8.ToArray());
        Assert.Equal(0, (await ReadExactly(client, 1))[0]);
        int length = (int)BinaryPrimitives.ReadUInt32BigEndian(await ReadExactly(client, 4));
        Assert.Contains("Too many authentication failures", System.Text.Encoding.UTF8.GetString(await ReadExactly(client, length)));
        await refusing.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task AViewerThatStopsReadingIsDroppedAndOthersKeepTheirUpdates()
    {
        var server = new RfbServer(new RfbServerOptions { InitialWidth = 512, InitialHeight = 512, WriteTimeout = TimeSpan.FromSeconds(1) },
            new RecordingDesktop(), NullLoggerFactory.Instance);
        byte[] frame = Frame(512, 512, 0);
        server.PublishFrame(frame, 512, 512, 2048);
        var (stalled, stalledServing) = await ConnectAsync(server);
        var (good, goodServing) = await ConnectAsync(server);

        // The stalled viewer asks for a full raw frame (1 MiB) and never reads it: its flush cannot complete.
        await stalled.WriteAsync(new byte[] { 3, 0, 0, 0, 0, 0, 2, 0, 2, 0 });
        await stalledServing.WaitAsync(TimeSpan.FromSeconds(15));   // dropped after the 1 s write timeout

        // Meanwhile and afterwards the other viewer is served normally.
        await good.WriteAsync(new byte[] { 3, 0, 0, 0, 0, 0, 2, 0, 2, 0 });
        Assert.Equal(512 * 512, await SkipUpdate(good));
        Assert.Equal(1, server.ConnectionCount);
        good.Dispose();
        await goodServing.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static async Task<int> SkipUpdate(Stream client)
    {
        byte[] header = await ReadExactly(client, 4);
        int pixels = 0;
        for (int i = 0; i < BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2)); i++)
        {
            byte[] rect = await ReadExactly(client, 12);
            int w = BinaryPrimitives.ReadUInt16BigEndian(rect.AsSpan(4)), h = BinaryPrimitives.ReadUInt16BigEndian(rect.AsSpan(6));
            await ReadExactly(client, w * h * 4);
            pixels += w * h;
        }
        return pixels;
    }
}
