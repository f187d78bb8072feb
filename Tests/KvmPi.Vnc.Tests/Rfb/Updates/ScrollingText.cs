// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Tests.Rfb.Updates;

/// <summary>
/// Synthetic captured-editor frames (BGRX): a static title bar, a document of text-like lines (dark glyph blocks
/// of varying width on white, 19 rows a line) seen through the rest of the frame at a scroll offset, and
/// optionally a static sidebar on the left. Noise imitates a capture that is a fresh JPEG every frame.
/// </summary>
internal sealed class ScrollingText
{
    public const int TitleHeight = 32, LineHeight = 19;
    private readonly byte[] _document;   // grey levels, DocumentRows × Width
    private readonly int _sidebar;

    public ScrollingText(int width, int height, int sidebarWidth = 0, int documentRows = 4000, int seed = 7)
    {
        Width = width;
        Height = height;
        _sidebar = sidebarWidth;
        DocumentRows = documentRows;
        _document = new byte[documentRows * width];
        _document.AsSpan().Fill(255);
        var random = new Random(seed);
        for (int line = 0; line * LineHeight < documentRows; line++)
        {
            int indent = 8 + 16 * random.Next(0, 5), x = indent, end = width - random.Next(0, width / 2);
            while (x < end)
            {
                int glyph = random.Next(5, 10);
                int top = line * LineHeight + 3 + random.Next(0, 4), bottom = line * LineHeight + 15 + random.Next(0, 3);
                byte ink = (byte)random.Next(0, 90);
                for (int y = top; y < Math.Min(bottom, documentRows); y++)
                    for (int gx = x; gx < Math.Min(x + glyph, width); gx++)
                        if (((gx * 7 + y * 3) & 5) != 0) _document[y * width + gx] = ink;
                x += glyph + random.Next(2, 12);
            }
        }
    }

    public int Width { get; }
    public int Height { get; }
    public int DocumentRows { get; }

    /// <summary>
    /// The frame with the document scrolled to <paramref name="offset"/> rows, plus noise of up to
    /// ±<paramref name="noise"/> per channel. As in a capture's JPEG, the noise of each 8×8 block depends only on
    /// the block's picture: a block that did not change is the same again, and moved content gets new noise
    /// wherever the move is not a multiple of 8 rows.
    /// </summary>
    public byte[] Frame(int offset, int noise = 0)
    {
        int[] grey = new int[Width * Height];
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                int g;
                if (y < TitleHeight)
                    g = y is > 8 and < 24 && x is > 12 and < 200 && ((x / 6) & 1) == 0 ? 40 : 200;
                else if (x < _sidebar)
                    g = ((y / 23 + x / 31) & 1) == 0 ? 120 : 160 + (y % 23);
                else
                    g = _document[(y - TitleHeight + offset) % DocumentRows * Width + x];
                grey[y * Width + x] = g;
            }
        }

        byte[] frame = new byte[Width * Height * 4];
        for (int by = 0; by < Height; by += 8)
        {
            for (int bx = 0; bx < Width; bx += 8)
            {
                int hash = 17;
                for (int y = by; y < Math.Min(Height, by + 8); y++)
                    for (int x = bx; x < Math.Min(Width, bx + 8); x++)
                        hash = hash * 31 + grey[y * Width + x];
                var random = new Random(hash);
                for (int y = by; y < Math.Min(Height, by + 8); y++)
                {
                    for (int x = bx; x < Math.Min(Width, bx + 8); x++)
                    {
                        int i = (y * Width + x) * 4;
                        for (int ch = 0; ch < 3; ch++)
                            frame[i + ch] = (byte)Math.Clamp(grey[y * Width + x] + (noise == 0 ? 0 : random.Next(-noise, noise + 1)), 0, 255);
                        frame[i + 3] = 0;   // X, as a viewer's 32-bit true-colour picture has it
                    }
                }
            }
        }
        return frame;
    }
}
