// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;

namespace KvmPi.Vnc.Capture.Mjpeg;

/// <summary>
/// The few TurboJPEG 2.x decompression entry points Capture needs, bound with source-generated P/Invoke (AOT safe).
/// </summary>
/// <remarks>
/// Debian 12 and Raspberry Pi OS bookworm ship libturbojpeg0 2.1.5, which exports only the 2.x API (no <c>tj3*</c>).
/// <c>unsigned long</c> is <see cref="CULong"/> because it is 32-bit on armhf. Rfb keeps its own compress binding on
/// purpose: a few duplicated declarations are cheaper than an Rfb↔Capture dependency.
/// </remarks>
internal static unsafe partial class TurboJpegNative
{
    private const string Library = "libturbojpeg.so.0";

    /// <summary>TJPF_BGRX: 4 bytes a pixel, B G R then an unused byte; the layout <see cref="IFrameSink"/> takes.</summary>
    internal const int PixelFormatBgrx = 3;

    /// <summary>TJERR_WARNING: the image was decoded, but the data had a recoverable defect.</summary>
    internal const int ErrorCodeWarning = 0;

    [LibraryImport(Library)]
    internal static partial nint tjInitDecompress();

    [LibraryImport(Library)]
    internal static partial int tjDecompressHeader3(TurboJpegHandle handle, byte* jpegBuf, CULong jpegSize,
        out int width, out int height, out int jpegSubsamp, out int jpegColorspace);

    [LibraryImport(Library)]
    internal static partial int tjDecompress2(TurboJpegHandle handle, byte* jpegBuf, CULong jpegSize,
        byte* dstBuf, int width, int pitch, int height, int pixelFormat, int flags);

    /// <summary>Returns a pointer into the handle's own storage; never free it.</summary>
    [LibraryImport(Library)]
    internal static partial nint tjGetErrorStr2(TurboJpegHandle handle);

    [LibraryImport(Library)]
    internal static partial int tjGetErrorCode(TurboJpegHandle handle);

    [LibraryImport(Library)]
    internal static partial int tjDestroy(nint handle);

    /// <summary>TJSAMP_420: chroma halved both ways, the usual JPEG for photos of screens.</summary>
    internal const int Subsampling420 = 2;

    [LibraryImport(Library)]
    internal static partial nint tjInitCompress();

    [LibraryImport(Library)]
    internal static partial int tjCompress2(nint handle, byte* srcBuf, int width, int pitch, int height, int pixelFormat,
        byte** jpegBuf, CULong* jpegSize, int jpegSubsamp, int jpegQual, int flags);

    [LibraryImport(Library)]
    internal static partial void tjFree(byte* buffer);

    [LibraryImport(Library, EntryPoint = "tjGetErrorStr2")]
    internal static partial nint tjGetErrorStr2Raw(nint handle);
}
