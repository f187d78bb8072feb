// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Protocol;

/// <summary>
/// Flags of ClientFence and ServerFence (rfbproto "ClientFence", pseudo-encoding -312). A fence with
/// <see cref="Request"/> asks the other side to send it back once the conditions in the other bits hold; the answer
/// carries the same payload, <see cref="Request"/> cleared, and only the bits the answering side understood.
/// </summary>
public static class FenceFlags
{
    /// <summary>Everything before the fence has been processed and has taken effect before the answer goes.</summary>
    public const uint BlockBefore = 1;

    /// <summary>Nothing after the fence is processed until the answer has been sent.</summary>
    public const uint BlockAfter = 2;

    /// <summary>The message following the fence is handled atomically with the answer.</summary>
    public const uint SyncNext = 4;

    /// <summary>This fence asks for an answer (bit 31).</summary>
    public const uint Request = 0x8000_0000;

    /// <summary>The flags this server implements; an answer carries no others.</summary>
    public const uint Supported = BlockBefore | BlockAfter | SyncNext;

    /// <summary>Largest payload rfbproto allows.</summary>
    public const int MaxPayloadLength = 64;
}
