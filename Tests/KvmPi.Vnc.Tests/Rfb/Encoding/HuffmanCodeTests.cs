// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Encoding.Deflate;

namespace KvmPi.Vnc.Tests.Rfb.Encoding;

public sealed class HuffmanCodeTests
{
    /// <summary>Kraft sum of the used lengths, in units of 2^-15: exactly 2^15 for a complete prefix code.</summary>
    private static long Kraft(ReadOnlySpan<byte> lengths)
    {
        long sum = 0;
        foreach (byte l in lengths) if (l > 0) sum += 1L << (15 - l);
        return sum;
    }

    [Fact]
    public void SkewedFrequenciesAreLimitedToTheMaximumAndStayComplete()
    {
        // Fibonacci frequencies make the optimal code as deep as there are symbols (29 here): over deflate's 15.
        var freq = new int[30];
        (int a, int b) = (1, 1);
        for (int i = 0; i < freq.Length; i++) { freq[i] = a; (a, b) = (b, a + b); }
        var lengths = new byte[30];
        HuffmanCode.BuildLengths(freq, lengths, 15);
        Assert.All(lengths, l => Assert.InRange(l, 1, 15));
        Assert.Equal(1L << 15, Kraft(lengths));
        Assert.True(lengths[0] >= lengths[^1], "rarer symbols get longer codes");

        HuffmanCode.BuildLengths(freq.AsSpan(0, 19), lengths.AsSpan(0, 19), 7);   // the code-length code's limit
        Assert.All(lengths[..19], l => Assert.InRange(l, 1, 7));
        Assert.Equal(1L << 15, Kraft(lengths.AsSpan(0, 19)));
    }

    [Fact]
    public void OptimalLengthsForASmallAlphabetAndCanonicalCodes()
    {
        // Frequencies 1, 1, 2, 4 (and two unused symbols): lengths 3, 3, 2, 1.
        int[] freq = [1, 0, 1, 2, 0, 4];
        var lengths = new byte[6];
        HuffmanCode.BuildLengths(freq, lengths, 15);
        Assert.Equal(new byte[] { 3, 0, 3, 2, 0, 1 }, lengths);

        var codes = new ushort[6];
        HuffmanCode.BuildCodes(lengths, codes);
        // Canonical: length 1 → 0, length 2 → 10, length 3 → 110, 111; stored bit-reversed for LSB-first output.
        Assert.Equal(new ushort[] { 0b011, 0, 0b111, 0b01, 0, 0b0 }, codes);
    }
}
