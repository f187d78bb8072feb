// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Capture.Yuv;

/// <summary>
/// Fixed-point (Q16) Y'CbCr → R'G'B' coefficients for one matrix and range, with the offsets (16 for limited-range
/// Y, 128 for chroma) and the rounding folded into one constant per channel:
/// <code>
///   R = (Y·yScale + Cr·rCr + rConst) >> 16
///   G = (Y·yScale + Cb·gCb + Cr·gCr + gConst) >> 16
///   B = (Y·yScale + Cb·bCb + bConst) >> 16          each clamped to 0..255
/// </code>
/// The largest intermediate is under 2^26, so 32-bit lanes never overflow.
/// </summary>
public readonly record struct YuvCoefficients(int YScale, int RCr, int GCb, int GCr, int BCb, int RConst, int GConst, int BConst)
{
    private const double One = 65536;

    public static YuvCoefficients For(YuvColorimetry colorimetry)
    {
        (double kr, double kb) = colorimetry.Matrix switch
        {
            YuvMatrix.Bt709 => (0.2126, 0.0722),
            YuvMatrix.Bt2020 => (0.2627, 0.0593),
            YuvMatrix.Smpte240M => (0.212, 0.087),
            _ => (0.299, 0.114),
        };
        double kg = 1 - kr - kb;
        bool limited = colorimetry.Range == YuvRange.Limited;
        // Limited range: Y' = (Y - 16) / 219, Cb' = (Cb - 128) / 224; full range: Y / 255, (Cb - 128) / 255.
        double yScale = limited ? 255.0 / 219 : 1;
        double cScale = limited ? 255.0 / 224 : 1;
        int yOffset = limited ? 16 : 0;

        int y = Q(yScale);
        int rCr = Q(2 * (1 - kr) * cScale);
        int gCb = Q(-2 * kb * (1 - kb) / kg * cScale);
        int gCr = Q(-2 * kr * (1 - kr) / kg * cScale);
        int bCb = Q(2 * (1 - kb) * cScale);
        int baseConst = (1 << 15) - yOffset * y;   // rounding half up, minus the luma offset
        return new YuvCoefficients(y, rCr, gCb, gCr, bCb,
            baseConst - 128 * rCr, baseConst - 128 * gCb - 128 * gCr, baseConst - 128 * bCb);
    }

    private static int Q(double value) => (int)Math.Round(value * One);
}
