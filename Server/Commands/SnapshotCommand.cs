// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;
using KvmPi.Vnc.Capture;
using KvmPi.Vnc.Capture.Mjpeg;
using KvmPi.Vnc.Capture.V4l2;
using KvmPi.Vnc.Rfb.Encoding.Png;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Server.Hosting;
using Microsoft.Extensions.Logging;

namespace KvmPi.Vnc.Server.Commands;

/// <summary>
/// <c>kvmpi-vnc snapshot [--device D] [--format F] [--resolution WxH] -o FILE.png|FILE.jpg</c>: captures one current
/// frame and writes it, PNG (lossless) or JPEG by the file's extension. Exit 0 on success, 1 when the device has no
/// picture (the reason on stderr), 2 for a wrong command line.
/// </summary>
internal static class SnapshotCommand
{
    /// <summary>Longest wait for a frame; a device that streams gives one within a second, emulated ones in a few.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private const string UsageLine = "usage: kvmpi-vnc snapshot [--device /dev/videoN] [--format F] [--resolution WxH] -o FILE.png|FILE.jpg";

    public static async Task<int> RunAsync(string[] args, TextWriter error)
    {
        string? device = null, output = null;
        CaptureFormat format = CaptureFormat.Auto;
        int width = 0, height = 0;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            bool ok = true;
            switch (arg)
            {
                case "--device": device = value; i++; ok = !string.IsNullOrEmpty(value); break;
                case "-o" or "--output": output = value; i++; ok = !string.IsNullOrEmpty(value); break;
                case "--format": i++; ok = value is not null && CommandLine.TryParseFormat(value, out format); break;
                case "--resolution": i++; ok = value is not null && CommandLine.TryParseResolution(value, out width, out height); break;
                default: ok = false; break;
            }
            if (!ok)
            {
                error.WriteLine($"kvmpi-vnc snapshot: bad argument '{arg}{(value is null ? "" : " " + value)}' ({UsageLine})");
                return ExitCodes.Usage;
            }
        }
        string? extension = output is null ? null : Path.GetExtension(output).ToLowerInvariant();
        if (output is null || extension is not (".png" or ".jpg" or ".jpeg"))
        {
            error.WriteLine($"kvmpi-vnc snapshot: -o FILE.png or FILE.jpg is required ({UsageLine})");
            return ExitCodes.Usage;
        }

        using ILoggerFactory loggerFactory = Logging.Create("warn");
        using var source = new V4l2FrameSource(new V4l2CaptureSettings(device, format, width, height),
            loggerFactory.CreateLogger("KvmPi.Vnc.Capture"));
        var sink = new OneFrameSink();
        using var stop = new CancellationTokenSource(Timeout);
        Task run = source.RunAsync(sink, stop.Token);
        await Task.WhenAny(sink.Done, Task.Delay(Timeout)).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        if (sink.Pixels is null)
        {
            error.WriteLine($"kvmpi-vnc snapshot: no picture from {sink.Device ?? device ?? "any capture device"}: {sink.Reason ?? "no frame within " + Timeout.TotalSeconds + " s"}");
            return ExitCodes.StartupFailed;
        }
        byte[] file = extension == ".png"
            ? EncodePng(sink.Pixels, sink.Width, sink.Height)
            : TurboJpegEncoder.Encode(sink.Pixels, sink.Width, sink.Height, sink.Width * 4);
        try
        {
            await File.WriteAllBytesAsync(output, file).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"kvmpi-vnc snapshot: cannot write '{output}': {e.Message}");
            return ExitCodes.StartupFailed;
        }
        Console.Out.WriteLine($"{output}: {sink.Width}x{sink.Height} from {source.Description}");
        return ExitCodes.Ok;
    }

    /// <summary>A tightly packed BGRX frame as a lossless RGB PNG, through the same writer TightPNG uses.</summary>
    internal static byte[] EncodePng(byte[] bgrx, int width, int height)
    {
        var writer = new PngWriter();
        return writer.Encode(MemoryMarshal.Cast<byte, uint>(bgrx.AsSpan(0, width * height * 4)), width, height, PixelFormat.Bgrx32, 9).ToArray();
    }

    /// <summary>Keeps the first frame, or the first reason there is none.</summary>
    private sealed class OneFrameSink : IFrameSink, INoSignalSink
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Task Done => _done.Task;
        public byte[]? Pixels { get; private set; }
        public int Width { get; private set; }
        public int Height { get; private set; }
        public string? Device { get; private set; }
        public string? Reason { get; private set; }

        public void OnFrame(ReadOnlySpan<byte> bgrx, int width, int height, int stride)
        {
            if (Pixels is not null) return;
            var pixels = new byte[width * height * 4];
            for (int y = 0; y < height; y++) bgrx.Slice(y * stride, width * 4).CopyTo(pixels.AsSpan(y * width * 4));
            (Pixels, Width, Height) = (pixels, width, height);
            _done.TrySetResult();
        }

        public void OnNoSignal(string device, string reason)
        {
            (Device, Reason) = (device, reason);
            _done.TrySetResult();
        }
    }
}
