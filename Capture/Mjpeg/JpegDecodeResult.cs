// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Capture.Mjpeg;

/// <summary>Outcome of <see cref="TurboJpegDecoder.Decode"/>.</summary>
internal enum JpegDecodeResult
{
    /// <summary>A clean image is in the buffer.</summary>
    Decoded,

    /// <summary>A whole image is in the buffer, but libjpeg reported damaged data (it fills in what is missing).</summary>
    DecodedWithWarning,

    /// <summary>No usable image: bad header, unsupported format or a fatal data error.</summary>
    Failed,
}
