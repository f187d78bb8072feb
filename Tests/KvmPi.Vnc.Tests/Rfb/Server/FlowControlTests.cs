// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using KvmPi.Vnc.Rfb;
using KvmPi.Vnc.Rfb.Server;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvmPi.Vnc.Tests.Rfb.Server;

/// <summary>
/// ContinuousUpdates, Fence and congestion control over an in-memory connection. No timing: whether an update is
/// held back is shown by what arrives first after a fence the test sends, since fence answers are never held.
/// </summary>
public class FlowControlTests
{
    internal static readonly byte[] Ping = [0xF8, 0, 0, 0, 0x80, 0, 0, 0x01, 1, 1];   // Request|BlockBefore, payload {1}
    internal static readonly byte[] PingAnswer = [0xF8, 0, 0, 0, 0, 0, 0, 0x01, 1, 1];

    internal static byte[] Frame(int width, int height, uint bgrx)
    {
        byte[] frame = new byte[width * height * 4];
        for (int i = 0; i < frame.Length; i += 4) BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(i), bgrx);
        return frame;
    }

    internal static async Task<byte[]> ReadExactly(Stream s, int n)
    {
        byte[] b = new byte[n];
        await s.ReadExactlyAsync(b).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        return b;
    }

    internal static async Task<(RfbServer Server, Stream Client, Task Serving)> ConnectAsync(int width, int height,
        TimeSpan? writeTimeout = null, params int[] encodings)
    {
        var server = new RfbServer(new RfbServerOptions
        {
            InitialWidth = width, InitialHeight = height, WriteTimeout = writeTimeout ?? TimeSpan.FromSeconds(30),
        }, new NullDesktop(), NullLoggerFactory.Instance);
        server.PublishFrame(Frame(width, height, 0), width, height, width * 4);
        var connection = new InMemoryConnection();
        Task serving = server.RunConnectionAsync(connection.ServerEnd, null, CancellationToken.None);
        Stream client = connection.ClientEnd;
        await ReadExactly(client, 12);
        await client.WriteAsync("RFB 003.008\n"u8.ToArray());
        await ReadExactly(client, 2);
        await client.WriteAsync(new byte[] { 1 });
        await ReadExactly(client, 4);
        await client.WriteAsync(new byte[] { 1 });
        await ReadExactly(client, 24 + "KvmPi.Vnc".Length);
        byte[] set = new byte[4 + 4 * encodings.Length];
        set[0] = 2;
        BinaryPrimitives.WriteUInt16BigEndian(set.AsSpan(2), (ushort)encodings.Length);
        for (int i = 0; i < encodings.Length; i++) BinaryPrimitives.WriteInt32BigEndian(set.AsSpan(4 + 4 * i), encodings[i]);
        await client.WriteAsync(set);
        return (server, client, serving);
    }

    internal static byte[] EnableContinuousUpdates(bool enable, int w, int h) =>
        [150, (byte)(enable ? 1 : 0), 0, 0, 0, 0, (byte)(w >> 8), (byte)w, (byte)(h >> 8), (byte)h];

    internal static byte[] FullRequest(int w, int h) => [3, 0, 0, 0, 0, 0, (byte)(w >> 8), (byte)w, (byte)(h >> 8), (byte)h];

    internal static byte[] Fence(uint flags, params byte[] payload)
    {
        byte[] m = new byte[9 + payload.Length];
        m[0] = 248;
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(4), flags);
        m[8] = (byte)payload.Length;
        payload.CopyTo(m, 9);
        return m;
    }

    /// <summary>Reads one FramebufferUpdate in Raw (32 bpp) and returns the rectangles and the first pixel of each.</summary>
    private static async Task<List<(int X, int Y, int W, int H, uint Pixel)>> ReadRawUpdate(Stream client) =>
        [.. (await RawUpdateReader.ReadAsync(client)).Select(r => (r.X, r.Y, r.Width, r.Height, r.FirstPixel))];

    private static void Change(byte[] frame, int width, int x, int y, uint bgrx) =>
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan((y * width + x) * 4), bgrx);

    [Fact]
    public async Task ListingContinuousUpdatesGetsEndOfContinuousUpdatesAtOnceAndFenceGetsAFence()
    {
        var (_, client, serving) = await ConnectAsync(64, 64, null, 0, -313);
        Assert.Equal(new byte[] { 150 }, await ReadExactly(client, 1));

        // Listing them again announces nothing again; listing Fence now announces Fence (a request, payload {0}).
        await client.WriteAsync(new byte[] { 2, 0, 0, 3, 0, 0, 0, 0, 0xFF, 0xFF, 0xFE, 0xC7, 0xFF, 0xFF, 0xFE, 0xC8 });
        Assert.Equal(new byte[] { 0xF8, 0, 0, 0, 0x80, 0, 0, 0, 1, 0 }, await ReadExactly(client, 10));
        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ContinuousUpdatesArePushedWithoutRequestsUntilDisabled()
    {
        var (server, client, serving) = await ConnectAsync(128, 64, null, 0, -313);
        Assert.Equal(150, (await ReadExactly(client, 1))[0]);
        await client.WriteAsync(EnableContinuousUpdates(true, 128, 64));
        // Everything is due after ServerInit, so the first push is the whole frame.
        Assert.Equal(128 * 64, (await ReadRawUpdate(client)).Sum(r => r.W * r.H));

        byte[] frame = Frame(128, 64, 0);
        for (uint n = 1; n <= 3; n++)
        {
            Change(frame, 128, 70, 10, n);
            server.PublishFrame(frame, 128, 64, 512);
            Assert.Equal([(64, 0, 64, 64)], (await ReadRawUpdate(client)).Select(r => (r.X, r.Y, r.W, r.H)));
        }

        // Off: answered with EndOfContinuousUpdates, and changes are no longer pushed. The fence sent after the
        // change is answered first, so no update was on its way.
        await client.WriteAsync(EnableContinuousUpdates(false, 0, 0));
        Assert.Equal(150, (await ReadExactly(client, 1))[0]);
        Change(frame, 128, 10, 10, 7);
        server.PublishFrame(frame, 128, 64, 512);
        await client.WriteAsync(Fence(0x8000_0000, 5));
        Assert.Equal(Fence(0, 5), await ReadExactly(client, 10));

        // Requests work as before.
        await client.WriteAsync(new byte[] { 3, 1, 0, 0, 0, 0, 0, 128, 0, 64 });
        Assert.Equal([(0, 0, 64, 64)], (await ReadRawUpdate(client)).Select(r => (r.X, r.Y, r.W, r.H)));
        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// The QEMU key ack is a FramebufferUpdate, and viewers ask again after every one: so it answers the request
    /// pending when it goes (as TigerVNC's no-data updates do), and pixels wait for the next. Otherwise the viewer
    /// keeps two requests outstanding, and two updates can go back to back before it has read the first.
    /// </summary>
    [Fact]
    public async Task TheQemuKeyAckAnswersThePendingRequest()
    {
        var (server, client, serving) = await ConnectAsync(128, 64, null, 0, -313);
        Assert.Equal(150, (await ReadExactly(client, 1))[0]);
        await client.WriteAsync(FullRequest(128, 64));
        Assert.Equal(128 * 64, (await ReadRawUpdate(client)).Sum(r => r.W * r.H));

        // A request waits (nothing changed); the viewer then lists -258 and the ack goes at once.
        await client.WriteAsync(new byte[] { 3, 1, 0, 0, 0, 0, 0, 128, 0, 64 });
        await client.WriteAsync(new byte[] { 2, 0, 0, 3, 0, 0, 0, 0, 0xFF, 0xFF, 0xFE, 0xC7, 0xFF, 0xFF, 0xFE, 0xFE });
        Assert.Equal(new byte[] { 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFE, 0xFE }, await ReadExactly(client, 16));

        // A change now is not sent: EndOfContinuousUpdates, which is never held, comes first.
        byte[] frame = Frame(128, 64, 0);
        Change(frame, 128, 10, 10, 7);
        server.PublishFrame(frame, 128, 64, 512);
        await client.WriteAsync(EnableContinuousUpdates(false, 0, 0));
        Assert.Equal(150, (await ReadExactly(client, 1))[0]);

        // The viewer's answer to the ack brings it.
        await client.WriteAsync(new byte[] { 3, 1, 0, 0, 0, 0, 0, 128, 0, 64 });
        Assert.Equal([(0, 0, 64, 64)], (await ReadRawUpdate(client)).Select(r => (r.X, r.Y, r.W, r.H)));
        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task EnablingContinuousUpdatesWithoutListingThemIsAProtocolError()
    {
        var (_, client, serving) = await ConnectAsync(64, 64, null, 0);
        await client.WriteAsync(EnableContinuousUpdates(true, 64, 64));
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, await client.ReadAsync(new byte[1]));
    }

    [Fact]
    public async Task FencesAreEchoedWithRequestAndUnknownFlagsCleared()
    {
        var (_, client, serving) = await ConnectAsync(64, 64, null, 0, -312);
        Assert.Equal(Fence(0x8000_0000, 0), await ReadExactly(client, 10));   // the announcement

        await client.WriteAsync(Fence(0x8000_0000 | 0x100 | 3, (byte)'a', (byte)'b', (byte)'c'));
        Assert.Equal(Fence(3, (byte)'a', (byte)'b', (byte)'c'), await ReadExactly(client, 12));

        // SyncNext: answered only after the message that follows it has been handled, and before anything that
        // message caused. Here that message is a full request, so the answer comes first, then the update.
        await client.WriteAsync(Fence(0x8000_0000 | 4, 9));
        await client.WriteAsync(FullRequest(64, 64));
        Assert.Equal(Fence(4, 9), await ReadExactly(client, 10));
        Assert.Equal(Ping, await ReadExactly(client, 10));   // this viewer answers fences: updates come between pings
        Assert.Single(await ReadRawUpdate(client));
        Assert.Equal(Ping, await ReadExactly(client, 10));
        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ACongestedViewerGetsOnlyTheNewestFrameOnceItsPingsAreAnswered()
    {
        // 256x128 Raw is 128 KiB per full update: more than the initial 64 KiB window, so one update fills the link.
        var (server, client, serving) = await ConnectAsync(256, 128, null, 0, -312, -313);
        Assert.Equal(Fence(0x8000_0000, 0), await ReadExactly(client, 10));
        Assert.Equal(150, (await ReadExactly(client, 1))[0]);
        await client.WriteAsync(EnableContinuousUpdates(true, 256, 128));   // everything is due after ServerInit
        Assert.Equal(Ping, await ReadExactly(client, 10));
        Assert.Equal(256 * 128, (await ReadRawUpdate(client)).Sum(r => r.W * r.H));
        Assert.Equal(Ping, await ReadExactly(client, 10));

        // Three new frames while the pings are unanswered: nothing is sent (the fence answer comes first).
        byte[] frame = Frame(256, 128, 0);
        for (uint n = 1; n <= 3; n++)
        {
            Array.Copy(Frame(256, 128, n), frame, frame.Length);
            server.PublishFrame(frame, 256, 128, 1024);
        }
        await client.WriteAsync(Fence(0x8000_0000, 42));
        Assert.Equal(Fence(0, 42), await ReadExactly(client, 10));

        // Answering the first ping alone is not enough (the whole update is still unacknowledged)...
        await client.WriteAsync(PingAnswer);
        await client.WriteAsync(Fence(0x8000_0000, 43));
        Assert.Equal(Fence(0, 43), await ReadExactly(client, 10));

        // ...the second is: one update follows, with the newest frame only.
        await client.WriteAsync(PingAnswer);
        Assert.Equal(Ping, await ReadExactly(client, 10));
        var rects = await ReadRawUpdate(client);
        Assert.Equal(256 * 128, rects.Sum(r => r.W * r.H));
        Assert.All(rects, r => Assert.Equal(3u, r.Pixel));
        Assert.Equal(Ping, await ReadExactly(client, 10));
        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task AViewerThatNeverAnswersItsPingsIsDroppedAfterTheWriteTimeout()
    {
        var (server, client, serving) = await ConnectAsync(256, 128, TimeSpan.FromSeconds(1), 0, -312, -313);
        await ReadExactly(client, 11);
        await client.WriteAsync(EnableContinuousUpdates(true, 256, 128));
        await ReadExactly(client, 10);
        await ReadRawUpdate(client);
        await ReadExactly(client, 10);
        server.PublishFrame(Frame(256, 128, 1), 256, 128, 1024);   // due, but held: the pings are unanswered
        await serving.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(0, server.ConnectionCount);
    }

    [Theory]
    [InlineData(0)]   // Raw
    [InlineData(5)]   // Hextile
    public async Task ViewersOfTheSameFrameShareOneEncoding(int encoding)
    {
        var (server, a, servingA) = await ConnectAsync(256, 128, null, encoding);
        var connection = new InMemoryConnection();
        Task servingB = server.RunConnectionAsync(connection.ServerEnd, null, CancellationToken.None);
        Stream b = connection.ClientEnd;
        await ReadExactly(b, 12);
        await b.WriteAsync("RFB 003.008\n"u8.ToArray());
        await ReadExactly(b, 2);
        await b.WriteAsync(new byte[] { 1 });
        await ReadExactly(b, 4);
        await b.WriteAsync(new byte[] { 1 });
        await ReadExactly(b, 24 + "KvmPi.Vnc".Length);
        await b.WriteAsync(new byte[] { 2, 0, 0, 1, 0, 0, 0, (byte)encoding });

        byte[] frame = Frame(256, 128, 0x00102030);
        Change(frame, 256, 5, 5, 0x00FFFFFF);
        server.PublishFrame(frame, 256, 128, 1024);
        long before = server.SharedEncodings.Hits;
        await a.WriteAsync(FullRequest(256, 128));
        byte[] fromA = await ReadUpdateBytes(a);
        await b.WriteAsync(FullRequest(256, 128));
        byte[] fromB = await ReadUpdateBytes(b);

        Assert.Equal(fromA, fromB);   // the same bytes...
        Assert.True(server.SharedEncodings.Hits > before, "the second viewer's update did not come from the cache");   // ...encoded once
        a.Dispose();
        b.Dispose();
        await Task.WhenAll(servingA, servingB).WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>The bytes of one update in Raw or Hextile (32 bpp), read by walking the rectangles.</summary>
    private static async Task<byte[]> ReadUpdateBytes(Stream client)
    {
        var all = new List<byte>();
        byte[] header = await ReadExactly(client, 4);
        all.AddRange(header);
        for (int i = 0; i < BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2)); i++)
        {
            byte[] r = await ReadExactly(client, 12);
            all.AddRange(r);
            int x = BinaryPrimitives.ReadUInt16BigEndian(r), y = BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(2));
            int w = BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(4)), h = BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(6));
            int encoding = BinaryPrimitives.ReadInt32BigEndian(r.AsSpan(8));
            if (encoding == 0)
            {
                all.AddRange(await ReadExactly(client, w * h * 4));
                continue;
            }
            Assert.Equal(5, encoding);
            for (int ty = 0; ty < h; ty += 16)
            {
                for (int tx = 0; tx < w; tx += 16)
                {
                    int tw = Math.Min(16, w - tx), th = Math.Min(16, h - ty);
                    byte sub = (await ReadExactly(client, 1))[0];
                    all.Add(sub);
                    if ((sub & 1) != 0) { all.AddRange(await ReadExactly(client, tw * th * 4)); continue; }
                    if ((sub & 2) != 0) all.AddRange(await ReadExactly(client, 4));
                    if ((sub & 4) != 0) all.AddRange(await ReadExactly(client, 4));
                    if ((sub & 8) != 0)
                    {
                        byte n = (await ReadExactly(client, 1))[0];
                        all.Add(n);
                        all.AddRange(await ReadExactly(client, n * ((sub & 16) != 0 ? 6 : 2)));
                    }
                }
            }
            _ = (x, y);
        }
        return [.. all];
    }
}
