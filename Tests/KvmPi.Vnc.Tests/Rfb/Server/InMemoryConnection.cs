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
        ServerEnd = new DuplexStream(_toServer.Reader.AsStream(), _toClient.Writer.AsStream());
        ClientEnd = new DuplexStream(_toClient.Reader.AsStream(), _toServer.Writer.AsStream());
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

    private sealed class DuplexStream(Stream read, Stream write) : Stream
    {
        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => write.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => write.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => read.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => read.ReadAsync(buffer, cancellationToken);
        public override void Write(byte[] buffer, int offset, int count) => write.Write(buffer, offset, count);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => write.WriteAsync(buffer, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                read.Dispose();
                write.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
