// SPDX-License-Identifier: MIT
using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using KvmPi.Vnc.Rfb.Updates;
using TextEncoding = System.Text.Encoding;
using KvmPi.Vnc.Rfb.Diagnostics;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Rfb.Security;

namespace KvmPi.Vnc.Rfb.Server;

internal sealed partial class ClientSession
{
    /* rfbproto "ProtocolVersion": 12 bytes "RFB xxx.yyy\n". */
    private const int VersionLength = 12;
    private static ReadOnlySpan<byte> ServerVersion => "RFB 003.008\n"u8;

    private const byte SecurityNone = 1;
    private const byte SecurityVncAuth = 2;

    /// <summary>
    /// Runs the handshake up to ServerInit within the handshake timeout. Returns false when it ended without a
    /// usable session (failed authentication); throws RfbProtocolException on garbage.
    /// </summary>
    private async Task<bool> HandshakeAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_server.Options.HandshakeTimeout);
        try
        {
            return await HandshakeCoreAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            RfbLog.HandshakeTimeout(_logger, _remote, _server.Options.HandshakeTimeout.TotalSeconds);
            return false;
        }
    }

    private async Task<bool> HandshakeCoreAsync(CancellationToken ct)
    {
        // The version and security exchanges are round trips with nothing else on the link: the base a viewer
        // without fences is measured against (RequestPacedBandwidth).
        long sentAt = NowMicros();
        await WriteAndFlushAsync(ServerVersion.ToArray(), ct).ConfigureAwait(false);
        byte[] version = await ReadExactAsync(VersionLength, ct).ConfigureAwait(false);
        NoteRoundTrip(sentAt);
        int minor = ParseClientVersion(version);
        byte security = _server.Options.Password is null ? SecurityNone : SecurityVncAuth;
        IPAddress? address = (_remote as IPEndPoint)?.Address;
        if (security == SecurityVncAuth && _server.AuthFailures.IsBlocked(address, out TimeSpan remaining))
        {
            RfbLog.AuthenticationBlocked(_logger, _remote, Math.Ceiling(remaining.TotalSeconds));
            await RefuseConnectionAsync(minor, "Too many authentication failures; try again later", ct).ConfigureAwait(false);
            return false;
        }

        if (minor == 3)
        {
            // 3.3: the server decides the type and sends it as a U32.
            byte[] type = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(type, security);
            await WriteAndFlushAsync(type, ct).ConfigureAwait(false);
        }
        else
        {
            sentAt = NowMicros();
            await WriteAndFlushAsync([1, security], ct).ConfigureAwait(false);
            byte chosen = (await ReadExactAsync(1, ct).ConfigureAwait(false))[0];
            NoteRoundTrip(sentAt);
            if (chosen != security)
            {
                await FailSecurityAsync(minor, $"security type {chosen} was not offered", ct).ConfigureAwait(false);
                RfbProtocolException.Throw($"client chose security type {chosen}, which was not offered");
            }
        }

        if (security == SecurityVncAuth)
        {
            if (!await AuthenticateAsync(ct).ConfigureAwait(false))
            {
                _server.AuthFailures.Failed(address);
                RfbLog.AuthenticationFailed(_logger, _remote);
                await FailSecurityAsync(minor, "Authentication failed", ct).ConfigureAwait(false);
                return false;
            }
            _server.AuthFailures.Succeeded(address);
            await WriteAndFlushAsync([0, 0, 0, 0], ct).ConfigureAwait(false);
        }
        else if (minor >= 8)
        {
            // SecurityResult follows None only from 3.8 on (rfbproto "SecurityResult").
            await WriteAndFlushAsync([0, 0, 0, 0], ct).ConfigureAwait(false);
        }

        await ReadExactAsync(1, ct).ConfigureAwait(false);   // ClientInit shared-flag: every session is shared
        await WriteServerInitAsync(ct).ConfigureAwait(false);
        RfbLog.HandshakeDone(_logger, _remote, minor, security == SecurityNone ? "None" : "VncAuth", _server.Options.DesktopName);
        return true;
    }

    /// <summary>
    /// The version both sides use, as TigerVNC's server decides it: major 3 only; minor ≥ 8 is 3.8, 7 is 3.7,
    /// anything else (3.5 included, as rfbproto requires) is 3.3.
    /// </summary>
    internal static int ParseClientVersion(ReadOnlySpan<byte> v)
    {
        if (v.Length != VersionLength || !v[..4].SequenceEqual("RFB "u8) || v[7] != '.' || v[11] != '\n' ||
            !AllDigits(v[4..7]) || !AllDigits(v[8..11]))
            RfbProtocolException.Throw($"bad ProtocolVersion \"{TextEncoding.ASCII.GetString(v).ReplaceLineEndings(" ")}\"");
        int major = (v[4] - '0') * 100 + (v[5] - '0') * 10 + (v[6] - '0');
        int minor = (v[8] - '0') * 100 + (v[9] - '0') * 10 + (v[10] - '0');
        if (major != 3) RfbProtocolException.Throw($"unsupported RFB version {major}.{minor}");
        return minor >= 8 ? 8 : minor == 7 ? 7 : 3;

        static bool AllDigits(ReadOnlySpan<byte> s) => s.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0;
    }

    /* rfbproto "VNC Authentication": 16-byte random challenge, 16-byte DES response. */
    private async Task<bool> AuthenticateAsync(CancellationToken ct)
    {
        byte[] challenge = RandomNumberGenerator.GetBytes(16);
        await WriteAndFlushAsync(challenge, ct).ConfigureAwait(false);
        byte[] response = await ReadExactAsync(16, ct).ConfigureAwait(false);
        byte[] expected = new byte[16];
        VncAuthDes.ComputeResponse(TextEncoding.Latin1.GetBytes(_server.Options.Password!), challenge, expected);
        return CryptographicOperations.FixedTimeEquals(expected, response);
    }

    /// <summary>
    /// Refuses before any security type is chosen (rfbproto "Security": 3.3 sends type 0, 3.7+ an empty list,
    /// each followed by a reason string).
    /// </summary>
    private async Task RefuseConnectionAsync(int minor, string reason, CancellationToken ct)
    {
        byte[] reasonBytes = TextEncoding.UTF8.GetBytes(reason);
        int head = minor == 3 ? 4 : 1;
        byte[] message = new byte[head + 4 + reasonBytes.Length];   // 3.3: U32 0; 3.7+: U8 0 — then U32 length
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(head), (uint)reasonBytes.Length);
        reasonBytes.CopyTo(message, head + 4);
        await WriteAndFlushAsync(message, ct).ConfigureAwait(false);
    }

    /// <summary>SecurityResult "failed"; the reason string exists only from 3.8 on.</summary>
    private async Task FailSecurityAsync(int minor, string reason, CancellationToken ct)
    {
        byte[] reasonBytes = TextEncoding.UTF8.GetBytes(reason);
        byte[] message = new byte[minor >= 8 ? 8 + reasonBytes.Length : 4];
        BinaryPrimitives.WriteUInt32BigEndian(message, 1);
        if (minor >= 8)
        {
            BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(4), (uint)reasonBytes.Length);
            reasonBytes.CopyTo(message, 8);
        }
        await WriteAndFlushAsync(message, ct).ConfigureAwait(false);
    }

    /* rfbproto "ServerInit": U16 width, U16 height, PIXEL_FORMAT (16), U32 name-length, name (UTF-8). */
    private async Task WriteServerInitAsync(CancellationToken ct)
    {
        byte[] name = TextEncoding.UTF8.GetBytes(_server.Options.DesktopName);
        byte[] message = new byte[24 + name.Length];
        lock (_lock)
        {
            // The size a viewer starts with is the one it is told here; later frames of another size go through DesktopSize.
            _framebuffer = _server.Framebuffer;
            _announcedFrame = _framebuffer.AnnouncedFrame;
            _dirty = new TileSet(_framebuffer.TileColumns, _framebuffer.TileRows);
            _dirty.SetAll();
            _clientWidth = _framebuffer.Width;
            _clientHeight = _framebuffer.Height;
        }
        BinaryPrimitives.WriteUInt16BigEndian(message, (ushort)_clientWidth);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), (ushort)_clientHeight);
        PixelFormat.Bgrx32.Write(message.AsSpan(4, PixelFormat.WireLength));
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(20), (uint)name.Length);
        name.CopyTo(message, 24);
        await WriteAndFlushAsync(message, ct).ConfigureAwait(false);
    }

    private void NoteRoundTrip(long sentAt)
    {
        long now = NowMicros();
        lock (_lock) _requestPaced.NoteRoundTrip(now - sentAt);
    }

    private async Task WriteAndFlushAsync(byte[] bytes, CancellationToken ct)
    {
        await _output.WriteAsync(bytes, ct).ConfigureAwait(false);
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes of the handshake (small, fixed sizes only).</summary>
    private async Task<byte[]> ReadExactAsync(int count, CancellationToken ct)
    {
        while (true)
        {
            ReadResult result = await _input.ReadAsync(ct).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (buffer.Length >= count)
            {
                byte[] bytes = buffer.Slice(0, count).ToArray();
                _input.AdvanceTo(buffer.GetPosition(count));
                return bytes;
            }
            if (result.IsCompleted) throw new EndOfStreamException("connection closed during the handshake");
            _input.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
