// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Capture.Mjpeg;

/// <summary>What <see cref="JpegFrameSplitter.Scan"/> found.</summary>
internal enum JpegScanStatus
{
    /// <summary>A whole image, SOI to EOI.</summary>
    Frame,

    /// <summary>An image has started; more data is needed to find its end.</summary>
    Incomplete,

    /// <summary>No start-of-image marker yet (bytes between images, or nothing at all).</summary>
    NoImageStart,

    /// <summary>The image that started is malformed or too long; it is skipped.</summary>
    Corrupt,
}
