// SPDX-License-Identifier: MIT
using System.Diagnostics;
using KvmPi.Vnc.Capture;

namespace KvmPi.Vnc.Tests.Capture;

/// <summary>Keeps a copy of every delivered frame with its arrival time, and lets a test wait for the n-th one.</summary>
internal sealed class RecordingFrameSink : IFrameSink
{
    private readonly Lock _gate = new();
    private readonly List<RecordedFrame> _frames = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TaskCompletionSource? _waiter;
    private int _waitingFor;

    public IReadOnlyList<RecordedFrame> Frames { get { lock (_gate) return [.. _frames]; } }

    /// <summary>Whether the sink takes frames offered as the JPEG alone (<see cref="IFrameSink.TryTakeJpegOnly"/>).</summary>
    public bool TakesJpegOnly { get; set; }

    /// <summary>The images taken as the JPEG alone, with the changed share the source gave.</summary>
    public List<(byte[] Jpeg, double ChangedShare, int Quality)> JpegOnly { get; } = [];

    /// <summary>The JPEG delivered with each recorded frame (empty for frames without one).</summary>
    public List<byte[]> FrameJpegs { get; } = [];

    public bool TryTakeJpegOnly(ReadOnlySpan<byte> jpeg, int width, int height, double changedShare, int quality)
    {
        if (!TakesJpegOnly) return false;
        lock (_gate) JpegOnly.Add((jpeg.ToArray(), changedShare, quality));
        return true;
    }

    /// <summary>Whether the sink takes uncompressed frames without pixels (<see cref="IFrameSink.TryTakeWithoutPixels"/>).</summary>
    public bool TakesWithoutPixels { get; set; }

    /// <summary>Uncompressed frames taken without pixels.</summary>
    public int TakenWithoutPixels { get; private set; }

    public bool TryTakeWithoutPixels(int width, int height)
    {
        if (!TakesWithoutPixels) return false;
        lock (_gate) TakenWithoutPixels++;
        return true;
    }

    public void OnFrame(ReadOnlySpan<byte> bgrx, int width, int height, int stride)
    {
        lock (_gate) FrameJpegs.Add([]);
        Record(bgrx, width, height, stride, 0, height);
    }

    /// <summary>Records the rows the source said changed, too.</summary>
    public void OnFrame(ReadOnlySpan<byte> bgrx, int width, int height, int stride, int changedTop, int changedBottom)
    {
        lock (_gate) FrameJpegs.Add([]);
        Record(bgrx, width, height, stride, changedTop, changedBottom);
    }

    /// <summary>Records the rows the source said changed, too.</summary>
    public void OnJpegFrame(ReadOnlySpan<byte> bgrx, int width, int height, int stride, ReadOnlySpan<byte> jpeg,
        int changedTop, int changedBottom)
    {
        lock (_gate) FrameJpegs.Add(jpeg.ToArray());
        Record(bgrx, width, height, stride, changedTop, changedBottom);
    }

    private void Record(ReadOnlySpan<byte> bgrx, int width, int height, int stride, int changedTop, int changedBottom)
    {
        var pixels = new byte[width * height * 4];
        for (int y = 0; y < height; y++)
            bgrx.Slice(y * stride, width * 4).CopyTo(pixels.AsSpan(y * width * 4));
        lock (_gate)
        {
            _frames.Add(new RecordedFrame(width, height, pixels, _clock.Elapsed)
            {
                ChangedTop = changedTop, ChangedBottom = changedBottom, OnThreadPool = Thread.CurrentThread.IsThreadPoolThread,
            });
            if (_waiter is not null && _frames.Count >= _waitingFor)
                _waiter.TrySetResult();
        }
    }

    /// <summary>Completes when at least <paramref name="count"/> frames have arrived; fails after <paramref name="timeout"/>.</summary>
    public async Task WaitForFramesAsync(int count, TimeSpan timeout)
    {
        Task wait;
        lock (_gate)
        {
            if (_frames.Count >= count)
                return;
            _waitingFor = count;
            _waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            wait = _waiter.Task;
        }
        await wait.WaitAsync(timeout);
    }
}

internal sealed record RecordedFrame(int Width, int Height, byte[] Bgrx, TimeSpan ArrivedAfter)
{
    /// <summary>The rows the source said can differ from the frame before (all of them unless it said otherwise).</summary>
    public int ChangedTop { get; init; }
    public int ChangedBottom { get; init; } = int.MaxValue;

    /// <summary>Whether the source delivered it on a thread-pool thread.</summary>
    public bool OnThreadPool { get; init; }

    /// <summary>Red, green and blue of the pixel at (x, y).</summary>
    public (byte R, byte G, byte B) PixelAt(int x, int y)
    {
        int i = (y * Width + x) * 4;
        return (Bgrx[i + 2], Bgrx[i + 1], Bgrx[i]);
    }
}
