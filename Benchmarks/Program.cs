// SPDX-License-Identifier: MIT
using BenchmarkDotNet.Running;
using KvmPi.Vnc.Benchmarks.KeyLatency;
using KvmPi.Vnc.Benchmarks.LoadTest;

namespace KvmPi.Vnc.Benchmarks;

public static class BenchmarkProgram
{
    /// <summary>
    /// <c>keylatency [events]</c> runs the end-to-end key latency tool; <c>loadtest compare|viewers|stall ...</c> the
    /// flow-control and side-by-side load tools (LoadTest/LoadTestTool.cs); anything else goes to BenchmarkDotNet
    /// (e.g. <c>--filter '*Zrle*'</c>).
    /// </summary>
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "keylatency") return KeyLatencyTool.Run(args[1..]);
        if (args.Length > 0 && args[0] == "loadtest") return LoadTestTool.Run(args[1..]);
        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
        return 0;
    }
}
