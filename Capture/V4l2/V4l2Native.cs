// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;

namespace KvmPi.Vnc.Capture.V4l2;

/// <summary>
/// The libc calls V4L2 capture needs (open, close, ioctl, mmap, munmap, poll), bound with source-generated P/Invoke,
/// and the ioctl request numbers, computed from the C# struct sizes as the kernel's <c>_IOC</c> macro does.
/// </summary>
/// <remarks>
/// Struct layouts reproduce the C ABI on x86-64 and arm64 (measured: docs stack-notes §4); v4l2_buffer and
/// v4l2_event hold a timeval/timespec of <c>nint</c>, so on 32-bit ARM they take the time32 layout the kernel also
/// accepts, and the request numbers follow because they are computed from <c>sizeof</c>. Flag and errno values are
/// the Linux generic ABI, the same on all three.
/// </remarks>
internal static unsafe partial class V4l2Native
{
    private const string Library = "libc";

    public const int O_RDWR = 0x2;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;

    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int ENXIO = 6;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ENOTTY = 25;
    public const int ERANGE = 34;
    public const int ENOLCK = 37;
    public const int ENOSYS = 38;
    public const int ENODATA = 61;
    public const int ENOLINK = 67;

    public const short POLLIN = 0x1;
    public const short POLLPRI = 0x2;
    public const short POLLERR = 0x8;
    public const short POLLHUP = 0x10;
    public const short POLLNVAL = 0x20;

    public const int PROT_READ = 0x1;
    public const int PROT_WRITE = 0x2;
    public const int MAP_SHARED = 0x1;
    public static readonly nint MapFailed = -1;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true)]
    public static partial int Open(byte* nullTerminatedPath, int flags, int mode);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, void* argument);

    [LibraryImport(Library, EntryPoint = "mmap", SetLastError = true)]
    public static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport(Library, EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(nint address, nuint length);

    [LibraryImport(Library, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    // _IOC(dir, 'V', nr, size): dir in bits 30-31 (1 write, 2 read), size in bits 16-29, 'V' in 8-15, nr in 0-7.
    private static nuint Ioc(uint direction, uint number, int size) =>
        (nuint)(direction << 30 | (uint)size << 16 | (uint)'V' << 8 | number);
    private static nuint Ior<T>(uint number) where T : unmanaged => Ioc(2, number, sizeof(T));
    private static nuint Iow<T>(uint number) where T : unmanaged => Ioc(1, number, sizeof(T));
    private static nuint Iowr<T>(uint number) where T : unmanaged => Ioc(3, number, sizeof(T));

    public static readonly nuint VIDIOC_QUERYCAP = Ior<V4l2Capability>(0);
    public static readonly nuint VIDIOC_ENUM_FMT = Iowr<V4l2FormatDescription>(2);
    public static readonly nuint VIDIOC_G_FMT = Iowr<V4l2Format>(4);
    public static readonly nuint VIDIOC_S_FMT = Iowr<V4l2Format>(5);
    public static readonly nuint VIDIOC_REQBUFS = Iowr<V4l2RequestBuffers>(8);
    public static readonly nuint VIDIOC_QUERYBUF = Iowr<V4l2Buffer>(9);
    public static readonly nuint VIDIOC_QBUF = Iowr<V4l2Buffer>(15);
    public static readonly nuint VIDIOC_DQBUF = Iowr<V4l2Buffer>(17);
    public static readonly nuint VIDIOC_STREAMON = Iow<int>(18);
    public static readonly nuint VIDIOC_STREAMOFF = Iow<int>(19);
    public static readonly nuint VIDIOC_G_PARM = Iowr<V4l2StreamParameters>(21);
    public static readonly nuint VIDIOC_S_PARM = Iowr<V4l2StreamParameters>(22);
    public static readonly nuint VIDIOC_ENUMINPUT = Iowr<V4l2Input>(26);
    public static readonly nuint VIDIOC_G_INPUT = Ior<int>(38);
    public static readonly nuint VIDIOC_ENUM_FRAMESIZES = Iowr<V4l2FrameSizeEnum>(74);
    public static readonly nuint VIDIOC_ENUM_FRAMEINTERVALS = Iowr<V4l2FrameIntervalEnum>(75);
    public static readonly nuint VIDIOC_S_DV_TIMINGS = Iowr<V4l2DvTimings>(87);
    public static readonly nuint VIDIOC_G_DV_TIMINGS = Iowr<V4l2DvTimings>(88);
    public static readonly nuint VIDIOC_DQEVENT = Ior<V4l2Event>(89);
    public static readonly nuint VIDIOC_SUBSCRIBE_EVENT = Iow<V4l2EventSubscription>(90);
    public static readonly nuint VIDIOC_QUERY_DV_TIMINGS = Ior<V4l2DvTimings>(99);

    public const uint BufTypeVideoCapture = 1;
    public const uint MemoryMmap = 1;
    public const uint FieldNone = 1;

    public const uint CapVideoCapture = 0x1;
    public const uint CapVideoCaptureMplane = 0x1000;
    public const uint CapStreaming = 0x0400_0000;
    public const uint CapDeviceCaps = 0x8000_0000;

    public const uint InputCapDvTimings = 0x2;
    public const uint InStatusNoPower = 0x1;
    public const uint InStatusNoSignal = 0x2;
    public const uint InStatusNoHLock = 0x100;
    public const uint InStatusNoVLock = 0x400;
    public const uint InStatusNoSync = 0x1_0000;

    public const uint BufFlagError = 0x40;
    public const uint FmtFlagCompressed = 0x1;

    public const uint FrameSizeDiscrete = 1;
    public const uint FrameIntervalDiscrete = 1;

    public const uint EventSourceChange = 5;
    public const uint EventSourceChangeResolution = 1;

    public const uint CapTimePerFrame = 0x1000;
}
