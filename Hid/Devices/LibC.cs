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

    public const short POLLOUT = 0x4;

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

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);
}
