// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Mouse;

/// <summary>A USB pointer driven by RFB-style absolute pointer events: the absolute mouse, or the relative boot mouse.</summary>
public interface IPointerDevice
{
    /// <summary>Button mask bit 0 left, 1 middle, 2 right, 3/4 wheel up/down, 5/6 pan left/right; position in the frame.</summary>
    void PointerEvent(int x, int y, int frameWidth, int frameHeight, byte buttonMask);

    /// <summary>Sends a report with no button held.</summary>
    void ReleaseAll();
}
