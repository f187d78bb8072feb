// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using KvmPi.Vnc.Rfb;
using KvmPi.Vnc.Rfb.Server;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvmPi.Vnc.Tests.Rfb.Server;

/// <summary>LED State reaches viewers that asked for it: at connect and on every change, as a pseudo-rectangle.</summary>
public class LedStateTests
{
    private record struct RectRecord(int X, int Y, int W, int H, int Encoding, uint Value);

    private static async Task<byte[]> Read(Stream s, int n)
    {
        byte[] b = new byte[n];
        await s.ReadExactlyAsync(b).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        return b;
    }

    /// <summary>Reads one FramebufferUpdate (Raw at 32 bpp, LED State, DesktopSize): its rectangles, LED values decoded.</summary>
    private static async Task<List<RectRecord>> ReadUpdate(Stream client)
    {
        byte[] header = await Read(client, 4);
        Assert.Equal(0, header[0]);
        var rects = new List<RectRecord>();
        for (int i = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2)); i > 0; i--)
        {
            byte[] r = await Read(client, 12);
            int w = BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(4)), h = BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(6));
            int encoding = BinaryPrimitives.ReadInt32BigEndian(r.AsSpan(8));
            uint value = 0;
            if (encoding == 0) await Read(client, w * h * 4);
            else if (encoding == -261) value = (await Read(client, 1))[0];
            else if (encoding == 0x574D5668) value = BinaryPrimitives.ReadUInt32BigEndian(await Read(client, 4));
            rects.Add(new RectRecord(BinaryPrimitives.ReadUInt16BigEndian(r), BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(2)), w, h, encoding, value));
        }
        return rects;
    }

    private static async Task<Stream> Connect(RfbServer server, params int[] encodings)
    {
        var connection = new InMemoryConnection();
        _ = server.RunConnectionAsync(connection.ServerEnd, null, CancellationToken.None);
        Stream client = connection.ClientEnd;
        await Read(client, 12);
        await client.WriteAsync("RFB 003.008\n"u8.ToArray());
        await Read(client, 2);
        await client.WriteAsync(new byte[] { 1 });
        await Read(client, 4);
        await client.WriteAsync(new byte[] { 1 });
        await Read(client, 24 + "KvmPi.Vnc".Length);
        byte[] set = new byte[4 + 4 * encodings.Length];
        set[0] = 2;
        BinaryPrimitives.WriteUInt16BigEndian(set.AsSpan(2), (ushort)encodings.Length);
        for (int i = 0; i < encodings.Length; i++) BinaryPrimitives.WriteInt32BigEndian(set.AsSpan(4 + 4 * i), encodings[i]);
        await client.WriteAsync(set);
        return client;
    }

    private static Task Request(Stream client, bool incremental) =>
        client.WriteAsync(new byte[] { 3, (byte)(incremental ? 1 : 0), 0, 0, 0, 0, 0, 16, 0, 16 }).AsTask();

    private static RfbServer NewServer()
    {
        var server = new RfbServer(new RfbServerOptions { InitialWidth = 16, InitialHeight = 16 }, new NullDesktop(), NullLoggerFactory.Instance);
        server.PublishFrame(new byte[16 * 16 * 4], 16, 16, 64);
        return server;
    }

    [Fact]
    public async Task QemuViewer_GetsTheStateAtConnectThenEachChange()
    {
        RfbServer server = NewServer();
        server.PublishLedState(LockKeys.CapsLock);
        Stream client = await Connect(server, 0, -261);

        await Request(client, incremental: false);
        List<RectRecord> first = await ReadUpdate(client);
        Assert.Contains(new RectRecord(0, 0, 0, 0, -261, 4), first);
        Assert.Contains(first, r => r.Encoding == 0 && r.W == 16);   // the pixels come in the same update

        await Request(client, incremental: true);
        server.PublishLedState(LockKeys.CapsLock | LockKeys.NumLock);
        Assert.Equal([new RectRecord(0, 0, 0, 0, -261, 6)], await ReadUpdate(client));

        // The same state again is no change; the next real change is the next thing the viewer sees.
        await Request(client, incremental: true);
        server.PublishLedState(LockKeys.CapsLock | LockKeys.NumLock);
        server.PublishLedState(LockKeys.None);
        Assert.Equal([new RectRecord(0, 0, 0, 0, -261, 0)], await ReadUpdate(client));
        client.Dispose();
    }

    [Fact]
    public async Task VmwareViewer_GetsAU32()
    {
        RfbServer server = NewServer();
        Stream client = await Connect(server, 0x574D5668, 0);
        await Request(client, incremental: false);
        Assert.DoesNotContain(await ReadUpdate(client), r => r.Encoding == 0x574D5668);   // state not known yet: nothing to say

        await Request(client, incremental: true);
        server.PublishLedState(LockKeys.ScrollLock);
        Assert.Equal([new RectRecord(0, 0, 0, 0, 0x574D5668, 1)], await ReadUpdate(client));
        client.Dispose();
    }

    [Fact]
    public async Task ViewerWithoutLedSupport_NeverGetsIt()
    {
        RfbServer server = NewServer();
        server.PublishLedState(LockKeys.NumLock);
        Stream client = await Connect(server, 0);
        await Request(client, incremental: false);
        Assert.All(await ReadUpdate(client), r => Assert.Equal(0, r.Encoding));

        await Request(client, incremental: true);
        server.PublishLedState(LockKeys.CapsLock);
        byte[] changed = new byte[16 * 16 * 4];
        changed[0] = 0xFF;
        server.PublishFrame(changed, 16, 16, 64);
        Assert.Equal([new RectRecord(0, 0, 16, 16, 0, 0)], await ReadUpdate(client));
        client.Dispose();
    }
}
