// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Encoding;

/// <summary>Argument checks shared by the rectangle encoders.</summary>
internal static class EncoderGuard
{
    /// <summary>
    /// Rectangle sizes travel as U16 (rfbproto "FramebufferUpdate"), and the pixel span must hold width × height
    /// values.
    /// </summary>
    public static void CheckRect(ReadOnlySpan<uint> pixels, int width, int height)
    {
        if ((uint)width > ushort.MaxValue) throw new ArgumentOutOfRangeException(nameof(width));
        if ((uint)height > ushort.MaxValue) throw new ArgumentOutOfRangeException(nameof(height));
        if (pixels.Length < (long)width * height)
            throw new ArgumentException($"{pixels.Length} pixels do not fill {width}x{height}.", nameof(pixels));
    }
}
