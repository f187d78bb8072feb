// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.IntegrationTests.Support;

/// <summary>Tesseract OCR of a screenshot. The image is also read at 2x and 3x scale (grey), which helps with small
/// console fonts; the texts of all passes are returned together.</summary>
public static class Ocr
{
    public static async Task<string> ReadAsync(string pngPath)
    {
        Tools.Require("tesseract", "convert");
        var texts = new List<string>();
        foreach (int scale in new[] { 100, 200, 300 })
        {
            string input = pngPath;
            if (scale != 100)
            {
                input = $"{pngPath}.x{scale}.png";
                var c = await ProcessRunner.RunAsync("convert", [pngPath, "-colorspace", "Gray", "-resize", $"{scale}%", input], TimeSpan.FromSeconds(60));
                if (c.ExitCode != 0)
                    throw new InvalidOperationException("convert failed: " + c);
            }
            var r = await ProcessRunner.RunAsync("tesseract", [input, "stdout", "--psm", "3"], TimeSpan.FromSeconds(120));
            if (r.ExitCode != 0)
                throw new InvalidOperationException("tesseract failed: " + r);
            texts.Add(r.StdOut);
        }
        return string.Join("\n----\n", texts);
    }

    /// <summary>One tesseract pass at one scale (grey): for a known, cropped region, much faster than <see cref="ReadAsync"/>.</summary>
    public static async Task<string> ReadOnceAsync(string pngPath, int scalePercent)
    {
        Tools.Require("tesseract", "convert");
        string input = $"{pngPath}.x{scalePercent}.png";
        var c = await ProcessRunner.RunAsync("convert", [pngPath, "-colorspace", "Gray", "-resize", $"{scalePercent}%", input], TimeSpan.FromSeconds(60));
        if (c.ExitCode != 0)
            throw new InvalidOperationException("convert failed: " + c);
        var r = await ProcessRunner.RunAsync("tesseract", [input, "stdout", "--psm", "6"], TimeSpan.FromSeconds(120));
        if (r.ExitCode != 0)
            throw new InvalidOperationException("tesseract failed: " + r);
        return r.StdOut;
    }

    /// <summary>Lower case with runs of white space folded to one space, for contains-checks.</summary>
    public static string Normalize(string text) =>
        string.Join(' ', text.ToLowerInvariant().Split((char[])[' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
}
