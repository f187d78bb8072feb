// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Hid.Mouse;

namespace KvmPi.Vnc.Tests.Hid;

/// <summary>Scaling, button mapping and wheel/pan pulses of the 7-byte absolute pointer report.</summary>
public sealed class AbsoluteMouseTests
{
    // rfbproto PointerEvent mask bits.
    private const byte Left = 1, Middle = 2, Right = 4, WheelUp = 8, WheelDown = 16, PanLeft = 32, PanRight = 64;

    private readonly RecordingReportSink _sink = new();
    private readonly AbsoluteMouse _mouse;

    public AbsoluteMouseTests() => _mouse = new AbsoluteMouse(_sink);

    [Theory]
    [InlineData(0, 1920, 0)]
    [InlineData(1919, 1920, 32767)]       // width − 1 reaches the far edge
    [InlineData(1, 3, 16384)]             // exact middle 16383.5 rounds half up
    [InlineData(959, 1919, 16384)]        // 959 × 32767 / 1918 = 16383.5
    [InlineData(960, 1920, 16392)]        // 16392.04
    [InlineData(539, 1080, 16368)]        // 16368.32
    [InlineData(-5, 1920, 0)]             // clamped
    [InlineData(5000, 1920, 32767)]       // clamped
    [InlineData(0, 1, 0)]                 // a one-pixel frame has only position 0
    [InlineData(7, 1, 0)]
    [InlineData(7, 0, 0)]                 // no frame yet
    public void Scale(int position, int size, int expected) =>
        Assert.Equal(expected, AbsoluteMouse.Scale(position, size));

    [Theory]
    [InlineData(640)]
    [InlineData(1920)]
    [InlineData(65535)]
    public void Scale_MatchesRoundedExactArithmetic_AtEveryPosition(int size)
    {
        for (int x = 0; x < size; x++)
        {
            int expected = (int)Math.Round(x * 32767.0 / (size - 1), MidpointRounding.AwayFromZero);
            Assert.Equal(expected, AbsoluteMouse.Scale(x, size));
        }
    }

    [Fact]
    public void Report_GoldenBytes()
    {
        _mouse.PointerEvent(1919, 1079, 1920, 1080, Left);

        // buttons 01, X 32767 = FF 7F, Y 32767 = FF 7F, wheel 0, pan 0
        Assert.Equal(["01 FF 7F FF 7F 00 00"], _sink.Reports);
    }

    [Fact]
    public void Report_MiddleOfFrame()
    {
        _mouse.PointerEvent(960, 539, 1920, 1080, 0);

        // X 16392 = 0x4008, Y 16368 = 0x3FF0, little-endian
        Assert.Equal(["00 08 40 F0 3F 00 00"], _sink.Reports);
    }

    [Theory]
    [InlineData(Left, 0x01)]
    [InlineData(Middle, 0x04)]                 // RFB bit 1 middle → HID button 3 (bit 2)
    [InlineData(Right, 0x02)]                  // RFB bit 2 right → HID button 2 (bit 1)
    [InlineData(Left | Middle | Right, 0x07)]
    [InlineData(Left | Right, 0x03)]
    public void Buttons_MapFromRfbOrderToHidOrder(byte mask, byte hidButtons)
    {
        _mouse.PointerEvent(0, 0, 100, 100, mask);

        Assert.Equal([$"{hidButtons:X2} 00 00 00 00 00 00"], _sink.Reports);
    }

    [Fact]
    public void SameEventTwice_SendsOneReport()
    {
        _mouse.PointerEvent(10, 10, 100, 100, Left);
        _mouse.PointerEvent(10, 10, 100, 100, Left);

        Assert.Single(_sink.Reports);
    }

    [Fact]
    public void FirstEvent_AlwaysSends_EvenAtTheOrigin()
    {
        _mouse.PointerEvent(0, 0, 100, 100, 0);

        Assert.Equal(["00 00 00 00 00 00 00"], _sink.Reports);
    }

    [Fact]
    public void Move_SendsANewReport_ButtonsKept()
    {
        _mouse.PointerEvent(0, 0, 3, 3, Left);
        _mouse.PointerEvent(1, 2, 3, 3, Left);
        _mouse.PointerEvent(1, 2, 3, 3, 0);

        Assert.Equal(["01 00 00 00 00 00 00", "01 00 40 FF 7F 00 00", "00 00 40 FF 7F 00 00"], _sink.Reports);
    }

    [Fact]
    public void WheelUp_PulsesPlusOneOnPressOnly()
    {
        _mouse.PointerEvent(0, 0, 3, 3, 0);
        _mouse.PointerEvent(0, 0, 3, 3, WheelUp);   // press: +1
        _mouse.PointerEvent(0, 0, 3, 3, 0);         // release: nothing changed, nothing sent
        _mouse.PointerEvent(0, 0, 3, 3, WheelUp);   // next notch: +1 again
        _mouse.PointerEvent(1, 0, 3, 3, WheelUp);   // held while moving: no new notch

        Assert.Equal(
        [
            "00 00 00 00 00 00 00",
            "00 00 00 00 00 01 00",
            "00 00 00 00 00 01 00",
            "00 00 40 00 00 00 00",
        ], _sink.Reports);
    }

    [Fact]
    public void WheelDown_IsMinusOne_AndTheNextReportCarriesZero()
    {
        _mouse.PointerEvent(0, 0, 3, 3, WheelDown);
        _mouse.PointerEvent(0, 0, 3, 3, Left);

        Assert.Equal(["00 00 00 00 00 FF 00", "01 00 00 00 00 00 00"], _sink.Reports);
    }

    [Fact]
    public void Pan_LeftIsMinusOne_RightIsPlusOne()
    {
        _mouse.PointerEvent(0, 0, 3, 3, PanLeft);
        _mouse.PointerEvent(0, 0, 3, 3, 0);
        _mouse.PointerEvent(0, 0, 3, 3, PanRight);

        Assert.Equal(["00 00 00 00 00 00 FF", "00 00 00 00 00 00 01"], _sink.Reports);
    }

    [Fact]
    public void WheelWithButtonHeld_KeepsTheButton()
    {
        _mouse.PointerEvent(2, 2, 3, 3, Right);
        _mouse.PointerEvent(2, 2, 3, 3, Right | WheelDown);

        Assert.Equal(["02 FF 7F FF 7F 00 00", "02 FF 7F FF 7F FF 00"], _sink.Reports);
    }

    [Fact]
    public void ReleaseAll_SendsNoButtonsAtTheLastPosition()
    {
        _mouse.PointerEvent(2, 0, 3, 3, Left | Right);
        _mouse.ReleaseAll();

        Assert.Equal(["03 FF 7F 00 00 00 00", "00 FF 7F 00 00 00 00"], _sink.Reports);
    }

    [Fact]
    public void ReleaseAll_AlwaysSends_AndAWheelPressAfterItCountsAgain()
    {
        _mouse.PointerEvent(0, 0, 3, 3, WheelUp);
        _mouse.ReleaseAll();
        _mouse.ReleaseAll();
        _mouse.PointerEvent(0, 0, 3, 3, WheelUp);

        Assert.Equal(
        [
            "00 00 00 00 00 01 00",
            "00 00 00 00 00 00 00",
            "00 00 00 00 00 00 00",
            "00 00 00 00 00 01 00",
        ], _sink.Reports);
    }
}
