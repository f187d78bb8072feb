// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;

namespace KvmPi.Vnc.Tests.Support;

/// <summary>
/// Test-only TurboJPEG 2.x compress binding, to build JPEG and Motion-JPEG inputs inside the tests instead of
/// committing binary fixtures. Each call makes and destroys its own handle: simple, and speed does not matter here.
/// </summary>
internal static unsafe partial class TestJpegEncoder
{
    private const string Library = "libturbojpeg.so.0";
    private const int PixelFormatBgrx = 3;   // TJPF_BGRX
    private const int Subsampling420 = 2;    // TJSAMP_420, what most dongles send
    private const int FlagNoRealloc = 1024;  // TJFLAG_NOREALLOC: write into our buffer sized by tjBufSize

    /// <summary>Compresses a BGRX image (stride = width * 4).</summary>
    public static byte[] Encode(ReadOnlySpan<byte> bgrx, int width, int height, int quality = 90) =>
        Encode(bgrx, width, height, quality, Subsampling420);

    /// <summary>Compresses a BGRX image with the given TJSAMP subsampling (0 4:4:4, 1 4:2:2, 2 4:2:0, 3 grey).</summary>
    public static byte[] Encode(ReadOnlySpan<byte> bgrx, int width, int height, int quality, int subsampling)
    {
        nint handle = tjInitCompress();
        if (handle == 0)
            throw new InvalidOperationException("tjInitCompress failed");
        try
        {
            var output = new byte[(int)tjBufSize(width, height, subsampling).Value];
            fixed (byte* src = bgrx)
            fixed (byte* dst = output)
            {
                byte* jpegBuf = dst;
                CULong size = new((nuint)output.Length);
                if (tjCompress2(handle, src, width, width * 4, height, PixelFormatBgrx, &jpegBuf, &size,
                        subsampling, quality, FlagNoRealloc) != 0)
                    throw new InvalidOperationException("tjCompress2: " + Marshal.PtrToStringUTF8(tjGetErrorStr2(handle)));
                return output.AsSpan(0, (int)size.Value).ToArray();
            }
        }
        finally
        {
            tjDestroy(handle);
        }
    }

    /// <summary>A JPEG of one colour.</summary>
    public static byte[] Solid(int width, int height, byte r, byte g, byte b) =>
        Encode(SolidBgrx(width, height, r, g, b), width, height);

    /// <summary>A JPEG with red rising left to right and green rising top to bottom, blue fixed.</summary>
    public static byte[] Gradient(int width, int height, byte blue = 64)
    {
        var pixels = new byte[width * height * 4];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = (y * width + x) * 4;
                pixels[i] = blue;
                pixels[i + 1] = (byte)(y * 255 / Math.Max(1, height - 1));
                pixels[i + 2] = (byte)(x * 255 / Math.Max(1, width - 1));
            }
        return Encode(pixels, width, height);
    }

    public static byte[] SolidBgrx(int width, int height, byte r, byte g, byte b)
    {
        var pixels = new byte[width * height * 4];
        for (int i = 0; i < pixels.Length; i += 4)
        {
            pixels[i] = b;
            pixels[i + 1] = g;
            pixels[i + 2] = r;
        }
        return pixels;
    }

    [LibraryImport(Library)] private static partial nint tjInitCompress();

    [LibraryImport(Library)]
    private static partial int tjCompress2(nint handle, byte* srcBuf, int width, int pitch, int height, int pixelFormat,
        byte** jpegBuf, CULong* jpegSize, int jpegSubsamp, int jpegQual, int flags);

    [LibraryImport(Library)] private static partial CULong tjBufSize(int width, int height, int jpegSubsamp);
    [LibraryImport(Library)] private static partial nint tjGetErrorStr2(nint handle);
    [LibraryImport(Library)] private static partial int tjDestroy(nint handle);
}
