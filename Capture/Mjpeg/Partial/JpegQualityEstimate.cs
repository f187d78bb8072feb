// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Capture.Mjpeg.Partial;

/// <summary>
/// The IJG quality (1..100) a JPEG was most likely written at, from its luminance quantization table: encoders
/// (libjpeg, and the hardware of capture dongles, which follow it) scale the table of ITU T.81 Annex K.1 by
/// 5000/q for q &lt; 50 and by 200 − 2q above, so the ratio of the table's sum to the standard one gives q back.
/// Used to tell whether sending the capture's own image costs a viewer more bytes than re-encoding at its quality.
/// </summary>
internal static class JpegQualityEstimate
{
    /// <summary>Sum of the 64 entries of the standard luminance table (K.1), scale 100 (quality 50).</summary>
    private const int StandardLuminanceSum =
        16 + 11 + 10 + 16 + 24 + 40 + 51 + 61 + 12 + 12 + 14 + 19 + 26 + 58 + 60 + 55 +
        14 + 13 + 16 + 24 + 40 + 57 + 69 + 56 + 14 + 17 + 22 + 29 + 51 + 87 + 80 + 62 +
        18 + 22 + 37 + 56 + 68 + 109 + 103 + 77 + 24 + 35 + 55 + 64 + 81 + 104 + 113 + 92 +
        49 + 64 + 78 + 87 + 103 + 121 + 120 + 101 + 72 + 92 + 95 + 98 + 112 + 100 + 103 + 99;

    /// <summary>The quality of a 64-entry luminance table (any order); 0 for an empty or zero table.</summary>
    public static int FromLuminanceTable(ReadOnlySpan<ushort> table)
    {
        long sum = 0;
        foreach (ushort q in table) sum += q;
        if (table.Length != 64 || sum == 0) return 0;
        double scale = 100.0 * sum / StandardLuminanceSum;
        double quality = scale <= 100 ? (200 - scale) / 2 : 5000 / scale;
        return Math.Clamp((int)Math.Round(quality), 1, 100);
    }
}
