// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Capture.Mjpeg;

namespace KvmPi.Vnc.Benchmarks.LoadTest;

/// <summary>
/// The frames of a Motion-JPEG sequence as the servers decode them (TurboJPEG, fast DCT and upsampling), in the
/// format rfbprobe's <c>-P</c> reads, so the viewer can tell the PSNR of every picture it holds against the frame
/// it shows. Only every STEP-th row is kept (the file stays under ~100 MB); cached next to the sequence.
/// </summary>
internal static class ReferenceFrames
{
    public static string Get(string video)
    {
        int frames = 0, width = 0, height = 0;
        using (var reader = new MjpegStreamReader(File.OpenRead(video)))
            while (reader.ReadNext(out _) == MjpegReadResult.Frame) frames++;
        int step = frames <= 60 ? 4 : 16;
        string path = $"{video}.ref{step}";
        if (File.Exists(path)) return path;

        using var decoder = new TurboJpegDecoder();
        using var input = new MjpegStreamReader(File.OpenRead(video));
        using (var output = File.Create(path + ".tmp"))
        {
            byte[]? rgb = null;
            bool header = false;
            while (input.ReadNext(out ReadOnlySpan<byte> jpeg) == MjpegReadResult.Frame)
            {
                if (decoder.Decode(jpeg) != JpegDecodeResult.Decoded) throw new InvalidDataException($"{video}: {decoder.LastError}");
                if (!header)
                {
                    (width, height) = (decoder.Width, decoder.Height);
                    output.Write(System.Text.Encoding.ASCII.GetBytes($"KVMREF1\n{width} {height} {frames} {step}\n"));
                    rgb = new byte[width * 3];
                    header = true;
                }
                ReadOnlySpan<byte> bgrx = decoder.Pixels;
                for (int y = 0; y < height; y += step)
                {
                    ReadOnlySpan<byte> row = bgrx.Slice(y * decoder.Stride, width * 4);
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
