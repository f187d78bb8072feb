// SPDX-License-Identifier: MIT
using BenchmarkDotNet.Attributes;
using KvmPi.Vnc.Benchmarks.Capture;
using KvmPi.Vnc.Benchmarks.LoadTest;
using KvmPi.Vnc.Benchmarks.Support;
using KvmPi.Vnc.Capture.Mjpeg;
using KvmPi.Vnc.Rfb.Encoding.Png;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Rfb.Updates;

namespace KvmPi.Vnc.Benchmarks.Encoding;

/// <summary>
/// TightPNG's images (what noVNC gets): one 1080p frame split as the server splits it (≤ 2048 wide, ≤ 65536 px, so
/// 1920 × 34 pieces), each piece a PNG from <see cref="PngWriter"/> in noVNC's pixel format. "desktop" is the
/// synthetic desktop; "scroll" and "video" the first frame of the load tool's captured content (JPEG noise
/// everywhere). ZlibLevel is what TightLevels.IndexedZlibLevel gives for compression levels 1 (2), 2 (4, noVNC's
/// default) and 3 (6). The setup prints the frame's PNG bytes; every benchmark should allocate 0 B.
/// </summary>
[MemoryDiagnoser]
public class PngWriterBenchmarks
{
    private static readonly PixelFormat Rgbx = new(32, 24, false, true, 255, 255, 255, 0, 8, 16); // noVNC

    private readonly PngWriter _writer = new();
    private List<Rect> _rects = null!;
    private uint[][] _values = null!;

    [Params("desktop", "scroll", "video")]
    public string Content { get; set; } = "desktop";

    [Params(2, 4, 6)]
    public int ZlibLevel { get; set; } = 4;

    [GlobalSetup]
    public void Setup()
    {
        int width = DesktopFrame.Width, height = DesktopFrame.Height;
        byte[] bgrx;
        if (Content == "desktop")
        {
            bgrx = DesktopFrame.Create();
        }
        else
        {
            byte[] jpeg = PartialDecodeBenchmarks.Split(File.ReadAllBytes(ContentGenerator.Get(Content, Content == "scroll" ? 60 : 110)))[0];
            using var decoder = new MjpegFrameDecoder();
            decoder.Decode(jpeg);
            (width, height) = (decoder.Width, decoder.Height);
            bgrx = new byte[width * height * 4];
            for (int y = 0; y < height; y++)
                decoder.Pixels.Slice(y * decoder.Stride, width * 4).CopyTo(bgrx.AsSpan(y * width * 4));
        }

        var fb = new Framebuffer(width, height);
        fb.Update(bgrx, width * 4, new TileSet(fb.TileColumns, fb.TileRows));
        var translator = new PixelTranslator(Rgbx);
        _rects = DesktopFrame.Split(width, height);
        _values = new uint[_rects.Count][];
        for (int i = 0; i < _rects.Count; i++)
        {
            _values[i] = new uint[_rects[i].Width * _rects[i].Height];
            fb.ReadPixels(_rects[i], translator, _values[i]);
        }

        long bytes = EncodeFrame();
        Console.WriteLine($"// PNG {Content} zlib {ZlibLevel}: {bytes} bytes a frame ({_rects.Count} images), {100.0 * bytes / (width * height * 3):F2} % of RGB");
    }

    [Benchmark]
    public long EncodeFrame()
    {
        long bytes = 0;
        for (int i = 0; i < _rects.Count; i++)
            bytes += _writer.Encode(_values[i], _rects[i].Width, _rects[i].Height, Rgbx, ZlibLevel).Length;
        return bytes;
    }
}
