// SPDX-License-Identifier: MIT
using BenchmarkDotNet.Attributes;
using KvmPi.Vnc.Benchmarks.LoadTest;
using KvmPi.Vnc.Capture.Mjpeg;
using KvmPi.Vnc.Rfb.Updates;

namespace KvmPi.Vnc.Benchmarks.Updates;

/// <summary>
/// ScrollDetector.Detect per 1080p frame on the load tool's captured editor (ImageMagick text, JPEG quality 85,
/// 4:2:2; generated and cached by <see cref="ContentGenerator"/>): two consecutive frames, 57 rows apart, detected
/// alternately down and up; and a frame identical to the previous one (the signature pass alone).
/// </summary>
[MemoryDiagnoser]
public class ScrollDetectionBenchmarks
{
    private ScrollDetector _detector = null!;
    private byte[] _a = null!, _b = null!;
    private int _width, _height;
    private bool _flip;

    [GlobalSetup]
    public void Setup()
    {
        string video = ContentGenerator.Get("scroll", 60);
        using var reader = new MjpegStreamReader(File.OpenRead(video));
        using var decoder = new TurboJpegDecoder();
        var frames = new List<byte[]>();
        while (frames.Count < 12 && reader.ReadNext(out ReadOnlySpan<byte> jpeg) == MjpegReadResult.Frame)
        {
            decoder.Decode(jpeg);
            frames.Add(decoder.Pixels.ToArray());
        }
        (_a, _b, _width, _height) = (frames[10], frames[11], decoder.Width, decoder.Height);
        _detector = new ScrollDetector(_width, _height);
        if (!_detector.Detect(_a, _width * 4, _b, _width * 4, out ScrollMove move))
            throw new InvalidOperationException("no scroll found in the editor content");
        Console.WriteLine($"// scroll found: {move}, {_detector.Approximate.Count} tiles within noise");
    }

    [Benchmark]
    public bool ScrolledFrame()
    {
        _flip = !_flip;
        return _flip ? _detector.Detect(_b, _width * 4, _a, _width * 4, out _) : _detector.Detect(_a, _width * 4, _b, _width * 4, out _);
    }

    [Benchmark(Baseline = true)]
    public bool IdenticalFrame() => _detector.Detect(_a, _width * 4, _a, _width * 4, out _);
}
