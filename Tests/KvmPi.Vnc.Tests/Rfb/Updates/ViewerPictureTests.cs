// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Updates;

namespace KvmPi.Vnc.Tests.Rfb.Updates;

/// <summary>
/// <see cref="ViewerPicture"/> against the definitions: a viewer that applies sent rectangles and CopyRects in
/// order (rfbproto "CopyRect": the source as it was before the copy), and the differences a copy would leave,
/// computed pixel by pixel. Seeded random pictures and moves, both directions, overlapping bands included.
/// </summary>
public class ViewerPictureTests
{
    private const int W = 200, H = 150, T = Framebuffer.TileSize;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void AppliesSentRectanglesAndMovesAsAViewerDoes(int seed)
    {
        var random = new Random(seed);
        var picture = new ViewerPicture(W, H);
        byte[] expected = new byte[W * H * 4];
        var framebuffer = new Framebuffer(W, H);
        for (int step = 0; step < 40; step++)
        {
            if (random.Next(2) == 0)
            {
                byte[] frame = RandomFrame(random);
                framebuffer.Update(frame, W * 4, new TileSet(framebuffer.TileColumns, framebuffer.TileRows));
                Rect r = RandomRect(random);
                picture.CopyFrom(framebuffer.Current, r);
                for (int y = r.Y; y < r.Bottom; y++) frame.AsSpan((y * W + r.X) * 4, r.Width * 4).CopyTo(expected.AsSpan((y * W + r.X) * 4));
            }
            else
            {
                ScrollMove move = RandomMove(random);
                picture.Apply(move);
                byte[] before = (byte[])expected.Clone();
                Rect d = move.Destination;
                for (int y = d.Y; y < d.Bottom; y++)
                    before.AsSpan(((y + move.Dy) * W + d.X) * 4, d.Width * 4).CopyTo(expected.AsSpan((y * W + d.X) * 4));
            }
            Assert.Equal(expected, picture.Pixels.ToArray());
        }
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void MeasuresWhatACopyWouldLeaveTileByTileAndRowByRow(int seed)
    {
        var random = new Random(seed);
        var picture = new ViewerPicture(W, H);
        var framebuffer = new Framebuffer(W, H);
        byte[] held = RandomFrame(random);
        framebuffer.Update(held, W * 4, new TileSet(framebuffer.TileColumns, framebuffer.TileRows));
        picture.CopyFrom(framebuffer.Current, new Rect(0, 0, W, H));
        for (int trial = 0; trial < 20; trial++)
        {
            byte[] next = RandomFrame(random);
            ScrollMove move = RandomMove(random);
            int columns = (W + T - 1) / T;
            for (int tr = 0; tr < (H + T - 1) / T; tr++)
            {
                picture.TileDifferencesAfter(move, tr, 0, columns - 1, next, out ReadOnlySpan<ulong> sums, out ReadOnlySpan<ulong> worst);
                for (int c = 0; c < columns; c++)
                {
                    ulong sum = 0, worstRow = 0;
                    for (int y = tr * T; y < Math.Min(H, tr * T + T); y++)
                    {
                        bool moved = y >= move.Destination.Y && y < move.Destination.Bottom;
                        int sy = moved ? y + move.Dy : y;
                        ulong row = 0;
                        for (int x = c * T * 4; x < Math.Min(W, c * T + T) * 4; x++)
                            row += (ulong)Math.Abs(next[y * W * 4 + x] - held[sy * W * 4 + x]);
                        sum += row;
                        worstRow = Math.Max(worstRow, row);
                    }
                    Assert.Equal(sum, sums[c]);
                    Assert.Equal(worstRow, worst[c]);
                }
            }
        }
    }

    private static byte[] RandomFrame(Random random)
    {
        byte[] frame = new byte[W * H * 4];
        random.NextBytes(frame);
        return frame;
    }

    private static Rect RandomRect(Random random)
    {
        int x = random.Next(W), y = random.Next(H);
        return new Rect(x, y, random.Next(1, W - x + 1), random.Next(1, H - y + 1));
    }

    /// <summary>A full-width band (as the detector finds them, whole tile columns) moved up or down.</summary>
    private static ScrollMove RandomMove(Random random)
    {
        int dy = random.Next(1, 60) * (random.Next(2) == 0 ? 1 : -1);
        int top = dy > 0 ? random.Next(0, H - dy - 1) : random.Next(-dy, H - 1);
        int bottom = dy > 0 ? random.Next(top + 1, H - dy + 1) : random.Next(top + 1, H + 1);
        int left = random.Next(0, (W + T - 1) / T), right = random.Next(left, (W + T - 1) / T);
        return new ScrollMove(new Rect(left * T, top, Math.Min(W, (right + 1) * T) - left * T, bottom - top), dy);
    }
}
