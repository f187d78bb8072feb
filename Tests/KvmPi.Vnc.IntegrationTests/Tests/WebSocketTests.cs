// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using KvmPi.Vnc.IntegrationTests.Support;

namespace KvmPi.Vnc.IntegrationTests.Tests;

/// <summary>
/// RFB over the console's WebSocket as a hand-written client sees it: the handshake websockify clients expect, the
/// same authentication as TCP, and hostile input (malformed frames, huge messages, foreign origins) ending only the
/// connection that sent it, TCP included, within 15 s.
/// </summary>
public sealed class WebSocketTests
{
    private const string Password = "ws-pass1";
    private static readonly TimeSpan CloseLimit = TimeSpan.FromSeconds(15);

    private static async Task<(ServerProcess Server, int Http, TempDir Dir)> StartAsync()
    {
        var dir = new TempDir("websocket");
        string passwordFile = dir.File("password");
        await File.WriteAllTextAsync(passwordFile, Password + "\n");
        int http = FreePort.Get();
        var server = await ServerProcess.StartAsync("--password-file", passwordFile, "--http", $"127.0.0.1:{http}");
        return (server, http, dir);
    }

    /// <summary>RFB 3.8 with VNC authentication over the WebSocket; returns the SecurityResult.</summary>
    private static async Task<uint> AuthenticateAsync(RawWebSocket ws, string password)
    {
        Assert.Equal("RFB 003.008\n", Encoding.ASCII.GetString(await ws.ReadRfbAsync(12)));
        await ws.SendBinaryAsync("RFB 003.008\n"u8);
        byte[] types = await ws.ReadRfbAsync(2);
        Assert.Equal([1, 2], types);
        await ws.SendBinaryAsync([2]);
        byte[] challenge = await ws.ReadRfbAsync(16);
        await ws.SendBinaryAsync(VncAuthOracle.Response(password, challenge));
        return BinaryPrimitives.ReadUInt32BigEndian(await ws.ReadRfbAsync(4));
    }

    [Fact]
    public async Task Browser_handshake_binary_subprotocol_authentication_and_a_clean_close_after_refusal()
    {
        var (server, http, dir) = await StartAsync();
        using var _ = server;
        using var __ = dir;

        // The page's own origin, "binary" offered: accepted and echoed, as websockify does.
        using (var ws = await RawWebSocket.ConnectAsync(http, origin: $"http://127.0.0.1:{http}", protocols: "base64, binary"))
        {
            Assert.True(ws.Status == 101, ws.ResponseHead);
            Assert.Equal("binary", ws.Header("Sec-WebSocket-Protocol"));
            Assert.Equal(0u, await AuthenticateAsync(ws, Password));
            await ws.SendBinaryAsync([1]);   // ClientInit
            byte[] init = await ws.ReadRfbAsync(24);
            Assert.True(BinaryPrimitives.ReadUInt16BigEndian(init) > 0, "ServerInit has no width");
        }

        // No subprotocol offered: binary all the same, nothing echoed.
        using (var ws = await RawWebSocket.ConnectAsync(http, protocols: null))
        {
            Assert.True(ws.Status == 101, ws.ResponseHead);
            Assert.Null(ws.Header("Sec-WebSocket-Protocol"));
            Assert.Equal("RFB 003.008\n", Encoding.ASCII.GetString(await ws.ReadRfbAsync(12)));
        }

        // Only protocols the server does not speak: refused before the upgrade.
        using (var ws = await RawWebSocket.ConnectAsync(http, protocols: "base64"))
            Assert.True(ws.Status == 400, ws.ResponseHead);

        // A foreign origin (any page the user happens to visit) is refused; so is a DNS-rebound host name.
        using (var ws = await RawWebSocket.ConnectAsync(http, origin: "http://evil.example"))
            Assert.True(ws.Status == 403, ws.ResponseHead);
        using (var ws = await RawWebSocket.ConnectAsync(http, origin: $"http://127.0.0.1:{http + 1}"))
            Assert.True(ws.Status == 403, ws.ResponseHead);
        using (var ws = await RawWebSocket.ConnectAsync(http, origin: $"http://evil.example:{http}", host: $"evil.example:{http}"))
            Assert.True(ws.Status == 421, ws.ResponseHead);

        // A wrong password: the reason comes in binary frames, then a Close frame (1000), then the TCP connection ends.
        using (var ws = await RawWebSocket.ConnectAsync(http, origin: $"http://127.0.0.1:{http}"))
        {
            Assert.Equal(1u, await AuthenticateAsync(ws, "wrong"));
            uint length = BinaryPrimitives.ReadUInt32BigEndian(await ws.ReadRfbAsync(4));
            Assert.Equal("Authentication failed", Encoding.UTF8.GetString(await ws.ReadRfbAsync((int)length)));
            var (opcode, payload) = await ws.ReadFrameAsync();
            Assert.Equal(8, opcode);
            Assert.Equal(1000, BinaryPrimitives.ReadUInt16BigEndian(payload));
            await ws.SendAsync(RawWebSocket.Frame(8, payload));   // the client's half of the closing handshake
            var (closed, _) = await ws.WaitForTcpCloseAsync(CloseLimit);
            Assert.True(closed, "the TCP connection stayed open after the closing handshake");
        }
        Assert.False(server.HasExited, server.Describe());
    }

    private static readonly (string What, byte[] Frame)[] MalformedFrames =
    [
        ("an unmasked frame", RawWebSocket.Frame(2, "RFB 003.008\n"u8, mask: false)),
        ("RSV1 set without an extension", RawWebSocket.Frame(2, "RFB 003.008\n"u8, rsv: 4)),
        ("RSV3 set", RawWebSocket.Frame(2, "RFB 003.008\n"u8, rsv: 1)),
        ("reserved data opcode 3", RawWebSocket.Frame(3, "xx"u8)),
        ("reserved control opcode 11", RawWebSocket.Frame(11, ""u8)),
        ("a 200-byte ping", RawWebSocket.Frame(9, new byte[200])),
        ("a fragmented ping", RawWebSocket.Frame(9, "x"u8, fin: false)),
        ("a continuation with no message", RawWebSocket.Frame(0, "x"u8)),
        ("a text message", RawWebSocket.Frame(1, "RFB 003.008\n"u8)),
        ("a length with the top bit set", RawWebSocket.Frame(2, "x"u8, declaredLength: long.MinValue)),
    ];

    [Fact]
    public async Task A_malformed_frame_ends_that_tcp_connection_within_15_s_and_only_that_one()
    {
        var (server, http, dir) = await StartAsync();
        using var _ = server;
        using var __ = dir;

        // A viewer already in session, to see that it is not disturbed.
        using var good = await RawWebSocket.ConnectAsync(http, origin: $"http://127.0.0.1:{http}");
        Assert.Equal(0u, await AuthenticateAsync(good, Password));
        await good.SendBinaryAsync([1]);
        byte[] init = await good.ReadRfbAsync(24);
        await good.ReadRfbAsync((int)BinaryPrimitives.ReadUInt32BigEndian(init.AsSpan(20)));
        await good.SendBinaryAsync([2, 0, 0, 1, 0, 0, 0, 0]);   // SetEncodings: Raw

        // Each malformed frame on its own connection, all at once.
        var failures = new List<string>();
        await Task.WhenAll(MalformedFrames.Select(async c =>
        {
            using var bad = await RawWebSocket.ConnectAsync(http, origin: $"http://127.0.0.1:{http}");
            if (bad.Status != 101) { lock (failures) failures.Add($"{c.What}: no upgrade: {bad.ResponseHead}"); return; }
            await bad.ReadRfbAsync(12);
            var clock = Stopwatch.StartNew();
            await bad.SendAsync(c.Frame);
            var (closed, _) = await bad.WaitForTcpCloseAsync(CloseLimit);
            if (!closed) lock (failures) failures.Add($"{c.What}: the TCP connection was still open after {clock.Elapsed.TotalSeconds:F1} s");
        }));
        Assert.True(failures.Count == 0, string.Join('\n', failures) + "\n" + server.Describe());

        // The viewer in session still gets updates.
        await good.SendBinaryAsync([3, 0, 0, 0, 0, 0, 0, 8, 0, 8]);   // FramebufferUpdateRequest 8x8
        byte[] update = await good.ReadRfbAsync(4);
        Assert.Equal(0, update[0]);
        Assert.False(server.HasExited, server.Describe());
    }

    [Fact]
    public async Task A_message_over_the_limit_ends_the_connection_without_being_buffered()
    {
        var (server, http, dir) = await StartAsync();
        using var _ = server;
        using var __ = dir;
        using var ws = await RawWebSocket.ConnectAsync(http, origin: $"http://127.0.0.1:{http}");
        Assert.Equal(0u, await AuthenticateAsync(ws, Password));
        await ws.SendBinaryAsync([1]);
        byte[] init = await ws.ReadRfbAsync(24);
        await ws.ReadRfbAsync((int)BinaryPrimitives.ReadUInt32BigEndian(init.AsSpan(20)));
        long rssBefore = server.ResidentBytes();

        // One message announcing 64 MiB: valid RFB all along (a ClientCutText of 64 MiB, which RFB itself skips
        // unbuffered), so only the WebSocket's message limit (4 MiB) can end it. Its payload follows in 256 KiB
        // pieces until the server hangs up, as a hostile client would send it.
        const long messageLength = 64L << 20;
        byte[] cutText = [6, 0, 0, 0, 0, 0, 0, 0];
        BinaryPrimitives.WriteUInt32BigEndian(cutText.AsSpan(4), (uint)(messageLength - cutText.Length));
        await ws.SendAsync(RawWebSocket.Frame(2, cutText, declaredLength: messageLength));
        // Read while sending, so that the close frame is seen before any reset can discard it.
        var closing = ws.WaitForTcpCloseAsync(CloseLimit + TimeSpan.FromSeconds(30));
        byte[] chunk = new byte[256 * 1024];
        long sent = 0;
        try
        {
            while (sent < messageLength)
            {
                await ws.SendAsync(chunk);
                sent += chunk.Length;
            }
        }
        catch (SocketException)
        {
        }
        var (closed, received) = await closing;
        Assert.True(closed, $"still open after {sent} bytes of a 64 MiB message\n{server.Describe()}");
        Assert.True(sent < 32L << 20, $"the server read {sent} bytes of an oversized message before closing");
        // A close frame, if it got out before the connection was reset (unread input makes the kernel send RST,
        // which may discard it), says 1009: message too big.
        int close = Array.IndexOf(received, (byte)0x88);
        if (close >= 0 && close + 4 <= received.Length)
            Assert.Equal(1009, BinaryPrimitives.ReadUInt16BigEndian(received.AsSpan(close + 2)));
        Assert.True(server.ResidentBytes() - rssBefore < 32L << 20, "the server's memory grew by the message size");
        Assert.False(server.HasExited, server.Describe());
    }
}
