// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;

namespace KvmPi.Vnc.Server.DemoTarget;

/// <summary>
/// A BGRX pixel buffer with the few drawing operations the demo screen needs: solid rectangles and bitmap-font text
/// at an integer scale. Every operation clips to the canvas. No antialiasing, so output is exact and OCR-friendly.
/// </summary>
/// <remarks>The buffer is reused across frames and only grows (on a mode change to a larger size).</remarks>
internal sealed class BgrxCanvas
{
    private uint[] _pixels = [];

    public int Width { get; private set; }
    public int Height { get; private set; }

    /// <summary>The image as bytes: <see cref="Height"/> rows of <c>Width * 4</c> bytes.</summary>
    public ReadOnlySpan<byte> Bytes => MemoryMarshal.AsBytes(_pixels.AsSpan(0, Width * Height));

    public void Resize(int width, int height)
    {
        if (_pixels.Length < width * height)
            _pixels = new uint[width * height];
        Width = width;
        Height = height;
    }

    /// <summary>A pixel as stored: B in the low byte, then G, R and an unused byte (little-endian BGRX).</summary>
    public static uint Colour(byte r, byte g, byte b) => 0xFF00_0000u | (uint)r << 16 | (uint)g << 8 | b;

    public uint PixelAt(int x, int y) => _pixels[y * Width + x];

    public void FillRectangle(int x, int y, int width, int height, uint colour)
    {
        int x0 = Math.Max(x, 0), y0 = Math.Max(y, 0);
        int x1 = Math.Min(x + width, Width), y1 = Math.Min(y + height, Height);
        if (x0 >= x1 || y0 >= y1)
            return;
        for (int row = y0; row < y1; row++)
            _pixels.AsSpan(row * Width + x0, x1 - x0).Fill(colour);
    }

    public void SetPixel(int x, int y, uint colour)
    {
        if ((uint)x < (uint)Width && (uint)y < (uint)Height)
            _pixels[y * Width + x] = colour;
    }

    /// <summary>Draws <paramref name="text"/> in a bitmap font; only set pixels are painted, so the background shows
    /// through.</summary>
    /// <returns>The x just past the text.</returns>
    public int DrawText<TFont>(int x, int y, ReadOnlySpan<char> text, uint colour) where TFont : IBitmapFont
    {
        foreach (char c in text)
        {
            DrawGlyph<TFont>(x, y, c, colour);
            x += TFont.GlyphWidth;
        }
        return x;
    }

    public void DrawGlyph<TFont>(int x, int y, char c, uint colour) where TFont : IBitmapFont
    {
        if (c < TFont.FirstChar || c > TFont.LastChar)
            c = '?';
        int rowBytes = TFont.BytesPerRow, glyphBytes = TFont.GlyphHeight * rowBytes;
        ReadOnlySpan<byte> rows = TFont.Glyphs.Slice((c - TFont.FirstChar) * glyphBytes, glyphBytes);
        for (int gy = 0; gy < TFont.GlyphHeight; gy++)
        {
            ReadOnlySpan<byte> row = rows.Slice(gy * rowBytes, rowBytes);
            for (int gx = 0; gx < TFont.GlyphWidth; gx++)
                if ((row[gx >> 3] & (0x80 >> (gx & 7))) != 0)
                    SetPixel(x + gx, y + gy, colour);
        }
    }
}
