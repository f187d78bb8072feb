// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Encoding.Tight;

/// <summary>
/// Tight's compact length (rfbproto "Tight Encoding"): 1 to 3 bytes, 7 + 7 + 8 bits, least significant group first,
/// the high bit of the first two bytes saying "another byte follows". 10000 is <c>90 4E</c>.
/// </summary>
public static class TightCompactLength
{
    /// <summary>Largest length that fits: 2^22 − 1.</summary>
    public const int Max = (1 << 22) - 1;

    /// <summary>Writes <paramref name="length"/> (0..<see cref="Max"/>); returns the bytes written.</summary>
    public static int Write(int length, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Max);
        if (length < 0x80)
        {
            destination[0] = (byte)length;
            return 1;
        }

        destination[0] = (byte)(length | 0x80);
        if (length < 0x4000)
        {
            destination[1] = (byte)(length >> 7);
            return 2;
        }

        destination[1] = (byte)((length >> 7) | 0x80);
        destination[2] = (byte)(length >> 14);
        return 3;
    }
}
