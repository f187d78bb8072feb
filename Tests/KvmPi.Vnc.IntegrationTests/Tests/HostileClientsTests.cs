// SPDX-License-Identifier: MIT
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using KvmPi.Vnc.IntegrationTests.Support;
using Xunit.Abstractions;

namespace KvmPi.Vnc.IntegrationTests.Tests;

/// <summary>
/// One well-behaved viewer keeps receiving a changing video while many hostile clients attack the same server:
/// garbage versions, invalid pixel formats, unknown messages, half-sent messages, stalled handshakes, random bytes,
/// a 4 GiB ClientCutText announcement and rapid connect/disconnect.
/// </summary>
public sealed class HostileClientsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan AttackDuration = TimeSpan.FromSeconds(14);

    [SkippableFact]
    public async Task Good_client_keeps_getting_updates_while_hostile_clients_attack()
    {
        Tools.RequireTurboJpeg();
        await RfbProbe.GetBinaryAsync();
        using var dir = new TempDir("hostile");
        var video = TestVideo.CreateMoving(dir.File("moving.mjpeg"));
        using var server = await ServerProcess.StartAsync("--video", video.Path, "--fps", "30",
            "--keyboard", dir.ReportFile("keyboard.hid"), "--mouse", dir.ReportFile("mouse.hid"));

        var goodProbe = RfbProbe.RunAsync(server.Port, new ProbeOptions
        {
            Encodings = "zrle hextile raw",
            Actions = ["m:start", $"s:{(int)AttackDuration.TotalMilliseconds}", "m:end"],
            TailSeconds = 0.2,
            Timeout = TimeSpan.FromSeconds(60),
        });
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        long baselineRss = server.ResidentBytes();
        long peakRss = baselineRss;

        var failures = new ConcurrentQueue<string>();
        var counters = new ConcurrentDictionary<string, int>();
        void Count(string what) => counters.AddOrUpdate(what, 1, (_, n) => n + 1);
        using var stop = new CancellationTokenSource(AttackDuration);
        var token = stop.Token;
        var sw = Stopwatch.StartNew();

        // Connections that must be closed by the server's timeouts: stalled handshakes and half-sent messages.
        var stalled = new List<(string What, RawRfbClient Client)>();
        for (int i = 0; i < 4; i++)
            stalled.Add(("silent after the server's version", await RawRfbClient.ConnectAsync(server.Port)));
        for (int i = 0; i < 3; i++)
        {
            var c = await RawRfbClient.ConnectAsync(server.Port);
            await c.ReadVersionAsync();
            await c.SendAsync("RFB 00");
            stalled.Add(("half a ProtocolVersion", c));
        }
        for (int i = 0; i < 3; i++)
        {
            var c = await RawRfbClient.ConnectAsync(server.Port);
            await c.ReadVersionAsync();
            await c.SendAsync("RFB 003.008\n");
            stalled.Add(("no security type chosen", c));
        }
        for (int i = 0; i < 2; i++)
        {
            var c = await RawRfbClient.ConnectAsync(server.Port);
            await c.HandshakeNoneAsync();
            await c.SendAsync(RawRfbClient.SetPixelFormat(32, 24, false, true, 255, 255, 255, 16, 8, 0).AsMemory(0, 7));
            stalled.Add(("half a SetPixelFormat", c));
        }
        {
            var c = await RawRfbClient.ConnectAsync(server.Port);
            await c.HandshakeNoneAsync();
            await c.SendAsync(RawRfbClient.KeyEvent(0x61, true).AsMemory(0, 3));
            stalled.Add(("half a KeyEvent", c));
        }
        var stalledSince = sw.Elapsed;

        async Task Loop(string name, Func<Task> body, int pauseMs)
        {
            while (!token.IsCancellationRequested)
            {
                try
                {
                    await body();
                    Count(name);
                }
                catch (Exception e) when (e is SocketException or IOException or TimeoutException or EndOfStreamException or InvalidDataException or OperationCanceledException)
                {
                    Count(name + " (server closed early)");
                }
                await Task.Delay(pauseMs);
            }
        }

        async Task ExpectClosed(RawRfbClient c, string what)
        {
            if (!await c.WaitForCloseAsync(TimeSpan.FromSeconds(5)))
                failures.Enqueue($"the server kept a connection open after {what}");
        }

        var random = new Random(42);
        byte[] RandomBytes(int n)
        {
            var b = new byte[n];
            lock (random) random.NextBytes(b);
            return b;
        }

        byte[][] invalidFormats =
        [
            RawRfbClient.SetPixelFormat(24, 24, false, true, 255, 255, 255, 16, 8, 0), // 24 bpp is not allowed
            RawRfbClient.SetPixelFormat(7, 6, false, true, 3, 3, 3, 0, 2, 4), // 7 bpp
            RawRfbClient.SetPixelFormat(32, 24, false, true, 1000, 255, 255, 16, 8, 0), // max not 2^n-1
            RawRfbClient.SetPixelFormat(16, 16, false, true, 31, 63, 31, 20, 5, 0), // red beyond 16 bits
            RawRfbClient.SetPixelFormat(8, 8, false, true, 255, 255, 255, 0, 8, 16), // channels do not fit in 8 bits
            RawRfbClient.SetPixelFormat(0, 0, false, true, 0, 0, 0, 0, 0, 0), // 0 bpp
        ];
        int formatIndex = 0;
        byte[] unknownTypes = [0x77, 0x42, 0x09, 0xc8];
        int unknownIndex = 0;

        var attacks = new List<Task>
        {
            Loop("garbage version", async () =>
            {
                using var c = await RawRfbClient.ConnectAsync(server.Port);
                await c.ReadVersionAsync();
                await c.SendAsync(RandomBytes(12));
                await ExpectClosed(c, "a garbage ProtocolVersion");
            }, 100),
            Loop("invalid SetPixelFormat", async () =>
            {
                using var c = await RawRfbClient.ConnectAsync(server.Port);
                await c.HandshakeNoneAsync();
                byte[] format = invalidFormats[Interlocked.Increment(ref formatIndex) % invalidFormats.Length];
                await c.SendAsync(format);
                await c.SendAsync(RawRfbClient.UpdateRequest(false, 0, 0, 320, 240));
                await ExpectClosed(c, $"an invalid SetPixelFormat (bpp {format[4]}, depth {format[5]})");
            }, 150),
            Loop("unknown message type", async () =>
            {
                using var c = await RawRfbClient.ConnectAsync(server.Port);
                await c.HandshakeNoneAsync();
                byte type = unknownTypes[Interlocked.Increment(ref unknownIndex) % unknownTypes.Length];
                await c.SendAsync((byte[])[type, .. RandomBytes(15)]);
                await ExpectClosed(c, $"unknown message type {type}");
            }, 150),
            Loop("random bytes after the handshake", async () =>
            {
                using var c = await RawRfbClient.ConnectAsync(server.Port);
                await c.HandshakeNoneAsync();
                await c.SendAsync(RandomBytes(4096));
                await c.WaitForCloseAsync(TimeSpan.FromSeconds(1)); // closing or surviving are both fine
            }, 100),
            Loop("4 GiB ClientCutText", async () =>
            {
                using var c = await RawRfbClient.ConnectAsync(server.Port);
                await c.HandshakeNoneAsync();
                await c.SendAsync(RawRfbClient.ClientCutTextHeader(0xFFFFFFFF));
                var chunk = new byte[64 * 1024];
                for (int i = 0; i < 32 && !token.IsCancellationRequested; i++)
                {
                    await c.SendAsync(chunk);
                    await Task.Delay(20);
                }
                await c.WaitForCloseAsync(TimeSpan.FromSeconds(2));
            }, 200),
            Loop("rapid connect/disconnect", async () =>
            {
                for (int i = 0; i < 10; i++)
                {
                    var c = await RawRfbClient.ConnectAsync(server.Port);
                    if (i % 2 == 0) c.Reset(); else c.Dispose();
                }
            }, 50),
            Loop("handshake while under attack", async () =>
            {
                using var c = await RawRfbClient.ConnectAsync(server.Port);
                var init = await c.HandshakeNoneAsync();
                if ((init.Width, init.Height) != (video.Width, video.Height))
                    failures.Enqueue($"ServerInit under attack says {init.Width}x{init.Height}");
            }, 1000),
        };
        var rssSampler = Task.Run(async () =>
        {
            while (!token.IsCancellationRequested && !server.HasExited)
            {
                try { peakRss = Math.Max(peakRss, server.ResidentBytes()); } catch (IOException) { }
                await Task.Delay(200);
            }
        });
        await Task.WhenAll(attacks);
        await rssSampler;

        // Stalled connections: closed by the server within about 10 s (allowing up to 20 s) of their last byte.
        var stalledDeadline = stalledSince + TimeSpan.FromSeconds(20);
        foreach (var (what, client) in stalled)
        {
            var left = stalledDeadline - sw.Elapsed;
            if (!await client.WaitForCloseAsync(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(100)))
                failures.Enqueue($"a connection with {what} was still open {(sw.Elapsed - stalledSince).TotalSeconds:F0} s later");
            client.Dispose();
        }

        var good = await goodProbe;
        string summary = $"attack counts: {string.Join(", ", counters.OrderBy(k => k.Key).Select(k => $"{k.Key}={k.Value}"))}; " +
                         $"RSS baseline {baselineRss / 1048576} MiB, peak {peakRss / 1048576} MiB";
        output.WriteLine(summary);
        if (good.Marks.TryGetValue("start", out var s0) && good.Marks.TryGetValue("end", out var s1))
            output.WriteLine($"good client: {s1.Updates - s0.Updates} updates, {(s1.BytesReceived - s0.BytesReceived) / 1024} KiB during the attack");
        Assert.False(server.HasExited, "the server died under attack: " + server.Describe());
        Assert.True(good.Marks.ContainsKey("start") && good.Marks.ContainsKey("end"),
            $"the good client did not last the attack: {good}\n{summary}\n{server.Describe()}");
        long updates = good.Marks["end"].Updates - good.Marks["start"].Updates;
        Assert.True(updates >= 100, $"the good client got only {updates} updates in {AttackDuration.TotalSeconds} s\n{summary}\n{good}");
        Assert.True(failures.IsEmpty, "hostile clients were not handled:\n" + string.Join("\n", failures.Distinct()) + "\n" + summary);
        Assert.True(peakRss - baselineRss < 200L * 1024 * 1024, "the server's RSS grew by 200 MB or more: " + summary);

        var fresh = await RfbProbe.RunAsync(server.Port, new ProbeOptions { Encodings = "zrle hextile raw", TailSeconds = 0.3 });
        Assert.True(fresh.Process.ExitCode == 0 && fresh.Result is { Full: true }, "a fresh client after the attack got no frame: " + fresh + server.Describe());
    }
}
