// SPDX-License-Identifier: MIT
using System.Globalization;
using System.Text;

namespace KvmPi.Vnc.IntegrationTests.Support;

/// <summary>
/// An RGB image, 3 bytes per pixel. Images from rfbprobe in narrow pixel formats hold raw channel values
/// (0..<see cref="RedMax"/> etc.), as the PPM comment "# raw R G B" declares.
/// </summary>
public sealed class RgbImage
{
    public RgbImage(int width, int height, byte[] rgb, int redMax = 255, int greenMax = 255, int blueMax = 255)
    {
        if (rgb.Length != width * height * 3)
            throw new ArgumentException($"{rgb.Length} bytes for {width}x{height}");
        Width = width;
        Height = height;
        Rgb = rgb;
        RedMax = redMax;
        GreenMax = greenMax;
        BlueMax = blueMax;
    }

    public int Width { get; }
    public int Height { get; }
    public byte[] Rgb { get; }
    public int RedMax { get; }
    public int GreenMax { get; }
    public int BlueMax { get; }

    public (byte R, byte G, byte B) this[int x, int y]
    {
        get
        {
            int i = (y * Width + x) * 3;
            return (Rgb[i], Rgb[i + 1], Rgb[i + 2]);
        }
    }

    /// <summary>From a BGRX buffer (TurboJPEG's TJPF_BGRX), dropping X.</summary>
    public static RgbImage FromBgrx(int width, int height, ReadOnlySpan<byte> bgrx)
    {
        var rgb = new byte[width * height * 3];
        for (int i = 0, j = 0; i < width * height; i++, j += 4)
        {
            rgb[i * 3] = bgrx[j + 2];
            rgb[i * 3 + 1] = bgrx[j + 1];
            rgb[i * 3 + 2] = bgrx[j];
        }
        return new RgbImage(width, height, rgb);
    }

    /// <summary>Each channel rounded to the nearest value a narrower channel can hold: round(v * max / 255).</summary>
    public RgbImage ReduceTo(int redMax, int greenMax, int blueMax)
    {
        var rgb = new byte[Rgb.Length];
        for (int i = 0; i < Rgb.Length; i += 3)
        {
            rgb[i] = Nearest(Rgb[i], redMax);
            rgb[i + 1] = Nearest(Rgb[i + 1], greenMax);
            rgb[i + 2] = Nearest(Rgb[i + 2], blueMax);
        }
        return new RgbImage(Width, Height, rgb, redMax, greenMax, blueMax);
    }

    // 255 is odd and v*max*2 is even, so v*max/255 is never exactly halfway: the nearest value is unique.
    private static byte Nearest(byte v, int max) => (byte)((v * max * 2 + 255) / 510);

    public RgbImage Crop(int x0, int y0, int width, int height)
    {
        var rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
            Array.Copy(Rgb, ((y0 + y) * Width + x0) * 3, rgb, y * width * 3, width * 3);
        return new RgbImage(width, height, rgb, RedMax, GreenMax, BlueMax);
    }

    public static RgbImage LoadPpm(string path)
    {
        byte[] data = File.ReadAllBytes(path);
        int pos = 0;
        int redMax = 255, greenMax = 255, blueMax = 255;
        string Token()
        {
            while (true)
            {
                while (pos < data.Length && char.IsWhiteSpace((char)data[pos]))
                    pos++;
                if (pos < data.Length && data[pos] == '#')
                {
                    int start = pos;
                    while (pos < data.Length && data[pos] != '\n')
                        pos++;
                    string comment = Encoding.ASCII.GetString(data, start, pos - start);
                    string[] parts = comment.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length == 5 && parts[1] == "raw")
                    {
                        redMax = int.Parse(parts[2], CultureInfo.InvariantCulture);
                        greenMax = int.Parse(parts[3], CultureInfo.InvariantCulture);
                        blueMax = int.Parse(parts[4], CultureInfo.InvariantCulture);
                    }
                    continue;
                }
                int s = pos;
                while (pos < data.Length && !char.IsWhiteSpace((char)data[pos]))
                    pos++;
                return Encoding.ASCII.GetString(data, s, pos - s);
            }
        }
        if (Token() != "P6")
            throw new InvalidDataException(path + " is not a binary PPM (P6)");
        int w = int.Parse(Token(), CultureInfo.InvariantCulture);
        int h = int.Parse(Token(), CultureInfo.InvariantCulture);
        int maxval = int.Parse(Token(), CultureInfo.InvariantCulture);
        if (maxval != 255)
            throw new InvalidDataException($"{path}: maxval {maxval} is not supported");
        pos++; // the single whitespace after maxval
        if (data.Length - pos < w * h * 3)
            throw new InvalidDataException($"{path}: {data.Length - pos} bytes of pixels for {w}x{h}");
        return new RgbImage(w, h, data.AsSpan(pos, w * h * 3).ToArray(), redMax, greenMax, blueMax);
    }

    /// <summary>Any image ImageMagick reads (PNG from gvnccapture or import), converted to PPM first.</summary>
    public static async Task<RgbImage> LoadAsync(string path)
    {
        if (path.EndsWith(".ppm", StringComparison.OrdinalIgnoreCase))
            return LoadPpm(path);
        Tools.Require("convert");
        string ppm = path + ".ppm";
        var r = await ProcessRunner.RunAsync("convert", [path, "-alpha", "off", "-depth", "8", ppm], TimeSpan.FromSeconds(60));
        if (r.ExitCode != 0)
            throw new InvalidOperationException("convert failed: " + r);
        return LoadPpm(ppm);
    }

    public async Task SavePngAsync(string path)
    {
        string ppm = path + ".ppm";
        await using (var f = File.Create(ppm))
        {
            byte[] header = Encoding.ASCII.GetBytes($"P6\n{Width} {Height}\n255\n");
            await f.WriteAsync(header);
            await f.WriteAsync(Rgb);
        }
        var r = await ProcessRunner.RunAsync("convert", [ppm, path], TimeSpan.FromSeconds(60));
        if (r.ExitCode != 0)
            throw new InvalidOperationException("convert failed: " + r);
    }

    /// <summary>Number of pixels that differ, and a description of the first few.</summary>
    public static (long Count, string Description) Compare(RgbImage expected, RgbImage actual, int limit = 5)
    {
        if (expected.Width != actual.Width || expected.Height != actual.Height)
            return (long.MaxValue, $"size differs: expected {expected.Width}x{expected.Height}, actual {actual.Width}x{actual.Height}");
        long count = 0;
        var sb = new StringBuilder();
        for (int y = 0; y < expected.Height; y++)
        {
            for (int x = 0; x < expected.Width; x++)
            {
                var e = expected[x, y];
                var a = actual[x, y];
                if (e != a)
                {
                    if (count < limit)
                        sb.Append(CultureInfo.InvariantCulture, $"({x},{y}): expected {e.R},{e.G},{e.B} actual {a.R},{a.G},{a.B}; ");
                    count++;
                }
            }
        }
        return (count, count == 0 ? "identical" : $"{count} of {expected.Width * expected.Height} pixels differ, first: {sb}");
    }

    /// <summary>Peak signal-to-noise ratio over all R, G, B bytes (8-bit images of one size); infinity when equal.</summary>
    public static double Psnr(RgbImage a, RgbImage b)
    {
        if (a.Width != b.Width || a.Height != b.Height) return 0;
        double sum = 0;
        for (int i = 0; i < a.Rgb.Length; i++)
        {
            int d = a.Rgb[i] - b.Rgb[i];
            sum += d * d;
        }
        return sum == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 * a.Rgb.Length / sum);
    }

    /// <summary>Asserts pixel equality; on failure both images are saved as PNG under <paramref name="dir"/>.</summary>
    public static async Task AssertEqualAsync(RgbImage expected, RgbImage actual, string what, TempDir? dir = null)
    {
        var (count, description) = Compare(expected, actual);
        if (count == 0)
            return;
        string where = "";
        if (dir != null && expected.Width == actual.Width && expected.RedMax == 255 && actual.RedMax == 255)
        {
            string keep = Path.Combine(Path.GetTempPath(), "kvmpi-it-failures");
            Directory.CreateDirectory(keep);
            string safe = new string(what.Select(c => char.IsLetterOrDigit(c) ? c : '_').Take(60).ToArray());
            string stem = Path.Combine(keep, $"{safe}-{Guid.NewGuid():N}"[..(safe.Length + 9)]);
            try
            {
                await expected.SavePngAsync(stem + "-expected.png");
                await actual.SavePngAsync(stem + "-actual.png");
                where = $" (saved {stem}-expected.png and -actual.png)";
            }
            catch (InvalidOperationException) { }
        }
        Assert.Fail($"{what}: {description}{where}");
    }
}
