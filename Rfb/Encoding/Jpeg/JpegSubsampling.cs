// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Encoding.Jpeg;

/// <summary>Chroma subsampling of a JPEG image; the values are TurboJPEG's TJSAMP constants.</summary>
public enum JpegSubsampling
{
    /// <summary>4:4:4, full chroma (TJSAMP_444).</summary>
    None = 0,

    /// <summary>4:2:2, chroma halved horizontally (TJSAMP_422).</summary>
    Half = 1,

    /// <summary>4:2:0, chroma halved both ways (TJSAMP_420).</summary>
    Quarter = 2,

    /// <summary>Luminance only (TJSAMP_GRAY).</summary>
    Gray = 3,
}
