// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Mouse;

/// <summary>
/// A USB boot mouse driven by RFB's absolute pointer positions: each event becomes the movement since the previous
/// one, one framebuffer pixel per count, in 4-byte reports of at most ±127 per axis. Thread-safe.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>The first event only sets the reference point: where the target's cursor is, nobody knows (a relative mouse
///   has no position), so no movement is invented. Buttons still go out.</item>
/// <item>A movement larger than 127 is split into as many reports as the longer axis needs; every report carries up
///   to ±127 on each axis until both are exhausted, so the counts add up exactly.</item>
/// <item>RFB says "at (x, y), these buttons are down": the movement is sent with the buttons held before, and a button
///   change follows in its own report, so a click lands where the pointer arrived and a drag starts there.</item>
/// <item>Wheel: like the absolute mouse, one step per 0→1 edge of mask bit 3 or 4. Pan has no field in a boot mouse
///   and is ignored.</item>
/// <item>The target's acceleration still applies to these counts; where pixel-exact pointing matters, the absolute
///   mouse is the better choice (README: --mouse-mode).</item>
/// </list>
/// </remarks>
public sealed class RelativeMouse : IPointerDevice
{
    private const byte RfbWheelUp = 1 << 3;
    private const byte RfbWheelDown = 1 << 4;

    private readonly IHidReportSink _sink;
    private readonly Lock _lock = new();

    // Guarded by _lock.
    private bool _havePosition;
    private int _x, _y;
    private byte _buttons;
    private byte _lastMask;

    /// <param name="sink">Receives each 4-byte report; called under the mouse's lock, so it must not block.</param>
    public RelativeMouse(IHidReportSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        _sink = sink;
    }

    /// <summary>An RFB-style pointer event. The frame size is not needed: one pixel is one count. Allocation-free.</summary>
    public void PointerEvent(int x, int y, int frameWidth, int frameHeight, byte buttonMask)
    {
        byte buttons = AbsoluteMouse.HidButtons(buttonMask);
        lock (_lock)
        {
            byte pressed = (byte)(buttonMask & ~_lastMask);
            _lastMask = buttonMask;
            sbyte wheel = (sbyte)(((pressed & RfbWheelUp) != 0 ? 1 : 0) - ((pressed & RfbWheelDown) != 0 ? 1 : 0));

            int dx = _havePosition ? x - _x : 0;
            int dy = _havePosition ? y - _y : 0;
            _havePosition = true;
            _x = x;
            _y = y;

            while (dx != 0 || dy != 0)
            {
                int stepX = Math.Clamp(dx, -RelativeMouseReport.MaxDelta, RelativeMouseReport.MaxDelta);
                int stepY = Math.Clamp(dy, -RelativeMouseReport.MaxDelta, RelativeMouseReport.MaxDelta);
                dx -= stepX;
                dy -= stepY;
                SendUnsynchronized(_buttons, (sbyte)stepX, (sbyte)stepY, 0);
            }
            if (buttons != _buttons || wheel != 0)
            {
                _buttons = buttons;
                SendUnsynchronized(buttons, 0, 0, wheel);
            }
        }
    }

    /// <summary>Sends a report with no buttons held and no movement.</summary>
    /// <remarks>Always sends, so a target that missed a button-up gets one on disconnect.</remarks>
    public void ReleaseAll()
    {
        lock (_lock)
        {
            _buttons = 0;
            _lastMask = 0;
            SendUnsynchronized(0, 0, 0, 0);
        }
    }

    private void SendUnsynchronized(byte buttons, sbyte dx, sbyte dy, sbyte wheel)
    {
        Span<byte> report = stackalloc byte[RelativeMouseReport.Length];
        RelativeMouseReport.Write(report, buttons, dx, dy, wheel);
        _sink.Send(report);
    }
}
