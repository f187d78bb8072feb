// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Capture.V4l2;

/// <summary>V4L2 pixel format codes (four ASCII characters, little-endian in a uint) and their safe printing.</summary>
public static class FourCc
{
    /// <summary>V4L2_PIX_FMT_FLAG_BE... as in <c>v4l2_fourcc_be</c>: bit 31 marks the big-endian variant of a format.</summary>
    public const uint BigEndianFlag = 1u << 31;

    public static readonly uint Mjpeg = Make("MJPG");
    public static readonly uint Jpeg = Make("JPEG");
    public static readonly uint Yuyv = Make("YUYV");
    public static readonly uint Uyvy = Make("UYVY");
    public static readonly uint Nv12 = Make("NV12");

    public static uint Make(ReadOnlySpan<char> code) =>
        (uint)code[0] | (uint)code[1] << 8 | (uint)code[2] << 16 | (uint)code[3] << 24;

    /// <summary>
    /// The code as printable text: "YUYV", "RGB5-BE" for a big-endian variant. Any byte outside printable ASCII
    /// (a driver bug, or the BE flag itself) becomes '?', so the result is safe in a log line and in JSON.
    /// </summary>
    public static string ToText(uint code)
    {
        bool bigEndian = (code & BigEndianFlag) != 0;
        uint plain = code & ~BigEndianFlag;
        Span<char> text = stackalloc char[7];
        int length = 4;
        for (int i = 0; i < 4; i++)
        {
            uint b = plain >> (8 * i) & 0xFF;
            text[i] = b is >= 0x20 and < 0x7F && b != '"' && b != '\\' ? (char)b : '?';
        }
        // Short codes are padded with spaces ("Y8  "); trailing spaces say nothing.
        while (length > 1 && text[length - 1] == ' ') length--;
        if (bigEndian)
        {
            "-BE".CopyTo(text[length..]);
            length += 3;
        }
        return new string(text[..length]);
    }
}
