// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using System.IO.Compression;
using KvmPi.Vnc.Capture.Mjpeg;
using KvmPi.Vnc.Rfb.Pixels;

namespace KvmPi.Vnc.Tests.Support.Decoders;

/// <summary>
/// Test-only Tight / TightPNG decoder, written from rfbproto "Tight Encoding" (and noVNC's reading of TightPNG). Like
/// a client it keeps four inflate streams for the whole connection, resets them when the control byte says so, and
/// feeds each only the bytes of the rectangle at hand, so a missing sync flush or a wrong stream id fails here.
/// JPEG goes through TurboJPEG's decoder, PNG through a small decoder that checks every CRC.
/// </summary>
internal sealed class TightDecoder : IDisposable
{
    private readonly AppendOnlyStream?[] _inputs = new AppendOnlyStream?[4];
    private readonly ZLibStream?[] _streams = new ZLibStream?[4];

    /// <summary>The subencoding of the last rectangle: "fill", "jpeg", "png", "copy", "mono", "palette", "gradient".</summary>
    public string LastKind { get; private set; } = "";

    /// <summary>The control byte of the last rectangle.</summary>
    public byte LastControl { get; private set; }

    /// <summary>Decodes one rectangle payload into client pixel values (JPEG/PNG: converted into the format).</summary>
    public uint[] Decode(ReadOnlySpan<byte> payload, int width, int height, PixelFormat pf, out int consumed)
    {
        int at = 0;
        byte ctl = payload[at++];
        LastControl = ctl;
        for (int i = 0; i < 4; i++)
        {
            if ((ctl & (1 << i)) == 0) continue;
            _streams[i]?.Dispose();
            _streams[i] = null;
            _inputs[i] = null;
        }

        int type = ctl >> 4;
        bool tpixel = pf.BitsPerPixel == 32 && pf.Depth == 24 && pf.RedMax == 255 && pf.GreenMax == 255 && pf.BlueMax == 255;
        int tp = tpixel ? 3 : pf.BytesPerPixel;
        var pixels = new uint[width * height];
        if (type == 8)
        {
            LastKind = "fill";
            Array.Fill(pixels, ReadTPixel(payload, ref at, pf, tpixel));
        }
        else if (type == 9)
        {
            LastKind = "jpeg";
            int n = ReadCompactLength(payload, ref at);
            DecodeJpeg(payload.Slice(at, n), width, height, pf, pixels);
            at += n;
        }
        else if (type == 10)
        {
            LastKind = "png";
            int n = ReadCompactLength(payload, ref at);
            DecodePng(payload.Slice(at, n), width, height, pf, pixels);
            at += n;
        }
        else if ((type & 8) == 0)
        {
            int stream = (ctl >> 4) & 3;
            int filter = (ctl & 0x40) != 0 ? payload[at++] : 0;
            if (filter == 0)
            {
                LastKind = "copy";
                byte[] data = ReadData(payload, ref at, stream, width * height * tp);
                int d = 0;
                for (int i = 0; i < pixels.Length; i++) pixels[i] = ReadTPixel(data, ref d, pf, tpixel);
            }
            else if (filter == 1)
            {
                int colours = payload[at++] + 1;
                var palette = new uint[colours];
                for (int c = 0; c < colours; c++) palette[c] = ReadTPixel(payload, ref at, pf, tpixel);
                if (colours == 2)
                {
                    LastKind = "mono";
                    int rowBytes = (width + 7) / 8;
                    byte[] data = ReadData(payload, ref at, stream, rowBytes * height);
                    for (int y = 0; y < height; y++)
                        for (int x = 0; x < width; x++)
                            pixels[y * width + x] = palette[(data[y * rowBytes + x / 8] >> (7 - x % 8)) & 1];
                }
                else
                {
                    LastKind = "palette";
                    byte[] data = ReadData(payload, ref at, stream, width * height);
                    for (int i = 0; i < pixels.Length; i++)
                    {
                        if (data[i] >= colours) throw new InvalidDataException($"Index {data[i]} outside a {colours}-colour palette.");
                        pixels[i] = palette[data[i]];
                    }
                }
            }
            else if (filter == 2 && tpixel)
            {
                // rfbproto gradient filter: each channel is the residual from left + above − above-left, clamped.
                LastKind = "gradient";
                byte[] data = ReadData(payload, ref at, stream, width * height * 3);
                var rgb = new byte[data.Length];
                int row = width * 3;
                for (int y = 0; y < height; y++)
                    for (int i = 0; i < row; i++)
                    {
                        int left = i >= 3 ? rgb[y * row + i - 3] : 0;
                        int up = y > 0 ? rgb[(y - 1) * row + i] : 0;
                        int upLeft = y > 0 && i >= 3 ? rgb[(y - 1) * row + i - 3] : 0;
                        int prediction = Math.Clamp(left + up - upLeft, 0, 255);
                        rgb[y * row + i] = (byte)(data[y * row + i] + prediction);
                    }
                int d = 0;
                for (int i = 0; i < pixels.Length; i++) pixels[i] = ReadTPixel(rgb, ref d, pf, tpixel);
            }
            else
            {
                throw new InvalidDataException($"Filter {filter} not expected from this server.");
            }
        }
        else
        {
            throw new InvalidDataException($"Control byte 0x{ctl:X2} is not a Tight subencoding a client may receive.");
        }

        consumed = at;
        return pixels;
    }

    public static int ReadCompactLength(ReadOnlySpan<byte> b, ref int at)
    {
        int n = b[at] & 0x7F;
        if ((b[at++] & 0x80) == 0) return n;
        n |= (b[at] & 0x7F) << 7;
        if ((b[at++] & 0x80) == 0) return n;
        return n | b[at++] << 14;
    }

    private byte[] ReadData(ReadOnlySpan<byte> payload, ref int at, int stream, int expected)
    {
        var data = new byte[expected];
        if (expected < 12)
        {
            payload.Slice(at, expected).CopyTo(data);
            at += expected;
            return data;
        }

        int n = ReadCompactLength(payload, ref at);
        AppendOnlyStream input = _inputs[stream] ??= new AppendOnlyStream();
        ZLibStream z = _streams[stream] ??= new ZLibStream(input, CompressionMode.Decompress);
        input.Append(payload.Slice(at, n));
        at += n;
        int got = 0;
        while (got < expected)
        {
            int r = z.Read(data, got, expected - got);
            if (r == 0) throw new InvalidDataException($"Stream {stream} ended after {got} of {expected} bytes: not sync-flushed?");
            got += r;
        }

        if (input.Available != 0) throw new InvalidDataException($"Stream {stream}: {input.Available} bytes left over.");
        return data;
    }

    private static uint ReadTPixel(ReadOnlySpan<byte> b, ref int at, PixelFormat pf, bool tpixel)
    {
        if (!tpixel) return WirePixels.ReadPixel(b, ref at, pf);
        uint v = (uint)b[at] << pf.RedShift | (uint)b[at + 1] << pf.GreenShift | (uint)b[at + 2] << pf.BlueShift;
        at += 3;
        return v;
    }

    private static void DecodeJpeg(ReadOnlySpan<byte> jpeg, int width, int height, PixelFormat pf, uint[] pixels)
    {
        using var decoder = new TurboJpegDecoder();
        if (decoder.Decode(jpeg) == JpegDecodeResult.Failed) throw new InvalidDataException("JPEG: " + decoder.LastError);
        if (decoder.Width != width || decoder.Height != height)
            throw new InvalidDataException($"JPEG is {decoder.Width}x{decoder.Height}, rectangle {width}x{height}.");
        new PixelTranslator(pf).TranslateRow(decoder.Pixels, pixels);
    }

    /// <summary>JPEG pixels as BGRX bytes, for PSNR.</summary>
    public static byte[] DecodeJpegBgrx(ReadOnlySpan<byte> jpeg)
    {
        using var decoder = new TurboJpegDecoder();
        if (decoder.Decode(jpeg) == JpegDecodeResult.Failed) throw new InvalidDataException("JPEG: " + decoder.LastError);
        return decoder.Pixels.ToArray();
    }

    private static void DecodePng(ReadOnlySpan<byte> png, int width, int height, PixelFormat pf, uint[] pixels)
    {
        byte[] rgb = PngDecoder.DecodeRgb(png, out int w, out int h);
        if (w != width || h != height) throw new InvalidDataException($"PNG is {w}x{h}, rectangle {width}x{height}.");
        var bgrx = new byte[w * h * 4];
        for (int i = 0; i < w * h; i++)
        {
            bgrx[i * 4] = rgb[i * 3 + 2];
            bgrx[i * 4 + 1] = rgb[i * 3 + 1];
            bgrx[i * 4 + 2] = rgb[i * 3];
        }

        new PixelTranslator(pf).TranslateRow(bgrx, pixels);
    }

    public void Dispose()
    {
        foreach (ZLibStream? s in _streams) s?.Dispose();
    }
}

/// <summary>Test-only PNG reader: 8-bit RGB, non-interlaced, every chunk CRC checked, all five row filters.</summary>
internal static class PngDecoder
{
    public static byte[] DecodeRgb(ReadOnlySpan<byte> png, out int width, out int height)
    {
        ReadOnlySpan<byte> signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        if (!png[..8].SequenceEqual(signature)) throw new InvalidDataException("No PNG signature.");
        int at = 8;
        width = height = 0;
        var idat = new MemoryStream();
        bool end = false;
        while (!end)
        {
            int length = checked((int)BinaryPrimitives.ReadUInt32BigEndian(png[at..]));
            ReadOnlySpan<byte> type = png.Slice(at + 4, 4);
            ReadOnlySpan<byte> data = png.Slice(at + 8, length);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png[(at + 8 + length)..]);
            if (crc != Crc(png.Slice(at + 4, 4 + length))) throw new InvalidDataException("PNG chunk CRC mismatch.");
            switch (System.Text.Encoding.ASCII.GetString(type))
            {
                case "IHDR":
                    width = (int)BinaryPrimitives.ReadUInt32BigEndian(data);
                    height = (int)BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
                    if (data[8] != 8 || data[9] != 2 || data[12] != 0) throw new InvalidDataException("Not 8-bit RGB, non-interlaced.");
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
                case "IEND":
                    end = true;
                    break;
            }

            at += 12 + length;
        }

        if (at != png.Length) throw new InvalidDataException("Bytes after IEND.");
        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        var raw = new MemoryStream();
        z.CopyTo(raw);
        byte[] f = raw.ToArray();
        int row = width * 3;
        if (f.Length != (row + 1) * height) throw new InvalidDataException($"PNG data {f.Length} bytes, expected {(row + 1) * height}.");
        var rgb = new byte[row * height];
        for (int y = 0; y < height; y++)
        {
            int filter = f[y * (row + 1)];
            for (int i = 0; i < row; i++)
            {
                int x = f[y * (row + 1) + 1 + i];
                int a = i >= 3 ? rgb[y * row + i - 3] : 0;
                int b = y > 0 ? rgb[(y - 1) * row + i] : 0;
                int c = i >= 3 && y > 0 ? rgb[(y - 1) * row + i - 3] : 0;
                int p = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"PNG filter {filter}."),
                };
                rgb[y * row + i] = (byte)(x + p);
            }
        }

        return rgb;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static uint Crc(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }

        return ~c;
    }
}
