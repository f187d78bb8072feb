// SPDX-License-Identifier: MIT
using System.Buffers;
using System.Diagnostics;
using KvmPi.Vnc.Rfb.Diagnostics;
using KvmPi.Vnc.Rfb.Protocol;
using KvmPi.Vnc.Rfb.Updates;

namespace KvmPi.Vnc.Rfb.Server;

/// <summary>
/// Flow control: ContinuousUpdates (-313, EnableContinuousUpdates / EndOfContinuousUpdates), Fence (-312) and the
/// congestion control built on fences (rfb-notes §6.2).
/// </summary>
/// <remarks>
/// The receive loop never writes to the connection. Small control messages it owes the viewer (fence answers,
/// EndOfContinuousUpdates) are queued in <see cref="_control"/> under <see cref="_lock"/>, and the update loop
/// writes them, in the same locked step in which it snapshots what the next update holds. So every update prepared
/// before a message took effect precedes that message's answer on the wire, and every update after follows it:
/// the ordering TigerVNC's viewer relies on when it switches pixel format at EndOfContinuousUpdates.
/// </remarks>
internal sealed partial class ClientSession
{
    /// <summary>Payload type of the fence announcing Fence support (answers are ignored).</summary>
    private const byte AnnouncementFence = 0;

    /// <summary>Payload type of an RTT ping around an update (answers feed <see cref="CongestionControl"/>).</summary>
    private const byte PingFence = 1;

    /// <summary>
    /// Control bytes owed to a viewer that sends fences but does not read: 64 KiB is about 900 fence answers, far
    /// more than any viewer keeps outstanding; past that the viewer is dropped instead of growing the queue.
    /// </summary>
    private const int MaxControlBytes = 64 * 1024;

    private enum SyncFenceState { None, Received, AwaitingNextMessage }

    // Guarded by _lock.
    private readonly ArrayBufferWriter<byte> _control = new(256);
    private int _controlUpdates;   // FramebufferUpdates among the control messages (the QEMU key ack): viewers answer them
    private readonly CongestionControl _congestion = new();
    private bool _continuousUpdates;
    private Rect _continuousArea;
    private bool _fenceAnnounced, _continuousAnnounced;
    private long _bytesWritten;   // bytes handed to the connection so far (positions for the congestion control)
    private SyncFenceState _syncFence;
    private uint _syncFenceFlags;
    private readonly byte[] _syncFencePayload = new byte[FenceFlags.MaxPayloadLength];
    private int _syncFenceLength;

    private static readonly byte[] PingPayload = [PingFence];
    private static readonly byte[] AnnouncementPayload = [AnnouncementFence];

    private static long NowMicros() => Stopwatch.GetTimestamp() * 1_000_000 / Stopwatch.Frequency;

    /// <summary>Under the lock: called from SetEncodings with the new capabilities.</summary>
    private void AnnounceFlowControlLocked(ClientCapabilities capabilities)
    {
        // rfbproto: a server supporting Fence sends a ServerFence the first time the client lists it, and one
        // supporting ContinuousUpdates an EndOfContinuousUpdates the first time the client lists that (it is how
        // the viewer learns it may send EnableContinuousUpdates).
        if (capabilities.Fence && !_fenceAnnounced)
        {
            _fenceAnnounced = true;
            ServerMessageWriter.WriteServerFence(_control, FenceFlags.Request, AnnouncementPayload);
        }
        if (capabilities.ContinuousUpdates && !_continuousAnnounced)
        {
            _continuousAnnounced = true;
            ServerMessageWriter.WriteEndOfContinuousUpdates(_control);
        }
    }

    public void EnableContinuousUpdates(bool enable, int x, int y, int width, int height)
    {
        var area = new Rect(x, y, width, height);
        lock (_lock)
        {
            if (!_continuousAnnounced)
                RfbProtocolException.Throw("EnableContinuousUpdates from a client that did not list ContinuousUpdates");
            _continuousUpdates = enable;
            _continuousArea = area;
            // rfbproto: disabling is answered with EndOfContinuousUpdates, after the last update it still gets.
            if (!enable) ServerMessageWriter.WriteEndOfContinuousUpdates(_control);
            CheckControlBoundLocked();
        }
        RfbLog.ContinuousUpdates(_logger, _remote, enable ? "on" : "off", area.ToString());
        _updateSignal.Set();
    }

    public void ClientFence(uint flags, ReadOnlySpan<byte> payload)
    {
        if ((flags & FenceFlags.Request) != 0)
        {
            // Messages are handled in order and updates prepared under the lock, so BlockBefore and BlockAfter
            // hold by construction; SyncNext waits for the message after this one (see OnMessageHandled).
            uint answer = flags & FenceFlags.Supported;
            lock (_lock)
            {
                if (_syncFence != SyncFenceState.None) AnswerSyncFenceLocked();
                if ((flags & FenceFlags.SyncNext) != 0)
                {
                    _syncFence = SyncFenceState.Received;
                    _syncFenceFlags = answer;
                    payload.CopyTo(_syncFencePayload);
                    _syncFenceLength = payload.Length;
                }
                else
                {
                    ServerMessageWriter.WriteServerFence(_control, answer, payload);
                }
                CheckControlBoundLocked();
            }
            _updateSignal.Set();
            return;
        }

        // An answer to one of our fences.
        if (payload.Length >= 1 && payload[0] == PingFence)
        {
            bool expected;
            lock (_lock) expected = _congestion.GotPong(NowMicros());
            if (expected)
            {
                _updateSignal.Set();
                return;
            }
        }
        else if (payload.Length >= 1 && payload[0] == AnnouncementFence)
        {
            return;
        }
        RfbLog.UnexpectedFenceAnswer(_logger, _remote, payload.Length, payload.Length > 0 ? payload[0] : -1);
    }

    /// <summary>
    /// Receive loop, after each complete message: a SyncNext fence is answered once the message after it has taken
    /// effect; until then no update goes out (rfbproto "SyncNext": nothing before the answer may be affected by that
    /// message, everything after it must be).
    /// </summary>
    private void OnMessageHandled()
    {
        if (_syncFence == SyncFenceState.None) return;   // only the receive loop changes it from None
        lock (_lock)
        {
            if (_syncFence == SyncFenceState.Received) _syncFence = SyncFenceState.AwaitingNextMessage;
            else if (_syncFence == SyncFenceState.AwaitingNextMessage) AnswerSyncFenceLocked();
        }
        _updateSignal.Set();
    }

    private void AnswerSyncFenceLocked()
    {
        ServerMessageWriter.WriteServerFence(_control, _syncFenceFlags, _syncFencePayload.AsSpan(0, _syncFenceLength));
        _syncFence = SyncFenceState.None;
    }

    private void CheckControlBoundLocked()
    {
        if (_control.WrittenCount > MaxControlBytes)
            RfbProtocolException.Throw($"more than {MaxControlBytes} bytes of fence answers unread");
    }

    /// <summary>Under the lock, in the update loop: moves the queued control messages to the output.</summary>
    private bool WriteControlLocked()
    {
        if (_control.WrittenCount == 0) return false;
        _output.Write(_control.WrittenSpan);
        _control.ResetWrittenCount();
        if (_controlUpdates > 0 && !_continuousUpdates)
        {
            // A viewer asks again after each FramebufferUpdate, this one included, so this one answers the pending
            // request (as TigerVNC's no-data updates do): no pixels go until the viewer asks again. Otherwise the
            // viewer has one more request outstanding for good, and the server can send two updates back to back
            // before the viewer has read the first (libvncclient 0.9.14 then leaves the second unread while no more
            // data comes; see RefreshTileBudgetLocked). The area of a non-incremental request stays due.
            _updateRequested = false;
            if (!_capabilities.Fence)
                for (; _controlUpdates > 0; _controlUpdates--) _requestPaced.SentUpdate(0, NowMicros());
        }
        _controlUpdates = 0;
        return true;
    }

    /// <summary>
    /// Under the lock: whether a framebuffer update must wait, because a SyncNext fence is being honoured or the
    /// viewer's link is full (only for viewers that answer fences; the others are paced by their requests and by
    /// TCP back-pressure on the flush).
    /// </summary>
    private bool UpdatesHeldLocked(out bool congested)
    {
        congested = _capabilities.Fence && _congestion.IsCongested(_bytesWritten);
        return congested || _syncFence != SyncFenceState.None;
    }

    /// <summary>Update loop: an RTT ping, and where it ends in the connection's byte count.</summary>
    private long WritePing(long flushedBefore)
    {
        ServerMessageWriter.WriteServerFence(_output, FenceFlags.Request | FenceFlags.BlockBefore, PingPayload);
        return flushedBefore + _output.UnflushedBytes;
    }
}
