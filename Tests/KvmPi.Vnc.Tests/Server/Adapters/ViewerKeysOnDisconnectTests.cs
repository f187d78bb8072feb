// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using KvmPi.Vnc.Hid.Keyboard;
using KvmPi.Vnc.Hid.Mouse;
using KvmPi.Vnc.Rfb.Server;
using KvmPi.Vnc.Server.Adapters;
using KvmPi.Vnc.Tests.Hid;
using KvmPi.Vnc.Tests.Rfb.Server;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvmPi.Vnc.Tests.Server.Adapters;

/// <summary>
/// A viewer that goes releases the keys it holds, and only those, through the real keyboard: viewer B holds F12
/// while viewer A sends seeded random key events (keysyms of any kind and case, QEMU scancodes with the keysyms a
/// viewer sends along, repeats, stray releases, letters released as the other case) and goes without releasing
/// anything. The target must then hold F12 alone, and nothing once B goes too.
/// </summary>
public class ViewerKeysOnDisconnectTests
{
    private const uint F12 = 0xFFC9;
    private const uint F12Scancode = 0x58;
    private const string F12Alone = "00 00 45 00 00 00 00 00";
    private const string AllUp = "00 00 00 00 00 00 00 00";

    [Theory]
    [InlineData("us")]
    [InlineData("de")]
    [InlineData("fr")]
    [InlineData("tr")]
    public async Task AViewerThatGoesReleasesItsOwnKeysAndNoOthers(string layoutName)
    {
        Assert.True(KeyboardLayout.TryGet(layoutName, out KeyboardLayout layout));
        for (int seed = 1; seed <= 30; seed++)
        {
            var reports = new RecordingReportSink();
            var keyboard = new Keyboard(reports, NullLogger.Instance, new KeyboardOptions { Layout = layout, PasteChord = null });
            var desktop = new HidDesktopAdapter(keyboard, new AbsoluteMouse(new NullReportSink()));
            var server = new RfbServer(new RfbServerOptions { InitialWidth = 64, InitialHeight = 64 }, desktop, NullLoggerFactory.Instance);
            server.PublishFrame(new byte[64 * 64 * 4], 64, 64, 256);

            var (b, servingB) = await InMemoryConnection.ConnectViewerAsync(server, 0, -258);
            await b.WriteAsync(KeyEvent(F12, true));
            // B's press must reach the keyboard before A's keys do (or it could be a 17th key, ignored).
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (reports.Reports.Count == 0 || reports.Reports[^1] != F12Alone)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "B's F12 never reached the keyboard");
                await Task.Delay(1);
            }
            var (a, servingA) = await InMemoryConnection.ConnectViewerAsync(server, 0, -258);
            var random = new Random(seed);
            var log = new List<string>();
            var held = new List<(uint Keysym, uint Scancode)>();
            for (int i = 0; i < 40; i++)
            {
                if (held.Count > 0 && random.Next(3) == 0)
                {
                    var (keysym, scancode) = held[random.Next(held.Count)];
                    held.Remove((keysym, scancode));
                    uint up = scancode == 0 && keysym is >= 'a' and <= 'z' or >= 'A' and <= 'Z' && random.Next(3) == 0 ? keysym ^ 0x20 : keysym;
                    log.Add(scancode != 0 ? $"up {up:x} scancode {scancode:x}" : $"up {up:x}");
                    await a.WriteAsync(scancode != 0 ? QemuKey(up, scancode, false) : KeyEvent(up, false));
                    continue;
                }
                uint k = RandomKeys.Keysym(random);
                if (k == F12) continue;
                bool down = random.Next(12) != 0;   // now and then a stray release
                uint sc = random.Next(4) == 0 ? (uint)random.Next(1, 0x80) | (random.Next(4) == 0 ? 0x80u : 0) : 0;
                if (sc == F12Scancode) sc = 0;
                log.Add($"{(down ? "down" : "up")} {k:x}{(sc != 0 ? $" scancode {sc:x}" : "")}");
                await a.WriteAsync(sc != 0 ? QemuKey(k, sc, down) : KeyEvent(k, down));
                if (down) held.Add((k, sc));
            }

            a.Dispose();   // gone, holding whatever it holds
            await servingA.WaitAsync(TimeSpan.FromSeconds(10));
            string what = $"layout {layoutName}, seed {seed}: {string.Join(", ", log)}";
            Assert.True(reports.Reports[^1] == F12Alone, $"{what}\nafter A went: {reports.Reports[^1]}");

            b.Dispose();
            await servingB.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(AllUp, reports.Reports[^1]);
        }
    }

    private static byte[] KeyEvent(uint keysym, bool down)
    {
        byte[] m = new byte[8];
        m[0] = 4;
        m[1] = (byte)(down ? 1 : 0);
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(4), keysym);
        return m;
    }

    private static byte[] QemuKey(uint keysym, uint scancode, bool down)
    {
        byte[] m = new byte[12];
        m[0] = 255;
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), (ushort)(down ? 1 : 0));
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(4), keysym);
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(8), scancode);
        return m;
    }
}
