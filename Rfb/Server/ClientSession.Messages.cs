// SPDX-License-Identifier: MIT
using System.Text;
using KvmPi.Vnc.Rfb.Diagnostics;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Rfb.Protocol;
using KvmPi.Vnc.Rfb.Updates;
using Microsoft.Extensions.Logging;

namespace KvmPi.Vnc.Rfb.Server;

/// <summary>Client messages, as the receive loop decodes them. Input goes to the desktop at once, before any encoding.</summary>
internal sealed partial class ClientSession
{
    public void SetPixelFormat(PixelFormat format)
    {
        // The reader has validated it. rfbproto: the client has no request outstanding now, so the next update is
        // the first one in the new format.
        var translator = new PixelTranslator(format);
        lock (_lock) _translator = translator;
        RfbLog.PixelFormatSet(_logger, _remote, format.ToString());
    }

    public void SetEncodings(ReadOnlySpan<int> encodings)
    {
        var capabilities = ClientCapabilities.From(encodings);
        lock (_lock)
        {
            // A viewer that (re)announces LED State support is told the current state, even if it was told before.
            if (capabilities.LedState is not null) _ledSent = null;
            // rfbproto: a viewer that lists ExtendedDesktopSize learns the screen layout (and that SetDesktopSize is
            // understood) from an EDS in its first update. Announced once, as QEMU does: answering every
            // non-incremental request, as the text asks, loops forever with viewers that request one after each EDS.
            if (capabilities.ExtendedDesktopSize && !_capabilities.ExtendedDesktopSize && !_desktopSizeAnnounced)
            {
                _desktopSizeAnnounced = true;
                _desktopSizePending = true;
                _desktopSizeReason = DesktopSizeReason.Server;
                _desktopSizeStatus = DesktopSizeStatus.NoError;
            }
            _capabilities = capabilities;
            AnnounceFlowControlLocked(capabilities);
            // rfbproto: the server acknowledges -258 with a FramebufferUpdate holding one -258 pseudo-rectangle,
            // sent unasked as QEMU does; TigerVNC and noVNC then send scancodes.
            if (capabilities.QemuExtendedKeyEvent && !_qemuKeysAcknowledged)
            {
                _qemuKeysAcknowledged = true;
                ServerMessageWriter.WriteQemuExtendedKeyEventAck(_control);
                _controlUpdates++;
            }
        }
        _updateSignal.Set();
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            var list = new StringBuilder();
            foreach (int e in encodings) list.Append(list.Length == 0 ? "" : ",").Append(e);
            RfbLog.EncodingsSet(_logger, _remote, list.ToString(), capabilities.PreferredEncoding.ToString());
        }
    }

    public void FramebufferUpdateRequest(bool incremental, int x, int y, int width, int height)
    {
        lock (_lock)
        {
            // With continuous updates on, incremental requests add nothing (rfbproto "EnableContinuousUpdates");
            // non-incremental ones are still honoured.
            if (incremental && _continuousUpdates) return;
            if (incremental && !_capabilities.Fence) _requestPaced.GotRequest(NowMicros());
            // Rectangles outside the frame are clipped, not fatal: clients race with resizes.
            var requested = new Rect(x, y, width, height);
            _requestArea = _updateRequested ? Union(_requestArea, requested) : requested;
            _updateRequested = true;
            if (!incremental) _fullUpdateArea = _fullUpdatePending ? Union(_fullUpdateArea, requested) : requested;
            _fullUpdatePending |= !incremental;
            // A viewer asks again as soon as it has an update, usually before the next frame: waking the update loop
            // then only finds nothing due (a thread-pool hop per update and viewer). What arrives later wakes it.
            if (!UpdateMayBeDueLocked()) return;
        }
        _updateSignal.Set();
    }

    private static Rect Union(Rect a, Rect b)
    {
        if (a.IsEmpty) return b;
        if (b.IsEmpty) return a;
        int x0 = Math.Min(a.X, b.X), y0 = Math.Min(a.Y, b.Y);
        return new Rect(x0, y0, Math.Max(a.Right, b.Right) - x0, Math.Max(a.Bottom, b.Bottom) - y0);
    }

    public void KeyEvent(uint keysym, bool down)
    {
        _sentInput = true;
        _heldKeys.Track(keysym, 0, down);
        _server.Desktop.KeyEvent(keysym, down);
    }

    public void QemuKeyEvent(uint keysym, uint keycode, bool down)
    {
        _sentInput = true;
        _heldKeys.Track(keysym, keycode, down);
        _server.Desktop.ScancodeKeyEvent(keysym, keycode, down);
    }

    public void PointerEvent(byte buttonMask, int x, int y)
    {
        Framebuffer framebuffer = _server.Framebuffer;
        // Clamp, don't trust: a viewer that missed a resize may point outside the frame.
        int w = framebuffer.Width, h = framebuffer.Height;
        x = Math.Clamp(x, 0, w - 1);
        y = Math.Clamp(y, 0, h - 1);
        _sentInput = true;
        _buttonMask = buttonMask;
        _pointerX = x;
        _pointerY = y;
        _server.Desktop.PointerEvent(x, y, buttonMask, w, h);
    }

    /// <summary>Whether this viewer holds a key or a button right now.</summary>
    public bool HoldsInput => _heldKeys.Count > 0 || _buttonMask != 0;

    /// <summary>
    /// Releases what this viewer holds, and only that: another viewer may be in the middle of a chord or a drag
    /// (TigerVNC releases a connection's own pressed keys the same way). When no other viewer holds anything, the
    /// desktop is also told to release everything, so the target ends with an all-zero report whatever happened.
    /// </summary>
    private void ReleaseHeldInput()
    {
        foreach (HeldKey key in _heldKeys.TakeAll())
        {
            if (key.Scancode != 0) _server.Desktop.ScancodeKeyEvent(key.Keysym, key.Scancode, false);
            else _server.Desktop.KeyEvent(key.Keysym, false);
        }
        if (_buttonMask != 0)
        {
            Framebuffer framebuffer = _server.Framebuffer;
            _buttonMask = 0;
            _server.Desktop.PointerEvent(Math.Min(_pointerX, framebuffer.Width - 1), Math.Min(_pointerY, framebuffer.Height - 1),
                0, framebuffer.Width, framebuffer.Height);
        }
        if (_sentInput && !_server.AnyOtherSessionHoldsInput(this))
            _server.Desktop.ReleaseAllInput();
    }

    /// <summary>A KVM shows the target's own mode and cannot set it: always answered, with "prohibited".</summary>
    public void SetDesktopSize(int width, int height, int screens)
    {
        lock (_lock)
        {
            _desktopSizePending = true;
            _desktopSizeReason = DesktopSizeReason.ThisClient;
            _desktopSizeStatus = DesktopSizeStatus.Prohibited;
        }
        RfbLog.DesktopSizeRefused(_logger, _remote, width, height);
        _updateSignal.Set();
    }

    public void ClientCutText(ReadOnlySpan<byte> latin1Text, bool discarded)
    {
        // Typing the clipboard into the target is an explicit action (paste), never automatic on focus: viewers
        // send their clipboard unasked. The desktop only remembers it.
        if (discarded)
        {
            RfbLog.CutTextSkipped(_logger, _remote, _server.Options.MaxClientCutTextBytes);
            return;
        }
        _server.Desktop.ClientCutText(System.Text.Encoding.Latin1.GetString(latin1Text));
    }
}
