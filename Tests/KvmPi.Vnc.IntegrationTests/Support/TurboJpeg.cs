// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;

namespace KvmPi.Vnc.IntegrationTests.Support;

/// <summary>
/// Test-only binding of libturbojpeg.so.0 (the library the server decodes with), to make MJPEG test videos and
/// compute their decoded pixels.
/// </summary>
public static unsafe partial class TurboJpeg
{
    private const string Lib = "libturbojpeg.so.0";
    public const int PixelFormatBgrx = 3; // TJPF_BGRX
    public const int Subsampling444 = 0; // TJSAMP_444
    public const int FlagFastUpsample = 256;
    public const int FlagFastDct = 2048;

    [LibraryImport(Lib)] private static partial IntPtr tjInitCompress();
    [LibraryImport(Lib)] private static partial IntPtr tjInitDecompress();
    [LibraryImport(Lib)] private static partial int tjDestroy(IntPtr handle);
    [LibraryImport(Lib)] private static partial void tjFree(byte* buffer);
    [LibraryImport(Lib)] private static partial IntPtr tjGetErrorStr2(IntPtr handle);

    [LibraryImport(Lib)]
    private static partial int tjCompress2(IntPtr handle, byte* srcBuf, int width, int pitch, int height, int pixelFormat,
        byte** jpegBuf, CULong* jpegSize, int jpegSubsamp, int jpegQual, int flags);

    [LibraryImport(Lib)]
    private static partial int tjDecompressHeader3(IntPtr handle, byte* jpegBuf, CULong jpegSize, int* width, int* height,
        int* jpegSubsamp, int* jpegColorspace);

    [LibraryImport(Lib)]
    private static partial int tjDecompress2(IntPtr handle, byte* jpegBuf, CULong jpegSize, byte* dstBuf, int width, int pitch,
        int height, int pixelFormat, int flags);

    public static bool IsAvailable
    {
        get
        {
            if (!NativeLibrary.TryLoad(Lib, out IntPtr lib))
                return false;
            NativeLibrary.Free(lib);
            return true;
        }
    }

    private static string Error(IntPtr handle) => Marshal.PtrToStringUTF8(tjGetErrorStr2(handle)) ?? "?";

    /// <summary>Compresses a BGRX image (4 bytes per pixel, rows back to back).</summary>
    public static byte[] Compress(ReadOnlySpan<byte> bgrx, int width, int height, int quality = 95, int subsampling = Subsampling444)
    {
        Tools.RequireTurboJpeg();
        IntPtr h = tjInitCompress();
        if (h == IntPtr.Zero)
            throw new InvalidOperationException("tjInitCompress failed");
        try
        {
            byte* jpeg = null;
            CULong size = default;
            fixed (byte* src = bgrx)
            {
                if (tjCompress2(h, src, width, width * 4, height, PixelFormatBgrx, &jpeg, &size, subsampling, quality, 0) != 0)
                    throw new InvalidOperationException("tjCompress2: " + Error(h));
            }
            try
            {
                return new ReadOnlySpan<byte>(jpeg, checked((int)size.Value)).ToArray();
            }
            finally
            {
                tjFree(jpeg);
            }
        }
        finally
        {
            tjDestroy(h);
        }
    }

    /// <summary>Decodes to BGRX with the given TurboJPEG flags.</summary>
    public static (int Width, int Height, byte[] Bgrx) Decompress(ReadOnlySpan<byte> jpeg, int flags = 0)
    {
        Tools.RequireTurboJpeg();
        IntPtr h = tjInitDecompress();
        if (h == IntPtr.Zero)
            throw new InvalidOperationException("tjInitDecompress failed");
        try
        {
            fixed (byte* src = jpeg)
            {
                var size = new CULong((nuint)jpeg.Length);
                int w, hh, ss, cs;
                if (tjDecompressHeader3(h, src, size, &w, &hh, &ss, &cs) != 0)
                    throw new InvalidOperationException("tjDecompressHeader3: " + Error(h));
                var dst = new byte[w * hh * 4];
                fixed (byte* d = dst)
                {
                    if (tjDecompress2(h, src, size, d, w, w * 4, hh, PixelFormatBgrx, flags) != 0)
                        throw new InvalidOperationException("tjDecompress2: " + Error(h));
                }
                return (w, hh, dst);
            }
        }
        finally
        {
            tjDestroy(h);
        }
    }
}
