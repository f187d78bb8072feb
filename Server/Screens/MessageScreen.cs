// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Server.DemoTarget;

namespace KvmPi.Vnc.Server.Screens;

/// <summary>
/// A mostly flat screen with a few lines of large centred text: what viewers see when there is no picture to show
/// (no signal, device unplugged) or when their viewer cannot follow a resize. Drawn with the demo target's
/// Terminus 16x32 font, scaled up on large screens, so the text stays readable in a scaled-down viewer window.
/// </summary>
internal static class MessageScreen
{
    public static readonly uint Background = BgrxCanvas.Colour(24, 24, 32);
    public static readonly uint TitleColour = BgrxCanvas.Colour(255, 210, 80);
    public static readonly uint TextColour = BgrxCanvas.Colour(235, 235, 235);

    /// <summary>Draws <paramref name="title"/> then <paramref name="lines"/>, each centred, the block centred vertically.</summary>
    public static void Render(BgrxCanvas canvas, int width, int height, string title, ReadOnlySpan<string> lines)
    {
        canvas.Resize(width, height);
        canvas.FillRectangle(0, 0, width, height, Background);
        int scale = Scale(width, height);
        int lineHeight = LargeConsoleFont.GlyphHeight * scale;
        int titleScale = scale * 2;
        int totalHeight = LargeConsoleFont.GlyphHeight * titleScale + lineHeight / 2 + lines.Length * (lineHeight + 8 * scale);
        int y = Math.Max(0, (height - totalHeight) / 2);
        DrawCentred(canvas, width, y, title, titleScale, TitleColour);
        y += LargeConsoleFont.GlyphHeight * titleScale + lineHeight / 2;
        foreach (string line in lines)
        {
            int lineScale = scale;
            while (lineScale > 1 && line.Length * LargeConsoleFont.GlyphWidth * lineScale > width) lineScale--;
            DrawCentred(canvas, width, y, line, lineScale, TextColour);
            y += lineHeight + 8 * scale;
        }
    }

    /// <summary>1 up to 1024 pixels wide, 2 for 720p/1080p, 3 from 2560.</summary>
    private static int Scale(int width, int height) => width >= 2560 && height >= 1440 ? 3 : width >= 1024 && height >= 600 ? 2 : 1;

    private static void DrawCentred(BgrxCanvas canvas, int width, int y, string text, int scale, uint colour)
    {
        int glyphWidth = LargeConsoleFont.GlyphWidth * scale;
        int fit = Math.Max(1, width / glyphWidth);
        ReadOnlySpan<char> shown = text.Length <= fit ? text : text.AsSpan(0, fit);   // clipped, never wrapped mid-word badly
        int x = Math.Max(0, (width - shown.Length * glyphWidth) / 2);
        foreach (char c in shown)
        {
            DrawGlyphScaled(canvas, x, y, c, scale, colour);
            x += glyphWidth;
        }
    }

    private static void DrawGlyphScaled(BgrxCanvas canvas, int x, int y, char c, int scale, uint colour)
    {
        if (scale == 1)
        {
            canvas.DrawGlyph<LargeConsoleFont>(x, y, c, colour);
            return;
        }
        if (c < LargeConsoleFont.FirstChar || c > LargeConsoleFont.LastChar) c = '?';
        int rowBytes = LargeConsoleFont.BytesPerRow, glyphBytes = LargeConsoleFont.GlyphHeight * rowBytes;
        ReadOnlySpan<byte> rows = LargeConsoleFont.Glyphs.Slice((c - LargeConsoleFont.FirstChar) * glyphBytes, glyphBytes);
        for (int gy = 0; gy < LargeConsoleFont.GlyphHeight; gy++)
            for (int gx = 0; gx < LargeConsoleFont.GlyphWidth; gx++)
                if ((rows[gy * rowBytes + (gx >> 3)] & (0x80 >> (gx & 7))) != 0)
                    canvas.FillRectangle(x + gx * scale, y + gy * scale, scale, scale, colour);
    }
}
