// SPDX-License-Identifier: MIT
using System.Text;
using KvmPi.Vnc.IntegrationTests.Support;

namespace KvmPi.Vnc.IntegrationTests.Tests;

/// <summary>ProtocolVersion, security negotiation, VNC Authentication and ServerInit over raw sockets.</summary>
public sealed class HandshakeTests
{
    private static void AssertStandardServerInit(ServerInit init, ServerProcess server)
    {
        Assert.True(init.BitsPerPixel == 32 && init.Depth == 24 && init.TrueColour && !init.BigEndian,
            $"ServerInit pixel format should be 32 bpp depth 24 true colour little-endian: {init}; {server.Describe()}");
        Assert.True(init.RedMax == 255 && init.GreenMax == 255 && init.BlueMax == 255, "8-bit channels expected: " + init);
        int[] shifts = [init.RedShift, init.GreenShift, init.BlueShift];
        Assert.True(shifts.All(s => s is 0 or 8 or 16 or 24) && shifts.Distinct().Count() == 3, "channel shifts must be distinct bytes: " + init);
        Assert.True(init.Width > 0 && init.Height > 0, "empty framebuffer: " + init);
    }

    [Theory]
    [InlineData("003.008")]
    [InlineData("003.007")]
    [InlineData("003.003")]
    public async Task Security_None_handshake_per_version(string version)
    {
        using var server = await ServerProcess.StartAsync("--name", "handshake-test");
        using var client = await RawRfbClient.ConnectAsync(server.Port);
        string serverVersion = await client.ReadVersionAsync();
        Assert.Equal("RFB 003.008\n", serverVersion);
        await client.SendAsync($"RFB {version}\n");
        if (version == "003.003")
        {
            uint type = await client.ReadU32Async();
            Assert.True(type == 1, $"3.3: the server must send U32 security type 1 (None), sent {type}");
        }
        else
        {
            byte n = await client.ReadU8Async();
            Assert.True(n > 0, "no security types offered");
            byte[] types = await client.ReadExactAsync(n);
            Assert.Contains((byte)1, types);
            await client.SendAsync(new byte[] { 1 });
            if (version == "003.008")
                Assert.Equal(0u, await client.ReadU32Async());
        }
        var init = await client.ClientInitAsync();
        AssertStandardServerInit(init, server);
        Assert.Equal("handshake-test", init.Name);
        Assert.Equal((1024, 768), (init.Width, init.Height)); // the demo target's default size
    }

    [Theory]
    [InlineData("003.005")]
    [InlineData("003.004")]
    public async Task Unknown_3x_versions_are_answered_as_3_3(string version)
    {
        using var server = await ServerProcess.StartAsync();
        using var client = await RawRfbClient.ConnectAsync(server.Port);
        await client.ReadVersionAsync();
        await client.SendAsync($"RFB {version}\n");
        // 3.3 framing: a U32 security type (1 = None), not a U8 count followed by a list.
        uint type = await client.ReadU32Async();
        Assert.True(type == 1, $"{version} should be treated as 3.3 (U32 security type 1), got 0x{type:x8}");
        AssertStandardServerInit(await client.ClientInitAsync(), server);
    }

    [Theory]
    [InlineData("GARBAGE!!!!\n")]
    [InlineData("RFB 004.000\n")]
    [InlineData("RFB 003.0x8\n")]
    [InlineData("\0\0\0\0\0\0\0\0\0\0\0\0")]
    public async Task Garbage_protocol_version_closes_the_connection(string garbage)
    {
        using var server = await ServerProcess.StartAsync();
        using (var client = await RawRfbClient.ConnectAsync(server.Port))
        {
            await client.ReadVersionAsync();
            await client.SendAsync(Encoding.Latin1.GetBytes(garbage));
            Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(5)),
                $"the server kept the connection open after version {garbage.Trim()}: {server.Describe()}");
        }
        // The server is still serving.
        using var good = await RawRfbClient.ConnectAsync(server.Port);
        AssertStandardServerInit(await good.HandshakeNoneAsync(), server);
    }

    private const string Password = "Pa55w0rd";

    private static async Task<(ServerProcess Server, TempDir Dir)> StartWithPasswordAsync(string password = Password)
    {
        var dir = new TempDir("auth");
        string file = dir.File("password");
        await File.WriteAllTextAsync(file, password + "\nsecond line is not part of the password\n");
        var server = await ServerProcess.StartAsync("--password-file", file, "--name", "auth-test");
        return (server, dir);
    }

    /// <summary>Negotiates VNC Authentication (type 2) and answers the challenge for <paramref name="password"/>;
    /// returns the SecurityResult.</summary>
    private static async Task<uint> VncAuthAsync(RawRfbClient client, string version, string password)
    {
        await client.ReadVersionAsync();
        await client.SendAsync($"RFB {version}\n");
        if (version == "003.003")
        {
            uint type = await client.ReadU32Async();
            Assert.True(type == 2, $"3.3 with a password: the server must send security type 2, sent {type}");
        }
        else
        {
            byte n = await client.ReadU8Async();
            byte[] types = await client.ReadExactAsync(n);
            Assert.True(types.Contains((byte)2), "VNC Authentication (2) not offered: " + string.Join(',', types));
            Assert.False(types.Contains((byte)1), "security None must not be offered when a password is set: " + string.Join(',', types));
            await client.SendAsync(new byte[] { 2 });
        }
        byte[] challenge = await client.ReadExactAsync(16);
        await client.SendAsync(VncAuthOracle.Response(password, challenge));
        return await client.ReadU32Async();
    }

    [Theory]
    [InlineData("003.008")]
    [InlineData("003.007")]
    [InlineData("003.003")]
    public async Task Vnc_authentication_with_the_right_password(string version)
    {
        var (server, dir) = await StartWithPasswordAsync();
        using (server)
        using (dir)
        {
            using var client = await RawRfbClient.ConnectAsync(server.Port);
            uint result = await VncAuthAsync(client, version, Password);
            Assert.True(result == 0, $"SecurityResult {result} for the right password: {server.Describe()}");
            var init = await client.ClientInitAsync();
            AssertStandardServerInit(init, server);
            Assert.Equal("auth-test", init.Name);
        }
    }

    [Fact]
    public async Task Passwords_longer_than_8_characters_use_the_first_8()
    {
        var (server, dir) = await StartWithPasswordAsync("LongerPassword123");
        using (server)
        using (dir)
        {
            using var client = await RawRfbClient.ConnectAsync(server.Port);
            Assert.Equal(0u, await VncAuthAsync(client, "003.008", "LongerPa"));
        }
    }

    [Fact]
    public async Task Wrong_password_fails_with_a_reason_on_3_8_and_a_right_one_still_works()
    {
        var (server, dir) = await StartWithPasswordAsync();
        using (server)
        using (dir)
        {
            using (var client = await RawRfbClient.ConnectAsync(server.Port))
            {
                uint result = await VncAuthAsync(client, "003.008", "wrongpwd");
                Assert.True(result == 1, $"SecurityResult for a wrong password should be 1 (failed), got {result}");
                uint length = await client.ReadU32Async();
                Assert.True(length is > 0 and < 1024, $"3.8 failure reason length {length}");
                string reason = Encoding.UTF8.GetString(await client.ReadExactAsync((int)length));
                Assert.False(string.IsNullOrWhiteSpace(reason), "empty failure reason");
                Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(5)), "the connection should close after a failed authentication");
            }

            using (var client = await RawRfbClient.ConnectAsync(server.Port))
            {
                uint result = await VncAuthAsync(client, "003.003", "wrongpwd");
                Assert.True(result == 1, $"3.3 SecurityResult for a wrong password should be 1, got {result}");
                Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(5)), "the connection should close after a failed authentication");
            }

            // A later attempt with the right password still succeeds (a back-off may delay it a little).
            using var good = await RawRfbClient.ConnectAsync(server.Port);
            Assert.Equal(0u, await VncAuthAsync(good, "003.008", Password));
            AssertStandardServerInit(await good.ClientInitAsync(), server);
        }
    }

    [SkippableFact]
    public async Task Probe_client_authenticates_with_libvncclient()
    {
        var (server, dir) = await StartWithPasswordAsync();
        using (server)
        using (dir)
        {
            var ok = await RfbProbe.RunAsync(server.Port, new ProbeOptions { Password = Password, TailSeconds = 0.2 });
            Assert.True(ok.Process.ExitCode == 0 && ok.Result is { Full: true }, "libvncclient with the right password: " + ok + server.Describe());
            Assert.Equal("auth-test", ok.DesktopName);
            var bad = await RfbProbe.RunAsync(server.Port, new ProbeOptions { Password = "nope", TailSeconds = 0.2 });
            Assert.False(bad.Connected, "libvncclient with a wrong password must not get in: " + bad);
        }
    }
}
