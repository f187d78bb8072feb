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
/// every call decodes; <c>RepeatedFrame</c> shows what an unchanged (static-screen) frame costs.
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
        _format = new V4l2PixFormat { PixelFormat = FourCc.Mjpeg, Width = DesktopFrame.Width, Height = DesktopFrame.Height };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _decoder.Dispose();
        _source.Dispose();
    }

    [Benchmark(Baseline = true)]
    public bool DecodeOnly() => _decoder.Decode((_flip = !_flip) ? _jpegA : _jpegB) != JpegDecodeResult.Failed;

    [Benchmark]
    public void CaptureToDelivered() => _source.Deliver((_flip = !_flip) ? _jpegA : _jpegB, _format, _k, _sink);

    /// <summary>All the way into the RFB server's shared framebuffer (tile change detection included).</summary>
    [Benchmark]
    public void CaptureToPublished() => _source.Deliver((_flip = !_flip) ? _jpegA : _jpegB, _format, _k, _publisher);

    [Benchmark]
    public void RepeatedFrame() => _source.Deliver(_jpegA, _format, _k, _sink);

    private sealed class NoDesktop : KvmPi.Vnc.Rfb.IRfbDesktop
    {
        public void KeyEvent(uint keysym, bool down) { }
        public void PointerEvent(int x, int y, byte buttonMask, int frameWidth, int frameHeight) { }
        public void ReleaseAllInput() { }
    }

    private sealed class NullSink : IFrameSink
    {
        public void OnFrame(ReadOnlySpan<byte> bgrx, int width, int height, int stride) { }
    }
}
