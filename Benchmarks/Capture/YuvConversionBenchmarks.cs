// SPDX-License-Identifier: MIT
using BenchmarkDotNet.Attributes;
using KvmPi.Vnc.Capture.Yuv;

namespace KvmPi.Vnc.Benchmarks.Capture;

/// <summary>
/// One 1080p frame from a capture device into the BGRX framebuffer layout: YUYV (USB dongles), UYVY (CSI bridges),
/// NV12, BT.709 limited range. The scalar loop over the same fixed-point formula is the baseline (goal: YUYV ≥ 4×).
/// </summary>
[MemoryDiagnoser]
public class YuvConversionBenchmarks
{
    private const int Width = 1920, Height = 1080;
    private readonly YuvCoefficients _k = YuvCoefficients.For(new YuvColorimetry(YuvMatrix.Bt709, YuvRange.Limited));
    private byte[] _packed = null!, _nv12 = null!, _bgrx = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1080);
        _packed = new byte[Width * 2 * Height];
        _nv12 = new byte[Width * Height * 3 / 2];
        random.NextBytes(_packed);
        random.NextBytes(_nv12);
        _bgrx = new byte[Width * Height * 4];
    }

    [Benchmark(Baseline = true)]
    public void YuyvScalar() => YuvConverter.Convert(YuvLayout.Yuyv, _packed, Width * 2, _bgrx, Width * 4, Width, Height, _k, vectorised: false);

    [Benchmark]
    public void YuyvVector128() => YuvConverter.Convert(YuvLayout.Yuyv, _packed, Width * 2, _bgrx, Width * 4, Width, Height, _k);

    [Benchmark]
    public void UyvyVector128() => YuvConverter.Convert(YuvLayout.Uyvy, _packed, Width * 2, _bgrx, Width * 4, Width, Height, _k);

    [Benchmark]
    public void Nv12Vector128() => YuvConverter.Convert(YuvLayout.Nv12, _nv12, Width, _bgrx, Width * 4, Width, Height, _k);

    [Benchmark]
    public void Nv12Scalar() => YuvConverter.Convert(YuvLayout.Nv12, _nv12, Width, _bgrx, Width * 4, Width, Height, _k, vectorised: false);
}
