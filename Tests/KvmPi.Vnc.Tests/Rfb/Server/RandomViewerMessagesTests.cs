// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using KvmPi.Vnc.Rfb;
using KvmPi.Vnc.Rfb.Server;
using KvmPi.Vnc.Tests.Hid;
using KvmPi.Vnc.Tests.Support;
using Microsoft.Extensions.Logging;

namespace KvmPi.Vnc.Tests.Rfb.Server;

/// <summary>
/// Viewers that send seeded random (but framed) client messages, four at a time on one server, while the frame keeps
/// changing and now and then changes size: every field takes odd values (pixel formats of any depth and shift, any
/// encoding list, requests outside the frame, fences of any flags, continuous updates on and off, SetDesktopSize,
/// QEMU keys). Whatever the server makes of it (serving on, or closing with a protocol error), it must never fail
/// inside (no "unexpected error"), must end each session when the viewer goes, and must serve a plain viewer after.
/// </summary>
public class RandomViewerMessagesTests
{
    private const int Sessions = 240;
    private const int MessagesPerSession = 60;
    private const int Concurrent = 4;

    private sealed class ListLoggerProvider : ILoggerProvider
    {
        public ListLogger Logger { get; } = new();
        public ILogger CreateLogger(string categoryName) => Logger;
        public void Dispose() { }
    }

    /// <summary>Encodings a random list draws from: every one the server knows, some it does not, and pseudo-encodings.</summary>
    private static readonly int[] Encodings =
    [
        0, 1, 2, 5, 6, 7, 16, 21, -260, -223, -224, -239, -258, -261, -307, -308, -312, -313, -316, 0x574D5668,
        -256, -250, -247, -32, -27, -23, -512, -450, -412, -768, -765, -763, 3, 4, 99, -1, int.MinValue, int.MaxValue,
    ];

    [Fact]
    public async Task TheServerNeverFailsInsideAndKeepsServing()
    {
        using var logs = new ListLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        var server = new RfbServer(new RfbServerOptions
        {
            InitialWidth = 200, InitialHeight = 120, PartialMessageTimeout = TimeSpan.FromSeconds(2),
            WriteTimeout = TimeSpan.FromSeconds(5),
        }, new NullDesktop(), loggerFactory);
        server.PublishFrame(new byte[200 * 120 * 4], 200, 120, 800);

        using var stopFrames = new CancellationTokenSource();
        Task frames = Task.Run(() => PublishFrames(server, stopFrames.Token));
        try
        {
            var running = new List<Task<string>>();
            for (int seed = 1; seed <= Sessions; seed++)
            {
                running.Add(RunSessionAsync(server, seed));
                if (running.Count < Concurrent) continue;
                Task<string> done = await Task.WhenAny(running);
                running.Remove(done);
                string failure = await done;
                Assert.True(failure.Length == 0, failure);
            }
            foreach (Task<string> t in running)
            {
                string failure = await t;
                Assert.True(failure.Length == 0, failure);
            }
        }
        finally
        {
            await stopFrames.CancelAsync();
            await frames;
        }

        var entries = logs.Logger.Entries;
        var errors = entries.Where(e => e.Level >= LogLevel.Error).Select(e => e.Message).ToArray();
        Assert.True(errors.Length == 0, "the server failed inside:\n" + string.Join('\n', errors.Take(5)));
        // The run meant something: many sessions ran their course (not all ended on a refusal), and the frame
        // changed size under them.
        int completed = entries.Count(e => e.Message.EndsWith("closed by the viewer", StringComparison.Ordinal));
        Assert.True(completed >= Sessions / 4, $"only {completed} of {Sessions} sessions ran their course");
        Assert.Contains(entries, e => e.Message.StartsWith("frame size now", StringComparison.Ordinal));

        // A plain viewer is served the whole (current) frame.
        var (client, serving) = await InMemoryConnection.ConnectViewerAsync(server, 0);
        await client.WriteAsync(new byte[] { 0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0 });
        await client.WriteAsync(new byte[] { 3, 0, 0, 0, 0, 0, 0x10, 0, 0x10, 0 });
        byte[] header = new byte[4];
        await client.ReadExactlyAsync(header).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, header[0]);
        client.Dispose();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// A random frame now and then: a few changed tiles mostly, sometimes all new, sometimes a new size. Some go as the
    /// capture's JPEG alone when all four viewers take it (5–10 frames a run: that depends on the timing).
    /// </summary>
    private static async Task PublishFrames(RfbServer server, CancellationToken stop)
    {
        var random = new Random(7);
        int width = 200, height = 120;
        byte[] frame = new byte[width * height * 4];
        while (!stop.IsCancellationRequested)
        {
            int roll = random.Next(100);
            if (roll < 3)
            {
                (width, height) = random.Next(3) switch { 0 => (200, 120), 1 => (64, 64), _ => (333, 77) };
                frame = new byte[width * height * 4];
                random.NextBytes(frame);
            }
            else if (roll < 10)
            {
                random.NextBytes(frame);
            }
            else
            {
                for (int n = random.Next(1, 6); n > 0; n--)
                {
                    int at = random.Next(width * height) * 4;
                    BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(at), (uint)random.Next());
                }
            }
            // A third of the frames come with their JPEG, as from an MJPEG capture (pass-through), and half of those
            // are first offered as the JPEG alone, as the capture does before it decodes.
            if (random.Next(3) == 0)
            {
                byte[] jpeg = TestJpegEncoder.Encode(frame, width, height, 85);
                if (random.Next(2) != 0 || !server.TryPublishJpegOnly(jpeg, width, height, changedShare: 1.0, quality: 85))
                    server.PublishFrame(frame, width, height, width * 4, jpeg);
            }
            else
            {
                server.PublishFrame(frame, width, height, width * 4);
            }
            try { await Task.Delay(random.Next(1, 6), stop); }
            catch (OperationCanceledException) { break; }
        }
    }

    /// <summary>One viewer's session; returns "" or what went wrong (with the seed, to replay it).</summary>
    private static async Task<string> RunSessionAsync(RfbServer server, int seed)
    {
        var random = new Random(seed);
        int[] encodings = RandomEncodings(random);
        var (client, serving) = await InMemoryConnection.ConnectViewerAsync(server, encodings);
        bool continuousListed = encodings.Contains(-313);
        // Read everything the server sends, as a viewer that keeps up.
        Task drain = Task.Run(async () =>
        {
            byte[] sink = new byte[64 * 1024];
            try
            {
                while (await client.ReadAsync(sink) > 0) { }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException) { }
        });
        try
        {
            for (int i = 0; i < MessagesPerSession && !serving.IsCompleted; i++)
            {
                byte[] message = RandomMessage(random, continuousListed);
                if (message[0] == 2) continuousListed = Lists(message, -313);
                await client.WriteAsync(message);
                if (random.Next(4) == 0) await Task.Delay(random.Next(3));
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            // The server closed the connection (a protocol error): allowed.
        }

        client.Dispose();
        try
        {
            await serving.WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            return $"seed {seed}: the session did not end after the viewer went";
        }
        await drain.WaitAsync(TimeSpan.FromSeconds(15));
        return "";
    }

    /// <summary>Whether a SetEncodings message lists <paramref name="encoding"/>.</summary>
    private static bool Lists(byte[] setEncodings, int encoding)
    {
        for (int at = 4; at + 4 <= setEncodings.Length; at += 4)
            if (BinaryPrimitives.ReadInt32BigEndian(setEncodings.AsSpan(at)) == encoding) return true;
        return false;
    }

    /// <summary>Mostly as TigerVNC asks for Tight JPEG (so all four may take the capture's JPEG), else anything.</summary>
    private static int[] RandomEncodings(Random random)
    {
        if (random.Next(4) != 0) return [7, -24, -256 + random.Next(10), -313, -312, -308, -258, 16, 0];
        int[] list = new int[random.Next(0, 12)];
        for (int i = 0; i < list.Length; i++) list[i] = Encodings[random.Next(Encodings.Length)];
        return list;
    }

    /// <summary>
    /// A message a viewer could send; about one in a hundred is one the server must refuse (an invalid pixel format,
    /// an unknown message or QEMU subtype, a fence payload over 64 bytes, continuous updates not listed), so most
    /// sessions run their course and the rest end on a refusal somewhere along the way.
    /// </summary>
    private static byte[] RandomMessage(Random random, bool continuousListed)
    {
        bool refused = random.Next(100) == 0;
        int roll = random.Next(100);
        if (refused)
        {
            return random.Next(5) switch
            {
                0 => InvalidPixelFormat(random),
                1 => [(byte)random.Next(9, 150)],
                2 => QemuKey(random, subtype: (byte)random.Next(1, 256)),
                3 => Fence(random, random.Next(65, 256)),
                _ => continuousListed ? [(byte)random.Next(151, 248)] : EnableContinuousUpdates(random),
            };
        }
        return roll switch
        {
            < 8 => SetPixelFormat(random),
            < 16 => SetEncodingsMessage(RandomEncodings(random)),
            < 46 => Request(random),
            < 56 => KeyEvent(random),
            < 68 => PointerEvent(random),
            < 72 => CutText(random),
            < 78 => continuousListed ? EnableContinuousUpdates(random) : Request(random),
            < 86 => Fence(random, random.Next(0, 65)),
            < 92 => SetDesktopSize(random),
            _ => QemuKey(random, subtype: 0),
        };
    }

    /// <summary>A valid format: 32, 16 or 8 bits a pixel, channels in any order, either byte order.</summary>
    private static byte[] SetPixelFormat(Random random)
    {
        int bpp = new[] { 32, 16, 8 }[random.Next(3)];
        int[] bits = bpp switch { 32 => [8, 8, 8], 16 => random.Next(2) == 0 ? [5, 6, 5] : [5, 5, 5], _ => [3, 3, 2] };
        int[] order = [0, 1, 2];
        random.Shuffle(order);
        int[] shifts = new int[3];
        int at = bpp == 32 && random.Next(2) == 0 ? 8 : 0;
        foreach (int c in order)
        {
            shifts[c] = at;
            at += bits[c];
        }
        return PixelFormatMessage(bpp, bpp == 32 ? 24 : at, random.Next(2) == 1, true,
            (1 << bits[0]) - 1, (1 << bits[1]) - 1, (1 << bits[2]) - 1, shifts[0], shifts[1], shifts[2]);
    }

    private static byte[] InvalidPixelFormat(Random random) => PixelFormatMessage(random.Next(256), random.Next(256),
        random.Next(2) == 1, random.Next(2) == 1, random.Next(65536), random.Next(65536), random.Next(65536),
        random.Next(256), random.Next(256), random.Next(256));

    private static byte[] PixelFormatMessage(int bpp, int depth, bool bigEndian, bool trueColour, int redMax, int greenMax,
        int blueMax, int redShift, int greenShift, int blueShift)
    {
        byte[] m = new byte[20];
        m[4] = (byte)bpp;
        m[5] = (byte)depth;
        m[6] = (byte)(bigEndian ? 1 : 0);
        m[7] = (byte)(trueColour ? 1 : 0);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(8), (ushort)redMax);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(10), (ushort)greenMax);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(12), (ushort)blueMax);
        m[14] = (byte)redShift;
        m[15] = (byte)greenShift;
        m[16] = (byte)blueShift;
        return m;
    }

    private static byte[] SetEncodingsMessage(int[] encodings)
    {
        byte[] m = new byte[4 + 4 * encodings.Length];
        m[0] = 2;
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), (ushort)encodings.Length);
        for (int i = 0; i < encodings.Length; i++) BinaryPrimitives.WriteInt32BigEndian(m.AsSpan(4 + 4 * i), encodings[i]);
        return m;
    }

    /// <summary>Mostly inside the frame; sometimes anywhere in the 16-bit range, empty, or past the edge.</summary>
    private static (ushort X, ushort Y, ushort W, ushort H) RandomRect(Random random) => random.Next(4) switch
    {
        0 => ((ushort)random.Next(65536), (ushort)random.Next(65536), (ushort)random.Next(65536), (ushort)random.Next(65536)),
        1 => (0, 0, 0, 0),
        _ => ((ushort)random.Next(0, 340), (ushort)random.Next(0, 130), (ushort)random.Next(0, 400), (ushort)random.Next(0, 200)),
    };

    private static byte[] Request(Random random)
    {
        var (x, y, w, h) = RandomRect(random);
        byte[] m = new byte[10];
        m[0] = 3;
        m[1] = (byte)(random.Next(3) == 0 ? 0 : 1);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), x);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(4), y);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(6), w);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(8), h);
        return m;
    }

    private static byte[] KeyEvent(Random random)
    {
        byte[] m = new byte[8];
        m[0] = 4;
        m[1] = (byte)random.Next(2);
        uint keysym = random.Next(3) switch { 0 => (uint)random.Next(0x20, 0x7F), 1 => 0xFF00u | (uint)random.Next(256), _ => (uint)random.Next() };
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(4), keysym);
        return m;
    }

    private static byte[] PointerEvent(Random random)
    {
        byte[] m = new byte[6];
        m[0] = 5;
        m[1] = (byte)random.Next(128);   // bit 7 would announce ExtendedMouseButtons' extra byte
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), (ushort)random.Next(random.Next(2) == 0 ? 400 : 65536));
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(4), (ushort)random.Next(random.Next(2) == 0 ? 200 : 65536));
        return m;
    }

    private static byte[] CutText(Random random)
    {
        int length = random.Next(0, 300);
        byte[] m = new byte[8 + length];
        m[0] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(4), (uint)length);
        random.NextBytes(m.AsSpan(8));
        return m;
    }

    private static byte[] EnableContinuousUpdates(Random random)
    {
        var (x, y, w, h) = RandomRect(random);
        byte[] m = new byte[10];
        m[0] = 150;
        m[1] = (byte)random.Next(2);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), x);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(4), y);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(6), w);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(8), h);
        return m;
    }

    private static byte[] Fence(Random random, int length)
    {
        byte[] m = new byte[9 + length];
        m[0] = 248;
        uint flags = random.Next(2) == 0 ? (uint)random.Next() | (uint)random.Next(2) << 31 : 0x8000_0000u | (uint)random.Next(8);
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(4), flags);
        m[8] = (byte)length;
        random.NextBytes(m.AsSpan(9));
        return m;
    }

    private static byte[] SetDesktopSize(Random random)
    {
        int screens = random.Next(0, 4);
        byte[] m = new byte[8 + 16 * screens];
        m[0] = 251;
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), (ushort)random.Next(65536));
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(4), (ushort)random.Next(65536));
        m[6] = (byte)screens;
        random.NextBytes(m.AsSpan(8));
        return m;
    }

    private static byte[] QemuKey(Random random, byte subtype)
    {
        byte[] m = new byte[12];
        m[0] = 255;
        m[1] = subtype;   // 0: extended key event
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), (ushort)random.Next(2));
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(4), (uint)random.Next(0x20, 0x7F));
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(8), (uint)random.Next(0, 0x200));
        return m;
    }
}
