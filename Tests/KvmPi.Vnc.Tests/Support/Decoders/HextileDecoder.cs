// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Pixels;

namespace KvmPi.Vnc.Tests.Support.Decoders;

/// <summary>
/// Test-only Hextile decoder (rfbproto "Hextile Encoding"), written from the spec, and deliberately stricter than
/// real clients so that output decodable here is decodable by all of them:
/// <list type="bullet">
/// <item>the first non-raw tile of a rectangle must specify its background;</item>
/// <item>after a raw tile, background and foreground are treated as unknown (decoders disagree on them);</item>
/// <item>after a coloured-subrects tile the foreground is unknown (libvncclient overwrites it);</item>
/// <item>ForegroundSpecified together with SubrectsColoured, and sub-rectangles outside the tile, are errors.</item>
/// </list>
/// </summary>
internal static class HextileDecoder
{
    public static uint[] Decode(ReadOnlySpan<byte> data, int width, int height, PixelFormat pf, out int consumed)
    {
        var pixels = new uint[width * height];
        int at = 0;
        uint? bg = null, fg = null;
        for (int ty = 0; ty < height; ty += 16)
        {
            int th = Math.Min(16, height - ty);
            for (int tx = 0; tx < width; tx += 16)
            {
                int tw = Math.Min(16, width - tx);
                if (at >= data.Length) throw new InvalidDataException("Data ends before the tile's subencoding byte.");
                byte mask = data[at++];
                if ((mask & 0xE0) != 0) throw new InvalidDataException($"Undefined subencoding bits 0x{mask:X2}.");
                if ((mask & 1) != 0)
                {
                    for (int y = 0; y < th; y++)
                        for (int x = 0; x < tw; x++)
                            pixels[(ty + y) * width + tx + x] = WirePixels.ReadPixel(data, ref at, pf);
                    bg = fg = null;
                    continue;
                }

                if ((mask & 2) != 0) bg = WirePixels.ReadPixel(data, ref at, pf);
                if (bg is null) throw new InvalidDataException($"Tile {tx},{ty} relies on a background nobody specified.");
                bool coloured = (mask & 16) != 0;
                if ((mask & 4) != 0)
                {
                    if (coloured) throw new InvalidDataException("ForegroundSpecified with SubrectsColoured.");
                    fg = WirePixels.ReadPixel(data, ref at, pf);
                }

                for (int y = 0; y < th; y++)
                    for (int x = 0; x < tw; x++)
                        pixels[(ty + y) * width + tx + x] = bg.Value;

                if ((mask & 8) == 0)
                {
                    if (coloured) throw new InvalidDataException("SubrectsColoured without AnySubrects.");
                    continue;
                }

                int count = data[at++];
                for (int s = 0; s < count; s++)
                {
                    uint colour;
                    if (coloured) colour = WirePixels.ReadPixel(data, ref at, pf);
                    else colour = fg ?? throw new InvalidDataException($"Tile {tx},{ty} relies on a foreground nobody specified.");
                    byte xy = data[at++], wh = data[at++];
                    int sx = xy >> 4, sy = xy & 15, sw = (wh >> 4) + 1, sh = (wh & 15) + 1;
                    if (sx + sw > tw || sy + sh > th) throw new InvalidDataException($"Subrect {sw}x{sh}+{sx}+{sy} leaves the {tw}x{th} tile.");
                    for (int y = sy; y < sy + sh; y++)
                        for (int x = sx; x < sx + sw; x++)
                            pixels[(ty + y) * width + tx + x] = colour;
                }

                if (coloured) fg = null;
            }
        }

        consumed = at;
        return pixels;
    }
}
