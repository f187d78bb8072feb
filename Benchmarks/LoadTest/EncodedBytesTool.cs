// SPDX-License-Identifier: MIT
using System.Globalization;
using System.Text;
using KvmPi.Vnc.Benchmarks.Support;
using KvmPi.Vnc.Capture.Mjpeg;
using KvmPi.Vnc.Rfb.Encoding;
using KvmPi.Vnc.Rfb.Encoding.Jpeg;
using KvmPi.Vnc.Rfb.Encoding.Tight;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Rfb.Updates;

namespace KvmPi.Vnc.Benchmarks.LoadTest;

/// <summary>
/// <c>loadtest bytes</c>: the load tool's contents through KvmPi's change detection and encoders in process, no
/// server, no socket, no viewer: bytes per update for ZRLE, lossless Tight and Tight JPEG q8, deterministic and
/// independent of the machine's load. Every <c>--step</c>-th frame is an update (1: each frame, as the typing
/// and scroll runs of <c>compare</c> deliver them; the video run with a lossless encoding delivers about one
/// frame in eight). Updates are cut as a session cuts them (TileSet.TakeRects; ZRLE pieces of at most 2048 × 64,
/// Tight through TightUpdateWriter) and counted with their FramebufferUpdate and rectangle headers; the first
/// (full) frame is not counted. The viewer format is 32-bpp little-endian RGB, compression level 3, as in
/// <c>compare</c>. Also each encoder's CPU time per update (this thread's, so other work on the machine matters less
/// than to wall time): a quick look at encoding cost alone, without the server around it. Figures only: nothing is asserted.
/// </summary>
internal static class EncodedBytesTool
{
    private static readonly PixelFormat Format = new(32, 24, false, true, 255, 255, 255, 16, 8, 0);

    public static int Run(string[] contents, int step, int? frames, int compressLevel)
    {
        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"| content | every | ZRLE B/update | Tight lossless B/update | Tight JPEG q8 B/update | updates | ZRLE ms/update | Tight lossless ms/update | Tight JPEG q8 ms/update |");
        table.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (string content in contents)
        {
            int n = frames ?? content switch { "typing" => 240, "video" => 110, _ => 60 };
            string path = ContentGenerator.Get(content, n);
            EncodedFigures f = Measure(path, step, compressLevel);
            double u = f.Updates;
            table.AppendLine(CultureInfo.InvariantCulture,
                $"| {content} | {step} | {f.Zrle / u:F0} | {f.Lossless / u:F0} | {f.Jpeg / u:F0} | {f.Updates} | {f.ZrleTime.TotalMilliseconds / u:F2} | {f.LosslessTime.TotalMilliseconds / u:F2} | {f.JpegTime.TotalMilliseconds / u:F2} |");
        }

        Console.WriteLine(table);
        return 0;
    }

    private readonly record struct EncodedFigures(long Zrle, long Lossless, long Jpeg, int Updates,
        TimeSpan ZrleTime, TimeSpan LosslessTime, TimeSpan JpegTime);

    private static EncodedFigures Measure(string path, int step, int compressLevel)
    {
        byte[] file = File.ReadAllBytes(path);
        using var decoder = new TurboJpegDecoder();
        Framebuffer? fb = null;
        TileSet? changed = null, dirty = null, lossy = null;
        var translator = new PixelTranslator(Format);
        using var zrle = new ZrleEncoder(ZrleEncoder.ZlibLevelFor(compressLevel), ZrleEncoder.TextZlibLevelFor(compressLevel), pixelDeflaterForSmooth: true);
        using var losslessWriter = new TightUpdateWriter(png: false, jpeg: null);
        using var jpegWriter = new TightUpdateWriter(png: false, new TurboJpegCompressor());
        TightSettings lossless = TightSettings.From(false, 32, compressLevel, -1, -1, -1);
        TightSettings q8 = TightSettings.From(false, 32, compressLevel, 8, -1, -1);
        var sink = new NullBufferWriter();
        var rects = new List<Rect>();
        var pieces = new List<Rect>();
        uint[] scratch = new uint[2048 * 64];
        long zBytes = 0, tBytes = 0, jBytes = 0;
        TimeSpan zTime = default, tTime = default, jTime = default;
        int updates = 0, frame = 0, offset = 0;
        while (offset < file.Length)
        {
            JpegScanStatus status = JpegFrameSplitter.Scan(file.AsSpan(offset), out int start, out int length, out int consumed);
            if (status != JpegScanStatus.Frame) break;
            ReadOnlySpan<byte> jpeg = file.AsSpan(offset + start, length);
            offset += consumed;
            decoder.Decode(jpeg);
            if (fb is null)
            {
                fb = new Framebuffer(decoder.Width, decoder.Height);
                changed = new TileSet(fb.TileColumns, fb.TileRows);
                dirty = new TileSet(fb.TileColumns, fb.TileRows);
                lossy = new TileSet(fb.TileColumns, fb.TileRows);
            }

            changed!.Clear();
            fb.Update(decoder.Pixels, decoder.Stride, changed);
            dirty!.UnionWith(changed);
            bool first = frame == 0;
            if (frame++ % step != 0 && !first) continue;
            rects.Clear();
            dirty.TakeRects(new Rect(0, 0, fb.Width, fb.Height), fb.Width, fb.Height, rects);
            if (rects.Count == 0) continue;

            bool counted = !first;
            long before = sink.Written;
            TimeSpan t0 = CpuClock.Thread();
            pieces.Clear();
            foreach (Rect r in rects) Split(r, pieces);
            foreach (Rect p in pieces)
            {
                Span<uint> px = scratch.AsSpan(0, p.Width * p.Height);
                fb.ReadPixels(p, translator, px);
                zrle.Encode(px, p.Width, p.Height, Format, sink);
            }
            TimeSpan t1 = CpuClock.Thread();
            long z = sink.Written - before + 4 + 12L * pieces.Count;

            before = sink.Written;

            losslessWriter.Write(fb.Current, rects, translator, lossless, lossless: false, lossy!, sink);
            TimeSpan t2 = CpuClock.Thread();
            long t = sink.Written - before + 4;

            before = sink.Written;

            jpegWriter.Write(fb.Current, rects, translator, q8, lossless: false, lossy!, sink);
            TimeSpan t3 = CpuClock.Thread();
            long j = sink.Written - before + 4;
            if (first) continue;
            zTime += t1 - t0;
            tTime += t2 - t1;
            jTime += t3 - t2;
            zBytes += z;
            tBytes += t;
            jBytes += j;
            updates++;
        }

        return new EncodedFigures(zBytes, tBytes, jBytes, Math.Max(1, updates), zTime, tTime, jTime);
    }

    /// <summary>As ClientSession cuts Raw/Hextile/ZRLE rectangles: at most 2048 wide and 2048 × 64 pixels.</summary>
    private static void Split(Rect rect, List<Rect> pieces)
    {
        const int maxWidth = 2048, maxPixels = 2048 * 64;
        for (int x = rect.X; x < rect.Right; x += maxWidth)
        {
            int w = Math.Min(maxWidth, rect.Right - x);
            int rows = Math.Max(1, maxPixels / w);
            if (rows >= Framebuffer.TileSize) rows -= rows % Framebuffer.TileSize;
            for (int y = rect.Y; y < rect.Bottom; y += rows)
                pieces.Add(new Rect(x, y, w, Math.Min(rows, rect.Bottom - y)));
        }
    }
}
