// SPDX-License-Identifier: MIT
using System.IO.Compression;
using KvmPi.Vnc.Rfb.Encoding.Deflate;
using KvmPi.Vnc.Tests.Support;

namespace KvmPi.Vnc.Tests.Rfb.Encoding;

/// <summary>
/// <see cref="PixelDeflater.Finish"/> makes complete zlib streams (as a PNG's IDAT needs), checked by .NET's zlib
/// (zlib-ng's inflate), which verifies the Adler-32 trailer and refuses data after the final block.
/// </summary>
public sealed class PixelDeflaterFinishTests
{
    private static byte[] InflateWhole(byte[] stream)
    {
        using var zlib = new ZLibStream(new MemoryStream(stream), CompressionMode.Decompress);
        var result = new MemoryStream();
        zlib.CopyTo(result);
        return result.ToArray();
    }

    private static byte[] Pixels(int bytes, int seed)
    {
        var random = new Random(seed);
        var data = new byte[bytes];
        for (int i = 0; i < bytes; i++) data[i] = i >= 3 && random.Next(3) != 0 ? data[i - 3] : (byte)random.Next(256);
        return data;
    }

    [Fact]
    public void GoldenBytes()
    {
        // An empty stream: the header, a final empty fixed-code block (bits 1, 01, then the seven zero bits of end of
        // block: 03 00), the Adler-32 of nothing (1). zlib itself ends an empty stream with the same five bytes.
        var deflater = new PixelDeflater();
        Assert.Equal("7801030000000001", Convert.ToHexString(deflater.Finish(1)));

        // "abcabcabcabc" as in PixelDeflaterTests.GoldenBytes, then the end: 03 00 and the Adler-32 (big-endian).
        Assert.Equal("78014A4C4A862300000000FFFF", Convert.ToHexString(deflater.Compress("abcabcabcabc"u8, 3, 0)));
        Assert.Equal("0300" + Adler32.Append(1, "abcabcabcabc"u8).ToString("X8"), Convert.ToHexString(deflater.Finish(Adler32.Append(1, "abcabcabcabc"u8))));
    }

    [Fact]
    public void PiecesAndTheEndInflateAsOneCompleteStream()
    {
        var deflater = new PixelDeflater();
        byte[] data = Pixels(300_000, 1);
        for (int image = 0; image < 3; image++)   // each stream after a Finish starts afresh, header included
        {
            var stream = new MemoryStream();
            uint adler = 1;
            for (int at = 0; at < data.Length; at += 70_001)
            {
                ReadOnlySpan<byte> piece = data.AsSpan(at, Math.Min(70_001, data.Length - at));
                adler = Adler32.Append(adler, piece);
                stream.Write(deflater.Compress(piece, 3, 901, chain: image));
            }
            stream.Write(deflater.Finish(adler));
            Assert.Equal(data, InflateWhole(stream.ToArray()));
        }
    }

    [Fact]
    public void AWrongChecksumIsRefused()
    {
        // The trailer really is checked by the decoder the other tests rely on.
        var deflater = new PixelDeflater();
        byte[] data = Pixels(1000, 2);
        var stream = new MemoryStream();
        stream.Write(deflater.Compress(data, 3, 0));
        stream.Write(deflater.Finish(Adler32.Append(1, data) ^ 1));
        Assert.Throws<InvalidDataException>(() => InflateWhole(stream.ToArray()));
    }

    [Fact]
    public void SteadyStateAllocatesNothing()
    {
        var deflater = new PixelDeflater();
        byte[] data = Pixels(196_608, 3);
        deflater.Compress(data, 3, 300);
        deflater.Finish(1);
        long bytes = Allocations.LeastOverRounds(() =>
        {
            deflater.Compress(data, 3, 300);
            deflater.Finish(1);
        });
        Assert.Equal(0, bytes);
    }
}
