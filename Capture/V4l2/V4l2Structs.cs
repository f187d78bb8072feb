// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;
using System.Text;

namespace KvmPi.Vnc.Capture.V4l2;

// The structs of linux/videodev2.h that capture uses, laid out as the C ABI (docs stack-notes §4 for the measured
// sizes: v4l2_capability 104, v4l2_format 208 with the union at 8, v4l2_buffer 88, v4l2_dv_timings 132 packed,
// v4l2_event 136 on 64-bit). Reserved fields are kept so the sizes, and so the ioctl numbers, come out right.

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct V4l2Capability
{
    public fixed byte Driver[16];
    public fixed byte Card[32];
    public fixed byte BusInfo[32];
    public uint Version;
    public uint Capabilities;
    public uint DeviceCaps;
    private fixed uint _reserved[3];

    /// <summary>What this node can do: device_caps when the driver fills it (V4L2_CAP_DEVICE_CAPS), else the whole device's.</summary>
    public readonly uint NodeCapabilities => (Capabilities & V4l2Native.CapDeviceCaps) != 0 ? DeviceCaps : Capabilities;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct V4l2FormatDescription
{
    public uint Index;
    public uint Type;
    public uint Flags;
    public fixed byte Description[32];
    public uint PixelFormat;
    public uint MbusCode;
    private fixed uint _reserved[3];
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct V4l2FrameSizeEnum
{
    public uint Index;
    public uint PixelFormat;
    public uint Type;
    // union { discrete {width, height}; stepwise {min_width, max_width, step_width, min_height, max_height, step_height} }
    public fixed uint Size[6];
    private fixed uint _reserved[2];
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct V4l2FrameIntervalEnum
{
    public uint Index;
    public uint PixelFormat;
    public uint Width;
    public uint Height;
    public uint Type;
    // union { discrete {numerator, denominator}; stepwise {min, max, step} as fractions }
    public fixed uint Interval[6];
    private fixed uint _reserved[2];
}

/// <summary>v4l2_pix_format: the single-planar image format (48 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct V4l2PixFormat
{
    public uint Width;
    public uint Height;
    public uint PixelFormat;
    public uint Field;
    public uint BytesPerLine;
    public uint SizeImage;
    public uint Colorspace;
    public uint Private;
    public uint Flags;
    public uint YcbcrEncoding;
    public uint Quantization;
    public uint TransferFunction;
}

/// <summary>v4l2_format: the type, then a 200-byte union aligned to a pointer (the union holds pointers).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct V4l2Format
{
    public uint Type;
    public V4l2FormatUnion Format;
}

[StructLayout(LayoutKind.Explicit, Size = 200)]
internal struct V4l2FormatUnion
{
    [FieldOffset(0)] public V4l2PixFormat Pix;
    [FieldOffset(0)] private nint _alignment;
}

[StructLayout(LayoutKind.Sequential)]
internal struct V4l2RequestBuffers
{
    public uint Count;
    public uint Type;
    public uint Memory;
    public uint Capabilities;
    public uint FlagsAndReserved;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct V4l2Timecode
{
    public uint Type;
    public uint Flags;
    public fixed byte FramesSecondsMinutesHours[4];
    public fixed byte UserBits[4];
}

[StructLayout(LayoutKind.Explicit)]
internal struct V4l2BufferMemory
{
    [FieldOffset(0)] public uint Offset;
    [FieldOffset(0)] public nuint UserPointer;
    [FieldOffset(0)] public nint Planes;
    [FieldOffset(0)] public int Fd;
}

[StructLayout(LayoutKind.Sequential)]
internal struct V4l2Buffer
{
    public uint Index;
    public uint Type;
    public uint BytesUsed;
    public uint Flags;
    public uint Field;
    public nint TimestampSeconds;      // struct timeval
    public nint TimestampMicroseconds;
    public V4l2Timecode Timecode;
    public uint Sequence;
    public uint Memory;
    public V4l2BufferMemory M;
    public uint Length;
    public uint Reserved2;
    public uint RequestFd;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct V4l2Input
{
    public uint Index;
    public fixed byte Name[32];
    public uint Type;
    public uint AudioSet;
    public uint Tuner;
    public ulong Standard;
    public uint Status;
    public uint Capabilities;
    private fixed uint _reserved[3];
}

/// <summary>v4l2_dv_timings with its v4l2_bt_timings, both packed in C (132 bytes, pixelclock unaligned at 20).</summary>
[StructLayout(LayoutKind.Explicit, Size = 132)]
internal struct V4l2DvTimings
{
    [FieldOffset(0)] public uint Type;            // V4L2_DV_BT_656_1120 = 0
    [FieldOffset(4)] public uint Width;
    [FieldOffset(8)] public uint Height;
    [FieldOffset(12)] public uint Interlaced;
    [FieldOffset(16)] public uint Polarities;
    [FieldOffset(20)] public ulong PixelClock;
    [FieldOffset(28)] public uint HFrontPorch;
    [FieldOffset(32)] public uint HSync;
    [FieldOffset(36)] public uint HBackPorch;
    [FieldOffset(40)] public uint VFrontPorch;
    [FieldOffset(44)] public uint VSync;
    [FieldOffset(48)] public uint VBackPorch;
    [FieldOffset(52)] public uint IlVFrontPorch;
    [FieldOffset(56)] public uint IlVSync;
    [FieldOffset(60)] public uint IlVBackPorch;
    [FieldOffset(64)] public uint Standards;
    [FieldOffset(68)] public uint Flags;

    /// <summary>Frames a second from the pixel clock and the total (active + blanking) frame size; 0 if unknown.</summary>
    public readonly double FramesPerSecond
    {
        get
        {
            ulong totalWidth = (ulong)Width + HFrontPorch + HSync + HBackPorch;
            ulong totalHeight = (ulong)Height + VFrontPorch + VSync + VBackPorch;
            if (Interlaced != 0) totalHeight += (ulong)IlVFrontPorch + IlVSync + IlVBackPorch;
            return totalWidth == 0 || totalHeight == 0 ? 0 : (double)PixelClock / (totalWidth * totalHeight) * (Interlaced != 0 ? 2 : 1);
        }
    }

    public readonly bool SameModeAs(in V4l2DvTimings other) =>
        Width == other.Width && Height == other.Height && Interlaced == other.Interlaced && PixelClock == other.PixelClock
        && HFrontPorch == other.HFrontPorch && HSync == other.HSync && HBackPorch == other.HBackPorch
        && VFrontPorch == other.VFrontPorch && VSync == other.VSync && VBackPorch == other.VBackPorch;

    /// <summary>"1920x1080p60" / "1920x1080i50.00"-style text for logs and <c>devices</c>.</summary>
    public readonly string Describe() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{Width}x{Height}{(Interlaced != 0 ? 'i' : 'p')}{FramesPerSecond:0.##}");
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct V4l2EventSubscription
{
    public uint Type;
    public uint Id;
    public uint Flags;
    private fixed uint _reserved[5];
}

[StructLayout(LayoutKind.Explicit, Size = 64)]
internal unsafe struct V4l2EventUnion
{
    [FieldOffset(0)] public uint SourceChanges;     // v4l2_event_src_change.changes
    [FieldOffset(0)] private ulong _alignment;      // the union holds 64-bit members
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct V4l2Event
{
    public uint Type;
    public V4l2EventUnion U;
    public uint Pending;
    public uint Sequence;
    public nint TimestampSeconds;      // struct timespec
    public nint TimestampNanoseconds;
    public uint Id;
    private fixed uint _reserved[8];
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct V4l2StreamParameters
{
    public uint Type;
    // union parm { v4l2_captureparm capture; __u8 raw_data[200]; }
    public uint Capability;
    public uint CaptureMode;
    public uint TimePerFrameNumerator;
    public uint TimePerFrameDenominator;
    public uint ExtendedMode;
    public uint ReadBuffers;
    private fixed byte _rest[200 - 24];
}

/// <summary>Reads the NUL-terminated, possibly unterminated, fixed-size strings V4L2 returns.</summary>
internal static class V4l2Strings
{
    public static unsafe string Read(byte* text, int capacity)
    {
        var span = new ReadOnlySpan<byte>(text, capacity);
        int end = span.IndexOf((byte)0);
        if (end >= 0) span = span[..end];
        var chars = new StringBuilder(span.Length);
        foreach (byte b in span) chars.Append(b is >= 0x20 and < 0x7F ? (char)b : '?');   // driver text, printable ASCII only
        return chars.ToString();
    }
}
