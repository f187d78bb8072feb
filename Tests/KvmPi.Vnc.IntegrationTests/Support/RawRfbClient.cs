// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace KvmPi.Vnc.IntegrationTests.Support;

/// <summary>The server's ServerInit message.</summary>
public sealed record ServerInit(int Width, int Height, byte BitsPerPixel, byte Depth, bool BigEndian, bool TrueColour,
    int RedMax, int GreenMax, int BlueMax, int RedShift, int GreenShift, int BlueShift, string Name);

/// <summary>
/// A byte-level RFB client over a plain socket, for handshake checks and hostile clients.
/// Every read has a timeout so a silent server fails the test instead of hanging it.
/// </summary>
public sealed class RawRfbClient : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    private readonly Socket _socket;

    private RawRfbClient(Socket socket) => _socket = socket;

    public Socket Socket => _socket;

    public static async Task<RawRfbClient> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var cts = new CancellationTokenSource(DefaultTimeout);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new RawRfbClient(socket);
    }

    public async Task<byte[]> ReadExactAsync(int count, TimeSpan? timeout = null)
    {
        var buffer = new byte[count];
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        int got = 0;
        try
        {
            while (got < count)
            {
                int n = await _socket.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None, cts.Token);
                if (n == 0)
                    throw new EndOfStreamException($"the server closed the connection after {got} of {count} bytes");
                got += n;
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no {count} bytes within {(timeout ?? DefaultTimeout).TotalSeconds} s (got {got})");
        }
        return buffer;
    }

    public async Task<uint> ReadU32Async() => BinaryPrimitives.ReadUInt32BigEndian(await ReadExactAsync(4));
    public async Task<byte> ReadU8Async() => (await ReadExactAsync(1))[0];

    public async Task SendAsync(ReadOnlyMemory<byte> data)
    {
        using var cts = new CancellationTokenSource(DefaultTimeout);
        await _socket.SendAsync(data, SocketFlags.None, cts.Token);
    }

    public Task SendAsync(string ascii) => SendAsync(Encoding.ASCII.GetBytes(ascii));

    /// <summary>
    /// Reads and discards until the server closes the connection (EOF or reset): true; false if it is still open
    /// after <paramref name="timeout"/>.
    /// </summary>
    public async Task<bool> WaitForCloseAsync(TimeSpan timeout)
    {
        var buffer = new byte[65536];
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                int n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (n == 0)
                    return true;
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    /// <summary>Reads the server's 12-byte ProtocolVersion.</summary>
    public async Task<string> ReadVersionAsync() => Encoding.ASCII.GetString(await ReadExactAsync(12));

    /// <summary>
    /// Full handshake with security None at the given version ("003.003", "003.007", "003.008"), then ClientInit
    /// and ServerInit.
    /// </summary>
    public async Task<ServerInit> HandshakeNoneAsync(string version = "003.008", bool shared = true)
    {
        string serverVersion = await ReadVersionAsync();
        if (!serverVersion.StartsWith("RFB 003.", StringComparison.Ordinal))
            throw new InvalidDataException("server version " + serverVersion);
        await SendAsync($"RFB {version}\n");
        if (version is "003.003")
        {
            uint type = await ReadU32Async();
            if (type != 1)
                throw new InvalidDataException($"3.3 security type {type}, expected 1 (None)");
        }
        else
        {
            byte n = await ReadU8Async();
            byte[] types = await ReadExactAsync(n);
            if (!types.Contains((byte)1))
                throw new InvalidDataException("security types without None: " + string.Join(',', types));
            await SendAsync(new byte[] { 1 });
            if (version == "003.008")
            {
                uint result = await ReadU32Async();
                if (result != 0)
                    throw new InvalidDataException("SecurityResult " + result);
            }
        }
        return await ClientInitAsync(shared);
    }

    public async Task<ServerInit> ClientInitAsync(bool shared = true)
    {
        await SendAsync(new byte[] { (byte)(shared ? 1 : 0) });
        return await ReadServerInitAsync();
    }

    public async Task<ServerInit> ReadServerInitAsync()
    {
        byte[] h = await ReadExactAsync(24);
        uint nameLength = BinaryPrimitives.ReadUInt32BigEndian(h.AsSpan(20));
        if (nameLength > 65536)
            throw new InvalidDataException("ServerInit name length " + nameLength);
        string name = Encoding.UTF8.GetString(await ReadExactAsync((int)nameLength));
        ushort U16(int at) => BinaryPrimitives.ReadUInt16BigEndian(h.AsSpan(at));
        return new ServerInit(U16(0), U16(2), h[4], h[5], h[6] != 0, h[7] != 0, U16(8), U16(10), U16(12), h[14], h[15], h[16], name);
    }

    /// <summary>
    /// Reads one FramebufferUpdate (skipping Bell and ServerCutText) into <paramref name="framebuffer"/>
    /// (32 bpp, stride width * 4). Handles Raw (0), and ZRLE (16) through <paramref name="zrle"/>.
    /// Returns the number of pixels covered.
    /// </summary>
    public async Task<long> ReadFramebufferUpdateAsync(byte[] framebuffer, int width, ZrleDecoder? zrle, TimeSpan timeout)
    {
        while (true)
        {
            byte type = (await ReadExactAsync(1, timeout))[0];
            if (type == 2)
                continue; // Bell
            if (type == 3)
            {
                byte[] h = await ReadExactAsync(7, timeout);
                await ReadExactAsync((int)BinaryPrimitives.ReadUInt32BigEndian(h.AsSpan(3)), timeout);
                continue;
            }
            if (type != 0)
                throw new InvalidDataException($"unexpected server message type {type}");
            byte[] header = await ReadExactAsync(3, timeout);
            int count = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(1));
            long covered = 0;
            for (int r = 0; r < count; r++)
            {
                byte[] rh = await ReadExactAsync(12, timeout);
                int x = BinaryPrimitives.ReadUInt16BigEndian(rh), y = BinaryPrimitives.ReadUInt16BigEndian(rh.AsSpan(2));
                int w = BinaryPrimitives.ReadUInt16BigEndian(rh.AsSpan(4)), h = BinaryPrimitives.ReadUInt16BigEndian(rh.AsSpan(6));
                int encoding = BinaryPrimitives.ReadInt32BigEndian(rh.AsSpan(8));
                if (encoding == 0)
                {
                    byte[] pixels = await ReadExactAsync(w * h * 4, timeout);
                    for (int row = 0; row < h; row++)
                        Array.Copy(pixels, row * w * 4, framebuffer, ((y + row) * width + x) * 4, w * 4);
                }
                else if (encoding == 16 && zrle != null)
                {
                    uint length = BinaryPrimitives.ReadUInt32BigEndian(await ReadExactAsync(4, timeout));
                    zrle.DecodeRect(await ReadExactAsync(checked((int)length), timeout), x, y, w, h, framebuffer, width);
                }
                else
                {
                    throw new InvalidDataException($"unexpected rectangle encoding {encoding}");
                }
                covered += (long)w * h;
            }
            return covered;
        }
    }

    // ---- client-to-server messages ----

    public static byte[] SetPixelFormat(byte bpp, byte depth, bool bigEndian, bool trueColour, ushort rmax, ushort gmax,
        ushort bmax, byte rshift, byte gshift, byte bshift)
    {
        var m = new byte[20];
        m[0] = 0;
        m[4] = bpp;
        m[5] = depth;
        m[6] = (byte)(bigEndian ? 1 : 0);
        m[7] = (byte)(trueColour ? 1 : 0);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(8), rmax);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(10), gmax);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(12), bmax);
        m[14] = rshift;
        m[15] = gshift;
        m[16] = bshift;
        return m;
    }

    public static byte[] SetEncodings(params int[] encodings)
    {
        var m = new byte[4 + 4 * encodings.Length];
        m[0] = 2;
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), (ushort)encodings.Length);
        for (int i = 0; i < encodings.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(m.AsSpan(4 + 4 * i), encodings[i]);
        return m;
    }

    public static byte[] UpdateRequest(bool incremental, int x, int y, int w, int h)
    {
        var m = new byte[10];
        m[0] = 3;
        m[1] = (byte)(incremental ? 1 : 0);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), (ushort)x);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(4), (ushort)y);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(6), (ushort)w);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(8), (ushort)h);
        return m;
    }

    public static byte[] KeyEvent(uint keysym, bool down)
    {
        var m = new byte[8];
        m[0] = 4;
        m[1] = (byte)(down ? 1 : 0);
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(4), keysym);
        return m;
    }

    public static byte[] PointerEvent(int mask, int x, int y)
    {
        var m = new byte[6];
        m[0] = 5;
        m[1] = (byte)mask;
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), (ushort)x);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(4), (ushort)y);
        return m;
    }

    public static byte[] ClientCutTextHeader(uint length)
    {
        var m = new byte[8];
        m[0] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(4), length);
        return m;
    }

    /// <summary>Closes with a TCP reset (SO_LINGER 0) instead of a FIN.</summary>
    public void Reset()
    {
        try
        {
            _socket.LingerState = new LingerOption(true, 0);
            _socket.Close();
        }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
    }

    public void Dispose() => _socket.Dispose();
}
