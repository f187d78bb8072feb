// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Encoding.Jpeg;

namespace KvmPi.Vnc.Rfb.Encoding.Tight;

/// <summary>How one viewer wants its Tight rectangles, resolved from its pseudo-encodings.</summary>
/// <param name="Png">TightPNG (−260) rather than Tight (7).</param>
/// <param name="CompressLevel">0..9.</param>
/// <param name="JpegQuality">libjpeg quality 1..100, or 0 when the viewer allows no JPEG.</param>
/// <param name="Subsampling">Chroma subsampling for JPEG.</param>
public readonly record struct TightSettings(bool Png, int CompressLevel, int JpegQuality, JpegSubsampling Subsampling)
{
    public bool AllowsJpeg => JpegQuality > 0;

    /// <summary>
    /// Resolves a viewer's levels the way TigerVNC's server does: fine quality and the subsampling level override
    /// the coarse quality level's table entry; no quality at all means no JPEG. JPEG also needs ≥ 16 bpp.
    /// </summary>
    /// <param name="compressLevel">0..9 or −1 (default 2).</param>
    /// <param name="qualityLevel">0..9 or −1.</param>
    /// <param name="fineQuality">0..100 or −1.</param>
    /// <param name="subsamplingLevel">0..5 or −1.</param>
    public static TightSettings From(bool png, int bitsPerPixel, int compressLevel, int qualityLevel, int fineQuality,
        int subsamplingLevel)
    {
        int level = compressLevel < 0 ? TightLevels.DefaultCompressLevel : Math.Clamp(compressLevel, 0, 9);
        bool jpeg = bitsPerPixel >= 16 && (qualityLevel >= 0 || fineQuality >= 0 || subsamplingLevel >= 0);
        if (!jpeg) return new TightSettings(png, level, 0, JpegSubsampling.None);
        // A subsampling or fine quality alone: TigerVNC's fallback quality level is 8 (the viewer's default at speed).
        int coarse = qualityLevel >= 0 ? qualityLevel : 8;
        int quality = fineQuality >= 0 ? Math.Clamp(fineQuality, 1, 100) : TightLevels.JpegQuality(coarse);
        JpegSubsampling sub = subsamplingLevel >= 0
            ? TightLevels.FromSubsamplingLevel(subsamplingLevel)
            : TightLevels.JpegSubsamplingFor(coarse);
        return new TightSettings(png, level, quality, sub);
    }
}
