// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Capture;
using KvmPi.Vnc.Capture.V4l2;
using KvmPi.Vnc.Capture.Yuv;
using KvmPi.Vnc.Tests.Support;
using KvmPi.Vnc.Tests.Support.Decoders;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvmPi.Vnc.Tests.Capture;

/// <summary>What the V4L2 source does with the bytes of one dequeued buffer (the part that needs no kernel).</summary>
public class V4l2FrameDeliveryTests
{
    private static readonly YuvCoefficients Bt709Limited = YuvCoefficients.For(new YuvColorimetry(YuvMatrix.Bt709, YuvRange.Limited));

    private static V4l2PixFormat Format(uint code, int width, int height, int bytesPerLine = 0) =>
        new() { PixelFormat = code, Width = (uint)width, Height = (uint)height, BytesPerLine = (uint)bytesPerLine };

    /// <summary>Two 64x32 JPEGs (q85, 4:2:2) that differ only in pixel rows 16..23, one MCU row.</summary>
    private static (byte[] A, byte[] B) TwoImagesDifferingInOneMcuRow()
    {
        byte[] pixels = new byte[64 * 32 * 4];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 13 % 241);
        byte[] a = TestJpegEncoder.Encode(pixels, 64, 32, 85, 1);
        pixels.AsSpan((17 * 64 + 20) * 4, 12).Fill(255);
        return (a, TestJpegEncoder.Encode(pixels, 64, 32, 85, 1));
    }

    [Fact]
    public void TruncatedAndCorruptMjpegFramesAreSkippedAndCountedAndTheNextGoodOneShows()
    {
        using var source = new V4l2FrameSource(new V4l2CaptureSettings("/dev/null"), NullLogger.Instance);
        var sink = new RecordingFrameSink();
        byte[] good = TestJpegEncoder.Solid(64, 32, 200, 10, 10);
        V4l2PixFormat mjpg = Format(FourCc.Mjpeg, 64, 32);

        source.Deliver(good.AsSpan(0, good.Length / 2), mjpg, Bt709Limited, sink);          // cut short: no EOI
        byte[] garbled = (byte[])good.Clone();
        garbled.AsSpan(2, 40).Fill(0x00);                                                      // marker structure destroyed
        source.Deliver(garbled, mjpg, Bt709Limited, sink);
        byte[] badHeader = (byte[])good.Clone();
        badHeader.AsSpan(good.Length / 2, 64).Fill(0xAB);                                      // damaged entropy data and markers
        source.Deliver(badHeader, mjpg, Bt709Limited, sink);
        source.Deliver(new byte[1000], mjpg, Bt709Limited, sink);                              // no image at all
        int skippedBefore = (int)source.Skipped;
        Assert.True(skippedBefore >= 3, $"skipped {skippedBefore}");
        Assert.True(sink.Frames.Count <= 1, "a damaged frame was shown whole");   // libjpeg may recover one as a warning

        source.Deliver(good, mjpg, Bt709Limited, sink);
        RecordedFrame last = sink.Frames[^1];
        Assert.Equal((64, 32), (last.Width, last.Height));
        (byte r, byte g, byte b) = last.PixelAt(10, 10);
        Assert.InRange(r, 190, 210);
        Assert.InRange(g, 0, 20);
        Assert.InRange(b, 0, 20);
    }

    [Fact]
    public void AnIdenticalMjpegFrameIsNotDecodedOrDeliveredAgain()
    {
        using var source = new V4l2FrameSource(new V4l2CaptureSettings("/dev/null"), NullLogger.Instance);
        var sink = new RecordingFrameSink();
        byte[] a = TestJpegEncoder.Solid(32, 16, 0, 0, 255), b = TestJpegEncoder.Solid(32, 16, 0, 255, 0);
        V4l2PixFormat mjpg = Format(FourCc.Mjpeg, 32, 16);
        byte[] padded = new byte[a.Length + 100];   // dongles pad buffers after EOI
        a.CopyTo(padded);
        source.Deliver(a, mjpg, Bt709Limited, sink);
        source.Deliver(padded, mjpg, Bt709Limited, sink);
        source.Deliver(a, mjpg, Bt709Limited, sink);
        Assert.Single(sink.Frames);
        source.Deliver(b, mjpg, Bt709Limited, sink);
        source.Deliver(a, mjpg, Bt709Limited, sink);
        Assert.Equal(3, sink.Frames.Count);
        Assert.Equal(0, source.Skipped);
    }

    [Fact]
    public void MjpegFramesReportTheRowsThatChangedUntilAnotherPictureWasShown()
    {
        using var source = new V4l2FrameSource(new V4l2CaptureSettings("/dev/null"), NullLogger.Instance);
        var sink = new RecordingFrameSink();
        var (a, b) = TwoImagesDifferingInOneMcuRow();
        V4l2PixFormat mjpg = Format(FourCc.Mjpeg, 64, 32);

        source.Deliver(a, mjpg, Bt709Limited, sink);
        source.Deliver(b, mjpg, Bt709Limited, sink);
        source.Deliver(new byte[16 * 4 * 2], Format(FourCc.Yuyv, 16, 4), Bt709Limited, sink);   // another picture
        source.Deliver(a, mjpg, Bt709Limited, sink);
        source.Deliver(b, mjpg, Bt709Limited, sink);

        IReadOnlyList<RecordedFrame> f = sink.Frames;
        Assert.Equal(5, f.Count);
        Assert.Equal((0, 32), (f[0].ChangedTop, f[0].ChangedBottom));
        Assert.Equal((16, 24), (f[1].ChangedTop, f[1].ChangedBottom));
        Assert.Equal((0, 32), (f[3].ChangedTop, f[3].ChangedBottom));   // after the YUV frame: whole again
        Assert.Equal((16, 24), (f[4].ChangedTop, f[4].ChangedBottom));
        Assert.Equal(f[1].Bgrx, f[4].Bgrx);
    }

    [Fact]
    public void MjpegFramesTheSinkTakesAsJpegAloneAreNotDecodedAndTheirRepeatIs()
    {
        using var source = new V4l2FrameSource(new V4l2CaptureSettings("/dev/null"), NullLogger.Instance);
        var sink = new RecordingFrameSink { TakesJpegOnly = true };
        var (a, b) = TwoImagesDifferingInOneMcuRow();
        V4l2PixFormat mjpg = Format(FourCc.Mjpeg, 64, 32);

        source.Deliver(a, mjpg, Bt709Limited, sink);   // taken undecoded: nothing to compare with, all changed
        Assert.Empty(sink.Frames);
        Assert.Equal(a, sink.JpegOnly[0].Jpeg);
        Assert.Equal(1.0, sink.JpegOnly[0].ChangedShare);
        Assert.Equal(85, sink.JpegOnly[0].Quality);   // read back from its quantization tables

        source.Deliver(a, mjpg, Bt709Limited, sink);   // the same image again: the screen is still, decode it now
        RecordedFrame still = Assert.Single(sink.Frames);
        Assert.Equal(a, sink.FrameJpegs[0]);
        Assert.Equal((0, 32), (still.ChangedTop, still.ChangedBottom));
        source.Deliver(a, mjpg, Bt709Limited, sink);   // and only once
        Assert.Single(sink.Frames);

        source.Deliver(b, mjpg, Bt709Limited, sink);   // offered with the share of its coded data that changed
        Assert.Equal(2, sink.JpegOnly.Count);
        Assert.InRange(sink.JpegOnly[1].ChangedShare, 0.01, 0.9);
        sink.TakesJpegOnly = false;
        source.Deliver(a, mjpg, Bt709Limited, sink);   // declined: decoded (only what differs from the last decode: nothing)
        Assert.Equal(2, sink.Frames.Count);
        Assert.Equal(sink.Frames[0].Bgrx, sink.Frames[1].Bgrx);
        Assert.Equal(0, source.Skipped);
    }

    [Fact]
    public void MjpegWithoutHuffmanTablesIsHandedOnWithTheStandardOnes()
    {
        using var source = new V4l2FrameSource(new V4l2CaptureSettings("/dev/null"), NullLogger.Instance);
        var sink = new RecordingFrameSink { TakesJpegOnly = true };
        byte[] withTables = TestJpegEncoder.Gradient(64, 32);
        byte[] bare = MjpegFrameDecoderTests.WithoutHuffmanTables(withTables);
        Assert.True(bare.Length < withTables.Length);
        source.Deliver(bare, Format(FourCc.Mjpeg, 64, 32), Bt709Limited, sink);

        // What viewers get must decode without knowing the Motion-JPEG convention: it carries a DHT segment again,
        // and decodes to what the original did.
        byte[] handed = sink.JpegOnly[0].Jpeg;
        Assert.True(handed.AsSpan().IndexOf(new byte[] { 0xFF, 0xC4 }) > 0, "no DHT segment");
        Assert.Equal(TightDecoder.DecodeJpegBgrx(withTables), TightDecoder.DecodeJpegBgrx(handed));
    }

    [Fact]
    public void YuyvFramesAreConvertedWithTheGivenRangeAndShortOnesSkipped()
    {
        using var source = new V4l2FrameSource(new V4l2CaptureSettings("/dev/null"), NullLogger.Instance);
        var sink = new RecordingFrameSink();
        byte[] frame = YuvConverterTests.Solid(YuvLayout.Yuyv, 16, 4, 40, 180, 128, 128);   // 75% white, limited
        source.Deliver(frame, Format(FourCc.Yuyv, 16, 4, 40), Bt709Limited, sink);
        Assert.Equal((191, 191, 191), ((int)sink.Frames[0].PixelAt(15, 3).R, (int)sink.Frames[0].PixelAt(15, 3).G, (int)sink.Frames[0].PixelAt(15, 3).B));
        source.Deliver(frame.AsSpan(0, 100), Format(FourCc.Yuyv, 16, 4, 40), Bt709Limited, sink);
        Assert.Single(sink.Frames);
        Assert.Equal(1, source.Skipped);
    }

    /// <summary>
    /// An uncompressed capture: a still screen (the same bytes, whatever the rows' padding holds) is not converted or
    /// delivered again; a frame that changes a few rows is delivered saying so, with only those rows converted anew
    /// and the picture that of a whole conversion (NV12: a chroma row counts for its two pixel rows); another
    /// conversion (the source's colorimetry changed) makes the next frame whole.
    /// </summary>
    [Theory]
    [InlineData(YuvLayout.Yuyv)]
    [InlineData(YuvLayout.Uyvy)]
    [InlineData(YuvLayout.Nv12)]
    public void UncompressedFramesAreConvertedOnlyWhereTheyChanged(YuvLayout layout)
    {
        const int w = 32, h = 24;
        int stride = YuvConverter.MinimumStride(layout, w) + 8;
        uint code = layout switch { YuvLayout.Yuyv => FourCc.Yuyv, YuvLayout.Uyvy => FourCc.Uyvy, _ => FourCc.Nv12 };
        byte[] a = new byte[YuvConverter.RequiredBytes(layout, w, h, stride)];
        new Random(7).NextBytes(a);
        using var source = new V4l2FrameSource(new V4l2CaptureSettings("/dev/null"), NullLogger.Instance);
        var sink = new RecordingFrameSink();
        source.Deliver(a, Format(code, w, h, stride), Bt709Limited, sink);
        Assert.Equal((0, h), (sink.Frames[0].ChangedTop, Math.Min(h, sink.Frames[0].ChangedBottom)));

        byte[] padding = (byte[])a.Clone();
        padding[stride - 1] ^= 0xFF;
        source.Deliver(padding, Format(code, w, h, stride), Bt709Limited, sink);
        Assert.Single(sink.Frames);

        byte[] b = (byte[])a.Clone();
        b[9 * stride + 3] ^= 0x55;
        b[10 * stride + 5] ^= 0x55;
        if (layout == YuvLayout.Nv12) b[stride * h + 8 * stride] ^= 0x55;   // the chroma of pixel rows 16 and 17
        source.Deliver(b, Format(code, w, h, stride), Bt709Limited, sink);
        Assert.Equal(2, sink.Frames.Count);
        Assert.Equal((9, layout == YuvLayout.Nv12 ? 18 : 11), (sink.Frames[1].ChangedTop, sink.Frames[1].ChangedBottom));
        Assert.Equal(Converted(layout, b, stride, w, h, Bt709Limited), sink.Frames[1].Bgrx);

        var other = YuvCoefficients.For(new YuvColorimetry(YuvMatrix.Bt601, YuvRange.Full));
        source.Deliver(b, Format(code, w, h, stride), other, sink);
        Assert.Equal((0, h), (sink.Frames[2].ChangedTop, Math.Min(h, sink.Frames[2].ChangedBottom)));
        Assert.Equal(Converted(layout, b, stride, w, h, other), sink.Frames[2].Bgrx);
    }

    /// <summary>
    /// Nobody watching: uncompressed frames the sink takes without pixels are neither converted nor delivered. The
    /// next frame it wants pixels for comes whole, even when its bytes equal the last frame taken so (the sink's
    /// pixels are older than that), and its picture is that frame's.
    /// </summary>
    [Fact]
    public void UncompressedFramesTakenWithoutPixelsAreNotConvertedAndTheNextComesWhole()
    {
        const int w = 32, h = 24;
        int stride = YuvConverter.MinimumStride(YuvLayout.Yuyv, w);
        byte[] a = new byte[YuvConverter.RequiredBytes(YuvLayout.Yuyv, w, h, stride)];
        new Random(11).NextBytes(a);
        byte[] b = (byte[])a.Clone();
        b[5 * stride + 7] ^= 0x55;
        using var source = new V4l2FrameSource(new V4l2CaptureSettings("/dev/null"), NullLogger.Instance);
        var sink = new RecordingFrameSink();
        source.Deliver(a, Format(FourCc.Yuyv, w, h, stride), Bt709Limited, sink);

        sink.TakesWithoutPixels = true;
        source.Deliver(b, Format(FourCc.Yuyv, w, h, stride), Bt709Limited, sink);
        source.Deliver(b, Format(FourCc.Yuyv, w, h, stride), Bt709Limited, sink);
        Assert.Equal(2, sink.TakenWithoutPixels);
        Assert.Single(sink.Frames);
        Assert.Equal(3, source.Delivered);

        sink.TakesWithoutPixels = false;
        source.Deliver(b, Format(FourCc.Yuyv, w, h, stride), Bt709Limited, sink);
        Assert.Equal(2, sink.Frames.Count);
        Assert.Equal((0, h), (sink.Frames[1].ChangedTop, Math.Min(h, sink.Frames[1].ChangedBottom)));
        Assert.Equal(Converted(YuvLayout.Yuyv, b, stride, w, h, Bt709Limited), sink.Frames[1].Bgrx);
    }

    private static byte[] Converted(YuvLayout layout, byte[] frame, int stride, int w, int h, in YuvCoefficients k)
    {
        byte[] bgrx = new byte[w * h * 4];
        YuvConverter.Convert(layout, frame, stride, bgrx, w * 4, w, h, k);
        return bgrx;
    }

    [Theory]
    [InlineData(0x56595559u, "YUYV")]
    [InlineData(0x47504A4Du, "MJPG")]
    [InlineData(0x20203859u, "Y8")]                       // 'Y8  ': trailing spaces trimmed
    [InlineData(0x35424752u | (1u << 31), "RGB5-BE")]     // v4l2_fourcc_be: the flag never leaks as a raw byte
    [InlineData(0x0122FF5Cu, "????")]                    // backslash, 0xFF, quote, control byte: none printed raw
    public void FormatCodesPrintAsSafeText(uint code, string expected)
    {
        string text = FourCc.ToText(code);
        Assert.Equal(expected, text);
        Assert.All(text, c => Assert.InRange(c, ' ', '~'));
        Assert.DoesNotContain('"', text);
        Assert.DoesNotContain('\\', text);
    }
}
