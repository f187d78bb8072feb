// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Pixels;

namespace KvmPi.Vnc.Tests.Rfb.Pixels;

/// <summary>The client pixel formats the encoder and translator tests run over (rfb-notes §2.6).</summary>
internal static class TestPixelFormats
{
    /// <summary>The server's own format, which TigerVNC's viewer also uses natively.</summary>
    public static readonly PixelFormat Bgrx32 = PixelFormat.Bgrx32;

    /// <summary>noVNC's fixed request: 32 bpp depth 24 little-endian, red shift 0 (RGBX in memory).</summary>
    public static readonly PixelFormat Rgbx32NoVnc = new(32, 24, false, true, 255, 255, 255, 0, 8, 16);

    /// <summary>32 bpp big-endian, shifts 16/8/0 (a big-endian viewer's native format: X R G B on the wire).</summary>
    public static readonly PixelFormat Xrgb32BigEndian = new(32, 24, true, true, 255, 255, 255, 16, 8, 0);

    /// <summary>32 bpp little-endian with colour in the high three bytes (CPIXEL drops the first wire byte).</summary>
    public static readonly PixelFormat Bgr32High = new(32, 24, false, true, 255, 255, 255, 24, 16, 8);

    /// <summary>32 bpp with channels straddling bytes, so CPIXEL stays 4 bytes.</summary>
    public static readonly PixelFormat Straddling32 = new(32, 24, false, true, 255, 255, 255, 4, 12, 20);

    public static readonly PixelFormat Rgb565LittleEndian = new(16, 16, false, true, 31, 63, 31, 11, 5, 0);
    public static readonly PixelFormat Rgb565BigEndian = new(16, 16, true, true, 31, 63, 31, 11, 5, 0);

    /// <summary>TigerVNC's low-bandwidth 8-bpp format: blue in the top 2 bits, green 3, red 3.</summary>
    public static readonly PixelFormat Bgr233 = new(8, 8, false, true, 7, 7, 3, 0, 3, 6);

    /// <summary>RealVNC's AutoSelect start format (rgb222, depth 6).</summary>
    public static readonly PixelFormat Rgb222 = new(8, 6, false, true, 3, 3, 3, 4, 2, 0);

    public static IEnumerable<(string Name, PixelFormat Format)> All()
    {
        yield return (nameof(Bgrx32), Bgrx32);
        yield return (nameof(Rgbx32NoVnc), Rgbx32NoVnc);
        yield return (nameof(Xrgb32BigEndian), Xrgb32BigEndian);
        yield return (nameof(Bgr32High), Bgr32High);
        yield return (nameof(Straddling32), Straddling32);
        yield return (nameof(Rgb565LittleEndian), Rgb565LittleEndian);
        yield return (nameof(Rgb565BigEndian), Rgb565BigEndian);
        yield return (nameof(Bgr233), Bgr233);
        yield return (nameof(Rgb222), Rgb222);
    }

    public static PixelFormat ByName(string name)
    {
        foreach ((string n, PixelFormat f) in All())
            if (n == name) return f;
        throw new ArgumentException(name);
    }

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach ((string n, _) in All()) data.Add(n);
        return data;
    }
}
