// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;
using System.Text;
using static KvmPi.Vnc.Capture.V4l2.V4l2Native;

namespace KvmPi.Vnc.Capture.V4l2;

/// <summary>
/// One open V4L2 video node (non-blocking), with the typed ioctls capture uses. Every failure is a
/// <see cref="V4l2Exception"/> carrying the errno; "not supported" answers are returned as false instead where a
/// device may legitimately lack the feature (DV timings, events, frame rates). Not thread-safe.
/// </summary>
internal sealed unsafe class V4l2Device : IDisposable
{
    private int _fd;

    private V4l2Device(string path, int fd)
    {
        Path = path;
        _fd = fd;
    }

    public string Path { get; }
    public int Fd => _fd;

    public static V4l2Device Open(string path)
    {
        int byteCount = Encoding.UTF8.GetByteCount(path);
        Span<byte> native = byteCount < 512 ? stackalloc byte[byteCount + 1] : new byte[byteCount + 1];
        Encoding.UTF8.GetBytes(path, native);
        native[byteCount] = 0;
        int fd;
        fixed (byte* p = native)
            fd = V4l2Native.Open(p, O_RDWR | O_NONBLOCK | O_CLOEXEC, 0);
        if (fd < 0) throw new V4l2Exception($"open {path}", Marshal.GetLastPInvokeError());
        return new V4l2Device(path, fd);
    }

    /// <summary>ioctl, retried on EINTR. Returns 0 or the errno.</summary>
    public int TryIoctl(nuint request, void* argument)
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        while (true)
        {
            if (Ioctl(_fd, request, argument) == 0) return 0;
            int errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR) return errno;
        }
    }

    public void IoctlOrThrow(nuint request, void* argument, string what)
    {
        int errno = TryIoctl(request, argument);
        if (errno != 0) throw new V4l2Exception($"{what} on {Path}", errno);
    }

    public V4l2Capability QueryCapabilities()
    {
        V4l2Capability cap;
        IoctlOrThrow(VIDIOC_QUERYCAP, &cap, "VIDIOC_QUERYCAP");
        return cap;
    }

    /// <summary>Whether the node captures single-planar video with streaming I/O (what this server reads).</summary>
    public static bool CanCapture(in V4l2Capability cap) =>
        (cap.NodeCapabilities & CapVideoCapture) != 0 && (cap.NodeCapabilities & CapStreaming) != 0;

    public List<V4l2FormatDescription> EnumerateFormats()
    {
        var formats = new List<V4l2FormatDescription>();
        for (uint i = 0; i < 64; i++)
        {
            var d = new V4l2FormatDescription { Index = i, Type = BufTypeVideoCapture };
            if (TryIoctl(VIDIOC_ENUM_FMT, &d) != 0) break;
            formats.Add(d);
        }
        return formats;
    }

    /// <summary>Discrete sizes, or for a stepwise/continuous range its minimum and maximum.</summary>
    public List<(uint Width, uint Height)> EnumerateSizes(uint pixelFormat)
    {
        var sizes = new List<(uint, uint)>();
        for (uint i = 0; i < 256; i++)
        {
            var e = new V4l2FrameSizeEnum { Index = i, PixelFormat = pixelFormat };
            if (TryIoctl(VIDIOC_ENUM_FRAMESIZES, &e) != 0) break;
            if (e.Type == FrameSizeDiscrete)
            {
                sizes.Add((e.Size[0], e.Size[1]));
                continue;
            }
            sizes.Add((e.Size[0], e.Size[3]));   // min_width, min_height
            sizes.Add((e.Size[1], e.Size[4]));   // max_width, max_height
            break;
        }
        return sizes;
    }

    /// <summary>Frame rates (frames a second) offered for one size; discrete intervals only, ranges as their ends.</summary>
    public List<double> EnumerateFrameRates(uint pixelFormat, uint width, uint height)
    {
        var rates = new List<double>();
        for (uint i = 0; i < 64; i++)
        {
            var e = new V4l2FrameIntervalEnum { Index = i, PixelFormat = pixelFormat, Width = width, Height = height };
            if (TryIoctl(VIDIOC_ENUM_FRAMEINTERVALS, &e) != 0) break;
            if (e.Interval[0] != 0) rates.Add((double)e.Interval[1] / e.Interval[0]);
            if (e.Type != FrameIntervalDiscrete)
            {
                if (e.Interval[2] != 0) rates.Add((double)e.Interval[3] / e.Interval[2]);
                break;
            }
        }
        return rates;
    }

    public V4l2PixFormat GetFormat()
    {
        var f = new V4l2Format { Type = BufTypeVideoCapture };
        IoctlOrThrow(VIDIOC_G_FMT, &f, "VIDIOC_G_FMT");
        return f.Format.Pix;
    }

    /// <summary>S_FMT; the driver adjusts what it cannot do, so the result says what was actually set.</summary>
    public V4l2PixFormat SetFormat(uint pixelFormat, uint width, uint height)
    {
        var f = new V4l2Format { Type = BufTypeVideoCapture };
        f.Format.Pix = new V4l2PixFormat { Width = width, Height = height, PixelFormat = pixelFormat, Field = FieldNone };
        IoctlOrThrow(VIDIOC_S_FMT, &f, "VIDIOC_S_FMT");
        return f.Format.Pix;
    }

    /// <summary>Asks for a frame rate (S_PARM); false when the driver has no rate control (HDMI bridges follow the source).</summary>
    public bool TrySetFrameRate(int framesPerSecond)
    {
        var p = new V4l2StreamParameters { Type = BufTypeVideoCapture };
        if (TryIoctl(VIDIOC_G_PARM, &p) != 0 || (p.Capability & CapTimePerFrame) == 0) return false;
        p.TimePerFrameNumerator = 1;
        p.TimePerFrameDenominator = (uint)framesPerSecond;
        return TryIoctl(VIDIOC_S_PARM, &p) == 0;
    }

    public bool TryGetFrameRate(out double framesPerSecond)
    {
        framesPerSecond = 0;
        var p = new V4l2StreamParameters { Type = BufTypeVideoCapture };
        if (TryIoctl(VIDIOC_G_PARM, &p) != 0 || p.TimePerFrameNumerator == 0) return false;
        framesPerSecond = (double)p.TimePerFrameDenominator / p.TimePerFrameNumerator;
        return true;
    }

    /// <summary>The current input and its status bits (V4L2_IN_ST_*); false when the driver has no inputs to ask.</summary>
    public bool TryGetInput(out V4l2Input input)
    {
        input = default;
        int index = 0;
        if (TryIoctl(VIDIOC_G_INPUT, &index) != 0) index = 0;
        var i = new V4l2Input { Index = (uint)index };
        if (TryIoctl(VIDIOC_ENUMINPUT, &i) != 0) return false;
        input = i;
        return true;
    }

    /// <summary>QUERY_DV_TIMINGS: 0 with the detected timings, or the errno (ENOLINK no signal, ENOLCK no lock,
    /// ERANGE out of range, ENOTTY/ENODATA not an HDMI-style input).</summary>
    public int QueryDvTimings(out V4l2DvTimings timings)
    {
        V4l2DvTimings t = default;
        int errno = TryIoctl(VIDIOC_QUERY_DV_TIMINGS, &t);
        timings = t;
        return errno;
    }

    public bool TryGetDvTimings(out V4l2DvTimings timings)
    {
        V4l2DvTimings t = default;
        bool ok = TryIoctl(VIDIOC_G_DV_TIMINGS, &t) == 0;
        timings = t;
        return ok;
    }

    public void SetDvTimings(in V4l2DvTimings timings)
    {
        V4l2DvTimings t = timings;
        IoctlOrThrow(VIDIOC_S_DV_TIMINGS, &t, "VIDIOC_S_DV_TIMINGS");
    }

    /// <summary>Subscribes to source-change events of the current input; false when the driver has none (most UVC dongles).</summary>
    public bool TrySubscribeSourceChange(uint inputIndex)
    {
        var s = new V4l2EventSubscription { Type = EventSourceChange, Id = inputIndex };
        return TryIoctl(VIDIOC_SUBSCRIBE_EVENT, &s) == 0;
    }

    /// <summary>Takes all pending events; returns whether a source change was among them.</summary>
    public bool DrainEvents()
    {
        bool sourceChanged = false;
        for (int i = 0; i < 64; i++)
        {
            V4l2Event e = default;
            if (TryIoctl(VIDIOC_DQEVENT, &e) != 0) break;
            if (e.Type == EventSourceChange) sourceChanged = true;
        }
        return sourceChanged;
    }

    /// <summary>poll() for a frame (POLLIN) or an event (POLLPRI). Returns revents, 0 on timeout.</summary>
    public short Poll(int timeoutMilliseconds)
    {
        var p = new PollFd { Fd = _fd, Events = POLLIN | POLLPRI };
        int r = V4l2Native.Poll(&p, 1, timeoutMilliseconds);
        if (r < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR) return 0;
            throw new V4l2Exception($"poll on {Path}", errno);
        }
        return r == 0 ? (short)0 : p.Revents;
    }

    public void Dispose()
    {
        if (_fd >= 0) V4l2Native.Close(_fd);
        _fd = -1;
    }
}
