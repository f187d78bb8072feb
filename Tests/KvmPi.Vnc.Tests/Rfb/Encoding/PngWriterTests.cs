// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using System.IO.Compression;
using KvmPi.Vnc.Rfb.Encoding.Png;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Server.Commands;
using KvmPi.Vnc.Tests.Support;

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
        var writer = new PngWriter();
        byte[] png = writer.Encode([31u << 11, 32u << 5], 2, 1, rgb565, 6).ToArray();
        int idatLength = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(33));
        using var zlib = new ZLibStream(new MemoryStream(png, 41, idatLength), CompressionMode.Decompress);
        var raw = new MemoryStream();
        zlib.CopyTo(raw);
        Assert.Equal(new byte[] { 2, 255, 0, 0, 0, 130, 0 }, raw.ToArray());
    }

    private static readonly PixelFormat Rgbx = new(32, 24, false, true, 255, 255, 255, 0, 8, 16);   // noVNC's

    /// <summary>
    /// An independent reading of the PNG: chunks and their CRCs checked, the IDATs inflated by .NET's zlib (which
    /// checks the Adler-32 and the final block), filter Up undone; returns R G B per pixel.
    /// </summary>
    private static byte[] Decode(ReadOnlySpan<byte> png, out int width, out int height)
    {
        Assert.True(png[..8].SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }));
        width = height = 0;
        var idat = new MemoryStream();
        int at = 8;
        bool ended = false;
        while (!ended)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png[at..]);
            ReadOnlySpan<byte> type = png.Slice(at + 4, 4);
            ReadOnlySpan<byte> data = png.Slice(at + 8, length);
            Assert.Equal(Crc32.Append(0, png.Slice(at + 4, 4 + length)), BinaryPrimitives.ReadUInt32BigEndian(png[(at + 8 + length)..]));
            if (type.SequenceEqual("IHDR"u8))
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                Assert.Equal(new byte[] { 8, 2, 0, 0, 0 }, data[8..].ToArray());
            }
            else if (type.SequenceEqual("IDAT"u8)) idat.Write(data);
            else ended = type.SequenceEqual("IEND"u8);
            at += 12 + length;
        }
        Assert.Equal(png.Length, at);

        idat.Position = 0;
        using var zlib = new ZLibStream(idat, CompressionMode.Decompress);
        var raw = new MemoryStream();
        zlib.CopyTo(raw);
        byte[] filtered = raw.ToArray();
        int rowBytes = width * 3;
        Assert.Equal(height * (rowBytes + 1), filtered.Length);
        var rgb = new byte[height * rowBytes];
        for (int y = 0; y < height; y++)
        {
            Assert.Equal(2, filtered[y * (rowBytes + 1)]);
            for (int i = 0; i < rowBytes; i++)
                rgb[y * rowBytes + i] = (byte)(filtered[y * (rowBytes + 1) + 1 + i] + (y > 0 ? rgb[(y - 1) * rowBytes + i] : 0));
        }
        return rgb;
    }

    /// <summary>A desktop-like picture: flat areas, repeated rows, a gradient and noise.</summary>
    private static uint[] Picture(int width, int height, int seed)
    {
        var random = new Random(seed);
        var pixels = new uint[width * height];
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        {
            pixels[y * width + x] = (x / 37 % 3) switch
            {
                0 => 0x00_30_60_90u,
                1 => (uint)(x * 3 % 256) | (uint)(y * 5 % 256) << 8 | 0x40u << 16,
                _ => (uint)random.Next(0x100_0000),
            };
        }
        return pixels;
    }

    private static byte[] Rgb(uint[] rgbx)
    {
        var rgb = new byte[rgbx.Length * 3];
        for (int i = 0; i < rgbx.Length; i++)
        {
            rgb[3 * i] = (byte)rgbx[i];
            rgb[3 * i + 1] = (byte)(rgbx[i] >> 8);
            rgb[3 * i + 2] = (byte)(rgbx[i] >> 16);
        }
        return rgb;
    }

    [Fact]
    public void GoldenBytes()
    {
        // The 3x2 snapshot above, whole: IHDR, then the IDAT's zlib stream from PixelDeflater (header 78 01, the rows
        // as a fixed-code block, a sync flush, the final empty block 03 00, Adler-32 3F 1A 06 82 of the filtered rows),
        // IEND. Checked with Python's zlib.decompress (which verifies the stream's end and checksum) and binascii.crc32.
        byte[] bgrx =
        [
            0, 0, 255, 7, 0, 255, 0, 7, 255, 0, 0, 7,
            255, 255, 255, 7, 0, 0, 0, 7, 128, 128, 128, 7,
        ];
        Assert.Equal(
            "89504E470D0A1A0A0000000D49484452000000030000000208020000001216F14D"
            + "0000001F49444154780162FACFC0C000C64C0CFFFF33303234343402000000FFFF03003F1A0682B424C5EC"
            + "0000000049454E44AE426082",
            Convert.ToHexString(SnapshotCommand.EncodePng(bgrx, 3, 2)));
    }

    [Theory]
    [InlineData(1, 1, 0)]
    [InlineData(64, 64, 2)]
    [InlineData(1920, 34, 4)]      // a TightPNG rectangle of a 1080p frame
    [InlineData(1000, 200, 6)]     // several 256 KiB pieces, each ending with a sync flush
    [InlineData(300, 17, 9)]
    public void ImagesDecodeToTheirPixels(int width, int height, int zlibLevel)
    {
        var writer = new PngWriter();
        uint[] pixels = Picture(width, height, width + height);
        byte[] png = writer.Encode(pixels, width, height, Rgbx, zlibLevel).ToArray();
        Assert.Equal(Rgb(pixels), Decode(png, out int w, out int h));
        Assert.Equal((width, height), (w, h));
    }

    [Fact]
    public void AWriterServesImagesOfEverySizeInTurn()
    {
        // The deflater's history and the row buffers of one image must not leak into the next.
        var writer = new PngWriter();
        foreach ((int width, int height, int seed) in (ReadOnlySpan<(int, int, int)>)[(500, 40, 1), (20, 20, 2), (500, 40, 1), (700, 3, 3), (20, 20, 2)])
        {
            uint[] pixels = Picture(width, height, seed);
            byte[] png = writer.Encode(pixels, width, height, Rgbx, 4).ToArray();
            Assert.Equal(Rgb(pixels), Decode(png, out _, out _));
            Assert.Equal(new PngWriter().Encode(pixels, width, height, Rgbx, 4).ToArray(), png);   // as from a new writer
        }
    }

    [Fact]
    public void SteadyStateAllocatesNothing()
    {
        var writer = new PngWriter();
        uint[] pixels = Picture(1920, 34, 5);
        writer.Encode(pixels, 1920, 34, Rgbx, 4);
        writer.Encode(pixels, 64, 64, Rgbx, 6);
        long bytes = Allocations.LeastOverRounds(() =>
        {
            writer.Encode(pixels, 1920, 34, Rgbx, 4);
            writer.Encode(pixels, 64, 64, Rgbx, 6);
        });
        Assert.Equal(0, bytes);
    }
}
