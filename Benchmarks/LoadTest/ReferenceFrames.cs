// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Benchmarks.Support;
using KvmPi.Vnc.Capture.Mjpeg;

namespace KvmPi.Vnc.Benchmarks.LoadTest;

/// <summary>
/// The frames of a Motion-JPEG sequence decoded accurately (ISLOW IDCT, fancy upsampling: the closest the JPEG gets
/// to the picture the source sent, and what viewers' libjpeg does), in the format rfbprobe's <c>-P</c> reads, so the
/// viewer can tell the PSNR of every picture it holds against the frame it shows. Both servers decode with the fast
/// IDCT and upsampling, which alone costs them ~45 dB against this; a viewer sent the capture's own JPEG (MJPEG
/// pass-through) decodes it as this reference does. Only every STEP-th row is kept (the file stays under ~100 MB);
/// cached next to the sequence.
/// </summary>
internal static class ReferenceFrames
{
    public static string Get(string video)
    {
        int frames = 0, width = 0, height = 0;
        using (var reader = new MjpegStreamReader(File.OpenRead(video)))
            while (reader.ReadNext(out _) == MjpegReadResult.Frame) frames++;
        int step = frames <= 60 ? 4 : 16;
        string path = $"{video}.accurate-ref{step}";
        if (File.Exists(path)) return path;

        using var input = new MjpegStreamReader(File.OpenRead(video));
        using (var output = File.Create(path + ".tmp"))
        {
            byte[]? rgb = null, bgrx = null;
            bool header = false;
            while (input.ReadNext(out ReadOnlySpan<byte> jpeg) == MjpegReadResult.Frame)
            {
                if (!header)
                {
                    using (var probe = new TurboJpegDecoder())
                    {
                        if (probe.Decode(jpeg) == JpegDecodeResult.Failed) throw new InvalidDataException($"{video}: {probe.LastError}");
                        (width, height) = (probe.Width, probe.Height);
                    }
                    bgrx = new byte[width * height * 4];
                    output.Write(System.Text.Encoding.ASCII.GetBytes($"KVMREF1\n{width} {height} {frames} {step}\n"));
                    rgb = new byte[width * 3];
                    header = true;
                }
                AccurateJpegDecoder.Decode(jpeg, bgrx!, width, height);
                for (int y = 0; y < height; y += step)
                {
                    ReadOnlySpan<byte> row = bgrx.AsSpan(y * width * 4, width * 4);
                    for (int x = 0; x < width; x++)
                    {
                        rgb![x * 3] = row[x * 4 + 2];
                        rgb[x * 3 + 1] = row[x * 4 + 1];
                        rgb[x * 3 + 2] = row[x * 4];
                    }
                    output.Write(rgb);
                }
            }
        }
        File.Move(path + ".tmp", path, overwrite: true);
        return path;
    }
}
