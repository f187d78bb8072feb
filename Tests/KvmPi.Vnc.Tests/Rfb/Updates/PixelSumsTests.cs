// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Updates;

namespace KvmPi.Vnc.Tests.Rfb.Updates;

public sealed class PixelSumsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(256)]
    [InlineData(257)]
    [InlineData(7680)]   // a 1920-pixel row
    [InlineData(40000)]  // past the 16-bit lane flushes
    public void SumsMatchScalarArithmetic(int length)
    {
        var random = new Random(length);
        byte[] a = new byte[length], b = new byte[length];
        random.NextBytes(a);
        random.NextBytes(b);
        if (length > 100) a.AsSpan(0, 100).Fill(255);   // the worst case for the lanes
        long sum = 0, sad = 0;
        for (int i = 0; i < length; i++)
        {
            sum += a[i];
            sad += Math.Abs(a[i] - b[i]);
        }
        Assert.Equal(sum, PixelSums.Sum(a));
        Assert.Equal(sad, PixelSums.SumAbsoluteDifferences(a, b));

        ulong[] strips = new ulong[(length + 255) / 256 + 1];
        strips[0] = 5;   // added to, not overwritten
        PixelSums.AddStripDifferences(a, b, strips);
        for (int k = 0; k * 256 < length; k++)
        {
            long expected = k == 0 ? 5 : 0;
            for (int i = k * 256; i < Math.Min(length, k * 256 + 256); i++) expected += Math.Abs(a[i] - b[i]);
            Assert.Equal((ulong)expected, strips[k]);
        }
    }

    [Fact]
    public void IntegerRunsMatchScalarArithmetic()
    {
        var random = new Random(3);
        int[] a = new int[5003], b = new int[5003];
        for (int i = 0; i < a.Length; i++) (a[i], b[i]) = (random.Next(0, 1 << 23), random.Next(0, 1 << 23));
        long expected = 0;
        for (int i = 0; i < a.Length; i++) expected += Math.Abs(a[i] - b[i]);
        Assert.Equal(expected, PixelSums.SumAbsoluteDifferences(a, b));
    }
}
