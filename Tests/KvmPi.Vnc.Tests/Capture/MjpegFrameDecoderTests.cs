// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using KvmPi.Vnc.Capture.Mjpeg;
using KvmPi.Vnc.Capture.Mjpeg.Partial;
using KvmPi.Vnc.Tests.Support;

namespace KvmPi.Vnc.Tests.Capture;

/// <summary>
/// The partial decoder must give exactly the picture a whole decode gives, frame after frame: sequences are decoded
/// both ways and every pixel compared, and the rows it reports unchanged must really be unchanged.
/// </summary>
public sealed class MjpegFrameDecoderTests
{
    /// <summary>A terminal-like picture: a gradient backdrop (so DC values vary) with "characters" typed one per frame.</summary>
    private sealed class TypingScreen(int width, int height, int seed)
    {
        private readonly Random _random = new(seed);
        public readonly byte[] Pixels = Backdrop(width, height);

        private static byte[] Backdrop(int width, int height)
        {
            var p = new byte[width * height * 4];
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    int i = (y * width + x) * 4;
                    p[i] = (byte)(40 + x * 60 / width);
                    p[i + 1] = (byte)(30 + y * 50 / height);
                    p[i + 2] = (byte)((x ^ y) & 16);
                }
            return p;
        }

        /// <summary>Draws a 7x12 glyph-like block of random strokes at (x, y).</summary>
        public void Type(int x, int y)
        {
            byte shade = (byte)_random.Next(120, 256);
            for (int dy = 0; dy < 12; dy++)
                for (int dx = 0; dx < 7; dx++)
                {
                    if (x + dx >= width || y + dy >= height || _random.Next(3) != 0) continue;
                    int i = ((y + dy) * width + x + dx) * 4;
                    Pixels[i] = Pixels[i + 1] = Pixels[i + 2] = shade;
                }
        }

        public void Fill(int x0, int y0, int w, int h, byte r, byte g, byte b)
        {
            for (int y = y0; y < Math.Min(height, y0 + h); y++)
                for (int x = x0; x < Math.Min(width, x0 + w); x++)
                {
                    int i = (y * width + x) * 4;
                    (Pixels[i], Pixels[i + 1], Pixels[i + 2]) = (b, g, r);
                }
        }
    }

    /// <summary>Typing here and there, two places at once, a large change, damaged frames, and typing again.</summary>
    private static List<byte[]> Sequence(int width, int height, int subsampling, int quality)
    {
        var screen = new TypingScreen(width, height, seed: width * 31 + subsampling);
        var frames = new List<byte[]>();
        void Add() => frames.Add(TestJpegEncoder.Encode(screen.Pixels, width, height, quality, subsampling));
        Add();
        for (int i = 0; i < 12; i++) { screen.Type(8 + 8 * i, height / 2); Add(); }
        for (int i = 0; i < 4; i++) { screen.Type(width - 9, 0); screen.Type(5 * i, height - 12); Add(); }   // top and bottom edges
        for (int i = 0; i < 4; i++) { screen.Type(width / 3 + 8 * i, 20); screen.Type(width / 4, height - 30); Add(); }
        screen.Fill(0, 0, width, height * 3 / 4, 200, 180, 20); Add();    // most of the screen changes
        for (int i = 0; i < 6; i++) { screen.Type(30 + 8 * i, height / 3); Add(); }
        byte[] good = frames[^1];
        frames.Add([.. good.AsSpan(0, good.Length / 2), 0xFF, 0xD9]);     // truncated: libjpeg warns, decodes the rest grey
        screen.Type(40, 40); Add();
        byte[] corrupt = (byte[])frames[^1].Clone();
        corrupt[corrupt.Length / 2] ^= 0x5A;                                // damaged entropy data
        frames.Add(corrupt);
        for (int i = 0; i < 6; i++) { screen.Type(100 + 8 * i, height - 40); Add(); }
        return frames;
    }

    [Theory]
    [InlineData(320, 240, 1, 85)]    // 4:2:2, as the HDMI dongles (and the load tool's content)
    [InlineData(333, 257, 2, 90)]    // 4:2:0, partial MCUs at the right and bottom edges
    [InlineData(200, 136, 0, 95)]    // 4:4:4
    [InlineData(250, 100, 3, 80)]    // grey
    public void PartialDecodesGiveExactlyTheWholeDecodesPicture(int width, int height, int subsampling, int quality)
    {
        List<byte[]> frames = Sequence(width, height, subsampling, quality);
        using var partial = new MjpegFrameDecoder();
        using var whole = new MjpegFrameDecoder { DecodeChangedRowsOnly = false };
        byte[] before = new byte[width * height * 4];
        for (int f = 0; f < frames.Count; f++)
        {
            JpegDecodeResult expected = whole.Decode(frames[f]);
            JpegDecodeResult actual = partial.Decode(frames[f]);
            Assert.Equal(expected, actual);
            if (actual == JpegDecodeResult.Failed)
                continue;
            Assert.True(partial.Pixels.SequenceEqual(whole.Pixels), $"frame {f}: pixels differ from a whole decode");
            // Rows outside the reported band are the previous picture's.
            int stride = width * 4;
            for (int y = 0; y < height; y++)
            {
                if (y >= partial.ChangedTop && y < partial.ChangedBottom) continue;
                Assert.True(partial.Pixels.Slice(y * stride, stride).SequenceEqual(before.AsSpan(y * stride, stride)),
                    $"frame {f}: row {y} changed outside the reported rows {partial.ChangedTop}..{partial.ChangedBottom}");
            }
            partial.Pixels.CopyTo(before);
        }
        // Typing frames after the first two must have gone the partial way (the test is about that path).
        Assert.True(partial.PartialDecodes >= 20, $"only {partial.PartialDecodes} partial decodes");
    }

    /// <summary>
    /// A capture device can deliver any bytes. Damaged copies of the frames (bytes flipped in the headers or the
    /// coded data, cut short, bytes inserted, segment lengths and the image size rewritten; seeded) go in between the
    /// frames, examined first as the capture does: nothing may throw, a damaged frame reports rows inside the
    /// picture, and every good frame after one is decoded exactly as a whole decode decodes it.
    /// </summary>
    [Theory]
    [InlineData(320, 240, 1, 85)]
    [InlineData(333, 257, 2, 90)]
    public void DamagedFramesAnywhereNeitherThrowNorSpoilTheFramesAfter(int width, int height, int subsampling, int quality)
    {
        List<byte[]> frames = Sequence(width, height, subsampling, quality);
        using var partial = new MjpegFrameDecoder();
        using var whole = new MjpegFrameDecoder { DecodeChangedRowsOnly = false };
        var random = new Random(width + subsampling);
        int damaged = 0;
        for (int round = 0; round < 6; round++)
        {
            for (int f = 0; f < frames.Count; f++)
            {
                if (random.Next(3) == 0)
                {
                    byte[] bad = Damage(frames[f], random);
                    damaged++;
                    partial.TryExamine(bad, out _, out _, out double share, out _);
                    Assert.InRange(share, 0.0, 1.0);
                    partial.Decode(bad);
                    Assert.True(partial.ChangedTop >= 0 && partial.ChangedTop <= partial.ChangedBottom && partial.ChangedBottom <= Math.Max(partial.Height, height),
                        $"round {round}, damaged frame {f}: rows {partial.ChangedTop}..{partial.ChangedBottom}");
                    whole.Decode(bad);
                }

                partial.TryExamine(frames[f], out _, out _, out _, out _);
                JpegDecodeResult actual = partial.Decode(frames[f]);
                JpegDecodeResult expected = whole.Decode(frames[f]);
                Assert.True(expected == actual, $"round {round}, frame {f}: {actual} where a whole decode gives {expected}");
                if (actual != JpegDecodeResult.Failed)
                    Assert.True(partial.Pixels.SequenceEqual(whole.Pixels), $"round {round}, frame {f}: pixels differ from a whole decode");
            }
        }
        Assert.True(damaged > 50, $"only {damaged} damaged frames");
        Assert.True(partial.PartialDecodes > 20, $"only {partial.PartialDecodes} partial decodes");
    }

    /// <summary>A damaged copy of <paramref name="jpeg"/>: one of the ways a capture's bytes go wrong.</summary>
    private static byte[] Damage(byte[] jpeg, Random random)
    {
        byte[] bad = (byte[])jpeg.Clone();
        switch (random.Next(6))
        {
            case 0:   // bytes flipped anywhere
                for (int n = random.Next(1, 5); n > 0; n--) bad[random.Next(bad.Length)] ^= (byte)random.Next(1, 256);
                return bad;
            case 1:   // bytes flipped in the headers
                for (int n = random.Next(1, 4); n > 0; n--) bad[random.Next(2, Math.Min(bad.Length, 700))] = (byte)random.Next(256);
                return bad;
            case 2:   // cut short
                return bad[..random.Next(2, bad.Length)];
            case 3:   // bytes inserted (a marker, often)
            {
                int at = random.Next(2, bad.Length);
                byte[] insert = random.Next(2) == 0 ? [0xFF, (byte)random.Next(0xC0, 0x100)] : [(byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)];
                return [.. bad.AsSpan(0, at), .. insert, .. bad.AsSpan(at)];
            }
            case 4:   // a segment's length rewritten
            {
                var segments = new List<int>();
                for (int i = 2; i + 3 < bad.Length && segments.Count < 12; i++)
                    if (bad[i] == 0xFF && bad[i + 1] is >= 0xC0 and <= 0xFE and not 0xD8 and not 0xD9 and not (>= 0xD0 and <= 0xD7)) segments.Add(i);
                if (segments.Count == 0) return bad;
                int s = segments[random.Next(segments.Count)];
                BinaryPrimitives.WriteUInt16BigEndian(bad.AsSpan(s + 2), (ushort)random.Next(65536));
                return bad;
            }
            default:   // the image size in the frame header rewritten
            {
                int sof = bad.AsSpan().IndexOf(new byte[] { 0xFF, 0xC0 });
                if (sof < 0 || sof + 9 > bad.Length) return bad;
                BinaryPrimitives.WriteUInt16BigEndian(bad.AsSpan(sof + 5), (ushort)random.Next(65536));   // height
                BinaryPrimitives.WriteUInt16BigEndian(bad.AsSpan(sof + 7), (ushort)random.Next(65536));   // width
                return bad;
            }
        }
    }

    [Fact]
    public void MotionJpegWithoutHuffmanTablesDecodesPartiallyWithTheStandardOnes()
    {
        // Many USB capture devices send frames without a DHT segment; TurboJPEG writes the standard tables, so
        // stripping them leaves frames that mean the same.
        List<byte[]> frames = Sequence(320, 240, 1, 85).ConvertAll(WithoutHuffmanTables);
        using var partial = new MjpegFrameDecoder();
        using var whole = new MjpegFrameDecoder { DecodeChangedRowsOnly = false };
        for (int f = 0; f < frames.Count; f++)
        {
            JpegDecodeResult expected = whole.Decode(frames[f]), actual = partial.Decode(frames[f]);
            Assert.True(expected == actual, $"frame {f}: {actual} where a whole decode gives {expected} ({partial.LastError})");
            Assert.True(partial.Pixels.SequenceEqual(whole.Pixels), $"frame {f}: pixels differ from a whole decode");
        }
        Assert.True(partial.PartialDecodes >= 20, $"only {partial.PartialDecodes} partial decodes");
    }

    [Fact]
    public void StandardTablesAreTheOnesLibjpegWrites()
    {
        byte[] jpeg = TestJpegEncoder.Encode(new byte[16 * 16 * 4], 16, 16, 90, 1);
        int found = 0;
        foreach ((int start, int length) in Segments(jpeg))
        {
            if (jpeg[start + 1] != 0xC4) continue;
            ReadOnlySpan<byte> body = jpeg.AsSpan(start + 4, length - 2);
            while (body.Length > 0)
            {
                int tableClass = body[0] >> 4, id = body[0] & 15, total = 0;
                for (int i = 1; i <= 16; i++) total += body[i];
                byte[] counts = (tableClass, id) switch
                {
                    (0, 0) => JpegStandardTables.DcLuminanceCounts.ToArray(),
                    (0, 1) => JpegStandardTables.DcChrominanceCounts.ToArray(),
                    (1, 0) => JpegStandardTables.AcLuminanceCounts.ToArray(),
                    _ => JpegStandardTables.AcChrominanceCounts.ToArray(),
                };
                byte[] values = (tableClass, id) switch
                {
                    (0, _) => JpegStandardTables.DcValues.ToArray(),
                    (1, 0) => JpegStandardTables.AcLuminanceValues.ToArray(),
                    _ => JpegStandardTables.AcChrominanceValues.ToArray(),
                };
                Assert.True(body.Slice(1, 16).SequenceEqual(counts), $"counts of table {tableClass}/{id}");
                Assert.True(body.Slice(17, total).SequenceEqual(values), $"values of table {tableClass}/{id}");
                body = body[(17 + total)..];
                found++;
            }
        }
        Assert.Equal(4, found);
    }

    private static IEnumerable<(int Start, int Length)> Segments(byte[] jpeg)
    {
        int pos = 2;
        while (jpeg[pos + 1] != 0xDA)
        {
            int length = BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(pos + 2));
            yield return (pos, length);
            pos += 2 + length;
        }
    }

    internal static byte[] WithoutHuffmanTables(byte[] jpeg)
    {
        var output = new List<byte>(jpeg.Length);
        int copied = 0;
        foreach ((int start, int length) in Segments(jpeg))
        {
            if (jpeg[start + 1] != 0xC4) continue;
            output.AddRange(jpeg.AsSpan(copied, start - copied));
            copied = start + 2 + length;
        }
        output.AddRange(jpeg.AsSpan(copied));
        return [.. output];
    }

    [Fact]
    public void ExaminingAFrameFirstTellsHowMuchChangedAndLeavesTheDecodeExact()
    {
        List<byte[]> frames = Sequence(320, 240, 1, 85);
        using var examined = new MjpegFrameDecoder();
        using var whole = new MjpegFrameDecoder { DecodeChangedRowsOnly = false };
        var shares = new List<double>();
        for (int f = 0; f < frames.Count; f++)
        {
            bool parsed = examined.TryExamine(frames[f], out int width, out int height, out double share, out int quality);
            if (parsed) Assert.Equal((320, 240, 85), (width, height, quality));
            shares.Add(share);
            JpegDecodeResult expected = whole.Decode(frames[f]), actual = examined.Decode(frames[f]);
            Assert.True(expected == actual, $"frame {f}: {actual} where a whole decode gives {expected}");
            Assert.True(examined.Pixels.SequenceEqual(whole.Pixels), $"frame {f}: pixels differ from a whole decode");
        }
        Assert.True(examined.PartialDecodes >= 20, $"only {examined.PartialDecodes} partial decodes");
        Assert.Equal(1.0, shares[0]);                       // nothing to compare with
        Assert.InRange(shares[1], 0.0001, 0.2);            // one glyph typed
        int fill = 1 + 12 + 4 + 4;                          // the frame where three quarters of the screen change
        Assert.InRange(shares[fill], 0.5, 1.0);
        Assert.True(examined.TryExamine(frames[^1], out _, out _, out double same, out _));
        Assert.Equal(0.0, same);                            // the frame just decoded
        Assert.False(examined.TryExamine([0xFF, 0xD8, 0xFF, 0xD9], out _, out _, out _, out _));
    }

    [Fact]
    public void TypingReportsOnlyTheMcuRowsItTouched()
    {
        var screen = new TypingScreen(320, 240, 7);
        using var decoder = new MjpegFrameDecoder();
        decoder.Decode(TestJpegEncoder.Encode(screen.Pixels, 320, 240, 85, 1));   // whole (nothing to compare with), indexed
        Assert.Equal((0, 240, 0L), (decoder.ChangedTop, decoder.ChangedBottom, decoder.PartialDecodes));
        screen.Type(50, 100);
        Assert.Equal(JpegDecodeResult.Decoded, decoder.Decode(TestJpegEncoder.Encode(screen.Pixels, 320, 240, 85, 1)));
        // The glyph covers rows 100..111; 4:2:2 MCU rows are 8 pixels high.
        Assert.Equal((96, 112, 1L), (decoder.ChangedTop, decoder.ChangedBottom, decoder.PartialDecodes));
        screen.Type(50, 130);
        decoder.Decode(TestJpegEncoder.Encode(screen.Pixels, 320, 240, 85, 1));
        Assert.Equal((128, 144, 2L), (decoder.ChangedTop, decoder.ChangedBottom, decoder.PartialDecodes));
        decoder.Reset();
        screen.Type(58, 130);
        decoder.Decode(TestJpegEncoder.Encode(screen.Pixels, 320, 240, 85, 1));
        Assert.Equal((0, 240, 2L), (decoder.ChangedTop, decoder.ChangedBottom, decoder.PartialDecodes));
    }

    [Fact]
    public void SteadyStatePartialDecodingAllocatesNothing()
    {
        var screen = new TypingScreen(320, 240, 9);
        var frames = new List<byte[]>();
        for (int i = 0; i < 8; i++) { screen.Type(10 + 8 * i, 60); frames.Add(TestJpegEncoder.Encode(screen.Pixels, 320, 240, 85, 1)); }
        using var decoder = new MjpegFrameDecoder();
        foreach (byte[] f in frames) decoder.Decode(f);
        long bytes = Allocations.LeastOverRounds(() =>
        {
            for (int i = 2; i < frames.Count; i++) decoder.Decode(frames[i]);
        });
        Assert.Equal(0, bytes);
    }
}
