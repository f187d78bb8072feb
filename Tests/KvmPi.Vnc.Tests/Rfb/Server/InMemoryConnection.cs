// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using System.IO.Pipelines;
using KvmPi.Vnc.Rfb.Server;

namespace KvmPi.Vnc.Tests.Rfb.Server;

/// <summary>Two streams joined back to back through pipes: the server's end and the test client's end, no sockets.</summary>
internal sealed class InMemoryConnection
{
    private readonly Pipe _toServer = new();
    private readonly Pipe _toClient = new();

    public InMemoryConnection()
    {
        ServerEnd = new DelegatingStream(_toServer.Reader.AsStream(), _toClient.Writer.AsStream());
        ClientEnd = new DelegatingStream(_toClient.Reader.AsStream(), _toServer.Writer.AsStream());
    }

    public Stream ServerEnd { get; }
    public Stream ClientEnd { get; }

    /// <summary>
    /// Connects a test viewer to <paramref name="server"/>: RFB 3.8, security None, ServerInit read (the desktop name
    /// is the default one), then SetEncodings with <paramref name="encodings"/>. Returns the viewer's end and the
    /// server's serving task.
    /// </summary>
    public static Task<(Stream Client, Task Serving)> ConnectViewerAsync(RfbServer server, params int[] encodings) =>
        ConnectViewerAsync(server, serverEnd => serverEnd, encodings);

    /// <summary>As <see cref="ConnectViewerAsync(RfbServer, int[])"/>, the server serving the stream <paramref name="wrap"/> makes of its end.</summary>
    public static async Task<(Stream Client, Task Serving)> ConnectViewerAsync(RfbServer server, Func<Stream, Stream> wrap, params int[] encodings)
    {
        var connection = new InMemoryConnection();
        Task serving = server.RunConnectionAsync(wrap(connection.ServerEnd), null, CancellationToken.None);
        Stream client = connection.ClientEnd;
        await client.ReadExactlyAsync(new byte[12]);
        await client.WriteAsync("RFB 003.008\n"u8.ToArray());
        await client.ReadExactlyAsync(new byte[2]);
        await client.WriteAsync(new byte[] { 1 });
        await client.ReadExactlyAsync(new byte[4]);
        await client.WriteAsync(new byte[] { 1 });
        await client.ReadExactlyAsync(new byte[24 + "KvmPi.Vnc".Length]);
        byte[] set = new byte[4 + 4 * encodings.Length];
        set[0] = 2;
        BinaryPrimitives.WriteUInt16BigEndian(set.AsSpan(2), (ushort)encodings.Length);
        for (int i = 0; i < encodings.Length; i++) BinaryPrimitives.WriteInt32BigEndian(set.AsSpan(4 + 4 * i), encodings[i]);
        await client.WriteAsync(set);
        return (client, serving);
    }
}
