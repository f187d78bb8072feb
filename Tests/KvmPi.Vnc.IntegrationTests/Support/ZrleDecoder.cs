// SPDX-License-Identifier: MIT
using System.IO.Compression;

namespace KvmPi.Vnc.IntegrationTests.Support;

/// <summary>
/// An independent ZRLE (encoding 16) decoder for 32 bpp formats with 3-byte CPIXELs, written from the RFB
/// specification, for the cases where libvncclient cannot be the oracle. One instance per connection: the zlib
/// stream continues across rectangles. Output pixels are 4 bytes in the client's pixel byte order.
/// </summary>
public sealed class ZrleDecoder : IDisposable
{
    private readonly FeedStream _input = new();
    private readonly ZLibStream _zlib;
    private readonly bool _bigEndian;
    private readonly bool _colourInLowBytes;

    /// <param name="bigEndian">The client pixel format's big-endian flag.</param>
    /// <param name="colourInLowBytes">True when all colour bits are in the pixel's least significant 3 bytes.</param>
    public ZrleDecoder(bool bigEndian, bool colourInLowBytes)
    {
        _bigEndian = bigEndian;
        _colourInLowBytes = colourInLowBytes;
        _zlib = new ZLibStream(_input, CompressionMode.Decompress);
    }

    /// <summary>Decodes one rectangle's zlib data into <paramref name="framebuffer"/> (stride fbWidth * 4).</summary>
    public void DecodeRect(byte[] compressed, int x0, int y0, int w, int h, byte[] framebuffer, int fbWidth)
    {
        _input.Feed(compressed);
        for (int ty = 0; ty < h; ty += 64)
        {
            for (int tx = 0; tx < w; tx += 64)
            {
                int tw = Math.Min(64, w - tx), th = Math.Min(64, h - ty);
                DecodeTile(framebuffer, fbWidth, x0 + tx, y0 + ty, tw, th);
            }
        }
        if (_input.Remaining != 0)
            throw new InvalidDataException($"ZRLE rectangle left {_input.Remaining} compressed bytes unread");
    }

    private byte U8()
    {
        int b = _zlib.ReadByte();
        if (b < 0)
            throw new InvalidDataException("ZRLE data ended inside a tile");
        return (byte)b;
    }

    /// <summary>Reads a CPIXEL and returns the 4 pixel bytes in wire order.</summary>
    private uint CPixel()
    {
        byte a = U8(), b = U8(), c = U8();
        // The 3 bytes are the pixel's significant bytes in the pixel's own byte order.
        uint value = _bigEndian ? (uint)(a << 16 | b << 8 | c) : (uint)(c << 16 | b << 8 | a);
        return _colourInLowBytes ? value : value << 8;
    }

    private void Put(byte[] fb, int fbWidth, int x, int y, uint value)
    {
        int i = (y * fbWidth + x) * 4;
        if (_bigEndian)
        {
            fb[i] = (byte)(value >> 24); fb[i + 1] = (byte)(value >> 16); fb[i + 2] = (byte)(value >> 8); fb[i + 3] = (byte)value;
        }
        else
        {
            fb[i] = (byte)value; fb[i + 1] = (byte)(value >> 8); fb[i + 2] = (byte)(value >> 16); fb[i + 3] = (byte)(value >> 24);
        }
    }

    private int RunLength()
    {
        int length = 1, b;
        do
        {
            b = U8();
            length += b;
        } while (b == 255);
        return length;
    }

    private void DecodeTile(byte[] fb, int fbWidth, int x0, int y0, int w, int h)
    {
        int sub = U8();
        if (sub == 0)
        {
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    Put(fb, fbWidth, x0 + x, y0 + y, CPixel());
        }
        else if (sub == 1)
        {
            uint p = CPixel();
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    Put(fb, fbWidth, x0 + x, y0 + y, p);
        }
        else if (sub <= 16)
        {
            var palette = new uint[sub];
            for (int i = 0; i < sub; i++)
                palette[i] = CPixel();
            int bits = sub == 2 ? 1 : sub <= 4 ? 2 : 4;
            for (int y = 0; y < h; y++)
            {
                int have = 0, current = 0;
                for (int x = 0; x < w; x++)
                {
                    if (have == 0)
                    {
                        current = U8();
                        have = 8;
                    }
                    have -= bits;
                    int index = (current >> have) & ((1 << bits) - 1);
                    if (index >= sub)
                        throw new InvalidDataException($"packed palette index {index} >= {sub}");
                    Put(fb, fbWidth, x0 + x, y0 + y, palette[index]);
                }
            }
        }
        else if (sub == 128 || sub >= 130)
        {
            uint[]? palette = null;
            if (sub >= 130)
            {
                palette = new uint[sub - 128];
                for (int i = 0; i < palette.Length; i++)
                    palette[i] = CPixel();
            }
            int total = w * h, done = 0;
            while (done < total)
            {
                uint p;
                int run = 1;
                if (palette == null)
                {
                    p = CPixel();
                    run = RunLength();
                }
                else
                {
                    int index = U8();
                    if ((index & 128) != 0)
                        run = RunLength();
                    index &= 127;
                    if (index >= palette.Length)
                        throw new InvalidDataException($"RLE palette index {index} >= {palette.Length}");
                    p = palette[index];
                }
                if (done + run > total)
                    throw new InvalidDataException($"RLE run past the tile end ({done}+{run} > {total})");
                for (int k = 0; k < run; k++, done++)
                    Put(fb, fbWidth, x0 + done % w, y0 + done / w, p);
            }
        }
        else
        {
            throw new InvalidDataException($"invalid ZRLE subencoding {sub}");
        }
    }

    public void Dispose() => _zlib.Dispose();

    /// <summary>The compressed bytes of the current rectangle, handed to the inflater on demand.</summary>
    private sealed class FeedStream : Stream
    {
        private byte[] _data = [];
        private int _pos;

        public int Remaining => _data.Length - _pos;

        public void Feed(byte[] data)
        {
            if (Remaining != 0)
                throw new InvalidDataException("previous rectangle's data not consumed");
            _data = data;
            _pos = 0;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(count, Remaining);
            Array.Copy(_data, _pos, buffer, offset, n);
            _pos += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
