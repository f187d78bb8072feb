// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;

namespace KvmPi.Vnc.Rfb.Encoding.Jpeg;

/// <summary>
/// The TurboJPEG 2.x compression entry points (Debian 12 / Pi OS bookworm ship libturbojpeg0 2.1.5: no <c>tj3*</c>),
/// bound with source-generated P/Invoke so Native AOT works. <c>unsigned long</c> is <see cref="CULong"/>: 32-bit on
/// armhf. Capture keeps its own decompression binding; a few duplicated declarations cost less than a dependency.
/// </summary>
internal static unsafe partial class TurboJpegCompressNative
{
    private const string Library = "libturbojpeg.so.0";

    /// <summary>TJPF_BGRX: the framebuffer's layout.</summary>
    internal const int PixelFormatBgrx = 3;

    /// <summary>TJFLAG_NOREALLOC: write into our buffer (sized by tjBufSize); never allocate per image.</summary>
    internal const int FlagNoRealloc = 1024;

    [LibraryImport(Library)]
    internal static partial nint tjInitCompress();

    [LibraryImport(Library)]
    internal static partial int tjCompress2(nint handle, byte* srcBuf, int width, int pitch, int height,
        int pixelFormat, byte** jpegBuf, CULong* jpegSize, int jpegSubsamp, int jpegQual, int flags);

    [LibraryImport(Library)]
    internal static partial CULong tjBufSize(int width, int height, int jpegSubsamp);

    /// <summary>Points into the handle's own storage; never free it.</summary>
    [LibraryImport(Library)]
    internal static partial nint tjGetErrorStr2(nint handle);

    [LibraryImport(Library)]
    internal static partial int tjDestroy(nint handle);
}
