// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Capture;

/// <summary>
/// A producer of frames: a Motion-JPEG file now, a V4L2 device later, the demo target in Server. The port that
/// real capture drops into.
/// </summary>
public interface IFrameSource
{
    /// <summary>For logs: what is being captured ("file video.mjpeg", "/dev/video0").</summary>
    string Description { get; }

    /// <summary>Delivers frames to <paramref name="sink"/> until cancelled. Frames are delivered from one thread at a time.</summary>
    Task RunAsync(IFrameSink sink, CancellationToken cancellationToken);
}
