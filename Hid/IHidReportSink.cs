// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid;

/// <summary>
/// Where HID input reports go: a gadget device (/dev/hidg0, /dev/hidg1), a file or FIFO in tests, or the demo
/// target. One call carries exactly one whole report.
/// </summary>
/// <remarks>Must not block the caller on the device: a target that is off or asleep must not stall a viewer.</remarks>
public interface IHidReportSink
{
    void Send(ReadOnlySpan<byte> report);
}
