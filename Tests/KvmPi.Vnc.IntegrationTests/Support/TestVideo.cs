// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.IntegrationTests.Support;

/// <summary>
/// Motion-JPEG test videos (JPEG images back to back) made with TurboJPEG, and the pixels they decode to.
/// </summary>
public sealed class TestVideo
{
    private TestVideo(string path, int width, int height, IReadOnlyList<byte[]> jpegs)
    {
        Path = path;
        Width = width;
        Height = height;
        Jpegs = jpegs;
    }

    public string Path { get; }
    public int Width { get; }
    public int Height { get; }
    public IReadOnlyList<byte[]> Jpegs { get; }

    /// <summary>
    /// The first frame decoded by TurboJPEG with each flag set a decoder may reasonably use (accurate or fast DCT,
    /// fancy or fast upsampling). The server decodes with the same library, so its frame equals exactly one of them.
    /// </summary>
    public IReadOnlyList<(string Flags, RgbImage Image)> DecodedCandidates()
    {
        var list = new List<(string, RgbImage)>();
        foreach (var (name, flags) in new[]
                 {
                     ("accurate", 0), ("fastdct+fastupsample", TurboJpeg.FlagFastDct | TurboJpeg.FlagFastUpsample),
                     ("fastdct", TurboJpeg.FlagFastDct), ("fastupsample", TurboJpeg.FlagFastUpsample),
                 })
        {
            var (w, h, bgrx) = TurboJpeg.Decompress(Jpegs[0], flags);
            var image = RgbImage.FromBgrx(w, h, bgrx);
            if (!list.Any(c => RgbImage.Compare(c.Item2, image).Count == 0))
                list.Add((name, image));
        }
        return list;
    }

    /// <summary>Which candidate <paramref name="actual"/> equals exactly; fails listing the differences otherwise.</summary>
    public async Task<RgbImage> MatchDecodedAsync(RgbImage actual, string what)
    {
        var candidates = DecodedCandidates();
        foreach (var (_, image) in candidates)
        {
            if (RgbImage.Compare(image, actual).Count == 0)
                return image;
        }
        await RgbImage.AssertEqualAsync(candidates[0].Image, actual, what + " (vs accurate decode; fast-DCT decode also differs)");
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>A still picture: gradients, text-like black-on-white strokes, coloured glyphs, solid blocks and
    /// a fine grid. Odd size so that Hextile (16) and ZRLE (64) tiles are partial at the right and bottom.</summary>
    public static TestVideo CreateStill(string path, int width = 400, int height = 300, int frames = 1)
    {
        var bgrx = new byte[width * height * 4];
        var glyphRandom = new Random(1234);
        var glyphs = new int[64];
        for (int i = 0; i < glyphs.Length; i++)
            glyphs[i] = glyphRandom.Next(1, 1 << 30);

        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int r, g, b;
                int band = y * 3 / height;
                if (band == 0)
                {
                    r = x * 255 / (width - 1);
                    g = y * 255 / Math.Max(1, height / 3 - 1);
                    b = (x + 2 * y) & 255;
                }
                else if (band == 1)
                {
                    // Text-like rows: 6x8 cells, a 5x6 "glyph" bitmap per cell from a fixed table.
                    int cx = x / 6, cy = (y - height / 3) / 8, gx = x % 6, gy = (y - height / 3) % 8;
                    int glyph = glyphs[(cx * 7 + cy * 13) % glyphs.Length];
                    bool ink = gx < 5 && gy < 6 && ((glyph >> (gy * 5 + gx)) & 1) == 1;
                    bool colourRow = cy % 3 == 2;
                    if (colourRow)
                        (r, g, b) = ink ? (255, 255, 0) : (0, 0, 160);
                    else
                        (r, g, b) = ink ? (0, 0, 0) : (255, 255, 255);
                }
                else
                {
                    int block = (x / 50 + (y / 50) * 3) % 5;
                    (r, g, b) = block switch
                    {
                        0 => (200, 30, 30),
                        1 => (30, 200, 30),
                        2 => (30, 30, 200),
                        3 => (128, 128, 128),
                        _ => (250, 250, 250),
                    };
                    if (x % 25 == 0 || y % 25 == 0)
                        (r, g, b) = (0, 0, 0);
                }
                int i = (y * width + x) * 4;
                bgrx[i] = (byte)b;
                bgrx[i + 1] = (byte)g;
                bgrx[i + 2] = (byte)r;
                bgrx[i + 3] = 255;
            }
        }
        byte[] jpeg = TurboJpeg.Compress(bgrx, width, height, quality: 90);
        var jpegs = Enumerable.Repeat(jpeg, frames).ToList();
        Write(path, jpegs);
        return new TestVideo(path, width, height, jpegs);
    }

    /// <summary>Moving content: every frame differs (a box travels over a gradient, a bar counts frames).</summary>
    public static TestVideo CreateMoving(string path, int width = 320, int height = 240, int frames = 30)
    {
        var jpegs = new List<byte[]>();
        var bgrx = new byte[width * height * 4];
        for (int f = 0; f < frames; f++)
        {
            int boxX = f * (width - 40) / frames, boxY = (f * 7) % (height - 40);
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    int i = (y * width + x) * 4;
                    bool box = x >= boxX && x < boxX + 40 && y >= boxY && y < boxY + 40;
                    bool bar = y >= height - 8 && x < (f + 1) * width / frames;
                    byte r = (byte)(box ? 255 : x * 255 / width), g = (byte)(box ? 255 : y * 255 / height), b = (byte)(bar ? 255 : box ? 255 : 64);
                    bgrx[i] = b;
                    bgrx[i + 1] = g;
                    bgrx[i + 2] = r;
                    bgrx[i + 3] = 255;
                }
            }
            jpegs.Add(TurboJpeg.Compress(bgrx, width, height, quality: 80));
        }
        Write(path, jpegs);
        return new TestVideo(path, width, height, jpegs);
    }

    private static void Write(string path, IEnumerable<byte[]> jpegs)
    {
        using var f = File.Create(path);
        foreach (byte[] j in jpegs)
            f.Write(j);
    }
}
