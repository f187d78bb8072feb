// SPDX-License-Identifier: MIT
using BenchmarkDotNet.Running;

namespace KvmPi.Vnc.Benchmarks;

public static class BenchmarkProgram
{
    public static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
}
