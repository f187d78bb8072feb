// SPDX-License-Identifier: MIT
using System.Net;
using System.Net.Sockets;
using KvmPi.Vnc.Rfb.Server;
using Microsoft.Extensions.Logging;

namespace KvmPi.Vnc.Server.Transport;

/// <summary>
/// Accepts VNC viewers on a TCP endpoint and hands each connection to the RFB server on its own task, so a viewer
/// that never finishes its handshake holds up nobody's accept.
/// </summary>
internal sealed class TcpRfbListener(RfbServer server, ILogger logger) : IAsyncDisposable
{
    private readonly List<Task> _connections = [];
    private readonly Lock _lock = new();
    private Socket? _socket;

    /// <summary>Binds and listens; throws SocketException (address in use, not available) for the caller to report.</summary>
    public void Start(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
                socket.DualMode = true;
            socket.Bind(endPoint);
            socket.Listen(backlog: 64);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _socket = socket;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    public IPEndPoint? LocalEndPoint { get; private set; }

    public async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        Socket listener = _socket ?? throw new InvalidOperationException("Start first");
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                continue;   // the peer gave up before we accepted
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
            {
                logger.LogWarning("accept: {Error}; retrying in 100 ms", e.SocketErrorCode);
                await Task.Delay(100, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            // Keys and pointer moves are tiny messages; Nagle would hold them back behind the previous update's ACK.
            client.NoDelay = true;
            // A viewer that vanishes without FIN or RST (Wi-Fi gone, lid closed) may hold keys: keepalive finds it
            // within about 25 s, and its session then releases them. Idle sessions otherwise never write or read.
            client.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            client.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 10);
            client.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 5);
            client.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
            EndPoint? remote = client.RemoteEndPoint;
            Task connection = Task.Run(() => server.RunConnectionAsync(new NetworkStream(client, ownsSocket: true), remote, cancellationToken),
                CancellationToken.None);
            lock (_lock)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(connection);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket?.Dispose();
        Task[] pending;
        lock (_lock) pending = [.. _connections];
        await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
