// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Encoding.Deflate;

/// <summary>
/// RFC 1951 §3.2.5–3.2.7: how match lengths 3..258 and distances 1..32768 map to codes and extra bits, the fixed
/// Huffman code lengths, and the order in which a dynamic block's header lists its code-length code lengths.
/// Computed once from the RFC's base/extra rules rather than typed in.
/// </summary>
internal static class DeflateTables
{
    public const int LengthCodes = 29;    // literal/length symbols 257..285
    public const int LiteralLengthSymbols = 286;
    public const int DistanceCodes = 30;
    public const int EndOfBlock = 256;

    /// <summary>Length code (0..28, symbol − 257) for match length − 3 (0..255).</summary>
    public static readonly byte[] LengthCode = new byte[256];
    public static readonly ushort[] LengthBase = new ushort[LengthCodes];   // length − 3 of the code's first length
    public static readonly byte[] LengthExtra = new byte[LengthCodes];

    public static readonly ushort[] DistanceBase = new ushort[DistanceCodes];  // distance − 1 of the code's first
    public static readonly byte[] DistanceExtra = new byte[DistanceCodes];

    // distance − 1 below 256: code at [d]; else at [256 + (d >> 7)] (codes 16 and up cover whole multiples of 128).
    private static readonly byte[] DistanceCodeOf = new byte[512];

    /// <summary>The order of code-length code lengths in a dynamic block header.</summary>
    public static ReadOnlySpan<byte> CodeLengthOrder => [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

    static DeflateTables()
    {
        int length = 0;
        for (int code = 0; code < LengthCodes - 1; code++)
        {
            int extra = code < 8 ? 0 : (code - 4) / 4;
            LengthBase[code] = (ushort)length;
            LengthExtra[code] = (byte)extra;
            for (int n = 0; n < 1 << extra; n++) LengthCode[length++] = (byte)code;
        }

        // Length 258 has a code of its own (285, no extra bits); 227 + 31 = 258 would otherwise also reach it.
        LengthBase[LengthCodes - 1] = 255;
        LengthExtra[LengthCodes - 1] = 0;
        LengthCode[255] = LengthCodes - 1;

        int distance = 0;
        for (int code = 0; code < DistanceCodes; code++)
        {
            int extra = code < 4 ? 0 : (code - 2) / 2;
            DistanceBase[code] = (ushort)distance;
            DistanceExtra[code] = (byte)extra;
            for (int n = 0; n < 1 << extra; n++, distance++)
            {
                if (distance < 256) DistanceCodeOf[distance] = (byte)code;
                else if ((distance & 127) == 0) DistanceCodeOf[256 + (distance >> 7)] = (byte)code;
            }
        }
    }

    /// <summary>Distance code (0..29) for distance − 1 (0..32767).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static int DistanceCode(int distanceMinusOne) =>
        distanceMinusOne < 256 ? DistanceCodeOf[distanceMinusOne] : DistanceCodeOf[256 + (distanceMinusOne >> 7)];

    /// <summary>RFC 1951 §3.2.6: literal/length code lengths of the fixed code (288 symbols).</summary>
    public static void FixedLiteralLengths(Span<byte> lengths)
    {
        lengths[..144].Fill(8);
        lengths[144..256].Fill(9);
        lengths[256..280].Fill(7);
        lengths[280..288].Fill(8);
    }
}
