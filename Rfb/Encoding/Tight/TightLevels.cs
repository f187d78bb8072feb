// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Encoding.Jpeg;

namespace KvmPi.Vnc.Rfb.Encoding.Tight;

/// <summary>
/// What a viewer's CompressLevel, QualityLevel, fine quality and subsampling pseudo-encodings mean for Tight.
/// </summary>
public static class TightLevels
{
    /// <summary>Compression level when the viewer sent none: 2, TigerVNC's server default too.</summary>
    public const int DefaultCompressLevel = 2;

    /// <summary>
    /// zlib level of each stream for compression levels 0..9. .NET's zlib is zlib-ng, about twice as fast as zlib at
    /// each level (stack-notes §2). Palette indices (a byte a pixel at most) get zlib-ng's 6 from level 3 up. Full
    /// colour of large updates stays at 2 up to level 3: it is three bytes a pixel, and zlib-ng's 6 there, though
    /// 7 % smaller on the load tool's captured scrolling, doubled the server's CPU per frame on scrolling and video;
    /// small updates get more (<see cref="SmallUpdateFullColourZlibLevel"/>). zlib-ng's 1 ("quick", static Huffman
    /// codes) and 3 compress worse than its 2 and are skipped.
    /// </summary>
    private static ReadOnlySpan<byte> FullColourZlib => [0, 2, 2, 2, 4, 5, 6, 7, 8, 9];
    private static ReadOnlySpan<byte> IndexedZlib => [0, 2, 4, 6, 6, 7, 7, 8, 9, 9];

    public static int FullColourZlibLevel(int compressLevel) => FullColourZlib[Math.Clamp(compressLevel, 0, 9)];

    /// <summary>
    /// zlib level for full colour in small updates (a few tiles, as typing makes): 9 from compression level 3 up,
    /// where zlib-ng's lazy matching finds the repeated glyphs of captured text (−9 % on the load tool's typing
    /// against its 6) in microseconds; otherwise as <see cref="FullColourZlibLevel"/>.
    /// </summary>
    public static int SmallUpdateFullColourZlibLevel(int compressLevel) => compressLevel >= 3 ? 9 : FullColourZlibLevel(compressLevel);

    public static int IndexedZlibLevel(int compressLevel) => IndexedZlib[Math.Clamp(compressLevel, 0, 9)];

    /// <summary>
    /// Whether a stream goes through <see cref="Deflate.PixelDeflater"/> rather than .NET's zlib: full colour of
    /// large updates (stream 0), at any level but 0 (stored). Measured with <c>loadtest bytes</c> (compression level
    /// 3): captured scrolling 919,903 → 802,179 B/update (−13 %; libvncserver's zlib 1 finds the three-byte pixel
    /// repeats zlib-ng misses), typing 1849 → 1836; captured video, gradient-filtered, 933,966 → 985,517 (+5.5 %) for
    /// less time (zlib-ng is slow on noise). Small updates (stream 3, zlib-ng 9: typing 1836 → 2070 otherwise) and
    /// palette indices (stream 2: no gain) stay with zlib-ng.
    /// </summary>
    public static bool UsesPixelDeflater(int stream, int zlibLevel) => zlibLevel > 0 && stream == 0;

    /// <summary>
    /// JPEG quality and subsampling for coarse quality levels 0..9: the table TigerVNC and libvncserver both use
    /// (rfb-notes §6.4), so an image costs what it costs with those servers.
    /// </summary>
    private static ReadOnlySpan<byte> Quality => [15, 29, 41, 42, 62, 77, 79, 86, 92, 100];

    public static int JpegQuality(int qualityLevel) => Quality[Math.Clamp(qualityLevel, 0, 9)];

    public static JpegSubsampling JpegSubsamplingFor(int qualityLevel) => Math.Clamp(qualityLevel, 0, 9) switch
    {
        <= 2 => JpegSubsampling.Quarter,
        <= 5 => JpegSubsampling.Half,
        _ => JpegSubsampling.None,
    };

    /// <summary>
    /// TurboVNC's subsampling pseudo-encodings −768..−763 (1X, 4X, 2X, gray, 8X, 16X) as libjpeg-turbo can do
    /// them: 8X and 16X have no libjpeg equivalent and become 4X, as in TigerVNC.
    /// </summary>
    public static JpegSubsampling FromSubsamplingLevel(int level) => level switch
    {
        0 => JpegSubsampling.None,
        2 => JpegSubsampling.Half,
        3 => JpegSubsampling.Gray,
        _ => JpegSubsampling.Quarter,
    };
}
