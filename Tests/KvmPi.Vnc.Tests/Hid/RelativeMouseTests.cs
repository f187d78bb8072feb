// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Hid.Mouse;

namespace KvmPi.Vnc.Tests.Hid;

/// <summary>Absolute RFB positions → 4-byte boot mouse reports (buttons, dX, dY, wheel).</summary>
public class RelativeMouseTests
{
    private readonly RecordingReportSink _sink = new();
    private readonly RelativeMouse _mouse;

    public RelativeMouseTests() => _mouse = new RelativeMouse(_sink);

    [Fact]
    public void FirstEvent_OnlySetsTheReference_LaterOnesMoveByThePixelDifference()
    {
        _mouse.PointerEvent(100, 100, 640, 480, 0);
        Assert.Empty(_sink.Reports);

        _mouse.PointerEvent(103, 95, 640, 480, 0);
        _mouse.PointerEvent(103, 95, 640, 480, 0);   // no movement, nothing changed: no report
        _mouse.PointerEvent(90, 96, 640, 480, 0);
        Assert.Equal(["00 03 FB 00", "00 F3 01 00"], _sink.Reports);
    }

    [Fact]
    public void LargeMovement_IsSplitIntoReportsOfAtMost127_AddingUpExactly()
    {
        _mouse.PointerEvent(0, 0, 1920, 1080, 0);
        _mouse.PointerEvent(300, 200, 1920, 1080, 0);
        Assert.Equal(["00 7F 7F 00", "00 7F 49 00", "00 2E 00 00"], _sink.Reports);

        _sink.Clear();
        _mouse.PointerEvent(0, 0, 1920, 1080, 0);    // back: -300, -200; -127 is the limit (0x81)
        Assert.Equal(["00 81 81 00", "00 81 B7 00", "00 D2 00 00"], _sink.Reports);
    }

    [Fact]
    public void EdgeToEdge_1919Pixels()
    {
        _mouse.PointerEvent(0, 0, 1920, 1080, 0);
        _mouse.PointerEvent(1919, 0, 1920, 1080, 0);
        int total = 0;
        foreach (string r in _sink.Reports)
        {
            sbyte dx = unchecked((sbyte)Convert.ToByte(r.Split(' ')[1], 16));
            Assert.InRange(dx, -127, 127);
            total += dx;
        }
        Assert.Equal(1919, total);
        Assert.Equal(16, _sink.Reports.Count);   // ceil(1919 / 127)
    }

    [Fact]
    public void ButtonsChangeAfterTheMovement_SoAClickLandsWhereThePointerArrived()
    {
        _mouse.PointerEvent(10, 10, 640, 480, 0);
        _mouse.PointerEvent(20, 10, 640, 480, 1);     // move, then press left
        _mouse.PointerEvent(30, 10, 640, 480, 1);     // drag
        _mouse.PointerEvent(30, 15, 640, 480, 0);     // move with the button held, then release
        _mouse.PointerEvent(30, 15, 640, 480, 4);     // right (RFB bit 2 → HID button 2)
        Assert.Equal(["00 0A 00 00", "01 00 00 00", "01 0A 00 00", "01 00 05 00", "00 00 00 00", "02 00 00 00"], _sink.Reports);
    }

    [Fact]
    public void Wheel_OneStepPerPress_PanIgnored()
    {
        _mouse.PointerEvent(10, 10, 640, 480, 0);
        _mouse.PointerEvent(10, 10, 640, 480, 8);     // wheel up pressed
        _mouse.PointerEvent(10, 10, 640, 480, 0);     // released: nothing
        _mouse.PointerEvent(10, 10, 640, 480, 16);    // wheel down
        _mouse.PointerEvent(10, 10, 640, 480, 0);
        _mouse.PointerEvent(10, 10, 640, 480, 32);    // pan: a boot mouse has no field for it
        Assert.Equal(["00 00 00 01", "00 00 00 FF"], _sink.Reports);
    }

    [Fact]
    public void ReleaseAll_AlwaysSendsNoButtons()
    {
        _mouse.PointerEvent(10, 10, 640, 480, 1);
        _mouse.ReleaseAll();
        _mouse.ReleaseAll();
        Assert.Equal(["01 00 00 00", "00 00 00 00", "00 00 00 00"], _sink.Reports);
    }
}
