// SPDX-License-Identifier: MIT
using System.Buffers.Binary;

namespace KvmPi.Vnc.Rfb.Pixels;

/// <summary>
/// An RFB PIXEL_FORMAT (rfbproto "ServerInit" / "SetPixelFormat"). Only true-colour formats are served: a KVM has
/// no colour map to offer, and every client in use asks for true colour.
/// </summary>
/// <remarks>
/// Wire layout, 16 bytes:
/// <code>
/// +-----+-------+------------+-------------+--------+----------+---------+--------+----------+---------+---------+
/// | bpp | depth | big-endian | true-colour | U16 rM | U16 gM   | U16 bM  | rShift | gShift   | bShift  | 3 pad   |
/// +-----+-------+------------+-------------+--------+----------+---------+--------+----------+---------+---------+
/// </code>
/// </remarks>
public readonly record struct PixelFormat(
    byte BitsPerPixel, byte Depth, bool BigEndian, bool TrueColour,
    ushort RedMax, ushort GreenMax, ushort BlueMax,
    byte RedShift, byte GreenShift, byte BlueShift)
{
    public const int WireLength = 16;

    /// <summary>
    /// The server's native format and the one announced in ServerInit: 32 bpp, depth 24, little-endian, so a pixel
    /// is the bytes B, G, R, X in memory (what TurboJPEG writes as TJPF_BGRX and what most viewers use natively).
    /// </summary>
    public static PixelFormat Bgrx32 { get; } = new(32, 24, false, true, 255, 255, 255, 16, 8, 0);

    public int BytesPerPixel => BitsPerPixel / 8;

    /// <summary>Whether the 32-bpp fast paths apply: all channels 8 bits wide at byte-aligned shifts.</summary>
    public bool Is888 => BitsPerPixel == 32 && TrueColour && RedMax == 255 && GreenMax == 255 && BlueMax == 255
                         && RedShift % 8 == 0 && GreenShift % 8 == 0 && BlueShift % 8 == 0;

    /// <summary>
    /// Whether this is a format we can serve, following TigerVNC's PixelFormat::isSane: bpp 8/16/32, true colour,
    /// each max 2^n−1 and ≤ 255 (so nearest-value rounding tables stay 256 entries), channels within bpp and not
    /// overlapping, and their bits not exceeding the depth.
    /// </summary>
    public bool IsValid(out string? reason)
    {
        reason = null;
        if (BitsPerPixel is not (8 or 16 or 32)) { reason = $"bits-per-pixel {BitsPerPixel} is not 8, 16 or 32"; return false; }
        if (!TrueColour) { reason = "colour-map formats are not supported"; return false; }
        if (Depth == 0 || Depth > BitsPerPixel) { reason = $"depth {Depth} does not fit {BitsPerPixel} bpp"; return false; }
        int bits = 0;
        ulong used = 0;
        if (!Channel(RedMax, RedShift, "red", ref bits, ref used, out reason)) return false;
        if (!Channel(GreenMax, GreenShift, "green", ref bits, ref used, out reason)) return false;
        if (!Channel(BlueMax, BlueShift, "blue", ref bits, ref used, out reason)) return false;
        if (bits > Depth) { reason = $"colour bits {bits} exceed depth {Depth}"; return false; }
        return true;
    }

    private bool Channel(ushort max, byte shift, string name, ref int bits, ref ulong used, out string? reason)
    {
        reason = null;
        if (max == 0 || max > 255 || (max & (max + 1)) != 0) { reason = $"{name}-max {max} is not 2^n-1 in 1..255"; return false; }
        int n = System.Numerics.BitOperations.PopCount(max);
        if (shift + n > BitsPerPixel) { reason = $"{name}-shift {shift} puts {n} bits outside {BitsPerPixel} bpp"; return false; }
        ulong mask = (ulong)max << shift;
        if ((used & mask) != 0) { reason = $"{name} overlaps another channel"; return false; }
        used |= mask;
        bits += n;
        return true;
    }

    public static PixelFormat Read(ReadOnlySpan<byte> b) => new(
        b[0], b[1], b[2] != 0, b[3] != 0,
        BinaryPrimitives.ReadUInt16BigEndian(b[4..]), BinaryPrimitives.ReadUInt16BigEndian(b[6..]),
        BinaryPrimitives.ReadUInt16BigEndian(b[8..]), b[10], b[11], b[12]);

    public void Write(Span<byte> b)
    {
        b[0] = BitsPerPixel; b[1] = Depth; b[2] = BigEndian ? (byte)1 : (byte)0; b[3] = TrueColour ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt16BigEndian(b[4..], RedMax);
        BinaryPrimitives.WriteUInt16BigEndian(b[6..], GreenMax);
        BinaryPrimitives.WriteUInt16BigEndian(b[8..], BlueMax);
        b[10] = RedShift; b[11] = GreenShift; b[12] = BlueShift;
        b[13] = b[14] = b[15] = 0; // padding is zeroed: never leak buffer contents (LV d01e1bb4)
    }

    public override string ToString() =>
        $"{BitsPerPixel}bpp depth {Depth} {(BigEndian ? "BE" : "LE")} max {RedMax}/{GreenMax}/{BlueMax} shift {RedShift}/{GreenShift}/{BlueShift}";
}
