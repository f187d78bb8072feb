// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Tests.Support.Decoders;
using static KvmPi.Vnc.Tests.Rfb.Server.FlowControlTests;

namespace KvmPi.Vnc.Tests.Rfb.Server;

/// <summary>
/// Large Tight updates go to viewers that list LastRect as they are encoded: the header's count is 0xFFFF and a
/// LastRect ends the update (rfbproto "LastRect pseudo-encoding"), so the viewer decodes while the server encodes.
/// Small updates keep their count, the same bytes as for a viewer without LastRect.
/// </summary>
public class StreamedUpdateTests
{
    private const int W = 512, H = 512;

    /// <summary>Noise: lossless Tight sends it as full colour, about a megabyte, many flushes' worth.</summary>
    private static byte[] Noise(int seed)
    {
        var px = new byte[W * H * 4];
        new Random(seed).NextBytes(px);
        return px;
    }

    [Fact]
    public async Task ALargeTightUpdateEndsWithLastRectAndASmallOneIsCounted()
    {
        var (server, client, serving) = await ConnectAsync(W, H, null, 7, -224);   // Tight, lossless; LastRect
        await client.WriteAsync(FullRequest(W, H));
        uint[] canvas = new uint[W * H];
        using var decoder = new TightDecoder();
        Assert.Equal(0xFFFF, await ReadUpdateAsync(client, decoder, canvas));   // the first, whole frame: 64 tiles

        byte[] noise = Noise(1);
        server.PublishFrame(noise, W, H, W * 4);
        await client.WriteAsync(IncrementalRequest(W, H));
        Assert.Equal(0xFFFF, await ReadUpdateAsync(client, decoder, canvas));
        Assert.Equal(Translated(noise), canvas);

        byte[] typed = (byte[])noise.Clone();
        typed.AsSpan(0, 40).Clear();   // ten pixels of the first tile
        server.PublishFrame(typed, W, H, W * 4);
        await client.WriteAsync(IncrementalRequest(W, H));
        int count = await ReadUpdateAsync(client, decoder, canvas);
        Assert.NotEqual(0xFFFF, count);
        Assert.Equal(Translated(typed), canvas);

        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static byte[] IncrementalRequest(int w, int h) => [3, 1, 0, 0, 0, 0, (byte)(w >> 8), (byte)w, (byte)(h >> 8), (byte)h];

    private static uint[] Translated(byte[] bgrx)
    {
        uint[] pixels = new uint[W * H];
        new PixelTranslator(PixelFormat.Bgrx32).TranslateRow(bgrx, pixels);
        return pixels;
    }

    /// <summary>Reads one update into the canvas; returns the count its header gave (0xFFFF: until a LastRect).</summary>
    private static async Task<int> ReadUpdateAsync(Stream client, TightDecoder decoder, uint[] canvas)
    {
        byte[] header = await ReadExactly(client, 4);
        Assert.Equal(0, header[0]);
        int count = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2));
        for (int i = 0; count == 0xFFFF || i < count; i++)
        {
            byte[] r = await ReadExactly(client, 12);
            int x = BinaryPrimitives.ReadUInt16BigEndian(r), y = BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(2));
            int w = BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(4)), h = BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(6));
            int encoding = BinaryPrimitives.ReadInt32BigEndian(r.AsSpan(8));
            if (encoding == -224)
            {
                Assert.Equal(0xFFFF, count);
                Assert.Equal((0, 0, 0, 0), (x, y, w, h));
                break;
            }
            Assert.Equal(7, encoding);
            byte[] payload = await TightRectReader.ReadPayloadAsync(n => ReadExactly(client, n), w, h);
            uint[] px = decoder.Decode(payload, w, h, PixelFormat.Bgrx32, out int consumed);
            Assert.Equal(payload.Length, consumed);
            for (int row = 0; row < h; row++) px.AsSpan(row * w, w).CopyTo(canvas.AsSpan((y + row) * W + x, w));
        }
        return count;
    }
}
