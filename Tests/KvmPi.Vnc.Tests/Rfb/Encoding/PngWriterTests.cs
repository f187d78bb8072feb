// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using System.IO.Compression;
using KvmPi.Vnc.Rfb.Encoding.Png;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Server.Commands;

namespace KvmPi.Vnc.Tests.Rfb.Encoding;

public class PngWriterTests
{
    [Fact]
    public void Crc32MatchesTheKnownValues()
    {
        Assert.Equal(0xAE42_6082u, Crc32.Append(0, "IEND"u8));       // every PNG's last 4 bytes
        Assert.Equal(0xCBF4_3926u, Crc32.Append(0, "123456789"u8));  // the CRC-32 check value
        Assert.Equal(0xCBF4_3926u, Crc32.Append(Crc32.Append(0, "1234"u8), "56789"u8));
    }

    [Fact]
    public void ASnapshotFrameBecomesALosslessRgbPngWithUpFilteredRows()
    {
        // 3x2 BGRX: red green blue / white black grey, X bytes set to junk.
        byte[] bgrx =
        [
            0, 0, 255, 7, 0, 255, 0, 7, 255, 0, 0, 7,
            255, 255, 255, 7, 0, 0, 0, 7, 128, 128, 128, 7,
        ];
        byte[] png = SnapshotCommand.EncodePng(bgrx, 3, 2);

        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal(new byte[] { 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R', 0, 0, 0, 3, 0, 0, 0, 2, 8, 2, 0, 0, 0 }, png[8..29]);
        Assert.Equal(Crc32.Append(0, png.AsSpan(12, 17)), BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(29)));
        Assert.Equal(new byte[] { 0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82 }, png[^12..]);

        int idatLength = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(33));
        Assert.Equal("IDAT"u8.ToArray(), png[37..41]);
        Assert.Equal(Crc32.Append(0, png.AsSpan(37, 4 + idatLength)), BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(41 + idatLength)));
        using var zlib = new ZLibStream(new MemoryStream(png, 41, idatLength), CompressionMode.Decompress);
        var raw = new MemoryStream();
        zlib.CopyTo(raw);
        Assert.Equal(new byte[]
        {
            2, 255, 0, 0, 0, 255, 0, 0, 0, 255,                       // filter Up over a zero row: R G B as they are
            2, 0, 255, 255, 0, 1, 0, 128, 128, 128 - 255 + 256,        // minus the row above, modulo 256
        }, raw.ToArray());
    }

    [Fact]
    public void ChannelsNarrowerThan8BitsAreScaledToTheFullRange()
    {
        // RGB565 little-endian: pure red (31 << 11) and half green (32 << 5) become 255 and 130.
        var rgb565 = new PixelFormat(16, 16, false, true, 31, 63, 31, 11, 5, 0);
        using var writer = new PngWriter();
        byte[] png = writer.Encode([31u << 11, 32u << 5], 2, 1, rgb565, 6).ToArray();
        int idatLength = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(33));
        using var zlib = new ZLibStream(new MemoryStream(png, 41, idatLength), CompressionMode.Decompress);
        var raw = new MemoryStream();
        zlib.CopyTo(raw);
        Assert.Equal(new byte[] { 2, 255, 0, 0, 0, 130, 0 }, raw.ToArray());
    }
}
