// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Hid;

namespace KvmPi.Vnc.Tests.Hid;

/// <summary>Keeps a copy of every report, as hex strings ("02 00 04 00 00 00 00 00") so failures read like the spec.</summary>
internal sealed class RecordingReportSink : IHidReportSink
{
    private readonly List<string> _reports = [];

    public IReadOnlyList<string> Reports => _reports;

    public void Send(ReadOnlySpan<byte> report)
    {
        lock (_reports)
            _reports.Add(Hex(report));
    }

    public void Clear() => _reports.Clear();

    public static string Hex(ReadOnlySpan<byte> bytes) => BitConverter.ToString(bytes.ToArray()).Replace('-', ' ');
}
