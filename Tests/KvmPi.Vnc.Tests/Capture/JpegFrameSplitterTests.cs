// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Capture.Mjpeg;

namespace KvmPi.Vnc.Tests.Capture;

public sealed class JpegFrameSplitterTests
{
    // A structurally complete JPEG with every trap the marker walk must step over. Not decodable (no tables).
    private static readonly byte[] TrickyImage =
    [
        0xFF, 0xD8,                                     // SOI
        0xFF, 0xE1, 0x00, 0x08, 0xFF, 0xD9, 0xFF, 0xD9, 0x00, 0x00, // APP1, length 8, payload holds FF D9 twice
        0xFF, 0xFE, 0x00, 0x04, 0xFF, 0xD9,             // COM, length 4, payload FF D9
        0xFF, 0xFF, 0xDB, 0x00, 0x03, 0x11,             // fill byte, then DQT with 1 payload byte
        0xFF, 0xDA, 0x00, 0x02,                         // SOS, minimal header (length 2)
        0x12, 0xFF, 0x00, 0x34,                         // entropy data with a stuffed FF 00
        0xFF, 0xD3, 0x56, 0xFF, 0x00,                   // RST3 inside the scan, another stuffed byte
        0xFF, 0xFF, 0xC4, 0x00, 0x02,                   // fill byte, DHT between scans (progressive)
        0xFF, 0xDA, 0x00, 0x02, 0x78, 0x9A,             // second scan
        0xFF, 0xD9,                                     // EOI
    ];

    [Fact]
    public void WholeImageIsFoundPastFalseEndMarkersStuffingAndRestarts()
    {
        Assert.Equal(JpegScanStatus.Frame, JpegFrameSplitter.Scan(TrickyImage, out int start, out int length, out int consumed));
        Assert.Equal(0, start);
        Assert.Equal(TrickyImage.Length, length);
        Assert.Equal(TrickyImage.Length, consumed);
    }

    [Fact]
    public void BytesBeforeTheImageAreSkippedAndTheNextImageIsLeftAlone()
    {
        byte[] data = [0x00, 0xFF, 0x12, 0xD8, .. TrickyImage, 0xFF, 0xD8, 0xFF];
        Assert.Equal(JpegScanStatus.Frame, JpegFrameSplitter.Scan(data, out int start, out int length, out int consumed));
        Assert.Equal(4, start);
        Assert.Equal(TrickyImage.Length, length);
        Assert.Equal(4 + TrickyImage.Length, consumed);
        Assert.Equal(JpegScanStatus.Incomplete, JpegFrameSplitter.Scan(data.AsSpan(consumed), out start, out _, out consumed));
        Assert.Equal(0, start);
        Assert.Equal(0, consumed);
    }

    [Fact]
    public void EveryTruncationIsIncompleteAndKeepsTheImage()
    {
        for (int cut = 2; cut < TrickyImage.Length; cut++)
        {
            JpegScanStatus status = JpegFrameSplitter.Scan(TrickyImage.AsSpan(0, cut), out int start, out _, out int consumed);
            Assert.True(status == JpegScanStatus.Incomplete, $"cut at {cut}: {status}");
            Assert.Equal(0, start);
            Assert.Equal(0, consumed);
        }
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0x00, 0x01, 0x02 })]
    [InlineData(new byte[] { 0x00, 0xFF, 0xD9, 0x77 })]
    public void NoStartOfImageConsumesEverything(byte[] data)
    {
        Assert.Equal(JpegScanStatus.NoImageStart, JpegFrameSplitter.Scan(data, out _, out _, out int consumed));
        Assert.Equal(data.Length, consumed);
    }

    [Fact]
    public void TrailingFfIsKeptBecauseItMayStartAnImage()
    {
        byte[] data = [0x00, 0x11, 0xFF];
        Assert.Equal(JpegScanStatus.NoImageStart, JpegFrameSplitter.Scan(data, out _, out _, out int consumed));
        Assert.Equal(2, consumed);
    }

    [Fact]
    public void NonMarkerWhereAMarkerMustBeIsCorruptAndSkipsOnlyTheSoi()
    {
        byte[] data = [0xFF, 0xD8, 0x12, 0x34, 0xFF, 0xD9];
        Assert.Equal(JpegScanStatus.Corrupt, JpegFrameSplitter.Scan(data, out int start, out _, out int consumed));
        Assert.Equal(0, start);
        Assert.Equal(2, consumed);
    }

    [Fact]
    public void SegmentLengthBelowTwoIsCorrupt()
    {
        byte[] data = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01, 0xFF, 0xD9];
        Assert.Equal(JpegScanStatus.Corrupt, JpegFrameSplitter.Scan(data, out _, out _, out _));
    }

    [Fact]
    public void NewImageBeforeEndOfImageDropsTheFirstAndResumesAtTheSecond()
    {
        byte[] cutShort = [0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0x11, 0x22]; // a dongle lost this frame's tail
        byte[] data = [.. cutShort, .. TrickyImage];
        Assert.Equal(JpegScanStatus.Corrupt, JpegFrameSplitter.Scan(data, out _, out _, out int consumed));
        Assert.Equal(cutShort.Length, consumed);
        Assert.Equal(JpegScanStatus.Frame, JpegFrameSplitter.Scan(data.AsSpan(consumed), out int start, out int length, out _));
        Assert.Equal(0, start);
        Assert.Equal(TrickyImage.Length, length);
    }

    [Fact]
    public void ImageLongerThanTheLimitIsCorrupt()
    {
        var data = new byte[JpegFrameSplitter.MaxFrameBytes + 16];
        byte[] header = [0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02];
        header.CopyTo(data, 0); // then 32 MiB of entropy data that never ends
        Assert.Equal(JpegScanStatus.Corrupt, JpegFrameSplitter.Scan(data, out _, out _, out int consumed));
        Assert.Equal(2, consumed);
        // Exactly the limit, still without an end: it cannot become a valid image either.
        Assert.Equal(JpegScanStatus.Corrupt, JpegFrameSplitter.Scan(data.AsSpan(0, JpegFrameSplitter.MaxFrameBytes), out _, out _, out _));
    }
}
