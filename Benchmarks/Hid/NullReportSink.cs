// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Hid;

namespace KvmPi.Vnc.Benchmarks.Hid;

/// <summary>Takes reports and keeps only a running checksum, so the report cost is measured without any device
/// (cf. Kestrel perf/Microbenchmarks/Mocks/NullPipeWriter.cs).</summary>
internal sealed class NullReportSink : IHidReportSink
{
    public int Checksum;

    public void Send(ReadOnlySpan<byte> report) => Checksum += report[0] + report[^1];
}
