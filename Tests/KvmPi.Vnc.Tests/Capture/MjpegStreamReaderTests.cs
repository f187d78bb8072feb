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

    /// <summary>
    /// Real images (from TurboJPEG) with seeded garbage between them, read through a stream that hands out random
    /// chunk sizes: every image comes out whole and in order, whatever the garbage and the chunks. Garbage here never
    /// holds 0xFF (a marker byte), as between a dongle's frames; the splitter's own tests cover markers in garbage.
    /// Then the same with any garbage at all: reading never throws and every frame it gives is SOI..EOI.
    /// </summary>
    [Fact]
    public void RandomGarbageAndChunkSizesNeitherLoseImagesNorThrow()
    {
        byte[][] images =
        [
            Support.TestJpegEncoder.Gradient(64, 48), Support.TestJpegEncoder.Solid(16, 16, 200, 10, 30),
            Support.TestJpegEncoder.Gradient(200, 120, blue: 9), Support.TestJpegEncoder.Solid(8, 8, 0, 0, 0),
        ];
        for (int seed = 1; seed <= 200; seed++)
        {
            var random = new Random(seed);
            bool anyGarbage = seed % 2 == 0;
            var stream = new List<byte>();
            var sent = new List<byte[]>();
            for (int n = random.Next(1, 12); n > 0; n--)
            {
                for (int g = random.Next(0, 40); g > 0; g--)
                    stream.Add(anyGarbage ? (byte)random.Next(256) : (byte)random.Next(255));
                byte[] image = images[random.Next(images.Length)];
                stream.AddRange(image);
                sent.Add(image);
            }
            using var reader = new MjpegStreamReader(new ChunkedStream([.. stream], random), initialBufferBytes: 64);
            var received = new List<byte[]>();
            for (int reads = 0; ; reads++)
            {
                Assert.True(reads < 10_000, $"seed {seed}: the reader does not end");
                MjpegReadResult result = reader.ReadNext(out ReadOnlySpan<byte> jpeg);
                if (result == MjpegReadResult.EndOfStream) break;
                if (result != MjpegReadResult.Frame) continue;
                Assert.True(jpeg.Length >= 4 && jpeg[0] == 0xFF && jpeg[1] == 0xD8 && jpeg[^2] == 0xFF && jpeg[^1] == 0xD9,
                    $"seed {seed}: a frame that is not SOI..EOI");
                received.Add(jpeg.ToArray());
            }
            if (!anyGarbage)
                Assert.True(sent.Count == received.Count && sent.Zip(received).All(p => p.First.AsSpan().SequenceEqual(p.Second)),
                    $"seed {seed}: sent {sent.Count} images, read {received.Count} (or other bytes)");
        }
    }

    /// <summary>A read-only stream that returns at most a random number of bytes a read, as a pipe or a device does.</summary>
    private sealed class ChunkedStream(byte[] data, Random random) : Stream
    {
        private int _position;
        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _position; set => _position = (int)value; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(Math.Min(count, data.Length - _position), random.Next(1, 300));
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => _position = (int)offset;
        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
