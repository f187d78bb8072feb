// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Hid;

namespace KvmPi.Vnc.Server.DemoTarget;

/// <summary>Plays the part of /dev/hidg0 or /dev/hidg1 for the demo target: hands each report to the target.</summary>
internal sealed class DemoReportSink(DemoReportSink.ReportHandler handler) : IHidReportSink
{
    public delegate void ReportHandler(ReadOnlySpan<byte> report);

    public void Send(ReadOnlySpan<byte> report) => handler(report);
}
