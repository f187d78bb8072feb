// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Encoding.Deflate;

namespace KvmPi.Vnc.Tests.Rfb.Encoding;

public sealed class Adler32Tests
{
    /// <summary>RFC 1950's definition, a byte at a time, reduced every byte.</summary>
    private static uint Reference(uint adler, ReadOnlySpan<byte> data)
    {
        uint s1 = adler & 0xFFFF, s2 = adler >> 16;
        foreach (byte b in data)
        {
            s1 = (s1 + b) % 65521;
            s2 = (s2 + s1) % 65521;
        }
        return s2 << 16 | s1;
    }

    [Fact]
    public void MatchesTheKnownValues()
    {
        Assert.Equal(1u, Adler32.Append(1, ReadOnlySpan<byte>.Empty));
        Assert.Equal(0x11E6_0398u, Adler32.Append(1, "Wikipedia"u8));
        Assert.Equal(0x091E_01DEu, Adler32.Append(1, "123456789"u8));   // zlib's adler32 of the check string
    }

    [Theory]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(5551)]
    [InlineData(5552)]
    [InlineData(5553)]
    [InlineData(100_003)]
    public void MatchesTheDefinitionOnAnyLength(int length)
    {
        var random = new Random(length);
        var data = new byte[length];
        random.NextBytes(data);
        Assert.Equal(Reference(1, data), Adler32.Append(1, data));

        // The worst case for the sums before reduction: every byte 255, from a running value near the modulus.
        Array.Fill(data, (byte)255);
        uint start = 65520u << 16 | 65520u;
        Assert.Equal(Reference(start, data), Adler32.Append(start, data));
    }

    [Fact]
    public void ContinuesARunningValue()
    {
        var data = new byte[20_000];
        new Random(7).NextBytes(data);
        uint whole = Adler32.Append(1, data);
        Assert.Equal(whole, Adler32.Append(Adler32.Append(1, data.AsSpan(0, 6_001)), data.AsSpan(6_001)));
        Assert.Equal(whole, Adler32.Append(Adler32.Append(1, data.AsSpan(0, 3)), data.AsSpan(3)));
    }
}
