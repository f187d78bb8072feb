// SPDX-License-Identifier: MIT
using BenchmarkDotNet.Attributes;
using KvmPi.Vnc.Benchmarks.Support;
using KvmPi.Vnc.Capture;
using KvmPi.Vnc.Capture.Mjpeg;
using KvmPi.Vnc.Capture.V4l2;
using KvmPi.Vnc.Capture.Yuv;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvmPi.Vnc.Benchmarks.Capture;

/// <summary>
/// A dequeued 1080p MJPEG buffer to a delivered frame: the TurboJPEG decode alone (baseline), and the V4L2
/// source's whole path (marker scan, repeat check, decode, copy kept for the repeat check, delivery). The
/// difference is what capture adds beyond the decode (goal ≤ 1 ms). Two different desktop frames alternate, so
/// every call decodes; <c>RepeatedFrame</c> shows what an unchanged (static-screen) frame costs. The <c>Yuyv</c> cases
/// are an uncompressed 1080p capture (USB dongles' YUYV; CSI bridges' UYVY costs the same) into the server while a
/// viewer watches (the server then needs every frame's pixels): two frames that differ in 16 rows (a line typed)
/// alternating, one frame again and again (a still screen), two frames different throughout (video); and the video
/// while nobody watches (<c>YuyvVideoUnwatched</c>: the frames are taken without pixels).
/// </summary>
[MemoryDiagnoser]
public class CaptureDeliveryBenchmarks
{
    private readonly YuvCoefficients _k = YuvCoefficients.For(new YuvColorimetry(YuvMatrix.Bt709, YuvRange.Limited));
    private byte[] _jpegA = null!, _jpegB = null!;
    private TurboJpegDecoder _decoder = null!;
    private V4l2FrameSource _source = null!;
    private V4l2PixFormat _format;
    private readonly NullSink _sink = new();
    private KvmPi.Vnc.Server.Adapters.FramePublisher _publisher = null!;
    private bool _flip;
    private byte[] _yuyvA = null!, _yuyvB = null!, _yuyvC = null!;
    private V4l2FrameSource _rawSource = null!;
    private V4l2PixFormat _yuyvFormat;
    private KvmPi.Vnc.Server.Adapters.FramePublisher _rawPublisher = null!;
    private WatchedSink _watched = null!, _watchedJpeg = null!;

    [GlobalSetup]
    public void Setup()
    {
        byte[] frame = DesktopFrame.Create();
        _jpegA = TurboJpegEncoder.Encode(frame, DesktopFrame.Width, DesktopFrame.Height, DesktopFrame.Width * 4, 85);
        frame.AsSpan(0, 4096).Fill(0x40);   // another picture: the top rows differ
        _jpegB = TurboJpegEncoder.Encode(frame, DesktopFrame.Width, DesktopFrame.Height, DesktopFrame.Width * 4, 85);
        _decoder = new TurboJpegDecoder();
        _source = new V4l2FrameSource(new V4l2CaptureSettings("/dev/null"), NullLogger.Instance);
        var server = new KvmPi.Vnc.Rfb.Server.RfbServer(new KvmPi.Vnc.Rfb.Server.RfbServerOptions
            { InitialWidth = DesktopFrame.Width, InitialHeight = DesktopFrame.Height }, new NoDesktop(), NullLoggerFactory.Instance);
        _publisher = new KvmPi.Vnc.Server.Adapters.FramePublisher(server);
        _watchedJpeg = new WatchedSink(_publisher);
        _format = new V4l2PixFormat { PixelFormat = FourCc.Mjpeg, Width = DesktopFrame.Width, Height = DesktopFrame.Height };

        _yuyvA = new byte[DesktopFrame.Width * 2 * DesktopFrame.Height];
        new Random(1080).NextBytes(_yuyvA);
        _yuyvB = (byte[])_yuyvA.Clone();
        _yuyvB.AsSpan(500 * DesktopFrame.Width * 2, 16 * DesktopFrame.Width * 2).Fill(0x80);
        _yuyvC = new byte[_yuyvA.Length];
        new Random(1081).NextBytes(_yuyvC);
        _rawSource = new V4l2FrameSource(new V4l2CaptureSettings("/dev/null"), NullLogger.Instance);
        _rawPublisher = new KvmPi.Vnc.Server.Adapters.FramePublisher(new KvmPi.Vnc.Rfb.Server.RfbServer(new KvmPi.Vnc.Rfb.Server.RfbServerOptions
            { InitialWidth = DesktopFrame.Width, InitialHeight = DesktopFrame.Height }, new NoDesktop(), NullLoggerFactory.Instance));
        _watched = new WatchedSink(_rawPublisher);
        _yuyvFormat = new V4l2PixFormat { PixelFormat = FourCc.Yuyv, Width = DesktopFrame.Width, Height = DesktopFrame.Height, BytesPerLine = DesktopFrame.Width * 2 };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _decoder.Dispose();
        _source.Dispose();
        _rawSource.Dispose();
    }

    [Benchmark(Baseline = true)]
    public bool DecodeOnly() => _decoder.Decode((_flip = !_flip) ? _jpegA : _jpegB) != JpegDecodeResult.Failed;

    [Benchmark]
    public void CaptureToDelivered() => _source.Deliver((_flip = !_flip) ? _jpegA : _jpegB, _format, _k, _sink);

    /// <summary>
    /// All the way into the RFB server's shared framebuffer (tile change detection included), as while a viewer
    /// watches: nobody watching, the server takes frames undecoded (<c>CaptureUnwatched</c>).
    /// </summary>
    [Benchmark]
    public void CaptureToPublished() => _source.Deliver((_flip = !_flip) ? _jpegA : _jpegB, _format, _k, _watchedJpeg);

    [Benchmark]
    public void CaptureUnwatched() => _source.Deliver((_flip = !_flip) ? _jpegA : _jpegB, _format, _k, _publisher);

    [Benchmark]
    public void RepeatedFrame() => _source.Deliver(_jpegA, _format, _k, _sink);

    [Benchmark]
    public void YuyvTypingToPublished() => _rawSource.Deliver((_flip = !_flip) ? _yuyvA : _yuyvB, _yuyvFormat, _k, _watched);

    [Benchmark]
    public void YuyvRepeatedToPublished() => _rawSource.Deliver(_yuyvA, _yuyvFormat, _k, _watched);

    [Benchmark]
    public void YuyvVideoToPublished() => _rawSource.Deliver((_flip = !_flip) ? _yuyvA : _yuyvC, _yuyvFormat, _k, _watched);

    [Benchmark]
    public void YuyvVideoUnwatched() => _rawSource.Deliver((_flip = !_flip) ? _yuyvA : _yuyvC, _yuyvFormat, _k, _rawPublisher);

    private sealed class NoDesktop : KvmPi.Vnc.Rfb.IRfbDesktop
    {
        public void KeyEvent(uint keysym, bool down) { }
        public void PointerEvent(int x, int y, byte buttonMask, int frameWidth, int frameHeight) { }
        public void ReleaseAllInput() { }
    }

    /// <summary>The server as it is while a viewer watches: it takes no frame without pixels.</summary>
    private sealed class WatchedSink(IFrameSink server) : IFrameSink
    {
        public void OnFrame(ReadOnlySpan<byte> bgrx, int width, int height, int stride) => server.OnFrame(bgrx, width, height, stride);

        public void OnFrame(ReadOnlySpan<byte> bgrx, int width, int height, int stride, int changedTop, int changedBottom) =>
            server.OnFrame(bgrx, width, height, stride, changedTop, changedBottom);

        public void OnJpegFrame(ReadOnlySpan<byte> bgrx, int width, int height, int stride, ReadOnlySpan<byte> jpeg,
            int changedTop, int changedBottom) =>
            server.OnJpegFrame(bgrx, width, height, stride, jpeg, changedTop, changedBottom);
    }

    private sealed class NullSink : IFrameSink
    {
        public void OnFrame(ReadOnlySpan<byte> bgrx, int width, int height, int stride) { }
    }
}
