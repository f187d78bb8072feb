// SPDX-License-Identifier: MIT
using BenchmarkDotNet.Attributes;
using KvmPi.Vnc.Benchmarks.LoadTest;
using KvmPi.Vnc.Capture.Mjpeg;

namespace KvmPi.Vnc.Benchmarks.Capture;

/// <summary>
/// Decoding less: one frame of the load tool's 1080p captured-desktop content (typing, scroll, video; made by
/// <see cref="ContentGenerator"/>) decoded whole, as before, against <see cref="MjpegFrameDecoder"/> decoding only
/// the rows that changed. Each call decodes the next frame of the sequence (looping; byte-identical frames are
/// dropped first, as the sources do), so the figure is the average over the content. Setup decodes the whole
/// sequence both ways and stops if any pixel differs.
/// </summary>
[MemoryDiagnoser]
public class PartialDecodeBenchmarks
{
    private byte[][] _frames = [];
    private int _next;
    private MjpegFrameDecoder _decoder = null!;

    [Params("typing", "scroll", "video")]
    public string Content { get; set; } = "typing";

    [Params(false, true)]
    public bool ChangedRowsOnly { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        int count = Content switch { "typing" => 240, "scroll" => 60, _ => 110 };   // as the load tool plays them
        _frames = Split(File.ReadAllBytes(ContentGenerator.Get(Content, count)));
        Verify(_frames);
        _decoder = new MjpegFrameDecoder { DecodeChangedRowsOnly = ChangedRowsOnly };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine($"// {Content} ChangedRowsOnly={ChangedRowsOnly}: {_decoder.PartialDecodes} partial, {_decoder.WholeDecodes} whole decodes, {_decoder.IndexedFrames} indexed");
        _decoder.Dispose();
    }

    [Benchmark]
    public bool DecodeNextFrame()
    {
        byte[] jpeg = _frames[_next];
        _next = (_next + 1) % _frames.Length;
        return _decoder.Decode(jpeg) != JpegDecodeResult.Failed;
    }

    /// <summary>The sequence's images, without those byte-identical to the one before (never decoded by the sources).</summary>
    internal static byte[][] Split(byte[] stream)
    {
        var frames = new List<byte[]>();
        ReadOnlySpan<byte> rest = stream;
        while (JpegFrameSplitter.Scan(rest, out int start, out int length, out int consumed) == JpegScanStatus.Frame)
        {
            byte[] frame = rest.Slice(start, length).ToArray();
            if (frames.Count == 0 || !frames[^1].AsSpan().SequenceEqual(frame)) frames.Add(frame);
            rest = rest[(start + length)..];
        }
        return [.. frames];
    }

    private static void Verify(byte[][] frames)
    {
        using var whole = new MjpegFrameDecoder { DecodeChangedRowsOnly = false };
        using var partial = new MjpegFrameDecoder();
        for (int round = 0; round < 2; round++)
            for (int i = 0; i < frames.Length; i++)
            {
                if (whole.Decode(frames[i]) != partial.Decode(frames[i]) || !whole.Pixels.SequenceEqual(partial.Pixels))
                    throw new InvalidOperationException($"frame {i}: the partial decode differs from the whole decode");
            }
        Console.WriteLine($"// verified {frames.Length} frames x2: {partial.PartialDecodes} partial, {partial.WholeDecodes} whole ({partial.IndexedFrames} indexed), pixels identical");
    }
}
