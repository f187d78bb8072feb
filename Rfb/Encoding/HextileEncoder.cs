// SPDX-License-Identifier: MIT
using System.Buffers;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Rfb.Protocol;

namespace KvmPi.Vnc.Rfb.Encoding;

/// <summary>
/// Hextile encoding (rfbproto "Hextile Encoding", number 5): the rectangle in 16×16 tiles, left to right, top to
/// bottom (right and bottom tiles may be smaller), each a background plus sub-rectangles, or raw.
/// </summary>
/// <remarks>
/// Per tile:
/// <code>
/// +---------+---------------+---------------+------------+---------------------------------------------+
/// | U8 mask | [PIXEL bg]    | [PIXEL fg]    | [U8 count] | count × ( [PIXEL colour] U8 x&lt;&lt;4|y  U8 (w-1)&lt;&lt;4|(h-1) ) |
/// +---------+---------------+---------------+------------+---------------------------------------------+
/// mask bits: 1 Raw (then tw × th PIXELs, nothing else), 2 BackgroundSpecified, 4 ForegroundSpecified,
///            8 AnySubrects, 16 SubrectsColoured (each sub-rectangle carries its own PIXEL; excludes bit 4)
/// </code>
/// Background and foreground carry over from the previous tile when not specified. The spec leaves their value
/// after a raw tile unclear, and libvncclient overwrites its foreground with each coloured sub-rectangle's colour,
/// so after a raw tile both are re-sent and after a coloured tile the foreground is re-sent: every decoder we target
/// (TigerVNC, libvncclient, gtk-vnc, noVNC) then agrees. The first non-raw tile of each rectangle always specifies
/// its background, as the spec requires.
/// Tiles with one colour are background only; two colours give foreground sub-rectangles; more give coloured
/// sub-rectangles. Each sub-rectangle is grown both ways (row first, column first) and the larger kept. A tile whose
/// encoding would be larger than raw is sent raw; on a tie the non-raw form wins, because a raw tile forces the
/// next tile to re-send its background.
/// One instance per session (it keeps scratch buffers); not thread-safe.
/// </remarks>
public sealed class HextileEncoder : IRectEncoder
{
    private const int Tile = 16;
    private const byte RawBit = 1, BackgroundSpecified = 2, ForegroundSpecified = 4, AnySubrects = 8, SubrectsColoured = 16;

    // Largest tile payload we ever stage: a raw tile is 1 + 16·16·4 = 1025 bytes, and a sub-rectangle encoding is
    // abandoned as soon as it exceeds the raw size, so it overshoots by at most one sub-rectangle (2 + 4 bytes)
    // plus the 10 header bytes.
    private const int ScratchBytes = 1 + Tile * Tile * 4 + 64;

    // Colour counting for tiles of 3+ colours: open addressing over at most 256 distinct values, load ≤ 1/2.
    private const int HashSlots = 512;

    private readonly byte[] _scratch = new byte[ScratchBytes];
    private readonly bool[] _covered = new bool[Tile * Tile];
    private readonly uint[] _keys = new uint[HashSlots];
    private readonly int[] _counts = new int[HashSlots];
    private readonly int[] _stamps = new int[HashSlots];
    private int _stamp;

    public EncodingType Encoding => EncodingType.Hextile;

    public void Encode(ReadOnlySpan<uint> pixels, int width, int height, PixelFormat format, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        EncoderGuard.CheckRect(pixels, width, height);
        var state = new CarriedColours();
        for (int ty = 0; ty < height; ty += Tile)
        {
            int th = Math.Min(Tile, height - ty);
            for (int tx = 0; tx < width; tx += Tile)
            {
                int tw = Math.Min(Tile, width - tx);
                EncodeTile(pixels.Slice(ty * width + tx), width, tw, th, format, output, ref state);
            }
        }
    }

    /// <summary>Background and foreground as the decoder last saw them in this rectangle.</summary>
    private struct CarriedColours
    {
        public uint Background, Foreground;
        public bool BackgroundValid, ForegroundValid;
    }

    private void EncodeTile(ReadOnlySpan<uint> px, int stride, int tw, int th, PixelFormat format,
        IBufferWriter<byte> output, ref CarriedColours state)
    {
        int bpp = format.BytesPerPixel;
        int rawSize = 1 + tw * th * bpp;

        // Classify: one colour, two colours, or more (then the most frequent is the background).
        uint c0 = px[0], c1 = 0;
        bool hasSecond = false, many = false;
        int n0 = 0;
        for (int y = 0; y < th && !many; y++)
        {
            ReadOnlySpan<uint> row = px.Slice(y * stride, tw);
            for (int x = 0; x < tw; x++)
            {
                uint p = row[x];
                if (p == c0) { n0++; continue; }
                if (!hasSecond) { c1 = p; hasSecond = true; }
                else if (p != c1) { many = true; break; }
            }
        }

        Span<byte> buf = _scratch;
        int len = 1;
        byte mask = 0;
        uint bg, fg = 0;
        if (!hasSecond)
        {
            bg = c0;
        }
        else if (!many)
        {
            int n1 = tw * th - n0;
            (bg, fg) = n0 >= n1 ? (c0, c1) : (c1, c0);
            mask |= AnySubrects;
        }
        else
        {
            bg = MostFrequent(px, stride, tw, th, out int distinct);
            mask |= AnySubrects | SubrectsColoured;
            // Every colour but the background needs at least one coloured sub-rectangle: if even that lower bound
            // exceeds raw (noisy photo tiles), skip the sub-rectangle search.
            if (2 + (long)(distinct - 1) * (2 + bpp) > rawSize)
            {
                WriteRawTile(px, stride, tw, th, format, output);
                state.BackgroundValid = state.ForegroundValid = false;
                return;
            }
        }

        if (!state.BackgroundValid || state.Background != bg)
        {
            mask |= BackgroundSpecified;
            len += PixelTranslator.WritePixel(format, bg, buf[len..]);
        }

        bool coloured = (mask & SubrectsColoured) != 0;
        if ((mask & AnySubrects) != 0 && !coloured && (!state.ForegroundValid || state.Foreground != fg))
        {
            mask |= ForegroundSpecified;
            len += PixelTranslator.WritePixel(format, fg, buf[len..]);
        }

        if ((mask & AnySubrects) != 0)
        {
            int countAt = len++;
            int count = WriteSubrects(px, stride, tw, th, bg, coloured, format, buf, ref len, rawSize);
            if (count < 0)
            {
                WriteRawTile(px, stride, tw, th, format, output);
                state.BackgroundValid = state.ForegroundValid = false;
                return;
            }

            buf[countAt] = (byte)count;
        }

        if (len > rawSize)
        {
            WriteRawTile(px, stride, tw, th, format, output);
            state.BackgroundValid = state.ForegroundValid = false;
            return;
        }

        buf[0] = mask;
        output.Write(buf[..len]);
        state.Background = bg;
        state.BackgroundValid = true;
        if ((mask & ForegroundSpecified) != 0)
        {
            state.Foreground = fg;
            state.ForegroundValid = true;
        }
        else if (coloured)
        {
            state.ForegroundValid = false;
        }
    }

    /// <summary>
    /// Covers every non-background pixel with sub-rectangles of one colour, appending them to <paramref name="buf"/>.
    /// Returns the count, or -1 once the tile would exceed the raw size (or need more than 255 sub-rectangles).
    /// </summary>
    private int WriteSubrects(ReadOnlySpan<uint> px, int stride, int tw, int th, uint bg, bool coloured,
        PixelFormat format, Span<byte> buf, ref int len, int rawSize)
    {
        bool[] covered = _covered;
        Array.Clear(covered);
        int perSubrect = 2 + (coloured ? format.BytesPerPixel : 0);
        int count = 0;
        for (int y = 0; y < th; y++)
        {
            for (int x = 0; x < tw; x++)
            {
                uint c = px[y * stride + x];
                if (c == bg || covered[y * Tile + x]) continue;

                // Row first: widest run, then as many rows as hold that whole run.
                int w1 = 1;
                while (x + w1 < tw && Same(px, stride, covered, x + w1, y, c)) w1++;
                int h1 = 1;
                while (y + h1 < th && RowSame(px, stride, covered, x, y + h1, w1, c)) h1++;
                // Column first: tallest run, then as many columns as hold it.
                int h2 = 1;
                while (y + h2 < th && Same(px, stride, covered, x, y + h2, c)) h2++;
                int w2 = 1;
                while (x + w2 < tw && ColumnSame(px, stride, covered, x + w2, y, h2, c)) w2++;
                (int w, int h) = w1 * h1 >= w2 * h2 ? (w1, h1) : (w2, h2);

                if (count == 255 || len + perSubrect > rawSize) return -1;
                if (coloured) len += PixelTranslator.WritePixel(format, c, buf[len..]);
                buf[len++] = (byte)((x << 4) | y);
                buf[len++] = (byte)(((w - 1) << 4) | (h - 1));
                count++;
                for (int yy = y; yy < y + h; yy++)
                    for (int xx = x; xx < x + w; xx++)
                        covered[yy * Tile + xx] = true;
            }
        }

        return count;
    }

    private static bool Same(ReadOnlySpan<uint> px, int stride, bool[] covered, int x, int y, uint c) =>
        px[y * stride + x] == c && !covered[y * Tile + x];

    private static bool RowSame(ReadOnlySpan<uint> px, int stride, bool[] covered, int x, int y, int w, uint c)
    {
        for (int i = 0; i < w; i++)
            if (!Same(px, stride, covered, x + i, y, c)) return false;
        return true;
    }

    private static bool ColumnSame(ReadOnlySpan<uint> px, int stride, bool[] covered, int x, int y, int h, uint c)
    {
        for (int i = 0; i < h; i++)
            if (!Same(px, stride, covered, x, y + i, c)) return false;
        return true;
    }

    private uint MostFrequent(ReadOnlySpan<uint> px, int stride, int tw, int th, out int distinct)
    {
        distinct = 0;
        if (++_stamp == int.MaxValue)
        {
            Array.Clear(_stamps);
            _stamp = 1;
        }

        int stamp = _stamp;
        uint best = px[0];
        int bestCount = 0;
        for (int y = 0; y < th; y++)
        {
            for (int x = 0; x < tw; x++)
            {
                uint p = px[y * stride + x];
                int slot = (int)((p * 0x9E3779B1u) >> 23); // Fibonacci hashing into 512 slots
                while (_stamps[slot] == stamp && _keys[slot] != p) slot = (slot + 1) & (HashSlots - 1);
                int n;
                if (_stamps[slot] != stamp)
                {
                    _stamps[slot] = stamp;
                    _keys[slot] = p;
                    n = _counts[slot] = 1;
                    distinct++;
                }
                else
                {
                    n = ++_counts[slot];
                }

                if (n > bestCount)
                {
                    bestCount = n;
                    best = p;
                }
            }
        }

        return best;
    }

    private static void WriteRawTile(ReadOnlySpan<uint> px, int stride, int tw, int th, PixelFormat format,
        IBufferWriter<byte> output)
    {
        int bpp = format.BytesPerPixel;
        Span<byte> span = output.GetSpan(1 + tw * th * bpp);
        span[0] = RawBit;
        int at = 1;
        for (int y = 0; y < th; y++)
        {
            PixelTranslator.Serialize(format, px.Slice(y * stride, tw), span[at..]);
            at += tw * bpp;
        }

        output.Advance(at);
    }
}
