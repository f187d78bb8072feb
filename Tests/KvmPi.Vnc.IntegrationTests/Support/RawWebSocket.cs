// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace KvmPi.Vnc.IntegrationTests.Support;

/// <summary>
/// A WebSocket client written out by hand (RFC 6455), so that tests can send what no real client library would:
/// unmasked frames, reserved bits, unknown opcodes, oversized control frames, huge messages.
/// </summary>
public sealed class RawWebSocket : IDisposable
{
    private readonly Socket _socket;
    private readonly List<byte> _pending = [];
    private readonly List<byte> _rfb = [];   // RFB bytes received but not read yet (frames don't align with messages)

    private RawWebSocket(Socket socket, string responseHead)
    {
        _socket = socket;
        ResponseHead = responseHead;
    }

    /// <summary>The server's HTTP response head (status line and headers).</summary>
    public string ResponseHead { get; }

    public int Status => int.Parse(ResponseHead.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);

    public string? Header(string name)
    {
        foreach (string line in ResponseHead.Split("\r\n").Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
                return line[(colon + 1)..].Trim();
        }
        return null;
    }

    /// <summary>Sends an upgrade request for <paramref name="path"/> and reads the response head.</summary>
    public static async Task<RawWebSocket> ConnectAsync(int port, string path = "/websockify", string? origin = null,
        string? protocols = "binary", string? host = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        var request = new StringBuilder();
        request.Append($"GET {path} HTTP/1.1\r\nHost: {host ?? $"127.0.0.1:{port}"}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n");
        request.Append($"Sec-WebSocket-Key: {Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))}\r\nSec-WebSocket-Version: 13\r\n");
        if (origin != null) request.Append($"Origin: {origin}\r\n");
        if (protocols != null) request.Append($"Sec-WebSocket-Protocol: {protocols}\r\n");
        request.Append("\r\n");
        await socket.SendAsync(Encoding.ASCII.GetBytes(request.ToString()));

        var head = new List<byte>();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            int n = await socket.ReceiveAsync(buffer, timeout.Token);
            if (n == 0) break;
            head.AddRange(buffer.AsSpan(0, n));
            int end = IndexOfHeadEnd(head);
            if (end >= 0)
            {
                var ws = new RawWebSocket(socket, Encoding.ASCII.GetString(head.GetRange(0, end).ToArray()));
                ws._pending.AddRange(head.Skip(end + 4));
                return ws;
            }
        }
        return new RawWebSocket(socket, Encoding.ASCII.GetString(head.ToArray()));
    }

    private static int IndexOfHeadEnd(List<byte> b)
    {
        for (int i = 0; i + 3 < b.Count; i++)
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') return i;
        return -1;
    }

    /// <summary>One frame: FIN, RSV bits and opcode as given; masked unless <paramref name="mask"/> is false;
    /// <paramref name="declaredLength"/> overrides the length in the header (the payload sent is what is given).</summary>
    public static byte[] Frame(int opcode, ReadOnlySpan<byte> payload, bool mask = true, int rsv = 0, bool fin = true, long? declaredLength = null)
    {
        long length = declaredLength ?? payload.Length;
        var frame = new List<byte> { (byte)((fin ? 0x80 : 0) | (rsv << 4) | opcode) };
        byte maskBit = (byte)(mask ? 0x80 : 0);
        if (length < 126) frame.Add((byte)(maskBit | length));
        else if (length <= ushort.MaxValue)
        {
            frame.Add((byte)(maskBit | 126));
            frame.Add((byte)(length >> 8));
            frame.Add((byte)length);
        }
        else
        {
            frame.Add((byte)(maskBit | 127));
            var l = new byte[8];
            BinaryPrimitives.WriteInt64BigEndian(l, length);
            frame.AddRange(l);
        }
        byte[] key = mask ? RandomNumberGenerator.GetBytes(4) : [];
        frame.AddRange(key);
        for (int i = 0; i < payload.Length; i++)
            frame.Add(mask ? (byte)(payload[i] ^ key[i % 4]) : payload[i]);
        return [.. frame];
    }

    public async Task SendAsync(ReadOnlyMemory<byte> bytes) => await _socket.SendAsync(bytes);

    public Task SendBinaryAsync(ReadOnlySpan<byte> payload) => SendAsync(Frame(2, payload));

    /// <summary>Reads one frame from the server: (opcode, payload).</summary>
    public async Task<(int Opcode, byte[] Payload)> ReadFrameAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        byte[] h = await ReadExactAsync(2, cts.Token);
        Assert.True((h[1] & 0x80) == 0, "the server masked a frame");
        long length = h[1] & 0x7f;
        if (length == 126) length = BinaryPrimitives.ReadUInt16BigEndian(await ReadExactAsync(2, cts.Token));
        else if (length == 127) length = BinaryPrimitives.ReadInt64BigEndian(await ReadExactAsync(8, cts.Token));
        return (h[0] & 0x0f, await ReadExactAsync(checked((int)length), cts.Token));
    }

    /// <summary>Reads binary frames until <paramref name="count"/> bytes of RFB stream have arrived.</summary>
    public async Task<byte[]> ReadRfbAsync(int count, TimeSpan? timeout = null)
    {
        while (_rfb.Count < count)
        {
            var (opcode, payload) = await ReadFrameAsync(timeout);
            if (opcode == 8) throw new EndOfStreamException($"close frame after {_rfb.Count} of {count} bytes");
            if (opcode == 2 || opcode == 0) _rfb.AddRange(payload);
        }
        byte[] result = _rfb.GetRange(0, count).ToArray();
        _rfb.RemoveRange(0, count);
        return result;
    }

    private async Task<byte[]> ReadExactAsync(int count, CancellationToken ct)
    {
        var buffer = new byte[Math.Max(count, 4096)];
        while (_pending.Count < count)
        {
            int n = await _socket.ReceiveAsync(buffer, ct);
            if (n == 0) throw new EndOfStreamException($"connection closed with {_pending.Count} of {count} bytes");
            _pending.AddRange(buffer.AsSpan(0, n));
        }
        byte[] result = _pending.GetRange(0, count).ToArray();
        _pending.RemoveRange(0, count);
        return result;
    }

    /// <summary>
    /// Waits until the server ends the TCP connection (FIN or RST), discarding what it sends. True when it did
    /// within <paramref name="timeout"/>; <paramref name="received"/> is what arrived meanwhile.
    /// </summary>
    public async Task<(bool Closed, byte[] Received)> WaitForTcpCloseAsync(TimeSpan timeout)
    {
        var received = new List<byte>(_pending);
        _pending.Clear();
        var buffer = new byte[65536];
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                int n = await _socket.ReceiveAsync(buffer, cts.Token);
                if (n == 0) return (true, [.. received]);
                if (received.Count < 1 << 20) received.AddRange(buffer.AsSpan(0, n));
            }
        }
        catch (SocketException)
        {
            return (true, [.. received]);
        }
        catch (OperationCanceledException)
        {
            return (false, [.. received]);
        }
    }

    public void Dispose() => _socket.Dispose();
}
