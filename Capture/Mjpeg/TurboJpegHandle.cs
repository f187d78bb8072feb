// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;

namespace KvmPi.Vnc.Capture.Mjpeg;

/// <summary>Owns one TurboJPEG instance (<c>tjhandle</c>) and destroys it exactly once.</summary>
internal sealed class TurboJpegHandle : SafeHandle
{
    public TurboJpegHandle() : base(invalidHandleValue: 0, ownsHandle: true) { }

    public override bool IsInvalid => handle == 0;

    /// <summary>A fresh decompressor; throws when the library is missing or cannot allocate one.</summary>
    public static TurboJpegHandle CreateDecompressor()
    {
        nint raw;
        try
        {
            raw = TurboJpegNative.tjInitDecompress();
        }
        catch (DllNotFoundException e)
        {
            throw new FrameSourceException(
                "cannot load libturbojpeg.so.0 (install the libturbojpeg0 package): " + e.Message, e);
        }

        if (raw == 0)
            throw new FrameSourceException("tjInitDecompress failed: out of memory");
        var h = new TurboJpegHandle();
        h.SetHandle(raw);
        return h;
    }

    protected override bool ReleaseHandle() => TurboJpegNative.tjDestroy(handle) == 0;
}
