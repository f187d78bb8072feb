// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Mouse;

/// <summary>
/// A USB absolute pointer: 7-byte reports (buttons, X LE16, Y LE16, wheel, pan) with X and Y scaled to 0..32767
/// over the frame. Thread-safe.
/// </summary>
/// <remarks>
/// RFB wheel "buttons" (mask bits 3..6) are clicks, not held buttons: a client sends press then release for each
/// notch (rfb-notes.md §3.3). So a wheel or pan step is emitted once, on the 0→1 transition of its bit, and the next
/// report carries 0 again: the field is relative on the wire (Input Data,Var,Rel), so a repeated value would scroll
/// again. The sink is called under the lock so reports keep the order of the events.
/// </remarks>
public sealed class AbsoluteMouse : IPointerDevice
{
    // rfbproto "PointerEvent" button-mask bits.
    private const byte RfbLeft = 1 << 0;
    private const byte RfbMiddle = 1 << 1;
    private const byte RfbRight = 1 << 2;
    private const byte RfbWheelUp = 1 << 3;
    private const byte RfbWheelDown = 1 << 4;
    private const byte RfbPanLeft = 1 << 5;
    private const byte RfbPanRight = 1 << 6;

    private readonly IHidReportSink _sink;
    private readonly Lock _lock = new();

    // Guarded by _lock: what the last report said, and the RFB mask of the last event (for wheel edges).
    private byte _buttons;
    private ushort _x;
    private ushort _y;
    private byte _lastMask;
    private bool _sentAny;

    /// <param name="sink">Receives each 7-byte report; called under the mouse's lock, so it must not block.</param>
    public AbsoluteMouse(IHidReportSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        _sink = sink;
    }

    /// <summary>An RFB-style pointer event: button mask bit 0 left, 1 middle, 2 right, 3/4 wheel up/down, 5/6 pan left/right.</summary>
    /// <remarks>Coordinates outside the frame are clamped to its edge. Allocation-free.</remarks>
    public void PointerEvent(int x, int y, int frameWidth, int frameHeight, byte buttonMask)
    {
        ushort hidX = Scale(x, frameWidth);
        ushort hidY = Scale(y, frameHeight);
        byte buttons = HidButtons(buttonMask);

        lock (_lock)
        {
            byte pressed = (byte)(buttonMask & ~_lastMask);
            _lastMask = buttonMask;
            sbyte wheel = (sbyte)(((pressed & RfbWheelUp) != 0 ? 1 : 0) - ((pressed & RfbWheelDown) != 0 ? 1 : 0));
            sbyte pan = (sbyte)(((pressed & RfbPanRight) != 0 ? 1 : 0) - ((pressed & RfbPanLeft) != 0 ? 1 : 0));

            bool changed = !_sentAny || buttons != _buttons || hidX != _x || hidY != _y || wheel != 0 || pan != 0;
            if (!changed)
                return;

            _buttons = buttons;
            _x = hidX;
            _y = hidY;
            _sentAny = true;
            SendUnsynchronized(wheel, pan);
        }
    }

    /// <summary>Sends a report with no buttons held at the last position.</summary>
    /// <remarks>Always sends, so a target that missed a button-up gets one on disconnect.</remarks>
    public void ReleaseAll()
    {
        lock (_lock)
        {
            _buttons = 0;
            _lastMask = 0;
            _sentAny = true;
            SendUnsynchronized(wheel: 0, pan: 0);
        }
    }

    /// <summary>Maps 0..size−1 onto 0..32767, rounding to nearest, so both frame edges reach both HID edges.</summary>
    internal static ushort Scale(int position, int size)
    {
        if (size <= 1 || position <= 0)
            return 0;
        if (position >= size - 1)
            return AbsoluteMouseReport.MaxCoordinate;
        long span = size - 1;
        return (ushort)((position * (long)AbsoluteMouseReport.MaxCoordinate + span / 2) / span);
    }

    /// <summary>RFB orders buttons left, middle, right; HID's Button page orders them 1 primary (left), 2 secondary
    /// (right), 3 tertiary (middle) (HID Usage Tables §12 "Button Page").</summary>
    internal static byte HidButtons(byte rfbMask)
    {
        byte buttons = 0;
        if ((rfbMask & RfbLeft) != 0) buttons |= AbsoluteMouseReport.LeftButton;
        if ((rfbMask & RfbRight) != 0) buttons |= AbsoluteMouseReport.RightButton;
        if ((rfbMask & RfbMiddle) != 0) buttons |= AbsoluteMouseReport.MiddleButton;
        return buttons;
    }

    private void SendUnsynchronized(sbyte wheel, sbyte pan)
    {
        Span<byte> report = stackalloc byte[AbsoluteMouseReport.Length];
        AbsoluteMouseReport.Write(report, _buttons, _x, _y, wheel, pan);
        _sink.Send(report);
    }
}
