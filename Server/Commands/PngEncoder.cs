// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using System.IO.Compression;

namespace KvmPi.Vnc.Server.Commands;

/// <summary>
/// A minimal lossless PNG writer for snapshots: 8-bit RGB, one IDAT, filter "None" on every row, zlib via
/// ZLibStream, CRC-32 from a table (System.IO.Hashing is not in the shared framework). PNG spec: signature, IHDR,
/// IDAT, IEND; each chunk is length, type, data, CRC of type + data.
/// </summary>
internal static class PngEncoder
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>Encodes a BGRX image (4 bytes a pixel, the 4th ignored) as RGB.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> bgrx, int width, int height, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (stride < width * 4 || bgrx.Length < (long)stride * (height - 1) + width * 4)
            throw new ArgumentException("image buffer too small", nameof(bgrx));

        var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            byte[] row = new byte[1 + width * 3];   // filter byte 0, then R G B
            for (int y = 0; y < height; y++)
            {
                ReadOnlySpan<byte> src = bgrx.Slice(y * stride, width * 4);
                for (int x = 0; x < width; x++)
                {
                    row[1 + x * 3] = src[x * 4 + 2];
                    row[2 + x * 3] = src[x * 4 + 1];
                    row[3 + x * 3] = src[x * 4];
                }
                zlib.Write(row);
            }
        }

        var png = new MemoryStream();
        png.Write(Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;    // bit depth
        header[9] = 2;    // colour type: truecolour (RGB)
        header[10] = 0;   // compression: deflate
        header[11] = 0;   // filter method 0
        header[12] = 0;   // no interlace
        WriteChunk(png, "IHDR"u8, header);
        WriteChunk(png, "IDAT"u8, compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        WriteChunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    private static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> field = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(field, data.Length);
        output.Write(field);
        output.Write(type);
        output.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(field, Crc32(Crc32(0xFFFF_FFFFu, type), data) ^ 0xFFFF_FFFFu);
        output.Write(field);
    }

    /// <summary>CRC-32 (ISO-HDLC, reflected polynomial 0xEDB88320) over <paramref name="data"/>, continuing from <paramref name="crc"/>.</summary>
    internal static uint Crc32(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB8_8320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
