// SPDX-License-Identifier: MIT
using BenchmarkDotNet.Attributes;
using KvmPi.Vnc.Benchmarks.Support;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Rfb.Updates;

namespace KvmPi.Vnc.Benchmarks.Encoding;

/// <summary>
/// A full 1080p desktop frame, split as the server splits it (≤ 2048 wide, ≤ 65536 px) and converted once per
/// format, ready for an encoder to write into a null sink. The conversion is outside the measurement; see
/// PixelTranslationBenchmarks for its cost.
/// </summary>
public abstract class EncodingBenchmarkBase
{
    protected readonly NullBufferWriter Sink = new();
    protected List<Rect> Rects = null!;
    protected uint[][] Values = null!;
    protected PixelFormat Format;

    [Params("rgbx888", "rgb565")]
    public string PixelFormatName { get; set; } = "rgbx888";

    [GlobalSetup]
    public virtual void Setup()
    {
        Format = PixelFormatName switch
        {
            "rgb565" => new PixelFormat(16, 16, false, true, 31, 63, 31, 11, 5, 0),
            _ => new PixelFormat(32, 24, false, true, 255, 255, 255, 0, 8, 16), // noVNC
        };
        byte[] frame = DesktopFrame.Create();
        var fb = new Framebuffer(DesktopFrame.Width, DesktopFrame.Height);
        fb.Update(frame, DesktopFrame.Width * 4, new TileSet(fb.TileColumns, fb.TileRows));
        var translator = new PixelTranslator(Format);
        Rects = DesktopFrame.Split(DesktopFrame.Width, DesktopFrame.Height);
        Values = new uint[Rects.Count][];
        for (int i = 0; i < Rects.Count; i++)
        {
            Values[i] = new uint[Rects[i].Width * Rects[i].Height];
            fb.ReadPixels(Rects[i], translator, Values[i]);
        }
    }

    /// <summary>Bytes one frame encodes to, reported once per run so the figures can quote a ratio.</summary>
    protected long EncodeFrame(KvmPi.Vnc.Rfb.Encoding.IRectEncoder encoder)
    {
        long before = Sink.Written;
        for (int i = 0; i < Rects.Count; i++)
            encoder.Encode(Values[i], Rects[i].Width, Rects[i].Height, Format, Sink);
        return Sink.Written - before;
    }
}
