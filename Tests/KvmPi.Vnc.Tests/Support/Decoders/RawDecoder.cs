// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Pixels;

namespace KvmPi.Vnc.Tests.Support.Decoders;

/// <summary>Test-only Raw decoder (rfbproto "Raw Encoding"): width × height PIXELs.</summary>
internal static class RawDecoder
{
    public static uint[] Decode(ReadOnlySpan<byte> data, int width, int height, PixelFormat pf, out int consumed)
    {
        var pixels = new uint[width * height];
        int at = 0;
        for (int i = 0; i < pixels.Length; i++) pixels[i] = WirePixels.ReadPixel(data, ref at, pf);
        consumed = at;
        return pixels;
    }
}
