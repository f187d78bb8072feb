// SPDX-License-Identifier: MIT
using System.Diagnostics;
using KvmPi.Vnc.Capture.Mjpeg;
using KvmPi.Vnc.Capture.Yuv;
using Microsoft.Extensions.Logging;
using static KvmPi.Vnc.Capture.V4l2.V4l2Native;

namespace KvmPi.Vnc.Capture.V4l2;

/// <summary>
/// Captures a V4L2 device (a USB HDMI dongle, a CSI HDMI bridge, vivid) and delivers BGRX frames, following the
/// source through mode changes, signal loss and unplugging without ever giving up.
/// </summary>
/// <remarks>
/// <para>One capture thread, one state machine: open → (DV timings: query, apply) → subscribe to source changes →
/// pick the format → MMAP stream (latest frame wins) → deliver. A source-change event, or detected timings that
/// differ from the applied ones (checked every second, for bridges without events), restarts from "query".</para>
/// <para>No signal is decided from what the driver says (input status, QUERY_DV_TIMINGS ENOLINK/ENOLCK/ERANGE,
/// events), never from frames stopping, since some bridges stream noise without a signal. No signal, an unplugged,
/// busy or broken device: the sink is told once why (<see cref="INoSignalSink"/>), and the device is tried again
/// every second until it delivers again.</para>
/// <para>MJPEG: a frame byte-identical to the last one delivered (a static screen on a dongle) is not decoded;
/// truncated or corrupt frames are skipped and counted; the decoder renews its TurboJPEG handle after an error.</para>
/// </remarks>
public sealed class V4l2FrameSource : IFrameSource, IDisposable
{
    /// <summary>How often a device that failed or has no signal is tried again, and how often the signal is checked.</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    private const int PollTimeoutMilliseconds = 250;

    private readonly V4l2CaptureSettings _settings;
    private readonly ILogger _logger;
    private readonly SkippedFrameCounter _skipped;
    private MjpegFrameDecoder? _decoder;
    private byte[] _bgrx = [];                            // the last uncompressed frame converted, as the sink has it
    private readonly YuvFrameMemory _rawFrame = new();   // ... and as it came, to find what the next one changes
    private byte[] _lastJpeg = [];
    private int _lastJpegLength;
    private bool _lastJpegWithoutPixels;   // the sink took it as the JPEG alone (IFrameSink.TryTakeJpegOnly)
    private string? _reportedNoSignal;
    private long _dropped;

    public V4l2FrameSource(V4l2CaptureSettings settings, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(logger);
        _settings = settings;
        _logger = logger;
        _skipped = new SkippedFrameCounter(logger, Description);
    }

    public string Description => _settings.DevicePath ?? "the first V4L2 capture device";

    /// <summary>Frames delivered, dropped for a newer one (latest-frame-wins), and skipped as bad, so far.</summary>
    public long Delivered { get; private set; }
    public long Dropped => Interlocked.Read(ref _dropped);
    public long Skipped => _skipped.Total;

    /// <summary>Size of the last delivered frame (0 before the first).</summary>
    public int Width { get; private set; }
    public int Height { get; private set; }

    public Task RunAsync(IFrameSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        // poll() blocks: a thread of its own rather than one of the pool's.
        return Task.Factory.StartNew(() => Run(sink, cancellationToken), cancellationToken,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void Run(IFrameSink sink, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            string whyNone = "";
            string? path = _settings.DevicePath ?? V4l2DeviceScanner.FindFirstCaptureDevice(out whyNone);
            if (path is null)
            {
                ReportNoSignal(sink, "/dev/video*", "no capture device found");
                CaptureLog.DeviceSearchFailed(_logger, whyNone);
                ct.WaitHandle.WaitOne(RetryInterval);
                continue;
            }

            string? reason;
            try
            {
                using V4l2Device device = V4l2Device.Open(path);
                reason = CaptureFromDevice(device, sink, ct);
            }
            catch (V4l2Exception e)
            {
                reason = SignalStatus.DescribeDeviceError(e);
                CaptureLog.DeviceError(_logger, path, e.Message);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Nothing a device returns may end capture for good (e.g. libturbojpeg missing, a size the
                // converter refuses): show why on the screen, log it, and try again in a second.
                reason = e is FrameSourceException ? e.Message : $"capture error: {e.Message}";
                CaptureLog.CaptureFailed(_logger, path, e);
            }
            if (reason is null) continue;   // a mode change: start again at once
            ReportNoSignal(sink, path, reason);
            ct.WaitHandle.WaitOne(RetryInterval);
        }
    }

    /// <summary>Streams until the source changes (null: restart at once) or the picture is gone (the reason).</summary>
    private string? CaptureFromDevice(V4l2Device device, IFrameSink sink, CancellationToken ct)
    {
        V4l2Capability cap = device.QueryCapabilities();
        if (!V4l2Device.CanCapture(cap)) return "not a video capture device";

        uint inputIndex = 0;
        bool hasInput = device.TryGetInput(out V4l2Input input);
        if (hasInput)
        {
            inputIndex = input.Index;
            string? statusReason = SignalStatus.NoPictureReason(input.Status);
            if (statusReason is not null) return statusReason;
        }

        // Subscribe before querying, so a change between the query and the stream start is not missed.
        bool events = device.TrySubscribeSourceChange(inputIndex);
        bool hasTimings = ApplyDvTimings(device, out V4l2DvTimings timings, out string? timingsReason);
        if (timingsReason is not null) return timingsReason;

        int wantWidth = hasTimings ? (int)timings.Width : _settings.Width;
        int wantHeight = hasTimings ? (int)timings.Height : _settings.Height;
        if (!ChooseFormat(device, wantWidth, wantHeight, hasTimings, out uint pixelFormat, out string? formatProblem))
            return formatProblem;

        V4l2PixFormat format = device.SetFormat(pixelFormat, (uint)wantWidth, (uint)wantHeight);
        if (format.PixelFormat != pixelFormat)
            return $"format {FourCc.ToText(pixelFormat)} refused (the device chose {FourCc.ToText(format.PixelFormat)})";
        if (format.Width is 0 or > TurboJpegDecoder.MaxDimension || format.Height is 0 or > TurboJpegDecoder.MaxDimension)
            return $"unusable frame size {format.Width}x{format.Height}";
        if (!hasTimings && _settings.FramesPerSecond > 0) device.TrySetFrameRate(_settings.FramesPerSecond);

        var colorimetry = YuvColorimetry.FromV4l2(format.Colorspace, format.YcbcrEncoding, format.Quantization);
        var coefficients = YuvCoefficients.For(colorimetry);
        using var stream = new V4l2MmapStream(device);
        device.TryGetFrameRate(out double rate);
        CaptureLog.DeviceStreaming(_logger, device.Path, FourCc.ToText(format.PixelFormat), (int)format.Width, (int)format.Height,
            hasTimings ? timings.Describe() : "none", colorimetry.ToString(), stream.BufferCount, rate, events);

        long nextCheck = Stopwatch.GetTimestamp() + (long)(RetryInterval.TotalSeconds * Stopwatch.Frequency);
        long droppedBefore = 0;
        while (!ct.IsCancellationRequested)
        {
            short revents = device.Poll(PollTimeoutMilliseconds);
            if ((revents & (POLLERR | POLLHUP | POLLNVAL)) != 0 && (revents & POLLIN) == 0)
            {
                // Gone (ENODEV from any ioctl), or the queue is in an error state: start over rather than spin on poll.
                device.QueryCapabilities();
                throw new V4l2Exception($"poll on {device.Path} (revents 0x{revents:x})", EIO);
            }
            if ((revents & POLLPRI) != 0 && device.DrainEvents())
            {
                CaptureLog.SourceChanged(_logger, device.Path);
                return null;
            }
            if ((revents & POLLIN) != 0 && stream.TryDequeueLatest(out ReadOnlySpan<byte> frame, out _))
            {
                try
                {
                    Deliver(frame, format, coefficients, sink);
                }
                finally
                {
                    stream.Release();
                }
                if (stream.Dropped != droppedBefore)
                {
                    Interlocked.Add(ref _dropped, stream.Dropped - droppedBefore);
                    droppedBefore = stream.Dropped;
                }
            }

            if (Stopwatch.GetTimestamp() < nextCheck) continue;
            nextCheck = Stopwatch.GetTimestamp() + (long)(RetryInterval.TotalSeconds * Stopwatch.Frequency);
            // Once a second, ask the driver: bridges without events, and bridges that stream noise without a signal.
            if (hasInput && device.TryGetInput(out V4l2Input now))
            {
                string? statusReason = SignalStatus.NoPictureReason(now.Status);
                if (statusReason is not null) return statusReason;
            }
            if (hasTimings)
            {
                int errno = device.QueryDvTimings(out V4l2DvTimings detected);
                if (errno != 0 && !SignalStatus.IsUnsupported(errno)) return SignalStatus.DescribeDvTimingsError(errno);
                if (errno == 0 && !detected.SameModeAs(timings))
                {
                    CaptureLog.SourceChanged(_logger, device.Path);
                    return null;
                }
            }
        }
        return null;
    }

    /// <summary>
    /// For an input with DV timings (HDMI bridges, vivid): applies the detected timings. False when the input has
    /// none (UVC dongles scale whatever they get). <paramref name="noSignal"/> is set when the driver says there is
    /// no usable signal.
    /// </summary>
    private bool ApplyDvTimings(V4l2Device device, out V4l2DvTimings timings, out string? noSignal)
    {
        noSignal = null;
        int errno = device.QueryDvTimings(out timings);
        if (errno != 0)
        {
            if (SignalStatus.IsUnsupported(errno)) return false;
            noSignal = SignalStatus.DescribeDvTimingsError(errno);
            return true;
        }
        if (timings.Width == 0 || timings.Height == 0)
        {
            noSignal = "no signal (zero-sized timings)";
            return true;
        }
        if (!device.TryGetDvTimings(out V4l2DvTimings current) || !current.SameModeAs(timings))
            device.SetDvTimings(timings);
        return true;
    }

    private bool ChooseFormat(V4l2Device device, int width, int height, bool sizeFixed, out uint pixelFormat, out string? problem)
    {
        problem = null;
        pixelFormat = 0;
        List<V4l2FormatDescription> offered = device.EnumerateFormats();
        var codes = new List<uint>(offered.Count);
        foreach (V4l2FormatDescription d in offered) codes.Add(d.PixelFormat);

        if (_settings.Format != CaptureFormat.Auto)
        {
            uint wanted = Code(_settings.Format);
            if (codes.Contains(wanted)) pixelFormat = wanted;
            else if (_settings.Format == CaptureFormat.Mjpeg && codes.Contains(FourCc.Jpeg)) pixelFormat = FourCc.Jpeg;
            else problem = $"the device does not offer {FourCc.ToText(wanted)} (it offers {Describe(codes)})";
            return problem is null;
        }

        // Auto: the highest frame rate at the wanted size; on a tie (or when rates are unknown) uncompressed first:
        // exact pixels and no decode.
        double bestRate = -1;
        foreach (uint candidate in new[] { FourCc.Yuyv, FourCc.Uyvy, FourCc.Nv12, FourCc.Mjpeg, FourCc.Jpeg })
        {
            if (!codes.Contains(candidate)) continue;
            (uint w, uint h) = sizeFixed || width > 0 ? ((uint)width, (uint)height) : LargestSize(device, candidate);
            double rate = 0;
            foreach (double r in device.EnumerateFrameRates(candidate, w, h)) rate = Math.Max(rate, r);
            if (rate > bestRate)
            {
                bestRate = rate;
                pixelFormat = candidate;
            }
        }
        if (pixelFormat == 0) problem = $"no supported pixel format (the device offers {Describe(codes)}; this server takes MJPG, YUYV, UYVY, NV12)";
        return problem is null;
    }

    /// <summary>The largest size the format offers up to 1920x1080 (dongles also list 4K modes at a few frames a second).</summary>
    private static (uint, uint) LargestSize(V4l2Device device, uint pixelFormat)
    {
        (uint w, uint h) best = (0, 0);
        foreach ((uint w, uint h) in device.EnumerateSizes(pixelFormat))
            if (w <= 1920 && h <= 1080 && (ulong)w * h > (ulong)best.w * best.h) best = (w, h);
        return best.w == 0 ? (1920, 1080) : best;
    }

    private static uint Code(CaptureFormat format) => format switch
    {
        CaptureFormat.Mjpeg => FourCc.Mjpeg,
        CaptureFormat.Yuyv => FourCc.Yuyv,
        CaptureFormat.Uyvy => FourCc.Uyvy,
        CaptureFormat.Nv12 => FourCc.Nv12,
        _ => 0,
    };

    private static string Describe(List<uint> codes) => codes.Count == 0 ? "nothing" : string.Join(", ", codes.ConvertAll(FourCc.ToText));

    /// <summary>Converts or decodes one frame in place from the mapped buffer and hands it to the sink.</summary>
    internal void Deliver(ReadOnlySpan<byte> frame, in V4l2PixFormat format, in YuvCoefficients coefficients, IFrameSink sink)
    {
        int width = (int)format.Width, height = (int)format.Height;
        if (format.PixelFormat == FourCc.Mjpeg || format.PixelFormat == FourCc.Jpeg)
        {
            DeliverJpeg(frame, sink);
            return;
        }
        YuvLayout layout = format.PixelFormat == FourCc.Yuyv ? YuvLayout.Yuyv
            : format.PixelFormat == FourCc.Uyvy ? YuvLayout.Uyvy : YuvLayout.Nv12;
        int stride = (int)Math.Max(format.BytesPerLine, (uint)YuvConverter.MinimumStride(layout, width));
        if (frame.Length < YuvConverter.RequiredBytes(layout, width, height, stride))
        {
            _skipped.Count($"short {FourCc.ToText(format.PixelFormat)} frame: {frame.Length} bytes for {width}x{height}");
            return;
        }
        if (sink.TryTakeWithoutPixels(width, height))
        {
            // Neither compared nor converted: the next frame given with pixels must be whole.
            _rawFrame.Forget();
            _decoder?.Reset();
            NotePicture(width, height);
            return;
        }
        int bytes = width * height * 4;
        if (_bgrx.Length < bytes) _bgrx = GC.AllocateUninitializedArray<byte>(bytes);
        // An HDMI source's still screen comes as the same bytes again, a typed line changes a few rows: only those
        // are converted, and the sink compares only those.
        _rawFrame.FindChangedRows(layout, frame, width, height, stride, coefficients, out int top, out int bottom);
        if (top == bottom) return;
        YuvConverter.ConvertRows(layout, frame, stride, _bgrx, width * 4, width, height, top, bottom, coefficients);
        Publish(sink, _bgrx.AsSpan(0, bytes), width, height, width * 4, changedTop: top, changedBottom: bottom);
    }

    private void DeliverJpeg(ReadOnlySpan<byte> data, IFrameSink sink)
    {
        // The buffer must hold one whole image, SOI to EOI (dongles may pad after it); anything else is damaged.
        JpegScanStatus status = JpegFrameSplitter.Scan(data, out int start, out int length, out _);
        if (status != JpegScanStatus.Frame)
        {
            _skipped.Count(status == JpegScanStatus.Incomplete ? "truncated JPEG frame" : "corrupt JPEG frame");
            return;
        }
        ReadOnlySpan<byte> jpeg = data.Slice(start, length);
        // A static screen: nothing to decode, unless the sink took the last image without pixels.
        bool repeat = jpeg.SequenceEqual(_lastJpeg.AsSpan(0, _lastJpegLength));
        if (repeat && !_lastJpegWithoutPixels) return;

        _decoder ??= new MjpegFrameDecoder();
        if (!repeat && _decoder.TryExamine(jpeg, out int width, out int height, out double changedShare, out int quality)
            && sink.TryTakeJpegOnly(_decoder.CompleteImage(jpeg), width, height, changedShare, quality))
        {
            RememberJpeg(jpeg);
            _lastJpegWithoutPixels = true;
            NotePicture(width, height);
            return;
        }
        JpegDecodeResult result = _decoder.Decode(jpeg);
        _lastJpegWithoutPixels = false;
        if (result == JpegDecodeResult.Failed)
        {
            _skipped.Count(_decoder.LastError ?? "JPEG decode failed");
            _lastJpegLength = 0;
            return;
        }
        RememberJpeg(jpeg);
        Publish(sink, _decoder.Pixels, _decoder.Width, _decoder.Height, _decoder.Stride, _decoder.CompleteImage(jpeg),
            _decoder.ChangedTop, _decoder.ChangedBottom);
    }

    private void RememberJpeg(ReadOnlySpan<byte> jpeg)
    {
        if (_lastJpeg.Length < jpeg.Length) _lastJpeg = new byte[Math.Max(jpeg.Length, _lastJpeg.Length * 2)];
        jpeg.CopyTo(_lastJpeg);
        _lastJpegLength = jpeg.Length;
    }

    /// <summary>A picture reached the sink (with or without pixels): the signal is back, if it was gone.</summary>
    private void NotePicture(int width, int height)
    {
        if (_reportedNoSignal is not null)
        {
            CaptureLog.PictureBack(_logger, Description, width, height);
            _reportedNoSignal = null;
        }
        Width = width;
        Height = height;
        Delivered++;
    }

    private void Publish(IFrameSink sink, ReadOnlySpan<byte> bgrx, int width, int height, int stride, ReadOnlySpan<byte> jpeg = default,
        int changedTop = 0, int changedBottom = int.MaxValue)
    {
        NotePicture(width, height);
        // A decoded JPEG travels along, so the RFB side can pass the capture's own bytes on (Tight JPEG).
        if (jpeg.IsEmpty)
        {
            // An uncompressed frame: only the rows that differ from the last one were converted (YuvFrameMemory).
            sink.OnFrame(bgrx, width, height, stride, changedTop, Math.Min(height, changedBottom));
            _decoder?.Reset();   // the sink's picture is no longer the decoder's: its next frame must be whole
        }
        else
        {
            _rawFrame.Forget();   // the sink's picture is no longer the last uncompressed frame's
            // Only the rows the decoder decoded can differ from the frame before (a partial decode, MjpegFrameDecoder).
            sink.OnJpegFrame(bgrx, width, height, stride, jpeg, changedTop, Math.Min(height, changedBottom));
        }
    }

    private void ReportNoSignal(IFrameSink sink, string device, string reason)
    {
        // A new no-signal screen only when the reason changes; retries every second say nothing new.
        if (_reportedNoSignal == reason) return;
        _reportedNoSignal = reason;
        _lastJpegLength = 0;   // after the no-signal screen, even an identical frame must be shown again
        _lastJpegWithoutPixels = false;
        _decoder?.Reset();     // ... and whole
        _rawFrame.Forget();
        CaptureLog.NoSignal(_logger, device, reason);
        (sink as INoSignalSink)?.OnNoSignal(device, reason);
    }

    public void Dispose() => _decoder?.Dispose();
}
