// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Pixels;

namespace KvmPi.Vnc.Tests.Support.Decoders;

/// <summary>
/// Test-only reading of rfbproto PIXEL and ZRLE CPIXEL values, written from the spec text independently of the
/// encoders (it deliberately shares no code with Rfb) so a wrong byte order in the encoder cannot cancel out.
/// </summary>
internal static class WirePixels
{
    public static uint ReadPixel(ReadOnlySpan<byte> data, ref int at, PixelFormat pf)
    {
        int n = pf.BitsPerPixel / 8;
        if (at + n > data.Length) throw new InvalidDataException($"PIXEL at {at} runs past the data ({data.Length} bytes).");
        uint v = 0;
        for (int i = 0; i < n; i++)
        {
            // Wire byte i is the most significant first in big-endian, least significant first in little-endian.
            int shift = pf.BigEndian ? 8 * (n - 1 - i) : 8 * i;
            v |= (uint)data[at + i] << shift;
        }

        at += n;
        return v;
    }

    /// <summary>
    /// CPIXEL rule as the spec words it: 3 bytes when true colour, 32 bpp, depth ≤ 24 and all colour bits in the
    /// least or most significant 3 bytes; those 3 bytes are the 4-byte PIXEL minus the byte that is always zero.
    /// </summary>
    public static int CPixelSize(PixelFormat pf, out bool missingIsFirstWireByte)
    {
        missingIsFirstWireByte = false;
        if (!pf.TrueColour || pf.BitsPerPixel != 32 || pf.Depth > 24) return pf.BitsPerPixel / 8;
        ulong all = ((ulong)pf.RedMax << pf.RedShift) | ((ulong)pf.GreenMax << pf.GreenShift) | ((ulong)pf.BlueMax << pf.BlueShift);
        bool inLeast3 = (all >> 24) == 0;
        bool inMost3 = (all & 0xFF) == 0;
        if (inLeast3 && !pf.BigEndian) return 3;     // wire: b0 b1 b2 [00]
        if (inMost3 && pf.BigEndian) return 3;       // wire: b3 b2 b1 [00]
        if (inLeast3 && pf.BigEndian) { missingIsFirstWireByte = true; return 3; }   // wire: [00] b2 b1 b0
        if (inMost3 && !pf.BigEndian) { missingIsFirstWireByte = true; return 3; }   // wire: [00] b1 b2 b3
        return 4;
    }

    public static uint ReadCPixel(ReadOnlySpan<byte> data, ref int at, PixelFormat pf)
    {
        int size = CPixelSize(pf, out bool missingFirst);
        if (size != 3) return ReadPixel(data, ref at, pf);
        if (at + 3 > data.Length) throw new InvalidDataException("CPIXEL runs past the data.");
        Span<byte> wire = stackalloc byte[4];
        data.Slice(at, 3).CopyTo(missingFirst ? wire[1..] : wire[..3]);
        at += 3;
        int zero = 0;
        return ReadPixel(wire, ref zero, pf);
    }
}
