// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Capture.Mjpeg;

namespace KvmPi.Vnc.Tests.Capture;

public sealed class MjpegStreamReaderTests
{
    private static byte[] Image(byte payload, int entropyBytes) =>
        [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0xFF, 0xD9, 0xFF, 0xDA, 0x00, 0x02, .. Enumerable.Repeat(payload, entropyBytes), 0xFF, 0xD9];

    [Fact]
    public void ImagesStraddlingRefillsComeOutWholeAndTheBufferGrowsForLargeOnes()
    {
        byte[][] images = [Image(1, 5), Image(2, 40), Image(3, 3), Image(4, 100)];
        byte[] stream = [0x00, .. images[0], .. images[1], 0x55, 0x66, .. images[2], .. images[3], 0xFF, 0xD8, 0xFF];
        using var reader = new MjpegStreamReader(new MemoryStream(stream), initialBufferBytes: 16);

        foreach (byte[] expected in images)
        {
            Assert.Equal(MjpegReadResult.Frame, reader.ReadNext(out ReadOnlySpan<byte> jpeg));
            Assert.True(jpeg.SequenceEqual(expected));
        }
        Assert.Equal(MjpegReadResult.Truncated, reader.ReadNext(out _));
        Assert.Equal(MjpegReadResult.EndOfStream, reader.ReadNext(out _));

        reader.Rewind();
        Assert.Equal(MjpegReadResult.Frame, reader.ReadNext(out ReadOnlySpan<byte> again));
        Assert.True(again.SequenceEqual(images[0]));
    }

    [Fact]
    public void CorruptImageIsReportedThenReadingContinues()
    {
        byte[] stream = [0xFF, 0xD8, 0x01, 0x02, .. Image(7, 4)];
        using var reader = new MjpegStreamReader(new MemoryStream(stream), initialBufferBytes: 16);
        Assert.Equal(MjpegReadResult.Corrupt, reader.ReadNext(out _));
        Assert.Equal(MjpegReadResult.Frame, reader.ReadNext(out ReadOnlySpan<byte> jpeg));
        Assert.True(jpeg.SequenceEqual(Image(7, 4)));
        Assert.Equal(MjpegReadResult.EndOfStream, reader.ReadNext(out _));
    }
}
