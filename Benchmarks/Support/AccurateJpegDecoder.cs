// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;

namespace KvmPi.Vnc.Benchmarks.Support;

/// <summary>
/// TurboJPEG decompression with the accurate (ISLOW) IDCT and fancy upsampling, what viewers' libjpeg uses by
/// default: for PSNR figures. Capture's decoder trades that accuracy for speed (FASTDCT), which at quality 100
/// costs more than the compression itself.
/// </summary>
internal static unsafe partial class AccurateJpegDecoder
{
    [LibraryImport("libturbojpeg.so.0")]
    private static partial nint tjInitDecompress();

    [LibraryImport("libturbojpeg.so.0")]
    private static partial int tjDecompress2(nint handle, byte* jpegBuf, CULong jpegSize, byte* dstBuf, int width,
        int pitch, int height, int pixelFormat, int flags);

    [LibraryImport("libturbojpeg.so.0")]
    private static partial int tjDestroy(nint handle);

    /// <summary>Decodes into <paramref name="bgrx"/> (width × height × 4 bytes); throws on failure.</summary>
    public static void Decode(ReadOnlySpan<byte> jpeg, Span<byte> bgrx, int width, int height)
    {
        nint h = tjInitDecompress();
        try
        {
            fixed (byte* src = jpeg)
            fixed (byte* dst = bgrx)
                if (tjDecompress2(h, src, new CULong((nuint)jpeg.Length), dst, width, width * 4, height, 3, 0) != 0)
                    throw new InvalidOperationException("tjDecompress2 failed");
        }
        finally
        {
            _ = tjDestroy(h);
        }
    }
}
