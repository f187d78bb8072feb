// SPDX-License-Identifier: MIT
using System.IO.Compression;
using BenchmarkDotNet.Attributes;
using KvmPi.Vnc.Benchmarks.Capture;
using KvmPi.Vnc.Benchmarks.LoadTest;
using KvmPi.Vnc.Capture.Mjpeg;
using KvmPi.Vnc.Rfb.Encoding.Deflate;

namespace KvmPi.Vnc.Benchmarks.Encoding;

/// <summary>
/// The zlib work of lossless Tight full colour on captured content: each frame of the load tool's 1080p content
/// (decoded as the server decodes it) as 3-byte RGB pixels, cut into the largest pieces Tight sends (1920 × 34,
/// under 65536 pixels), through one stream: <see cref="PixelDeflater"/> against .NET's zlib (zlib-ng) at a level.
/// Each call compresses the next frame (looping). Cleanup prints the bytes out ÷ in over the whole sequence.
/// </summary>
[MemoryDiagnoser]
public class DeflaterBenchmarks
{
    private const int PieceRows = 34;
    private byte[][] _frames = [];
    private int _width;
    private int _next;
    private long _in, _out;
    private PixelDeflater _pixel = null!;
    private MemoryStream _sink = null!;
    private ZLibStream? _zlib;

    [Params("typing", "scroll", "video")]
    public string Content { get; set; } = "scroll";

    /// <summary>−1: PixelDeflater; else zlib-ng at this level.</summary>
    [Params(-1, 1, 2, 6)]
    public int ZlibLevel { get; set; } = -1;

    [GlobalSetup]
    public void Setup()
    {
        int count = Content switch { "typing" => 240, "scroll" => 60, _ => 110 };
        byte[][] jpegs = PartialDecodeBenchmarks.Split(File.ReadAllBytes(ContentGenerator.Get(Content, count)));
        using var decoder = new MjpegFrameDecoder();
        var frames = new List<byte[]>();
        foreach (byte[] jpeg in jpegs.Take(30))
        {
            decoder.Decode(jpeg);
            _width = decoder.Width;
            frames.Add(ToRgb(decoder.Pixels, decoder.Width, decoder.Height, decoder.Stride));
        }

        _frames = [.. frames];
        _pixel = new PixelDeflater();
        _sink = new MemoryStream();
        if (ZlibLevel >= 0) _zlib = new ZLibStream(_sink, new ZLibCompressionOptions { CompressionLevel = ZlibLevel }, leaveOpen: true);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine($"// {Content} {(ZlibLevel < 0 ? "PixelDeflater" : $"zlib-ng {ZlibLevel}")}: {_out} of {_in} bytes, {100.0 * _out / Math.Max(1, _in):F2} %");
        _zlib?.Dispose();
    }

    [Benchmark]
    public long CompressNextFrame()
    {
        byte[] frame = _frames[_next];
        _next = (_next + 1) % _frames.Length;
        int piece = _width * 3 * PieceRows;
        long written = 0;
        for (int at = 0; at < frame.Length; at += piece)
        {
            ReadOnlySpan<byte> data = frame.AsSpan(at, Math.Min(piece, frame.Length - at));
            if (_zlib is null)
            {
                written += _pixel.Compress(data, 3, _width * 3).Length;
            }
            else
            {
                _sink.SetLength(0);
                _zlib.Write(data);
                _zlib.Flush();
                written += _sink.Length;
            }
        }

        _in += frame.Length;
        _out += written;
        return written;
    }

    private static byte[] ToRgb(ReadOnlySpan<byte> bgrx, int width, int height, int stride)
    {
        var rgb = new byte[width * height * 3];
        for (int y = 0, o = 0; y < height; y++)
        {
            ReadOnlySpan<byte> row = bgrx.Slice(y * stride, width * 4);
            for (int x = 0; x < width; x++, o += 3)
            {
                rgb[o] = row[4 * x + 2];
                rgb[o + 1] = row[4 * x + 1];
                rgb[o + 2] = row[4 * x];
            }
        }

        return rgb;
    }
}
