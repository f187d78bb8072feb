// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using System.IO.Compression;
using KvmPi.Vnc.Rfb.Pixels;

namespace KvmPi.Vnc.Tests.Support.Decoders;

/// <summary>
/// Test-only ZRLE decoder (rfbproto "ZRLE Encoding"), written from the spec. Like a client it keeps one inflate
/// stream for the whole connection and feeds it only each rectangle's bytes as they arrive, so it proves that every
/// rectangle was sync-flushed and that rectangles share the stream correctly. A rectangle whose zlib data held more or
/// fewer tile bytes than its tiles need desynchronises the next rectangle, which the multi-rect tests catch.
/// </summary>
internal sealed class ZrleDecoder : IDisposable
{
    private readonly AppendOnlyStream _input = new();
    private readonly ZLibStream _inflate;

    public ZrleDecoder() => _inflate = new ZLibStream(_input, CompressionMode.Decompress);

    /// <summary>Decodes one rectangle payload (U32 length + zlib data); returns the pixel values.</summary>
    public uint[] Decode(ReadOnlySpan<byte> payload, int width, int height, PixelFormat pf, out int consumed)
    {
        if (payload.Length < 4) throw new InvalidDataException("No ZRLE length.");
        int length = checked((int)BinaryPrimitives.ReadUInt32BigEndian(payload));
        if (payload.Length < 4 + length) throw new InvalidDataException("ZRLE data shorter than its length.");
        _input.Append(payload.Slice(4, length));
        consumed = 4 + length;

        var pixels = new uint[width * height];
        int cp = WirePixels.CPixelSize(pf, out _);
        Span<uint> palette = stackalloc uint[128];
        for (int ty = 0; ty < height; ty += 64)
        {
            int th = Math.Min(64, height - ty);
            for (int tx = 0; tx < width; tx += 64)
            {
                int tw = Math.Min(64, width - tx);
                int sub = ReadByte();
                int n = tw * th;
                var tile = new uint[n];
                if (sub == 0)
                {
                    for (int i = 0; i < n; i++) tile[i] = ReadCPixel(pf, cp);
                }
                else if (sub == 1)
                {
                    Array.Fill(tile, ReadCPixel(pf, cp));
                }
                else if (sub <= 16)
                {
                    for (int i = 0; i < sub; i++) palette[i] = ReadCPixel(pf, cp);
                    int bits = sub == 2 ? 1 : sub <= 4 ? 2 : 4;
                    for (int y = 0; y < th; y++)
                    {
                        int bitPos = 8, b = 0;
                        for (int x = 0; x < tw; x++)
                        {
                            if (bitPos == 8) { b = ReadByte(); bitPos = 0; }
                            int index = (b >> (8 - bits - bitPos)) & ((1 << bits) - 1);
                            bitPos += bits;
                            if (index >= sub) throw new InvalidDataException($"Packed index {index} outside a {sub}-colour palette.");
                            tile[y * tw + x] = palette[index];
                        }
                    }
                }
                else if (sub == 128)
                {
                    for (int i = 0; i < n;)
                    {
                        uint colour = ReadCPixel(pf, cp);
                        int run = ReadRunLength();
                        if (i + run > n) throw new InvalidDataException("Plain RLE run leaves the tile.");
                        tile.AsSpan(i, run).Fill(colour);
                        i += run;
                    }
                }
                else if (sub >= 130)
                {
                    int size = sub - 128;
                    for (int i = 0; i < size; i++) palette[i] = ReadCPixel(pf, cp);
                    for (int i = 0; i < n;)
                    {
                        int index = ReadByte();
                        int run = 1;
                        if ((index & 128) != 0) { index &= 127; run = ReadRunLength(); }
                        if (index >= size) throw new InvalidDataException($"Palette RLE index {index} outside {size} colours.");
                        if (i + run > n) throw new InvalidDataException("Palette RLE run leaves the tile.");
                        tile.AsSpan(i, run).Fill(palette[index]);
                        i += run;
                    }
                }
                else
                {
                    throw new InvalidDataException($"Undefined ZRLE subencoding {sub}.");
                }

                for (int y = 0; y < th; y++)
                    tile.AsSpan(y * tw, tw).CopyTo(pixels.AsSpan((ty + y) * width + tx, tw));
            }
        }

        return pixels;
    }

    /// <summary>Inflates the next <paramref name="count"/> bytes of the connection's stream (for golden checks).</summary>
    public byte[] InflateExactly(ReadOnlySpan<byte> payload, int count)
    {
        int length = checked((int)BinaryPrimitives.ReadUInt32BigEndian(payload));
        _input.Append(payload.Slice(4, length));
        var bytes = new byte[count];
        _inflate.ReadExactly(bytes);
        return bytes;
    }

    private int ReadByte()
    {
        int b = _inflate.ReadByte();
        if (b < 0) throw new InvalidDataException("Inflated data ended inside a tile.");
        return b;
    }

    private uint ReadCPixel(PixelFormat pf, int cp)
    {
        Span<byte> buf = stackalloc byte[4];
        for (int i = 0; i < cp; i++) buf[i] = (byte)ReadByte();
        int at = 0;
        return WirePixels.ReadCPixel(buf[..cp], ref at, pf);
    }

    private int ReadRunLength()
    {
        int run = 1, b;
        do { b = ReadByte(); run += b; } while (b == 255);
        return run;
    }

    public void Dispose() => _inflate.Dispose();
}
