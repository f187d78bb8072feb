// SPDX-License-Identifier: MIT
using System.Security.Cryptography;
using System.Text;

namespace KvmPi.Vnc.IntegrationTests.Support;

/// <summary>
/// An independent VNC Authentication response: DES-ECB of the 16-byte challenge (two blocks) under the password
/// truncated or zero-padded to 8 bytes, with the bits of every key byte reversed (RFB's DES key bit order).
/// </summary>
public static class VncAuthOracle
{
    public static byte[] Response(string password, ReadOnlySpan<byte> challenge)
    {
        if (challenge.Length != 16)
            throw new ArgumentException("the challenge is 16 bytes");
        byte[] key = new byte[8];
        byte[] pw = Encoding.Latin1.GetBytes(password);
        for (int i = 0; i < 8 && i < pw.Length; i++)
            key[i] = Reverse(pw[i]);
        using var des = DES.Create();
        des.Key = key;
        return des.EncryptEcb(challenge, PaddingMode.None);
    }

    private static byte Reverse(byte b)
    {
        int r = 0;
        for (int i = 0; i < 8; i++)
            r |= ((b >> i) & 1) << (7 - i);
        return (byte)r;
    }
}
