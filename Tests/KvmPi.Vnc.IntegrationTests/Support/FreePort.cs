// SPDX-License-Identifier: MIT
using System.Net;
using System.Net.Sockets;

namespace KvmPi.Vnc.IntegrationTests.Support;

/// <summary>Loopback TCP ports nobody listens on. Ports are at least 5901 so gvnccapture's display syntax
/// (display = port - 5900) can reach them.</summary>
public static class FreePort
{
    public static int Get()
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            if (port > 5900)
                return port;
        }
        throw new InvalidOperationException("no free loopback port above 5900");
    }
}
