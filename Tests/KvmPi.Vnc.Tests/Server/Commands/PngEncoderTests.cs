// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using System.IO.Compression;
using KvmPi.Vnc.Server.Commands;

namespace KvmPi.Vnc.Tests.Server.Commands;

public class PngEncoderTests
{
    [Fact]
    public void Crc32MatchesTheKnownValues()
    {
        Assert.Equal(0xAE42_6082u, PngEncoder.Crc32(0xFFFF_FFFFu, "IEND"u8) ^ 0xFFFF_FFFFu);   // every PNG's last 4 bytes
        Assert.Equal(0xCBF4_3926u, PngEncoder.Crc32(0xFFFF_FFFFu, "123456789"u8) ^ 0xFFFF_FFFFu); // the CRC-32 check value
    }

    [Fact]
    public void ABgrxImageBecomesALosslessRgbPng()
    {
        // 3x2, stride 16 (4 bytes of row padding): red green blue / white black grey, X bytes set to junk.
        byte[] bgrx =
        [
            0, 0, 255, 7, 0, 255, 0, 7, 255, 0, 0, 7, 9, 9, 9, 9,
            255, 255, 255, 7, 0, 0, 0, 7, 128, 128, 128, 7, 9, 9, 9, 9,
        ];
        byte[] png = PngEncoder.Encode(bgrx, 3, 2, 16);

        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal(new byte[] { 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R', 0, 0, 0, 3, 0, 0, 0, 2, 8, 2, 0, 0, 0 }, png[8..29]);
        Assert.Equal(PngEncoder.Crc32(0xFFFF_FFFFu, png.AsSpan(12, 17)) ^ 0xFFFF_FFFFu, BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(29)));
        Assert.Equal(new byte[] { 0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82 }, png[^12..]);

        int idatLength = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(33));
        Assert.Equal("IDAT"u8.ToArray(), png[37..41]);
        using var zlib = new ZLibStream(new MemoryStream(png, 41, idatLength), CompressionMode.Decompress);
        var raw = new MemoryStream();
        zlib.CopyTo(raw);
        Assert.Equal(new byte[]
        {
            0, 255, 0, 0, 0, 255, 0, 0, 0, 255,          // filter None, then R G B per pixel
            0, 255, 255, 255, 0, 0, 0, 128, 128, 128,
        }, raw.ToArray());
    }
}
