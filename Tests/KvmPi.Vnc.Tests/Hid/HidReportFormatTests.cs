// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Hid.Devices;

namespace KvmPi.Vnc.Tests.Hid;

public class HidReportFormatTests
{
    [Theory]
    [InlineData("keyboard", "02 00 04 05 00 00 00 00", "02 00 04 05 00 00 00 00", true)]
    [InlineData("keyboard", "00 00 00 00 00 00 00 00", "00 00 00 00 00 00 00 00", false)]
    [InlineData("absolute", "01 FF 3F 00 20 01 FF", "01 FF 3F 00 20 00 00", true)]   // wheel and pan are movement
    [InlineData("absolute", "00 FF 3F 00 20 01 00", "00 FF 3F 00 20 00 00", false)]  // a position is not "held"
    [InlineData("relative", "04 7F 81 01", "04 00 00 00", true)]
    [InlineData("relative", "00 7F 81 01", "00 00 00 00", false)]
    public void StateAndHeld(string kind, string report, string state, bool held)
    {
        HidReportFormat format = kind switch
        {
            "keyboard" => HidReportFormat.BootKeyboard,
            "absolute" => HidReportFormat.AbsoluteMouse,
            _ => HidReportFormat.RelativeMouse,
        };
        byte[] bytes = Convert.FromHexString(report.Replace(" ", "", StringComparison.Ordinal));
        Assert.Equal(held, format.IsHeld(bytes));
        format.ToState(bytes);
        Assert.Equal(state, RecordingReportSink.Hex(bytes));
    }

    [Fact]
    public void Opaque_KeepsEverythingAndNeverHolds()
    {
        byte[] bytes = [1, 2, 3];
        HidReportFormat.Opaque(3).ToState(bytes);
        Assert.Equal([1, 2, 3], bytes);
        Assert.False(HidReportFormat.Opaque(3).IsHeld(bytes));
    }
}
