// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using System.IO.Compression;
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
/// Each image is its own zlib stream (PNG has no other kind), so each costs a new deflate state. Not thread-safe.
/// </remarks>
public sealed class PngWriter : IDisposable
{
    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly MemoryStream _out = new();
    private byte[] _row = [];
    private byte[] _previous = [];
    private byte[] _filtered = [];

    /// <summary>
    /// Encodes client pixel values (row-major, no padding) as a PNG; the bytes stay valid until the next call.
    /// </summary>
    public ReadOnlySpan<byte> Encode(ReadOnlySpan<uint> pixels, int width, int height, PixelFormat format, int zlibLevel)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        int rowBytes = width * 3;
        if (_row.Length < rowBytes)
        {
            _row = new byte[rowBytes];
            _previous = new byte[rowBytes];
            _filtered = new byte[rowBytes + 1];
        }

        _out.SetLength(0);
        _out.Write(Signature);
        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr[4..], (uint)height);
        ihdr[8] = 8;
        ihdr[9] = 2;
        ihdr[10] = ihdr[11] = ihdr[12] = 0;
        WriteChunk("IHDR"u8, ihdr);

        // IDAT: length patched once the zlib stream is complete.
        long idatStart = _out.Position;
        Span<byte> head = stackalloc byte[8];
        "IDAT"u8.CopyTo(head[4..]);
        _out.Write(head);
        Array.Clear(_previous, 0, rowBytes);
        using (var zlib = new ZLibStream(_out, new ZLibCompressionOptions { CompressionLevel = Math.Clamp(zlibLevel, 0, 9) }, leaveOpen: true))
        {
            for (int y = 0; y < height; y++)
            {
                ToRgb(pixels.Slice(y * width, width), format, _row);
                _filtered[0] = 2; // Up
                for (int i = 0; i < rowBytes; i++) _filtered[i + 1] = (byte)(_row[i] - _previous[i]);
                zlib.Write(_filtered, 0, rowBytes + 1);
                (_row, _previous) = (_previous, _row);
            }
        }

        long idatEnd = _out.Position;
        byte[] buffer = _out.GetBuffer();
        int dataLength = checked((int)(idatEnd - idatStart - 8));
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan((int)idatStart), (uint)dataLength);
        uint crc = Crc32.Append(0, buffer.AsSpan((int)idatStart + 4, dataLength + 4));
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(tail, crc);
        _out.Write(tail);
        WriteChunk("IEND"u8, ReadOnlySpan<byte>.Empty);
        return _out.GetBuffer().AsSpan(0, checked((int)_out.Length));
    }

    private void WriteChunk(ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, (uint)data.Length);
        _out.Write(b);
        _out.Write(type);
        _out.Write(data);
        uint crc = Crc32.Append(Crc32.Append(0, type), data);
        BinaryPrimitives.WriteUInt32BigEndian(b, crc);
        _out.Write(b);
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

    public void Dispose()
    {
        _out.Dispose();
    }
}
