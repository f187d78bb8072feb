// SPDX-License-Identifier: MIT
using BenchmarkDotNet.Attributes;
using KvmPi.Vnc.Benchmarks.Support;
using KvmPi.Vnc.Rfb.Updates;

namespace KvmPi.Vnc.Benchmarks.Updates;

/// <summary>
/// Framebuffer.Update on a 1080p desktop frame (30×17 tiles): the identical-frame case is the worst case for the
/// compare (every byte read), the few-tiles case adds publishing 5 tiles, the every-tile case (video) a whole frame.
/// </summary>
[MemoryDiagnoser]
public class ChangeDetectionBenchmarks
{
    private Framebuffer _framebuffer = null!;
    private TileSet _changed = null!;
    private byte[] _frameA = null!, _frameB = null!, _frameInverted = null!;
    private bool _flip;

    [GlobalSetup]
    public void Setup()
    {
        _frameA = DesktopFrame.Create();
        _frameB = (byte[])_frameA.Clone();
        // Five tiles differ at their last pixel, so each is compared in full before it is found changed.
        foreach ((int tc, int tr) in new[] { (0, 0), (7, 3), (15, 8), (22, 12), (29, 16) })
        {
            int x = Math.Min(DesktopFrame.Width, tc * 64 + 64) - 1, y = Math.Min(DesktopFrame.Height, tr * 64 + 64) - 1;
            _frameB[(y * DesktopFrame.Width + x) * 4] ^= 0xFF;
        }

        _frameInverted = (byte[])_frameA.Clone();
        for (int i = 0; i < _frameInverted.Length; i++) _frameInverted[i] ^= 0xFF;

        _framebuffer = new Framebuffer(DesktopFrame.Width, DesktopFrame.Height);
        _changed = new TileSet(_framebuffer.TileColumns, _framebuffer.TileRows);
        _framebuffer.Update(_frameA, DesktopFrame.Width * 4, _changed);
    }

    [Benchmark(Baseline = true)]
    public bool IdenticalFrame()
    {
        _changed.Clear();
        return _framebuffer.Update(_frameA, DesktopFrame.Width * 4, _changed);
    }

    [Benchmark]
    public bool FiveTilesChanged()
    {
        // Alternate between the two frames so every call finds (and copies) the same five tiles.
        _flip = !_flip;
        _changed.Clear();
        return _framebuffer.Update(_flip ? _frameB : _frameA, DesktopFrame.Width * 4, _changed);
    }

    [Benchmark]
    public bool EveryTileChanged()
    {
        // Alternate between the frame and its negative: every tile differs in its first bytes and is copied whole.
        _flip = !_flip;
        _changed.Clear();
        return _framebuffer.Update(_flip ? _frameInverted : _frameA, DesktopFrame.Width * 4, _changed);
    }
}
