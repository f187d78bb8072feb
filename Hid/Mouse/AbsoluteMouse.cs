// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Mouse;

/// <summary>
/// A USB absolute pointer: 7-byte reports (buttons, X LE16, Y LE16, wheel, pan) with X and Y scaled to 0..32767
/// over the frame. Thread-safe.
/// </summary>
public sealed class AbsoluteMouse
{
    public AbsoluteMouse(IHidReportSink sink) => throw new NotImplementedException();

    /// <summary>An RFB-style pointer event: button mask bit 0 left, 1 middle, 2 right, 3/4 wheel up/down, 5/6 pan left/right.</summary>
    public void PointerEvent(int x, int y, int frameWidth, int frameHeight, byte buttonMask) => throw new NotImplementedException();

    /// <summary>Sends a report with no buttons held at the last position.</summary>
    public void ReleaseAll() => throw new NotImplementedException();
}
