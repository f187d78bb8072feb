// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Capture.Mjpeg;

/// <summary>What <see cref="MjpegStreamReader.ReadNext"/> produced.</summary>
internal enum MjpegReadResult
{
    /// <summary>A whole image, SOI to EOI.</summary>
    Frame,

    /// <summary>A malformed or oversized image was skipped.</summary>
    Corrupt,

    /// <summary>The stream ended inside an image; the partial image was dropped.</summary>
    Truncated,

    /// <summary>No more images.</summary>
    EndOfStream,
}
