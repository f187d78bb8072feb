// SPDX-License-Identifier: MIT
using System.Security.Cryptography;
using KvmPi.Vnc.Rfb.Security;

namespace KvmPi.Vnc.Tests.Rfb.Security;

public class VncAuthDesTests
{
    private static byte Reverse(byte b)
    {
        byte r = 0;
        for (int i = 0; i < 8; i++) r |= (byte)(((b >> i) & 1) << (7 - i));
        return r;
    }

    [Fact]
    public void MatchesTheFipsKnownAnswer()
    {
        // FIPS 46 worked example: key 133457799BBCDFF1, plaintext 0123456789ABCDEF -> 85E813540F0AB405.
        // VNC reverses each key byte's bits, so hand it the reversed key to get plain DES.
        byte[] key = Convert.FromHexString("133457799BBCDFF1").Select(Reverse).ToArray();
        byte[] challenge = Convert.FromHexString("0123456789ABCDEF0123456789ABCDEF");
        byte[] response = new byte[16];
        VncAuthDes.ComputeResponse(key, challenge, response);
        Assert.Equal("85E813540F0AB40585E813540F0AB405", Convert.ToHexString(response));
    }

    [Theory]
    [InlineData("secret")]
    [InlineData("12345678")]
    [InlineData("longer than eight")]
    [InlineData("K\u00e9y")]
    public void MatchesDotNetDesWithBitReversedKey(string password)
    {
        // An independent oracle: the platform's DES (OpenSSL) with the key prepared as rfbproto describes.
        byte[] passwordBytes = System.Text.Encoding.Latin1.GetBytes(password);
        byte[] key = new byte[8];
        for (int i = 0; i < 8 && i < passwordBytes.Length; i++) key[i] = Reverse(passwordBytes[i]);
        byte[] challenge = RandomNumberGenerator.GetBytes(16);
        using var des = DES.Create();
        des.Key = key;
        byte[] expected = des.EncryptEcb(challenge, PaddingMode.None);

        byte[] actual = new byte[16];
        VncAuthDes.ComputeResponse(passwordBytes, challenge, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void EmptyPasswordIsTheAllZeroKeyWhichDotNetRefuses()
    {
        byte[] response = new byte[16];
        VncAuthDes.ComputeResponse([], new byte[16], response);
        // DES with the all-zero key on the zero block (a published weak-key vector): 8CA64DE9C1B123A7.
        Assert.Equal("8CA64DE9C1B123A78CA64DE9C1B123A7", Convert.ToHexString(response));
    }
}
