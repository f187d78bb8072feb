// SPDX-License-Identifier: MIT
using Microsoft.Extensions.Logging;

namespace KvmPi.Vnc.Capture.Mjpeg;

/// <summary>
/// Plays a Motion-JPEG file (JPEG images back to back, as an HDMI dongle sends them) in a loop at a fixed rate,
/// decoding with libjpeg-turbo's TurboJPEG.
/// </summary>
public sealed class MjpegFileSource : IFrameSource, IDisposable
{
    /// <summary>Opens the file and decodes its first frame; throws <see cref="FrameSourceException"/> naming the file when it cannot.</summary>
    public MjpegFileSource(string path, int framesPerSecond, ILogger logger) => throw new NotImplementedException();

    public string Description => throw new NotImplementedException();
    public int Width => throw new NotImplementedException();
    public int Height => throw new NotImplementedException();

    public Task RunAsync(IFrameSink sink, CancellationToken cancellationToken) => throw new NotImplementedException();

    public void Dispose() => throw new NotImplementedException();
}
