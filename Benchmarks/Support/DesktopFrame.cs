// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using KvmPi.Vnc.Rfb.Updates;

namespace KvmPi.Vnc.Benchmarks.Support;

/// <summary>
/// A synthetic, deterministic desktop-like BGRX frame for benchmarks: a gradient wallpaper, a taskbar with icons,
/// two windows with title bars, borders and rows of text-like glyphs, and a noisy photo region. Real captures
/// are not in the repository, so this mixes the content classes an encoder meets: large flat areas, few-colour
/// detail with short runs, and full-colour noise.
/// </summary>
public static class DesktopFrame
{
    public const int Width = 1920, Height = 1080;

    public static byte[] Create(int width = Width, int height = Height, int seed = 1)
    {
        var px = new uint[width * height];
        var rng = new Random(seed);

        // Wallpaper: a vertical blue gradient, as many desktop themes use.
        for (int y = 0; y < height; y++)
        {
            uint c = Rgb(20 + y * 40 / height, 60 + y * 80 / height, 120 + y * 100 / height);
            px.AsSpan(y * width, width).Fill(c);
        }

        // Taskbar, 40 px, with 12 solid 28-px icons.
        FillRect(px, width, 0, height - 40, width, 40, Rgb(32, 32, 36));
        for (int i = 0; i < 12; i++)
            FillRect(px, width, 8 + i * 44, height - 34, 28, 28, Rgb(rng.Next(256), rng.Next(256), rng.Next(256)));

        Window(px, width, 60, 50, 1100, 700, rng);
        Window(px, width, 900, 300, 900, 600, rng);

        // Photo: 480×320 smooth gradients plus sensor-like noise, inside the second window.
        for (int y = 0; y < 320; y++)
            for (int x = 0; x < 480; x++)
            {
                int n = rng.Next(-12, 13);
                px[(360 + y) * width + 940 + x] = Rgb(
                    Math.Clamp(x * 255 / 480 + n, 0, 255),
                    Math.Clamp(y * 255 / 320 + n, 0, 255),
                    Math.Clamp(128 + (int)(60 * Math.Sin((x + y) / 40.0)) + n, 0, 255));
            }

        var bytes = new byte[px.Length * 4];
        for (int i = 0; i < px.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), px[i]);
        return bytes;
    }

    private static void Window(uint[] px, int stride, int x0, int y0, int w, int h, Random rng)
    {
        FillRect(px, stride, x0 - 1, y0 - 1, w + 2, h + 2, Rgb(90, 90, 90));          // 1-px border
        for (int y = 0; y < 30; y++)                                                    // title bar gradient
            FillRect(px, stride, x0, y0 + y, w, 1, Rgb(50 + y, 80 + y * 2, 160 + y));
        for (int b = 0; b < 3; b++)                                                     // close/max/min buttons
            FillRect(px, stride, x0 + w - 30 - b * 30, y0 + 6, 18, 18, Rgb(200, 200 - b * 60, 80));
        FillRect(px, stride, x0, y0 + 30, w, h - 30, Rgb(250, 250, 250));               // client area

        // Text: lines of 7×12 glyph cells; each glyph a pseudo-random 5×9 bit pattern, anti-aliasing ignored.
        for (int line = 0; line * 18 + 44 < h - 12; line++)
        {
            int len = rng.Next(20, (w - 40) / 8);
            for (int ch = 0; ch < len; ch++)
            {
                if (rng.Next(6) == 0) continue; // word gap
                int gx = x0 + 16 + ch * 8, gy = y0 + 44 + line * 18;
                int bits = rng.Next();
                for (int y = 0; y < 9; y++)
                    for (int x = 0; x < 5; x++)
                        if (((bits >> ((y * 5 + x) % 31)) & 1) != 0)
                            px[(gy + y) * stride + gx + x] = Rgb(20, 20, 20);
            }
        }
    }

    private static void FillRect(uint[] px, int stride, int x0, int y0, int w, int h, uint c)
    {
        for (int y = y0; y < y0 + h; y++) px.AsSpan(y * stride + x0, w).Fill(c);
    }

    private static uint Rgb(int r, int g, int b) => (uint)(r << 16 | g << 8 | b);

    /// <summary>
    /// Splits a frame into the rectangles the server encodes: at most 2048 wide and 65536 pixels, as TigerVNC's
    /// EncodeManager (SubRectMaxWidth, SubRectMaxArea) does. A 1080p frame becomes 32 bands of 1920×34 (+1920×26).
    /// </summary>
    public static List<Rect> Split(int width, int height)
    {
        var rects = new List<Rect>();
        for (int x = 0; x < width; x += 2048)
        {
            int w = Math.Min(2048, width - x);
            int rows = Math.Max(1, 65536 / w);
            for (int y = 0; y < height; y += rows)
                rects.Add(new Rect(x, y, w, Math.Min(rows, height - y)));
        }

        return rects;
    }
}
