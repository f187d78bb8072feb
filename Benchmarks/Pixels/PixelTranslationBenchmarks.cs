// SPDX-License-Identifier: MIT
using BenchmarkDotNet.Attributes;
using KvmPi.Vnc.Benchmarks.Support;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Rfb.Updates;

namespace KvmPi.Vnc.Benchmarks.Pixels;

/// <summary>
/// Framebuffer.ReadPixels of a whole 1080p frame (2.07 Mpx) into client pixel values: noVNC's RGBX (the Vector128
/// shuffle path, with its scalar table twin for comparison), rgb565 and bgr233 (table paths).
/// </summary>
[MemoryDiagnoser]
public class PixelTranslationBenchmarks
{
    private static readonly PixelFormat RgbxNoVnc = new(32, 24, false, true, 255, 255, 255, 0, 8, 16);
    private static readonly PixelFormat Rgb565Format = new(16, 16, false, true, 31, 63, 31, 11, 5, 0);
    private static readonly PixelFormat Bgr233Format = new(8, 8, false, true, 7, 7, 3, 0, 3, 6);

    private Framebuffer _framebuffer = null!;
    private byte[] _frame = null!;
    private uint[] _values = null!;
    private PixelTranslator _rgbx = null!, _rgb565 = null!, _bgr233 = null!;
    private readonly Rect _all = new(0, 0, DesktopFrame.Width, DesktopFrame.Height);

    [GlobalSetup]
    public void Setup()
    {
        _frame = DesktopFrame.Create();
        _framebuffer = new Framebuffer(DesktopFrame.Width, DesktopFrame.Height);
        _framebuffer.Update(_frame, DesktopFrame.Width * 4, new TileSet(_framebuffer.TileColumns, _framebuffer.TileRows));
        _values = new uint[DesktopFrame.Width * DesktopFrame.Height];
        _rgbx = new PixelTranslator(RgbxNoVnc);
        _rgb565 = new PixelTranslator(Rgb565Format);
        _bgr233 = new PixelTranslator(Bgr233Format);
    }

    [Benchmark(Baseline = true)]
    public void Rgbx888NoVnc() => _framebuffer.ReadPixels(_all, _rgbx, _values);

    [Benchmark]
    public void Rgbx888NoVncScalarTables()
    {
        ReadOnlySpan<uint> src = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(_frame);
        _rgbx.TranslateRowScalar(src, _values);
    }

    [Benchmark]
    public void Rgb565() => _framebuffer.ReadPixels(_all, _rgb565, _values);

    [Benchmark]
    public void Bgr233() => _framebuffer.ReadPixels(_all, _bgr233, _values);
}
