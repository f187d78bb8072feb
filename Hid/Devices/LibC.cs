// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;

namespace KvmPi.Vnc.Hid.Devices;

/// <summary>
/// The few Linux libc calls the device writer needs. Raw file descriptors rather than FileStream because a report
/// must leave in exactly one write() (a gadget takes one report per write; FileStream may buffer or split), the
/// writer needs O_NONBLOCK on open and write, and it needs the errno of every failure.
/// </summary>
/// <remarks>
/// Flag and errno values are the Linux generic ABI, identical on x86-64, arm64 and 32-bit ARM (asm-generic/fcntl.h,
/// asm-generic/errno-base.h, asm-generic/errno.h). open() is variadic in C; passing the mode as a plain int is the
/// Linux calling convention for it on these architectures.
/// </remarks>
internal static unsafe partial class LibC
{
    private const string Library = "libc";

    public const int O_RDONLY = 0x0;
    public const int O_WRONLY = 0x1;
    public const int O_CREAT = 0x40;       // 0100
    public const int O_APPEND = 0x400;     // 02000
    public const int O_NONBLOCK = 0x800;   // 04000
    public const int O_CLOEXEC = 0x80000;  // 02000000

    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int ENXIO = 6;            // O_NONBLOCK open of a FIFO that has no reader
    public const int EAGAIN = 11;          // gadget: previous report not yet taken by the host; FIFO: pipe full
    public const int EPIPE = 32;           // FIFO reader went away (SIGPIPE is ignored by the .NET runtime)
    public const int ESHUTDOWN = 108;      // gadget endpoint disabled: host disconnected or UDC unbound

    public const short POLLIN = 0x1;
    public const short POLLOUT = 0x4;

    public const int AT_FDCWD = -100;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const int AT_EMPTY_PATH = 0x1000;
    public const uint STATX_TYPE = 0x1;
    public const uint STATX_INO = 0x100;
    public const int S_IFMT = 0xF000;
    public const int S_IFCHR = 0x2000;

    /// <summary>
    /// struct statx (linux/stat.h): the same layout on every architecture, unlike struct stat, which is why it is used
    /// for the device type and number. Only the fields read here are named; the struct is 256 bytes.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    public struct Statx
    {
        [FieldOffset(0)] public uint Mask;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Inode;
        [FieldOffset(128)] public uint RdevMajor;
        [FieldOffset(132)] public uint RdevMinor;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true)]
    public static partial int Open(byte* nullTerminatedPath, int flags, int mode);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    /// <summary>statx(2), in glibc since 2.28.</summary>
    [LibraryImport(Library, EntryPoint = "statx", SetLastError = true)]
    public static partial int StatxCall(int dirFd, byte* nullTerminatedPath, int flags, uint mask, Statx* result);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);
}
