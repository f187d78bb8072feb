// SPDX-License-Identifier: MIT
using Microsoft.Extensions.Logging;

namespace KvmPi.Vnc.Hid.Devices;

/// <summary>
/// Writes reports to a HID gadget device node, a regular file or a FIFO: one write() per whole report, on a
/// background thread behind a bounded queue so that callers never block on the device (a FIFO with no reader, a
/// target that is off). Opens lazily.
/// </summary>
public sealed class HidDeviceWriter : IHidReportSink, IDisposable
{
    public HidDeviceWriter(string path, int reportLength, ILogger logger) => throw new NotImplementedException();

    public void Send(ReadOnlySpan<byte> report) => throw new NotImplementedException();

    public void Dispose() => throw new NotImplementedException();
}
