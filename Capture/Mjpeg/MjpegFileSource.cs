// SPDX-License-Identifier: MIT
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace KvmPi.Vnc.Capture.Mjpeg;

/// <summary>
/// Plays a Motion-JPEG file (JPEG images back to back, as an HDMI dongle sends them) in a loop at a fixed rate,
/// decoding with libjpeg-turbo's TurboJPEG, only the rows that changed when it can (<see cref="MjpegFrameDecoder"/>).
/// </summary>
/// <remarks>
/// Stands in for a capture device in development and tests. Behaves like one: frames come at a steady rate, a
/// frame of a new size is delivered at that size, damaged frames are dropped (counted, logged at most every 10 s),
/// and a frame byte-identical to the last delivered one is neither decoded nor delivered, since nothing changed.
/// A frame the sink takes as the JPEG alone is not decoded; if it repeats, the repeat is decoded and delivered.
/// </remarks>
public sealed class MjpegFileSource : IFrameSource, IDisposable
{
    /// <summary>Highest accepted rate; HDMI dongles top out at 60 fps, 240 leaves room for tests.</summary>
    public const int MaxFramesPerSecond = 240;

    private readonly string _path;
    private readonly int _framesPerSecond;
    private readonly ILogger _logger;
    private readonly MjpegStreamReader _reader;
    private int _nextIndex;   // of the next image in the file (the load tool's latency matches them to what viewers show)
    private readonly MjpegFrameDecoder _decoder;
    private readonly SkippedFrameCounter _skipped;
    private readonly Lock _gate = new(); // Dispose against a running tick
    private byte[] _lastDeliveredJpeg;
    private int _lastDeliveredJpegLength;
    private bool _lastDeliveredWithoutPixels;   // the sink took it as the JPEG alone (IFrameSink.TryTakeJpegOnly)
    private int _running;
    private bool _disposed;

    /// <summary>Opens the file and decodes its first frame; throws <see cref="FrameSourceException"/> naming the file when it cannot.</summary>
    /// <param name="path">A Motion-JPEG file, e.g. from <c>ffmpeg ... -c:v mjpeg -f mjpeg out.mjpeg</c>.</param>
    /// <param name="framesPerSecond">Playback rate, 1..<see cref="MaxFramesPerSecond"/>.</param>
    /// <param name="logger">Receives the start line and rate-limited reports of skipped frames.</param>
    public MjpegFileSource(string path, int framesPerSecond, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThan(framesPerSecond, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(framesPerSecond, MaxFramesPerSecond);
        _path = path;
        _framesPerSecond = framesPerSecond;
        _logger = logger;
        Description = "file " + Path.GetFileName(path);
        _skipped = new SkippedFrameCounter(logger, Description);

        _reader = new MjpegStreamReader(OpenFile(path));
        try
        {
            _decoder = new MjpegFrameDecoder();
            _lastDeliveredJpeg = new byte[64 * 1024];
            DecodeFirstFrame();
        }
        catch
        {
            _decoder?.Dispose();
            _reader.Dispose();
            throw;
        }
        CaptureLog.FilePlaybackStarting(logger, Description, Width, Height, framesPerSecond);
    }

    public string Description { get; }

    /// <summary>Size of the most recently decoded frame (the first frame until playback moves on).</summary>
    public int Width => Volatile.Read(ref _width);

    /// <inheritdoc cref="Width"/>
    public int Height => Volatile.Read(ref _height);

    private int _width;
    private int _height;

    /// <summary>Frames dropped so far because they were truncated, malformed or undecodable.</summary>
    public long SkippedFrames { get { lock (_gate) return _skipped.Total; } }

    /// <summary>
    /// Delivers the current frame at once, then one frame every 1/fps until cancelled, looping at the end of the
    /// file. Completes (without throwing) when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    /// <remarks>
    /// Frames come from a thread of the source's own, as a capture device's do (<c>V4l2FrameSource</c>): the
    /// thread sleeps until each frame is due and delivers it itself. A timer would wake the runtime's timer thread,
    /// which hands every frame to the thread pool: two more thread switches a frame, which on the development VM cost
    /// more CPU than the server spends on a small update (see docs/performance.md, "Thread switches a frame").
    /// Frames are due on a fixed schedule, so a slow sink delays a frame but never shifts the ones after it (no
    /// drift); missed frames are not made up in a burst. One run at a time.
    /// </remarks>
    /// <exception cref="FrameSourceException">The file became unreadable.</exception>
    public Task RunAsync(IFrameSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.Exchange(ref _running, 1) != 0)
            throw new InvalidOperationException(Description + " is already running");
        return Task.Factory.StartNew(() => Run(sink, cancellationToken), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void Run(IFrameSink sink, CancellationToken cancellationToken)
    {
        try
        {
            lock (_gate)
            {
                // The sink has no picture from this run yet: the whole last frame, decoded if a sink took it undecoded.
                if (_lastDeliveredWithoutPixels)
                {
                    _lastDeliveredWithoutPixels = false;
                    if (_decoder.Decode(_lastDeliveredJpeg.AsSpan(0, _lastDeliveredJpegLength)) == JpegDecodeResult.Failed)
                        _lastDeliveredJpegLength = 0;
                }
                DeliverDecoded(sink, 0, _decoder.Height);
            }

            long period = Stopwatch.Frequency / _framesPerSecond;
            long due = Stopwatch.GetTimestamp() + period;
            WaitHandle cancelled = cancellationToken.WaitHandle;
            while (true)
            {
                long now = Stopwatch.GetTimestamp();
                if (now < due)
                {
                    // Whole milliseconds, rounded up: never early, at most a millisecond late.
                    int wait = (int)Math.Min(int.MaxValue, ((due - now) * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency);
                    if (cancelled.WaitOne(wait)) return;
                }
                else if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                // The next frame is due a period after this one, or at the first such time after now if the sink kept
                // the thread past it (missed frames are not made up).
                due += period;
                now = Stopwatch.GetTimestamp();
                if (due <= now) due = now + period - (now - due) % period;
                lock (_gate)
                {
                    if (_disposed)
                        return;
                    PlayNextFrame(sink);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            _decoder.Dispose();
            _reader.Dispose();
        }
    }

    private static FileStream OpenFile(string path)
    {
        try
        {
            // bufferSize 0: MjpegStreamReader has its own buffer; a second one would only add a copy.
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new FrameSourceException($"cannot read video file '{path}': {Describe(e)}", e);
        }
    }

    /// <summary>The errno-style wording a user knows from other tools, instead of .NET's longer messages.</summary>
    private static string Describe(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "No such file or directory",
        UnauthorizedAccessException => "Permission denied",
        _ => e.Message,
    };

    /// <summary>Reads until the first image that decodes; the file is only usable if there is one.</summary>
    private void DecodeFirstFrame()
    {
        string? lastProblem = null;
        while (true)
        {
            MjpegReadResult result = ReadNextImage(out ReadOnlySpan<byte> jpeg);
            if (result == MjpegReadResult.EndOfStream)
            {
                string detail = lastProblem is null ? "" : " (last error: " + lastProblem + ")";
                throw new FrameSourceException($"no decodable JPEG frame in video file '{_path}'{detail}");
            }
            if (result != MjpegReadResult.Frame)
            {
                lastProblem = Describe(result);
                _skipped.Count(lastProblem);
                continue;
            }
            if (_decoder.Decode(jpeg) == JpegDecodeResult.Failed)
            {
                lastProblem = _decoder.LastError;
                _skipped.Count(lastProblem ?? "decode failed");
                continue;
            }
            RememberDelivered(jpeg);
            _width = _decoder.Width;
            _height = _decoder.Height;
            return;
        }
    }

    /// <summary>One tick: read the next image, skip it if bad or unchanged, otherwise decode and deliver it.</summary>
    private void PlayNextFrame(IFrameSink sink)
    {
        MjpegReadResult result = ReadNextImage(out ReadOnlySpan<byte> jpeg);
        if (result == MjpegReadResult.EndOfStream)
        {
            // Loop. A file that has become empty since it was opened just shows its last frame.
            _reader.Rewind();
            _nextIndex = 0;
            result = ReadNextImage(out jpeg);
            if (result == MjpegReadResult.EndOfStream)
                return;
        }
        if (result != MjpegReadResult.Frame)
        {
            // A damaged frame costs its tick, like a frame a dongle dropped; the picture holds.
            _skipped.Count(Describe(result));
            return;
        }
        // A static screen: the sink already has exactly this picture, unless it took it without pixels.
        bool repeat = jpeg.SequenceEqual(_lastDeliveredJpeg.AsSpan(0, _lastDeliveredJpegLength));
        if (repeat && !_lastDeliveredWithoutPixels)
            return;
        if (!repeat && _decoder.TryExamine(jpeg, out int width, out int height, out double changedShare, out int quality)
            && sink.TryTakeJpegOnly(_decoder.CompleteImage(jpeg), width, height, changedShare, quality))
        {
            RememberDelivered(jpeg);
            _lastDeliveredWithoutPixels = true;
            return;
        }

        int oldWidth = _decoder.Width, oldHeight = _decoder.Height;
        JpegDecodeResult decoded = _decoder.Decode(jpeg);
        if (decoded == JpegDecodeResult.Failed)
        {
            _skipped.Count(_decoder.LastError ?? "decode failed");
            // The buffer may now hold half an image; forget the last JPEG so its next occurrence is decoded again.
            _lastDeliveredJpegLength = 0;
            return;
        }
        if (decoded == JpegDecodeResult.DecodedWithWarning && _logger.IsEnabled(LogLevel.Debug))
            CaptureLog.FrameDecodedWithWarning(_logger, Description, _decoder.LastError ?? "");
        if (_decoder.Width != oldWidth || _decoder.Height != oldHeight)
            CaptureLog.FrameSizeChanged(_logger, Description, oldWidth, oldHeight, _decoder.Width, _decoder.Height);

        RememberDelivered(jpeg);
        _lastDeliveredWithoutPixels = false;
        DeliverDecoded(sink, _decoder.ChangedTop, _decoder.ChangedBottom);
    }

    private MjpegReadResult ReadNextImage(out ReadOnlySpan<byte> jpeg)
    {
        try
        {
            MjpegReadResult result = _reader.ReadNext(out jpeg);
            if (result == MjpegReadResult.EndOfStream) return result;
            int index = _nextIndex++;
            if (_logger.IsEnabled(LogLevel.Trace))
                CaptureLog.FrameRead(_logger, index, (Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency).ToString("F6", CultureInfo.InvariantCulture));
            return result;
        }
        catch (IOException e)
        {
            throw new FrameSourceException($"cannot read video file '{_path}': {e.Message}", e);
        }
    }

    /// <summary>Hands the sink the whole picture; only rows <paramref name="changedTop"/>..<paramref name="changedBottom"/> differ from the last one it got.</summary>
    private void DeliverDecoded(IFrameSink sink, int changedTop, int changedBottom)
    {
        Volatile.Write(ref _width, _decoder.Width);
        Volatile.Write(ref _height, _decoder.Height);
        sink.OnJpegFrame(_decoder.Pixels, _decoder.Width, _decoder.Height, _decoder.Stride,
            _decoder.CompleteImage(_lastDeliveredJpeg.AsSpan(0, _lastDeliveredJpegLength)), changedTop, changedBottom);
    }

    private void RememberDelivered(ReadOnlySpan<byte> jpeg)
    {
        if (_lastDeliveredJpeg.Length < jpeg.Length)
            _lastDeliveredJpeg = new byte[Math.Max(jpeg.Length, _lastDeliveredJpeg.Length * 2)];
        jpeg.CopyTo(_lastDeliveredJpeg);
        _lastDeliveredJpegLength = jpeg.Length;
    }

    private static string Describe(MjpegReadResult result) => result switch
    {
        MjpegReadResult.Corrupt => "malformed JPEG marker structure or frame over 32 MiB",
        MjpegReadResult.Truncated => "truncated frame at end of file",
        _ => result.ToString(),
    };
}
