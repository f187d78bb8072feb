// SPDX-License-Identifier: MIT
using System.IO.Compression;
using KvmPi.Vnc.Rfb.Encoding.Deflate;
using KvmPi.Vnc.Tests.Support;

namespace KvmPi.Vnc.Tests.Rfb.Encoding;

/// <summary>
/// PixelDeflater's output is inflated by .NET's zlib (zlib-ng's inflate, an independent decoder) as one stream
/// across calls, the way a viewer inflates a Tight or ZRLE stream rectangle by rectangle.
/// </summary>
public sealed class PixelDeflaterTests
{
    /// <summary>Inflates pieces of one zlib stream, each ending with a sync flush, as a viewer does.</summary>
    private sealed class StreamInflater : IDisposable
    {
        private readonly MemoryStream _input = new();
        private readonly ZLibStream _zlib;

        public StreamInflater() => _zlib = new ZLibStream(_input, CompressionMode.Decompress, leaveOpen: true);

        public byte[] Inflate(ReadOnlySpan<byte> piece, int expected)
        {
            long at = _input.Position;
            _input.Seek(0, SeekOrigin.End);
            _input.Write(piece);
            _input.Position = at;
            var result = new byte[expected];
            _zlib.ReadExactly(result);
            return result;
        }

        public void Dispose() => _zlib.Dispose();
    }

    public static TheoryData<string> Contents => ["zeros", "noise", "pixels", "text", "runs"];

    private static byte[] Make(string content, int bytes, int seed)
    {
        var random = new Random(seed);
        var data = new byte[bytes];
        switch (content)
        {
            case "noise":
                random.NextBytes(data);
                break;
            case "pixels":
                // A 3-byte-pixel image: rows of runs, every other row a copy of the one above.
                for (int i = 0; i + 3 <= bytes; i += 3)
                {
                    int row = i / 300, x = i % 300;
                    if ((row & 1) == 1 && i >= 300)
                    {
                        data[i] = data[i - 300]; data[i + 1] = data[i - 299]; data[i + 2] = data[i - 298];
                    }
                    else if (x > 0 && random.Next(4) != 0)
                    {
                        data[i] = data[i - 3]; data[i + 1] = data[i - 2]; data[i + 2] = data[i - 1];
                    }
                    else
                    {
                        data[i] = (byte)random.Next(256); data[i + 1] = (byte)random.Next(256); data[i + 2] = (byte)random.Next(256);
                    }
                }

                break;
            case "text":
                byte[] words = "the quick brown fox jumps over the lazy dog, pixel deflater "u8.ToArray();
                for (int i = 0; i < bytes; i++) data[i] = random.Next(20) == 0 ? (byte)random.Next(256) : words[(i * 7 + i / 13) % words.Length];
                break;
            case "runs":
                for (int i = 0; i < bytes;)
                {
                    int run = random.Next(1, 700);
                    byte v = (byte)random.Next(4);
                    for (int k = 0; k < run && i < bytes; k++) data[i++] = v;
                }

                break;
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Contents))]
    public void EveryPieceInflatesToItsInput(string content)
    {
        // Each block size: the smallest and largest allowed, the default, and Tight's.
        foreach (int blockSymbols in (int[])[1024, PixelDeflater.DefaultBlockSymbols, 32 * 1024, 64 * 1024])
        {
            var deflater = new PixelDeflater(blockSymbols);
            using var inflater = new StreamInflater();
            int[] sizes = [12, 1, 5000, 70_000, 196_608, 3, 40_000, 300_000];
            for (int k = 0; k < sizes.Length; k++)
            {
                byte[] data = Make(content, sizes[k], k);
                ReadOnlySpan<byte> piece = deflater.Compress(data, 3, 300);
                Assert.True(piece.EndsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0xFF, 0xFF]), "every piece ends with a sync flush");
                Assert.Equal(data, inflater.Inflate(piece, data.Length));
            }
        }
    }

    [Theory]
    [InlineData(1023)]
    [InlineData(64 * 1024 + 1)]
    public void BlockSizesOutsideTheLimitsAreRefused(int blockSymbols) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new PixelDeflater(blockSymbols));

    [Fact]
    public void MatchesReachIntoEarlierPieces()
    {
        var deflater = new PixelDeflater();
        using var inflater = new StreamInflater();
        byte[] data = Make("noise", 20_000, 1);
        int first = deflater.Compress(data, 3, 0).Length;
        ReadOnlySpan<byte> again = deflater.Compress(data, 3, 0);
        Assert.True(first > 20_000, "noise does not compress");
        Assert.True(again.Length < 1000, $"the same 20 KB again refers back to them ({again.Length} bytes)");
    }

    [Fact]
    public void ResetStartsANewStream()
    {
        var deflater = new PixelDeflater();
        byte[] data = Make("pixels", 30_000, 2);
        deflater.Compress(data, 3, 300);
        deflater.Reset();
        ReadOnlySpan<byte> piece = deflater.Compress(data, 3, 300);
        Assert.Equal(0x78, piece[0]);
        using var inflater = new StreamInflater();
        Assert.Equal(data, inflater.Inflate(piece, data.Length));
    }

    [Fact]
    public void PixelRepeatsCompressBetterThanZlibNgAtItsFastLevel()
    {
        // Three-byte pixels repeated left and above: zlib-ng's four-byte hash misses what PixelDeflater takes.
        byte[] data = Make("pixels", 196_608, 3);
        var deflater = new PixelDeflater();
        int ours = deflater.Compress(data, 3, 300).Length;
        using var sink = new MemoryStream();
        using (var zlib = new ZLibStream(sink, new ZLibCompressionOptions { CompressionLevel = 2 }, leaveOpen: true)) zlib.Write(data);
        Assert.True(ours < sink.Length, $"{ours} bytes against zlib-ng 2's {sink.Length}");
    }

    [Fact]
    public void GoldenBytes()
    {
        // "abcabcabcabc": the zlib header, a fixed-code block (literals a b c, a match of 9 at distance 3, end of
        // block), the sync flush (an empty stored block: 3 zero bits, padding, 00 00 FF FF). Then "abcabc": one match
        // of 6 at distance 3, reaching back into the first piece. (Checked against Python's zlib too.)
        var deflater = new PixelDeflater();
        Assert.Equal("78014A4C4A862300000000FFFF", Convert.ToHexString(deflater.Compress("abcabcabcabc"u8, 3, 0)));
        Assert.Equal("822000000000FFFF", Convert.ToHexString(deflater.Compress("abcabc"u8, 3, 0)));
    }

    [Fact]
    public void SteadyStateAllocatesNothing()
    {
        var deflater = new PixelDeflater();
        byte[] data = Make("pixels", 196_608, 4);
        deflater.Compress(data, 3, 300);
        long bytes = Allocations.LeastOverRounds(() => deflater.Compress(data, 3, 300));
        Assert.Equal(0, bytes);
    }
}
