// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;

namespace KvmPi.Vnc.Capture.Mjpeg;

/// <summary>One-shot BGRX → JPEG with TurboJPEG, for snapshots (not a hot path: a handle per call).</summary>
public static unsafe class TurboJpegEncoder
{
    /// <param name="quality">1..100.</param>
    public static byte[] Encode(ReadOnlySpan<byte> bgrx, int width, int height, int stride, int quality = 90)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, width * 4);
        if (bgrx.Length < (long)stride * (height - 1) + width * 4) throw new ArgumentException("image buffer too small", nameof(bgrx));
        nint handle;
        try
        {
            handle = TurboJpegNative.tjInitCompress();
        }
        catch (DllNotFoundException e)
        {
            throw new FrameSourceException("cannot load libturbojpeg.so.0 (install the libturbojpeg0 package): " + e.Message, e);
        }
        if (handle == 0) throw new FrameSourceException("tjInitCompress failed");
        byte* jpeg = null;
        try
        {
            CULong size = default;
            fixed (byte* src = bgrx)
            {
                if (TurboJpegNative.tjCompress2(handle, src, width, stride, height, TurboJpegNative.PixelFormatBgrx, &jpeg, &size,
                        TurboJpegNative.Subsampling420, quality, 0) != 0)
                    throw new FrameSourceException("JPEG compression failed: " + Marshal.PtrToStringUTF8(TurboJpegNative.tjGetErrorStr2Raw(handle)));
            }
            return new ReadOnlySpan<byte>(jpeg, checked((int)size.Value)).ToArray();
        }
        finally
        {
            if (jpeg != null) TurboJpegNative.tjFree(jpeg);
            TurboJpegNative.tjDestroy(handle);
        }
    }
}
