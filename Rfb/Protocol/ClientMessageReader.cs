// SPDX-License-Identifier: MIT
using System.Buffers;
using System.Buffers.Binary;
using KvmPi.Vnc.Rfb.Diagnostics;
using KvmPi.Vnc.Rfb.Pixels;

namespace KvmPi.Vnc.Rfb.Protocol;

/// <summary>
/// Decodes client-to-server messages from received bytes, one at a time, and hands them to a handler.
/// </summary>
/// <remarks>
/// <see cref="TryReadOne"/> follows Kestrel's parser shape: with an incomplete message it returns false and consumes
/// nothing, so the caller waits for more bytes. The one exception is the skipping of an oversized ClientCutText:
/// skipped bytes are consumed even when it returns false, so callers always advance to the reader's position. Every length a client controls is bounded before anything is
/// buffered: SetEncodings (at most 65535 × 4 bytes, read whole), SetDesktopSize (at most 255 screens). An oversized
/// ClientCutText is not buffered at all: the reader switches to skipping its bytes as they stream in, so a
/// 4 GiB announcement costs nothing. Stateful only for that skip; one instance per connection.
/// </remarks>
public sealed class ClientMessageReader(int maxClientCutTextBytes)
{
    private long _cutTextToSkip;
    private int[] _encodings = [];

    /// <summary>Bytes of an oversized ClientCutText still to be skipped.</summary>
    public long PendingSkip => _cutTextToSkip;

    public bool TryReadOne<THandler>(ref SequenceReader<byte> reader, THandler handler) where THandler : IClientMessageHandler
    {
        if (_cutTextToSkip > 0)
        {
            long skip = Math.Min(_cutTextToSkip, reader.Remaining);
            reader.Advance(skip);
            _cutTextToSkip -= skip;
            if (_cutTextToSkip > 0) return false;
            handler.ClientCutText(default, discarded: true);
            return true;
        }

        if (!reader.TryPeek(out byte type)) return false;
        return (ClientMessageType)type switch
        {
            ClientMessageType.SetPixelFormat => TryReadSetPixelFormat(ref reader, handler),
            ClientMessageType.SetEncodings => TryReadSetEncodings(ref reader, handler),
            ClientMessageType.FramebufferUpdateRequest => TryReadUpdateRequest(ref reader, handler),
            ClientMessageType.KeyEvent => TryReadKeyEvent(ref reader, handler),
            ClientMessageType.PointerEvent => TryReadPointerEvent(ref reader, handler),
            ClientMessageType.ClientCutText => TryReadClientCutText(ref reader, handler),
            ClientMessageType.EnableContinuousUpdates => TryReadEnableContinuousUpdates(ref reader, handler),
            ClientMessageType.ClientFence => TryReadClientFence(ref reader, handler),
            ClientMessageType.SetDesktopSize => TryReadSetDesktopSize(ref reader, handler),
            ClientMessageType.QemuClientMessage => TryReadQemuMessage(ref reader, handler),
            _ => throw new RfbProtocolException($"unknown client message type {type}"),
        };
    }

    /* rfbproto "SetPixelFormat": U8 0, 3 padding, 16-byte PIXEL_FORMAT */
    internal const int SetPixelFormatLength = 20;

    private static bool TryReadSetPixelFormat<THandler>(ref SequenceReader<byte> reader, THandler handler)
        where THandler : IClientMessageHandler
    {
        Span<byte> m = stackalloc byte[SetPixelFormatLength];
        if (!reader.TryCopyTo(m)) return false;
        reader.Advance(SetPixelFormatLength);
        PixelFormat format = PixelFormat.Read(m[4..]);
        if (!format.IsValid(out string? reason))
            RfbProtocolException.Throw($"invalid pixel format ({format}): {reason}");
        handler.SetPixelFormat(format);
        return true;
    }

    /* rfbproto "SetEncodings": U8 2, 1 padding, U16 count, count × S32 */
    private bool TryReadSetEncodings<THandler>(ref SequenceReader<byte> reader, THandler handler)
        where THandler : IClientMessageHandler
    {
        Span<byte> h = stackalloc byte[4];
        if (!reader.TryCopyTo(h)) return false;
        int count = BinaryPrimitives.ReadUInt16BigEndian(h[2..]);   // ≤ 65535 by construction: ≤ 256 KiB buffered
        if (reader.Remaining < 4 + 4L * count) return false;
        reader.Advance(4);
        if (_encodings.Length < count) _encodings = new int[count];
        for (int i = 0; i < count; i++)
        {
            reader.TryReadBigEndian(out int encoding);
            _encodings[i] = encoding;
        }
        handler.SetEncodings(_encodings.AsSpan(0, count));
        return true;
    }

    /* rfbproto "FramebufferUpdateRequest": U8 3, U8 incremental, U16 x, U16 y, U16 width, U16 height */
    internal const int UpdateRequestLength = 10;

    private static bool TryReadUpdateRequest<THandler>(ref SequenceReader<byte> reader, THandler handler)
        where THandler : IClientMessageHandler
    {
        Span<byte> m = stackalloc byte[UpdateRequestLength];
        if (!reader.TryCopyTo(m)) return false;
        reader.Advance(UpdateRequestLength);
        handler.FramebufferUpdateRequest(m[1] != 0,
            BinaryPrimitives.ReadUInt16BigEndian(m[2..]), BinaryPrimitives.ReadUInt16BigEndian(m[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(m[6..]), BinaryPrimitives.ReadUInt16BigEndian(m[8..]));
        return true;
    }

    /* rfbproto "KeyEvent": U8 4, U8 down-flag, 2 padding, U32 keysym */
    internal const int KeyEventLength = 8;

    private static bool TryReadKeyEvent<THandler>(ref SequenceReader<byte> reader, THandler handler)
        where THandler : IClientMessageHandler
    {
        Span<byte> m = stackalloc byte[KeyEventLength];
        if (!reader.TryCopyTo(m)) return false;
        reader.Advance(KeyEventLength);
        handler.KeyEvent(BinaryPrimitives.ReadUInt32BigEndian(m[4..]), m[1] != 0);
        return true;
    }

    /* rfbproto "PointerEvent": U8 5, U8 button-mask, U16 x, U16 y */
    internal const int PointerEventLength = 6;

    private static bool TryReadPointerEvent<THandler>(ref SequenceReader<byte> reader, THandler handler)
        where THandler : IClientMessageHandler
    {
        Span<byte> m = stackalloc byte[PointerEventLength];
        if (!reader.TryCopyTo(m)) return false;
        reader.Advance(PointerEventLength);
        handler.PointerEvent(m[1], BinaryPrimitives.ReadUInt16BigEndian(m[2..]), BinaryPrimitives.ReadUInt16BigEndian(m[4..]));
        return true;
    }

    /* rfbproto "ClientCutText": U8 6, 3 padding, U32 length, length × U8 (Latin-1).
       A negative S32 length is the ExtendedClipboard form, which we never offer; its |length| bytes are skipped. */
    private bool TryReadClientCutText<THandler>(ref SequenceReader<byte> reader, THandler handler)
        where THandler : IClientMessageHandler
    {
        Span<byte> h = stackalloc byte[8];
        if (!reader.TryCopyTo(h)) return false;
        int signedLength = BinaryPrimitives.ReadInt32BigEndian(h[4..]);
        long length = signedLength < 0 ? -(long)signedLength : signedLength;
        if (signedLength < 0 || length > maxClientCutTextBytes)
        {
            reader.Advance(8);
            _cutTextToSkip = length;   // skipped by the following TryReadOne calls as the bytes arrive
            return true;
        }
        if (reader.Remaining < 8 + length) return false;
        reader.Advance(8);
        int n = (int)length;
        byte[]? rented = null;
        Span<byte> text = n <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(n));
        try
        {
            reader.TryCopyTo(text[..n]);
            reader.Advance(n);
            handler.ClientCutText(text[..n], discarded: false);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
        return true;
    }

    /* rfbproto "EnableContinuousUpdates": U8 150, U8 enable-flag, U16 x, U16 y, U16 width, U16 height */
    internal const int EnableContinuousUpdatesLength = 10;

    private static bool TryReadEnableContinuousUpdates<THandler>(ref SequenceReader<byte> reader, THandler handler)
        where THandler : IClientMessageHandler
    {
        Span<byte> m = stackalloc byte[EnableContinuousUpdatesLength];
        if (!reader.TryCopyTo(m)) return false;
        reader.Advance(EnableContinuousUpdatesLength);
        handler.EnableContinuousUpdates(m[1] != 0,
            BinaryPrimitives.ReadUInt16BigEndian(m[2..]), BinaryPrimitives.ReadUInt16BigEndian(m[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(m[6..]), BinaryPrimitives.ReadUInt16BigEndian(m[8..]));
        return true;
    }

    /* rfbproto "ClientFence": U8 248, 3 padding, U32 flags, U8 length, length × U8 payload. The payload is at most
       64 bytes (rfbproto); a longer one is a protocol error, so at most 73 bytes are ever buffered. */
    internal const int ClientFenceHeaderLength = 9;

    private static bool TryReadClientFence<THandler>(ref SequenceReader<byte> reader, THandler handler)
        where THandler : IClientMessageHandler
    {
        Span<byte> m = stackalloc byte[ClientFenceHeaderLength + FenceFlags.MaxPayloadLength];
        if (!reader.TryCopyTo(m[..ClientFenceHeaderLength])) return false;
        int length = m[8];
        if (length > FenceFlags.MaxPayloadLength)
            RfbProtocolException.Throw($"fence payload of {length} bytes (at most {FenceFlags.MaxPayloadLength})");
        if (!reader.TryCopyTo(m[..(ClientFenceHeaderLength + length)])) return false;
        reader.Advance(ClientFenceHeaderLength + length);
        handler.ClientFence(BinaryPrimitives.ReadUInt32BigEndian(m[4..]), m.Slice(ClientFenceHeaderLength, length));
        return true;
    }

    /* rfbproto "SetDesktopSize": U8 251, 1 padding, U16 width, U16 height, U8 screens, 1 padding, screens × 16 bytes.
       A KVM cannot resize its target; the handler answers with ExtendedDesktopSize "prohibited". The screens are
       skipped (at most 255 × 16 bytes). */
    private static bool TryReadSetDesktopSize<THandler>(ref SequenceReader<byte> reader, THandler handler)
        where THandler : IClientMessageHandler
    {
        Span<byte> h = stackalloc byte[8];
        if (!reader.TryCopyTo(h)) return false;
        long total = 8 + 16L * h[6];
        if (reader.Remaining < total) return false;
        reader.Advance(total);
        handler.SetDesktopSize(BinaryPrimitives.ReadUInt16BigEndian(h[2..]), BinaryPrimitives.ReadUInt16BigEndian(h[4..]), h[6]);
        return true;
    }

    /* QEMU client message: U8 255, U8 subtype. Subtype 0 is the Extended Key Event:
       U8 255, U8 0, U16 down-flag, U32 keysym, U32 keycode (12 bytes). Clients send it once the server has
       acknowledged pseudo-encoding -258; the keycode is the XT scancode (QEMU numbering), the keysym may be 0. */
    internal const int QemuKeyEventLength = 12;

    private static bool TryReadQemuMessage<THandler>(ref SequenceReader<byte> reader, THandler handler)
        where THandler : IClientMessageHandler
    {
        Span<byte> m = stackalloc byte[QemuKeyEventLength];
        if (reader.Remaining < 2) return false;
        reader.TryCopyTo(m[..2]);
        if (m[1] != 0) RfbProtocolException.Throw($"unknown QEMU client message subtype {m[1]}");
        if (!reader.TryCopyTo(m)) return false;
        reader.Advance(QemuKeyEventLength);
        handler.QemuKeyEvent(BinaryPrimitives.ReadUInt32BigEndian(m[4..]), BinaryPrimitives.ReadUInt32BigEndian(m[8..]),
            BinaryPrimitives.ReadUInt16BigEndian(m[2..]) != 0);
        return true;
    }
}
