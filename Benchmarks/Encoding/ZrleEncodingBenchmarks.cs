// SPDX-License-Identifier: MIT
using BenchmarkDotNet.Attributes;
using KvmPi.Vnc.Rfb.Encoding;

namespace KvmPi.Vnc.Benchmarks.Encoding;

/// <summary>ZRLE of a whole 1080p desktop frame (32 rectangles) through one persistent zlib stream.</summary>
[MemoryDiagnoser]
public class ZrleEncodingBenchmarks : EncodingBenchmarkBase
{
    private ZrleEncoder _level1 = null!, _level2 = null!, _level6 = null!;

    public override void Setup()
    {
        base.Setup();
        _level1 = new ZrleEncoder(1);
        _level2 = new ZrleEncoder(2);
        _level6 = new ZrleEncoder(6);
        Console.WriteLine($"// ZRLE {PixelFormatName} frame bytes: level1 {EncodeFrame(_level1)}, level2 {EncodeFrame(_level2)}, level6 {EncodeFrame(_level6)}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _level1.Dispose();
        _level2.Dispose();
        _level6.Dispose();
    }

    [Benchmark]
    public long ZrleLevel1() => EncodeFrame(_level1);

    [Benchmark(Baseline = true)]
    public long ZrleLevel2() => EncodeFrame(_level2);

    [Benchmark]
    public long ZrleLevel6() => EncodeFrame(_level6);
}
