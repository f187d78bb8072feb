// SPDX-License-Identifier: MIT
using BenchmarkDotNet.Attributes;
using KvmPi.Vnc.Rfb.Encoding;

namespace KvmPi.Vnc.Benchmarks.Encoding;

/// <summary>Hextile (and Raw, for scale) of a whole 1080p desktop frame (32 rectangles).</summary>
[MemoryDiagnoser]
public class HextileEncodingBenchmarks : EncodingBenchmarkBase
{
    private readonly HextileEncoder _hextile = new();
    private readonly RawEncoder _raw = new();

    public override void Setup()
    {
        base.Setup();
        Console.WriteLine($"// Hextile {PixelFormatName} frame bytes: {EncodeFrame(_hextile)}; raw {EncodeFrame(_raw)}");
    }

    [Benchmark(Baseline = true)]
    public long Hextile() => EncodeFrame(_hextile);

    [Benchmark]
    public long Raw() => EncodeFrame(_raw);
}
