// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Tests.Support;

/// <summary>Peak signal-to-noise ratio over the R, G and B bytes of two BGRX images (X ignored).</summary>
internal static class Psnr
{
    public static double Bgrx(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length) throw new ArgumentException("Images differ in size.");
        double sum = 0;
        long n = 0;
        for (int i = 0; i < a.Length; i++)
        {
            if ((i & 3) == 3) continue;
            int d = a[i] - b[i];
            sum += d * d;
            n++;
        }

        return sum == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 / (sum / n));
    }
}
