// SPDX-License-Identifier: MIT
using BenchmarkDotNet.Attributes;
using KvmPi.Vnc.Benchmarks.Support;
using KvmPi.Vnc.Capture.Mjpeg;
using KvmPi.Vnc.Rfb.Encoding;
using KvmPi.Vnc.Rfb.Encoding.Jpeg;
using KvmPi.Vnc.Rfb.Encoding.Tight;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Rfb.Updates;

namespace KvmPi.Vnc.Benchmarks.Encoding;

/// <summary>
/// Tight on whole 1080p frames, as a session sends them (per-tile choice, zlib streams, JPEG from the framebuffer):
/// <list type="bullet">
/// <item>"captured": the desktop frame after a JPEG round trip at q75 4:2:2, as an HDMI dongle delivers it: JPEG
/// noise in every tile, so everything is photographic. <see cref="TurboJpegAlone"/> is the baseline for
/// <see cref="TightJpegCaptured"/> (goal ≤ 1.2×), <see cref="PassThrough"/> sends the capture's JPEG as it is and
/// <see cref="ReEncode"/> is what it saves: decode + Tight JPEG;</item>
/// <item>"desktop": the clean synthetic desktop, lossless Tight against ZRLE (same frame, same split).</item>
/// </list>
/// Frame bytes are printed once in the setup. Every benchmark should allocate 0 B (MemoryDiagnoser).
/// </summary>
[MemoryDiagnoser]
public class TightEncodingBenchmarks
{
    private static readonly PixelFormat Rgbx = new(32, 24, false, true, 255, 255, 255, 0, 8, 16); // noVNC
    private const int W = DesktopFrame.Width, H = DesktopFrame.Height;

    private readonly NullBufferWriter _sink = new();
    private Framebuffer _captured = null!, _desktop = null!, _photo = null!;
    private byte[] _photoBgrx = null!;
    private byte[] _capturedBgrx = null!, _sourceJpeg = null!, _jpegOut = null!;
    private TurboJpegCompressor _compressor = null!;
    private TurboJpegDecoder _decoder = null!;
    private TightUpdateWriter _jpegWriter = null!, _losslessWriter = null!;
    private ZrleEncoder _zrle = null!;
    private PixelTranslator _translator = null!;
    private TileSet _lossy = null!;
    private readonly List<Rect> _whole = [new Rect(0, 0, W, H)];
    private List<Rect> _split = null!;
    private uint[][] _splitValues = null!;
    private TightSettings _q8, _lossless;

    [GlobalSetup]
    public void Setup()
    {
        byte[] desktop = DesktopFrame.Create();
        _compressor = new TurboJpegCompressor();
        var jpeg = new byte[_compressor.MaxCompressedLength(W, H, JpegSubsampling.Half)];
        int n = _compressor.Compress(desktop, W, H, W * 4, 75, JpegSubsampling.Half, jpeg);
        _sourceJpeg = jpeg[..n];
        _decoder = new TurboJpegDecoder();
        _decoder.Decode(_sourceJpeg);
        _capturedBgrx = _decoder.Pixels.ToArray();
        _jpegOut = new byte[_compressor.MaxCompressedLength(W, H, JpegSubsampling.None)];

        _captured = new Framebuffer(W, H);
        _captured.Update(_capturedBgrx, W * 4, new TileSet(_captured.TileColumns, _captured.TileRows));
        _captured.SetSourceJpeg(_sourceJpeg);
        _desktop = new Framebuffer(W, H);
        _desktop.Update(desktop, W * 4, new TileSet(_desktop.TileColumns, _desktop.TileRows));
        _translator = new PixelTranslator(Rgbx);
        _lossy = new TileSet(_captured.TileColumns, _captured.TileRows);
        _jpegWriter = new TightUpdateWriter(png: false, new TurboJpegCompressor());
        _losslessWriter = new TightUpdateWriter(png: false, jpeg: null);
        _zrle = new ZrleEncoder(2);
        _q8 = TightSettings.From(false, 32, -1, 8, -1, -1);
        _lossless = TightSettings.From(false, 32, -1, -1, -1, -1);
        _split = DesktopFrame.Split(W, H);
        _splitValues = new uint[_split.Count][];
        for (int i = 0; i < _split.Count; i++)
        {
            _splitValues[i] = new uint[_split[i].Width * _split[i].Height];
            _desktop.ReadPixels(_split[i], _translator, _splitValues[i]);
        }

        _photoBgrx = PhotoFrame();
        _photo = new Framebuffer(W, H);
        _photo.Update(_photoBgrx, W * 4, new TileSet(_photo.TileColumns, _photo.TileRows));
        Console.WriteLine($"// photo frame: TurboJPEG alone {TurboJpegPhoto()} B, Tight JPEG {TightJpegPhoto()} B");
        Console.WriteLine($"// source JPEG (q75 4:2:2) {_sourceJpeg.Length} B; TurboJPEG level 8 {TurboJpegAlone()} B; " +
                          $"Tight JPEG q8 captured {TightJpegCaptured()} B; pass-through {PassThrough()} B; " +
                          $"Tight JPEG q8 desktop {TightJpegDesktop()} B; lossless Tight desktop {TightLosslessDesktop()} B; " +
                          $"ZRLE desktop {ZrleDesktop()} B; lossless Tight captured {TightLosslessCaptured()} B");
        foreach (int level in new[] { 9, 8, 6 })
        {
            int q = TightLevels.JpegQuality(level);
            JpegSubsampling sub = TightLevels.JpegSubsamplingFor(level);
            int size = _compressor.Compress(desktop, W, H, W * 4, q, sub, _jpegOut);
            var decoded = new byte[W * H * 4];
            AccurateJpegDecoder.Decode(_jpegOut.AsSpan(0, size), decoded, W, H);
            Console.WriteLine($"// desktop frame as one JPEG at quality level {level} ({q}, {sub}): {size} B, PSNR {Psnr(desktop, decoded):F1} dB");
        }

        _decoder.Decode(_sourceJpeg);
    }

    /// <summary>PSNR over the B, G, R bytes of two BGRX frames.</summary>
    private static double Psnr(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        double sum = 0;
        long n = 0;
        for (int i = 0; i < a.Length; i++)
        {
            if ((i & 3) == 3) continue;
            int d = a[i] - b[i];
            sum += d * d;
            n++;
        }

        return sum == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 / (sum / n));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _jpegWriter.Dispose();
        _losslessWriter.Dispose();
        _zrle.Dispose();
        _compressor.Dispose();
        _decoder.Dispose();
    }

    /// <summary>
    /// A photograph filling the frame (smooth gradients plus sensor-like noise): every tile photographic, so Tight
    /// sends one 1920×1080 JPEG rectangle. The goal: ≤ 1.2× <see cref="TurboJpegPhoto"/>.
    /// </summary>
    private static byte[] PhotoFrame()
    {
        var rng = new Random(7);
        var px = new byte[W * H * 4];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                int o = (y * W + x) * 4;
                px[o] = (byte)Math.Clamp(60 + x * 120 / W + rng.Next(-12, 13), 0, 255);
                px[o + 1] = (byte)Math.Clamp(40 + y * 160 / H + rng.Next(-12, 13), 0, 255);
                px[o + 2] = (byte)Math.Clamp(200 - (x + y) * 120 / (W + H) + rng.Next(-12, 13), 0, 255);
            }

        return px;
    }

    /// <summary>TurboJPEG alone on the photo frame at quality level 8's settings.</summary>
    [Benchmark]
    public long TurboJpegPhoto() => _compressor.Compress(_photoBgrx, W, H, W * 4, TightLevels.JpegQuality(8),
        TightLevels.JpegSubsamplingFor(8), _jpegOut);

    /// <summary>The whole Tight path for the photo frame at quality level 8: tile analysis, one JPEG rectangle.</summary>
    [Benchmark]
    public long TightJpegPhoto()
    {
        long before = _sink.Written;
        _jpegWriter.Write(_photo.Current, _whole, _translator, _q8, false, _lossy, _sink);
        return _sink.Written - before;
    }

    /// <summary>TurboJPEG alone: the captured frame at quality level 8's settings, nothing else.</summary>
    [Benchmark(Baseline = true)]
    public long TurboJpegAlone() => _compressor.Compress(_capturedBgrx, W, H, W * 4, TightLevels.JpegQuality(8),
        TightLevels.JpegSubsamplingFor(8), _jpegOut);

    /// <summary>The whole Tight path for a captured frame at quality 8: tile analysis, then one JPEG rectangle.</summary>
    [Benchmark]
    public long TightJpegCaptured()
    {
        long before = _sink.Written;
        _jpegWriter.Write(_captured.Current, _whole, _translator, _q8, false, _lossy, _sink);
        return _sink.Written - before;
    }

    /// <summary>MJPEG pass-through: the capture's own JPEG as one Tight rectangle.</summary>
    [Benchmark]
    public long PassThrough()
    {
        long before = _sink.Written;
        _jpegWriter.TryWritePassThrough(_captured.Current, (long)W * H, new Rect(0, 0, W, H), _q8, _lossy, _sink);
        return _sink.Written - before;
    }

    /// <summary>What pass-through saves: decoding the capture's JPEG, then the Tight JPEG path.</summary>
    [Benchmark]
    public long ReEncode()
    {
        _decoder.Decode(_sourceJpeg);
        return TightJpegCaptured();
    }

    [Benchmark]
    public long TightJpegDesktop()
    {
        long before = _sink.Written;
        _jpegWriter.Write(_desktop.Current, _whole, _translator, _q8, false, _lossy, _sink);
        return _sink.Written - before;
    }

    [Benchmark]
    public long TightLosslessDesktop()
    {
        long before = _sink.Written;
        _losslessWriter.Write(_desktop.Current, _whole, _translator, _lossless, false, _lossy, _sink);
        return _sink.Written - before;
    }

    [Benchmark]
    public long TightLosslessCaptured()
    {
        long before = _sink.Written;
        _losslessWriter.Write(_captured.Current, _whole, _translator, _lossless, false, _lossy, _sink);
        return _sink.Written - before;
    }

    /// <summary>ZRLE level 2 on the same desktop frame, split as the server splits it for ZRLE.</summary>
    [Benchmark]
    public long ZrleDesktop()
    {
        long before = _sink.Written;
        for (int i = 0; i < _split.Count; i++)
            _zrle.Encode(_splitValues[i], _split[i].Width, _split[i].Height, Rgbx, _sink);
        return _sink.Written - before;
    }
}
