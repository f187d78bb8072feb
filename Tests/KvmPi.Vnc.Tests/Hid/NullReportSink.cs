// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Hid;

namespace KvmPi.Vnc.Tests.Hid;

/// <summary>Discards reports; counts them so the call cannot be optimised away.</summary>
internal sealed class NullReportSink : IHidReportSink
{
    public int Count;

    public void Send(ReadOnlySpan<byte> report) => Count++;
}
