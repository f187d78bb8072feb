// SPDX-License-Identifier: MIT

namespace KvmPi.Vnc.IntegrationTests.Support;

/// <summary>The frame the server serves right now, read over TCP as a plain Raw viewer (VNC auth when a password is given).</summary>
public static class ServedFrame
{
    public static async Task<RgbImage> ReadAsync(int port, string? password = null)
    {
        using var client = await RawRfbClient.ConnectAsync(port);
        ServerInit init;
        if (password is null)
        {
            init = await client.HandshakeNoneAsync();
        }
        else
        {
            await client.ReadVersionAsync();
            await client.SendAsync("RFB 003.008\n");
            byte n = await client.ReadU8Async();
            byte[] types = await client.ReadExactAsync(n);
            Assert.Contains((byte)2, types);
            await client.SendAsync(new byte[] { 2 });
            byte[] challenge = await client.ReadExactAsync(16);
            await client.SendAsync(VncAuthOracle.Response(password, challenge));
            Assert.Equal(0u, await client.ReadU32Async());
            init = await client.ClientInitAsync();
        }
        await client.SendAsync(RawRfbClient.SetEncodings(0));
        await client.SendAsync(RawRfbClient.UpdateRequest(false, 0, 0, init.Width, init.Height));
        byte[] bgrx = new byte[init.Width * init.Height * 4];
        long covered = 0;
        while (covered < (long)init.Width * init.Height)
        {
            covered += await client.ReadFramebufferUpdateAsync(bgrx, init.Width, null, TimeSpan.FromSeconds(10));
            if (covered < (long)init.Width * init.Height)
                await client.SendAsync(RawRfbClient.UpdateRequest(true, 0, 0, init.Width, init.Height));
        }
        return RgbImage.FromBgrx(init.Width, init.Height, bgrx);
    }
}
