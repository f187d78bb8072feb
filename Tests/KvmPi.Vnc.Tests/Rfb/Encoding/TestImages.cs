// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Tests.Rfb.Encoding;

/// <summary>Deterministic BGRX test content: noise, few-colour UI-like blocks, and photo-like gradients.</summary>
public static class TestImages
{
    public enum Kind { Random, FewColours, Photographic }

    public static uint[] Make(Kind kind, int width, int height, int seed)
    {
        var rng = new Random(seed);
        var px = new uint[width * height];
        switch (kind)
        {
            case Kind.Random:
                for (int i = 0; i < px.Length; i++) px[i] = (uint)rng.Next() & 0x00FF_FFFF;
                break;
            case Kind.FewColours:
            {
                // Blocks and runs of a handful of colours, plus the odd single pixel, like text on a window.
                int colours = 2 + rng.Next(18);
                var palette = new uint[colours];
                for (int i = 0; i < colours; i++) palette[i] = (uint)rng.Next() & 0x00FF_FFFF;
                uint c = palette[0];
                for (int i = 0; i < px.Length; i++)
                {
                    int r = rng.Next(100);
                    if (r < 8) c = palette[rng.Next(colours)];
                    px[i] = r == 99 ? palette[rng.Next(colours)] : c;
                }

                for (int b = 0; b < 6; b++)
                {
                    int x0 = rng.Next(width), y0 = rng.Next(height), w = rng.Next(1, 40), h = rng.Next(1, 40);
                    uint fill = palette[rng.Next(colours)];
                    for (int y = y0; y < Math.Min(height, y0 + h); y++)
                        for (int x = x0; x < Math.Min(width, x0 + w); x++)
                            px[y * width + x] = fill;
                }

                break;
            }
            case Kind.Photographic:
                for (int y = 0; y < height; y++)
                    for (int x = 0; x < width; x++)
                    {
                        int r = Math.Clamp(x * 255 / Math.Max(1, width) + rng.Next(-6, 7), 0, 255);
                        int g = Math.Clamp(y * 255 / Math.Max(1, height) + rng.Next(-6, 7), 0, 255);
                        int b = Math.Clamp((x + y) * 128 / Math.Max(1, width + height) + 64 + rng.Next(-6, 7), 0, 255);
                        px[y * width + x] = (uint)(r << 16 | g << 8 | b);
                    }

                break;
        }

        return px;
    }

    public static byte[] ToBytes(uint[] bgrx)
    {
        var bytes = new byte[bgrx.Length * 4];
        for (int i = 0; i < bgrx.Length; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), bgrx[i]);
        return bytes;
    }
}
