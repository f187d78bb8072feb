// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using KvmPi.Vnc.Rfb.Encoding.Deflate;
using KvmPi.Vnc.Rfb.Pixels;

namespace KvmPi.Vnc.Rfb.Encoding.Png;

/// <summary>
/// Writes a minimal PNG (ISO/IEC 15948): 8-bit RGB, one IDAT, every row with filter Up (repeated rows become zeros,
/// which deflate takes for almost nothing on desktop content). Used for TightPNG, which noVNC hands to the browser,
/// and by the server's `snapshot` command for its PNG files.
/// </summary>
/// <remarks>
/// <code>
/// 89 50 4E 47 0D 0A 1A 0A                           signature
/// chunk: U32 length, 4-byte type, data, U32 CRC-32 of type + data
///   IHDR  U32 width, U32 height, depth 8, colour type 2 (RGB), compression 0, filter 0, interlace 0
///   IDAT  zlib stream of the rows, each: filter byte 2 (Up), then width × R G B minus the row above
///   IEND  empty
/// </code>
/// Each image is its own complete zlib stream (PNG has no other kind). It comes from the server's own
/// <see cref="PixelDeflater"/>, which can begin a new stream without allocating (.NET's zlib needs a new deflate
/// state per stream: ~290 B a TightPNG rectangle, and zlib's deflateReset is not exposed), with the rows' pixels
/// and the pixel above as its neighbours. Rows go in pieces of about 256 KiB, each ending with a sync flush, so a
/// whole 1080p snapshot needs no image-sized buffers; a TightPNG rectangle (≤ 65536 px) is one piece. Not
/// thread-safe.
/// </remarks>
public sealed class PngWriter
{
    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private const int PieceBytes = 256 * 1024;
    private const byte FilterUp = 2;

    private readonly PixelDeflater _deflater = new();
    private bool _streamOpen;      // an Encode stopped (threw) before finishing its stream
    private byte[] _png = new byte[64 * 1024];
    private int _length;
    private byte[] _row = [];
    private byte[] _previous = [];
    private byte[] _filtered = [];

    /// <summary>
    /// Encodes client pixel values (row-major, no padding) as a PNG; the bytes stay valid until the next call.
    /// </summary>
    /// <param name="zlibLevel">
    /// zlib's 0..9, as TightLevels gives it for the client's compression level: how many earlier positions the
    /// deflater tries besides the neighbours (0 at levels 0..1, up to <see cref="PixelDeflater.MaxChain"/> at 8..9).
    /// </param>
    public ReadOnlySpan<byte> Encode(ReadOnlySpan<uint> pixels, int width, int height, PixelFormat format, int zlibLevel)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfLessThan(pixels.Length, checked(width * height));
        int rowBytes = checked(width * 3);
        int stride = rowBytes + 1;   // the filter byte, then the row
        int pieceRows = Math.Clamp(PieceBytes / stride, 1, height);
        if (_row.Length < rowBytes)
        {
            _row = new byte[rowBytes];
            _previous = new byte[rowBytes];
        }
        if (_filtered.Length < pieceRows * stride) _filtered = new byte[pieceRows * stride];
        int chain = Math.Min(PixelDeflater.MaxChain, Math.Clamp(zlibLevel, 0, 9) / 2);

        _length = 0;
        Put(Signature);
        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr[4..], (uint)height);
        ihdr[8] = 8;
        ihdr[9] = 2;
        ihdr[10] = ihdr[11] = ihdr[12] = 0;
        WriteChunk("IHDR"u8, ihdr);

        // IDAT: length patched once the zlib stream is complete.
        int idatStart = _length;
        Put([0, 0, 0, 0, (byte)'I', (byte)'D', (byte)'A', (byte)'T']);
        if (_streamOpen) _deflater.Reset();
        _streamOpen = true;
        uint adler = 1;
        Array.Clear(_previous, 0, rowBytes);
        for (int y = 0; y < height; y += pieceRows)
        {
            int rows = Math.Min(pieceRows, height - y);
            Span<byte> piece = _filtered.AsSpan(0, rows * stride);
            for (int r = 0; r < rows; r++)
            {
                ToRgb(pixels.Slice((y + r) * width, width), format, _row);
                Span<byte> filtered = piece.Slice(r * stride, stride);
                filtered[0] = FilterUp;
                Subtract(_row.AsSpan(0, rowBytes), _previous.AsSpan(0, rowBytes), filtered[1..]);
                (_row, _previous) = (_previous, _row);
            }

            adler = Adler32.Append(adler, piece);
            // Filtered rows: a pixel's bytes do not start at multiples of 3 (the filter byte), so no skipping within.
            Put(_deflater.Compress(piece, 3, stride, chain, skipWithinPixel: false));
        }

        Put(_deflater.Finish(adler));
        _streamOpen = false;

        int dataLength = _length - idatStart - 8;
        BinaryPrimitives.WriteUInt32BigEndian(_png.AsSpan(idatStart), (uint)dataLength);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.Append(0, _png.AsSpan(idatStart + 4, dataLength + 4)));
        Put(crc);
        WriteChunk("IEND"u8, ReadOnlySpan<byte>.Empty);
        return _png.AsSpan(0, _length);
    }

    /// <summary>Filter Up: each byte minus the one above, modulo 256.</summary>
    private static void Subtract(ReadOnlySpan<byte> row, ReadOnlySpan<byte> above, Span<byte> residual)
    {
        int i = 0;
        for (; i <= row.Length - Vector128<byte>.Count; i += Vector128<byte>.Count)
            (Vector128.Create(row[i..]) - Vector128.Create(above[i..])).CopyTo(residual[i..]);
        for (; i < row.Length; i++) residual[i] = (byte)(row[i] - above[i]);
    }

    private void Put(ReadOnlySpan<byte> bytes)
    {
        if (_png.Length - _length < bytes.Length)
            Array.Resize(ref _png, (int)Math.Min(Array.MaxLength, Math.Max((long)_length + bytes.Length, 2L * _png.Length)));
        bytes.CopyTo(_png.AsSpan(_length));
        _length += bytes.Length;
    }

    private void WriteChunk(ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, (uint)data.Length);
        Put(b);
        Put(type);
        Put(data);
        uint crc = Crc32.Append(Crc32.Append(0, type), data);
        BinaryPrimitives.WriteUInt32BigEndian(b, crc);
        Put(b);
    }

    /// <summary>Client pixel values → 8-bit R, G, B, each channel scaled from 0..max to 0..255.</summary>
    private static void ToRgb(ReadOnlySpan<uint> values, PixelFormat f, Span<byte> rgb)
    {
        for (int i = 0, o = 0; i < values.Length; i++, o += 3)
        {
            uint v = values[i];
            rgb[o] = Channel(v, f.RedShift, f.RedMax);
            rgb[o + 1] = Channel(v, f.GreenShift, f.GreenMax);
            rgb[o + 2] = Channel(v, f.BlueShift, f.BlueMax);
        }
    }

    private static byte Channel(uint v, int shift, int max) =>
        max == 255 ? (byte)(v >> shift) : (byte)((((v >> shift) & (uint)max) * 255 + (uint)max / 2) / (uint)max);
}
