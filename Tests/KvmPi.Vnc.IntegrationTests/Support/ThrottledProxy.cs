// SPDX-License-Identifier: MIT
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace KvmPi.Vnc.IntegrationTests.Support;

/// <summary>
/// A slow link on loopback: a TCP proxy that passes what the viewer sends at once and what the server sends at a
/// given rate. It reads from the server only as fast as it forwards (small buffers both ways), so the server's own
/// socket backs up as it would on a slow network, and the viewer's answers to fences arrive as late as there.
/// </summary>
public sealed class ThrottledProxy : IDisposable
{
    private const int Chunk = 4096;
    private readonly Socket _listener;
    private readonly IPEndPoint _target;
    private readonly int _bytesPerSecond;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];

    public ThrottledProxy(int targetPort, int bytesPerSecond)
    {
        _target = new IPEndPoint(IPAddress.Loopback, targetPort);
        _bytesPerSecond = bytesPerSecond;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, FreePort.Get()));
        _listener.Listen();
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _ = AcceptAsync();
    }

    public int Port { get; }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                Socket viewer = await _listener.AcceptAsync(_stop.Token);
                var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                foreach (Socket s in (Socket[])[viewer, server])
                {
                    s.NoDelay = true;
                    s.ReceiveBufferSize = s.SendBufferSize = 2 * Chunk;
                }
                await server.ConnectAsync(_target, _stop.Token);
                lock (_sockets) _sockets.AddRange([viewer, server]);
                _ = PumpAsync(viewer, server, 0);
                _ = PumpAsync(server, viewer, _bytesPerSecond);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Copies <paramref name="from"/> to <paramref name="to"/>; with a rate, no faster than it.</summary>
    private async Task PumpAsync(Socket from, Socket to, int bytesPerSecond)
    {
        byte[] buffer = new byte[Chunk];
        long sent = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, _stop.Token);
                if (n == 0) break;
                if (bytesPerSecond > 0)
                {
                    // Idle time earns no credit: the rate holds from the first byte of each burst.
                    if (sent * 1000L / bytesPerSecond < clock.ElapsedMilliseconds - 50) { sent = 0; clock.Restart(); }
                    sent += n;
                    long due = sent * 1000L / bytesPerSecond - clock.ElapsedMilliseconds;
                    if (due > 0) await Task.Delay((int)due, _stop.Token);
                }
                await to.SendAsync(buffer.AsMemory(0, n), _stop.Token);
            }
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        lock (_sockets)
            foreach (Socket s in _sockets) s.Dispose();
    }
}
