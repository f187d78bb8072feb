// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using KvmPi.Vnc.Rfb;
using KvmPi.Vnc.Rfb.Server;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvmPi.Vnc.Tests.Rfb.Server;

/// <summary>
/// An update shows one frame, however many frames the capture publishes while it is encoded: a viewer of a 1080p
/// frame that flips between two pictures as fast as the publisher can go must never see parts of both after an
/// update (it did when each rectangle read the shared pixels under a lock of its own: the lower rectangles came from
/// the next frame).
/// </summary>
public class WholeFrameUpdateTests
{
    private const int W = 1920, H = 1080;

    [Theory]
    [InlineData(0)]    // Raw: the session reads pixels piece by piece
    [InlineData(5)]    // Hextile
    public async Task EveryUpdateShowsOneFrameWhileFramesFlipFasterThanItIsEncoded(int encoding)
    {
        byte[] dark = new byte[W * H * 4], light = new byte[W * H * 4];
        dark.AsSpan().Fill(0x20);
        light.AsSpan().Fill(0xD0);
        var server = new RfbServer(new RfbServerOptions { InitialWidth = W, InitialHeight = H }, new NullDesktop(), NullLoggerFactory.Instance);
        server.PublishFrame(dark, W, H, W * 4);
        var (client, serving) = await InMemoryConnection.ConnectViewerAsync(server, encoding);

        using var stop = new CancellationTokenSource();
        long published = 0;
        var publisher = Task.Factory.StartNew(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                server.PublishFrame((published & 1) == 0 ? light : dark, W, H, W * 4);
                published++;
            }
        }, TaskCreationOptions.LongRunning);

        byte[] picture = new byte[W * H * 4];
        var viewer = new UpdateReader(client, picture);
        try
        {
            for (int update = 0; update < 12; update++)
            {
                await client.WriteAsync(new byte[] { 3, (byte)(update == 0 ? 0 : 1), 0, 0, 0, 0, W >> 8, W & 255, H >> 8, H & 255 });
                await viewer.ReadUpdateAsync(encoding);
                int first = BinaryPrimitives.ReadInt32LittleEndian(picture);
                for (int i = 0; i < picture.Length; i += 4)
                {
                    if (BinaryPrimitives.ReadInt32LittleEndian(picture.AsSpan(i)) != first)
                        Assert.Fail($"update {update}: pixel ({i / 4 % W}, {i / 4 / W}) is of another frame than pixel (0, 0)");
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await publisher.WaitAsync(TimeSpan.FromSeconds(10));
            client.Dispose();
            await serving.WaitAsync(TimeSpan.FromSeconds(10));
        }
        Assert.True(published > 12, $"only {published} frames were published");
    }

    /// <summary>Applies Raw and Hextile rectangles (the server's 32-bpp format) to a picture.</summary>
    private sealed class UpdateReader(Stream stream, byte[] picture)
    {
        private readonly byte[] _buffer = new byte[W * H * 4];

        public async Task ReadUpdateAsync(int encoding)
        {
            byte[] header = await ReadAsync(4);
            Assert.Equal(0, header[0]);
            int rects = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2));
            for (int i = 0; i < rects; i++)
            {
                byte[] r = await ReadAsync(12);
                int x = BinaryPrimitives.ReadUInt16BigEndian(r), y = BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(2));
                int w = BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(4)), h = BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(6));
                Assert.Equal(encoding, BinaryPrimitives.ReadInt32BigEndian(r.AsSpan(8)));
                if (encoding == 0)
                {
                    await stream.ReadExactlyAsync(_buffer.AsMemory(0, w * h * 4));
                    for (int row = 0; row < h; row++)
                        _buffer.AsSpan(row * w * 4, w * 4).CopyTo(picture.AsSpan(((y + row) * W + x) * 4));
                }
                else
                {
                    await ReadHextileAsync(x, y, w, h);
                }
            }
        }

        private async Task ReadHextileAsync(int x0, int y0, int w, int h)
        {
            byte[] background = new byte[4], foreground = new byte[4];
            for (int ty = y0; ty < y0 + h; ty += 16)
                for (int tx = x0; tx < x0 + w; tx += 16)
                {
                    int tw = Math.Min(16, x0 + w - tx), th = Math.Min(16, y0 + h - ty);
                    int flags = (await ReadAsync(1))[0];
                    if ((flags & 1) != 0)
                    {
                        byte[] raw = await ReadAsync(tw * th * 4);
                        for (int row = 0; row < th; row++)
                            raw.AsSpan(row * tw * 4, tw * 4).CopyTo(picture.AsSpan(((ty + row) * W + tx) * 4));
                        continue;
                    }
                    if ((flags & 2) != 0) background = await ReadAsync(4);
                    if ((flags & 4) != 0) foreground = await ReadAsync(4);
                    for (int row = 0; row < th; row++)
                        for (int col = 0; col < tw; col++)
                            background.CopyTo(picture.AsSpan(((ty + row) * W + tx + col) * 4));
                    if ((flags & 8) == 0) continue;
                    int count = (await ReadAsync(1))[0];
                    bool coloured = (flags & 16) != 0;
                    for (int s = 0; s < count; s++)
                    {
                        byte[] colour = coloured ? await ReadAsync(4) : foreground;
                        byte[] geometry = await ReadAsync(2);
                        int sx = geometry[0] >> 4, sy = geometry[0] & 15, sw = (geometry[1] >> 4) + 1, sh = (geometry[1] & 15) + 1;
                        for (int row = 0; row < sh; row++)
                            for (int col = 0; col < sw; col++)
                                colour.CopyTo(picture.AsSpan(((ty + sy + row) * W + tx + sx + col) * 4));
                    }
                }
        }

        private async Task<byte[]> ReadAsync(int n)
        {
            byte[] b = new byte[n];
            await stream.ReadExactlyAsync(b).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            return b;
        }
    }
}
