// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;

namespace KvmPi.Vnc.Tests.Hid;

/// <summary>
/// A named pipe in a temporary directory, and a reader for it on a raw fd. The reader opens O_NONBLOCK so that
/// opening never waits for the writer (a blocking open would race the device writer's own non-blocking open), and
/// waits for data with poll(); every read asks for exactly one report so a test can check reports arrive whole.
/// </summary>
internal static unsafe partial class Fifo
{
    private const int O_RDONLY = 0, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000, EAGAIN = 11;
    private const short POLLIN = 0x1;

    public static string Create()
    {
        string directory = Directory.CreateTempSubdirectory("kvmpi-hid-").FullName;
        string path = Path.Combine(directory, "hidg");
        if (MkFifo(path, 0x180 /* 0600 */) != 0)
            throw new IOException($"mkfifo {path}: errno {Marshal.GetLastPInvokeError()}");
        return path;
    }

    public sealed class Reader : IDisposable
    {
        private int _fd;

        public Reader(string path)
        {
            _fd = Open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
            if (_fd < 0)
                throw new IOException($"open {path}: errno {Marshal.GetLastPInvokeError()}");
        }

        /// <summary>Reads one report of <paramref name="length"/> bytes; null if none arrives in time.</summary>
        /// <exception cref="Xunit.Sdk.XunitException">A read returned part of a report.</exception>
        public byte[]? ReadReport(int length, int timeoutMs)
        {
            long deadline = Environment.TickCount64 + timeoutMs;
            var buffer = new byte[length];
            while (true)
            {
                nint n;
                fixed (byte* p = buffer)
                    n = ReadFd(_fd, p, (nuint)length);
                if (n == length)
                    return buffer;
                if (n > 0)
                    Assert.Fail($"read() returned {n} bytes: a report was split");
                if (n < 0 && Marshal.GetLastPInvokeError() != EAGAIN)
                    Assert.Fail($"read() failed: errno {Marshal.GetLastPInvokeError()}");

                // n == 0 (no writer yet / writer gone) or EAGAIN (writer, no data): wait.
                int remaining = (int)(deadline - Environment.TickCount64);
                if (remaining <= 0)
                    return null;
                if (n == 0)
                {
                    Thread.Sleep(Math.Min(remaining, 2)); // poll() on a writer-less FIFO returns at once (POLLHUP)
                    continue;
                }
                var pfd = new PollFd { Fd = _fd, Events = POLLIN };
                Poll(&pfd, 1, remaining);
            }
        }

        public void Dispose()
        {
            if (_fd >= 0)
                CloseFd(_fd);
            _fd = -1;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MkFifo(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint ReadFd(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int CloseFd(int fd);

    [LibraryImport("libc", EntryPoint = "poll")]
    private static partial int Poll(PollFd* fds, nuint count, int timeoutMs);
}
