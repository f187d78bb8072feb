// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using System.Net.Sockets;
using KvmPi.Vnc.Rfb.Protocol;

namespace KvmPi.Vnc.Tests.Rfb.Server;

/// <summary>
/// A viewer on a thread of its own over a real TCP socket: handshake, SetEncodings, then it reads every server
/// message, framing rectangles of each encoding the server sends (32 bpp server format), asks for the next update
/// after each one (or answers the server's fences and takes continuous updates), and counts the updates.
/// </summary>
/// <remarks>
/// Once connected the viewer allocates nothing (reused buffers, blocking socket calls on its own thread), so that a
/// test can count the server's allocations process-wide; <see cref="AllocatedBytes"/> tells if it ever does.
/// </remarks>
internal sealed class FramingViewer : IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly BufferedStream _in;
    private readonly Thread _thread;
    private readonly int[] _encodings;
    private readonly bool _continuous;
    private readonly int _width, _height;
    private readonly byte[] _sink = new byte[64 * 1024];
    private readonly byte[] _head = new byte[256];
    private readonly byte[] _answer = new byte[9 + 64];
    private long _updates;
    private long _allocated;
    private long _threadStart;
    private volatile Exception? _failure;

    public FramingViewer(int port, int width, int height, bool continuous, params int[] encodings)
    {
        _width = width;
        _height = height;
        _continuous = continuous;
        _encodings = encodings;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _socket.Connect(System.Net.IPAddress.Loopback, port);
        _stream = new NetworkStream(_socket, ownsSocket: true);
        _in = new BufferedStream(_stream, 64 * 1024);
        _thread = new Thread(Run) { IsBackground = true, Name = "framing viewer" };
        _thread.Start();
    }

    /// <summary>FramebufferUpdates read so far.</summary>
    public long Updates => Interlocked.Read(ref _updates);

    /// <summary>Bytes the viewer's thread has allocated since it started.</summary>
    public long AllocatedBytes => Interlocked.Read(ref _allocated);

    /// <summary>Why the viewer stopped, if it did.</summary>
    public Exception? Failure => _failure;

    private void Run()
    {
        _threadStart = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            Handshake();
            while (true)
            {
                ReadMessage();
                Interlocked.Exchange(ref _allocated, GC.GetAllocatedBytesForCurrentThread() - _threadStart);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or EndOfStreamException)
        {
            _failure ??= e;
        }
        catch (Exception e)
        {
            _failure = e;
        }
        finally
        {
            Interlocked.Exchange(ref _allocated, GC.GetAllocatedBytesForCurrentThread() - _threadStart);
        }
    }

    private void Handshake()
    {
        Read(12);
        Write("RFB 003.008\n"u8);
        Read(2);        // one security type: None
        Write([1]);
        Read(4);        // SecurityResult OK
        Write([1]);     // shared
        Skip((int)BinaryPrimitives.ReadUInt32BigEndian(Read(24)[20..]));
        byte[] set = new byte[4 + 4 * _encodings.Length];
        set[0] = 2;
        BinaryPrimitives.WriteUInt16BigEndian(set.AsSpan(2), (ushort)_encodings.Length);
        for (int i = 0; i < _encodings.Length; i++) BinaryPrimitives.WriteInt32BigEndian(set.AsSpan(4 + 4 * i), _encodings[i]);
        Write(set);
        if (!_continuous) Request(incremental: false);
    }

    private void Request(bool incremental) =>
        Write([3, (byte)(incremental ? 1 : 0), 0, 0, 0, 0, (byte)(_width >> 8), (byte)_width, (byte)(_height >> 8), (byte)_height]);

    private void ReadMessage()
    {
        byte type = Read(1)[0];
        switch (type)
        {
            case 0:
                ReadUpdate();
                Interlocked.Increment(ref _updates);
                if (!_continuous) Request(incremental: true);
                return;
            case 150:   // EndOfContinuousUpdates: the server takes them; switch them on
                if (_continuous)
                    Write([150, 1, 0, 0, 0, 0, (byte)(_width >> 8), (byte)_width, (byte)(_height >> 8), (byte)_height]);
                return;
            case 248:
            {
                ReadOnlySpan<byte> h = Read(8);
                uint flags = BinaryPrimitives.ReadUInt32BigEndian(h[3..]);
                int length = h[7];
                Read(length).CopyTo(_answer.AsSpan(9));
                if ((flags & 0x8000_0000) != 0)   // a request: answer with the same payload, as TigerVNC's viewer does
                {
                    _answer[0] = 248;
                    BinaryPrimitives.WriteUInt32BigEndian(_answer.AsSpan(4), flags & 0x7);
                    _answer[8] = (byte)length;
                    Write(_answer.AsSpan(0, 9 + length));
                }
                return;
            }
            default:
                throw new InvalidDataException($"server message type {type}");
        }
    }

    private void ReadUpdate()
    {
        int count = BinaryPrimitives.ReadUInt16BigEndian(Read(3)[1..]);
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> r = Read(12);
            int w = BinaryPrimitives.ReadUInt16BigEndian(r[4..]), hh = BinaryPrimitives.ReadUInt16BigEndian(r[6..]);
            var encoding = (EncodingType)BinaryPrimitives.ReadInt32BigEndian(r[8..]);
            switch (encoding)
            {
                case EncodingType.Raw: Skip(w * hh * 4); break;
                case EncodingType.CopyRect: Skip(4); break;
                case EncodingType.Hextile: SkipHextile(w, hh); break;
                case EncodingType.Zrle: Skip((int)BinaryPrimitives.ReadUInt32BigEndian(Read(4))); break;
                case EncodingType.Tight or EncodingType.TightPng: SkipTight(w, hh); break;
                case EncodingType.ExtendedDesktopSize: Skip(16 * Read(4)[0]); break;
                case EncodingType.DesktopSize or EncodingType.QemuExtendedKeyEvent: break;
                case EncodingType.QemuLedState: Skip(1); break;
                default: throw new InvalidDataException($"encoding {encoding}");
            }
        }
    }

    private void SkipHextile(int w, int h)
    {
        for (int ty = 0; ty < h; ty += 16)
        {
            for (int tx = 0; tx < w; tx += 16)
            {
                int tw = Math.Min(16, w - tx), th = Math.Min(16, h - ty);
                byte sub = Read(1)[0];
                if ((sub & 1) != 0)
                {
                    Skip(tw * th * 4);
                    continue;
                }
                if ((sub & 2) != 0) Skip(4);
                if ((sub & 4) != 0) Skip(4);
                if ((sub & 8) != 0)
                {
                    int n = Read(1)[0];
                    Skip(n * ((sub & 16) != 0 ? 6 : 2));
                }
            }
        }
    }

    private void SkipTight(int w, int h)
    {
        const int tpixel = 3;   // 32 bpp, depth 24
        byte control = Read(1)[0];
        int kind = control >> 4;
        if (kind == 8)
        {
            Skip(tpixel);
            return;
        }
        if (kind is 9 or 10)
        {
            Skip(CompactLength());
            return;
        }
        int filter = (control & 0x40) != 0 ? Read(1)[0] : 0;
        int size;
        if (filter == 1)
        {
            int colours = Read(1)[0] + 1;
            Skip(colours * tpixel);
            size = colours == 2 ? (w + 7) / 8 * h : w * h;
        }
        else
        {
            size = w * h * tpixel;
        }
        Skip(size < 12 ? size : CompactLength());
    }

    private int CompactLength()
    {
        int b = Read(1)[0], length = b & 0x7F;
        if ((b & 0x80) == 0) return length;
        b = Read(1)[0];
        length |= (b & 0x7F) << 7;
        if ((b & 0x80) == 0) return length;
        return length | Read(1)[0] << 14;
    }

    /// <summary>The next <paramref name="n"/> bytes (at most 256), valid until the next read.</summary>
    private ReadOnlySpan<byte> Read(int n)
    {
        Span<byte> b = _head.AsSpan(0, n);
        _in.ReadExactly(b);
        return b;
    }

    private void Skip(int n)
    {
        while (n > 0)
        {
            int chunk = Math.Min(n, _sink.Length);
            _in.ReadExactly(_sink.AsSpan(0, chunk));
            n -= chunk;
        }
    }

    private void Write(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);

    public void Dispose()
    {
        _socket.Dispose();
        _thread.Join(TimeSpan.FromSeconds(10));
    }
}
