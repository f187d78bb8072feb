// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;

namespace KvmPi.Vnc.Hid.Devices;

/// <summary>
/// Reads the boot keyboard's LED output reports (1 byte: bit 0 Num Lock, 1 Caps Lock, 2 Scroll Lock, 3 Compose,
/// 4 Kana) that the target's host sends to the gadget, and reports each change. One background thread; never blocks
/// its caller.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>Character devices only.</b> /dev/hidgN hands out what the host sent; a FIFO or a regular file named by
///   --keyboard holds the server's own input reports, which read back as LED bytes would be nonsense. Anything but a
///   character device is logged once and left alone.</item>
/// <item><b>Absent or replaced device.</b> Opened O_NONBLOCK and polled with a short timeout; a missing node is retried
///   every <see cref="RetryDelayMs"/>, and on every quiet poll the path is checked to still be the node that is open
///   (a gadget taken down and made again has a new node), so the reader follows the device without a restart.</item>
/// <item><b>Changes only.</b> The host repeats the LED report when it re-enumerates; only a value different from the
///   last one reported (or the first one) reaches <c>onChanged</c>, which runs on the reader thread.</item>
/// </list>
/// </remarks>
public sealed class KeyboardLedReader : IDisposable
{
    internal const int PollTimeoutMs = 250;
    internal const int RetryDelayMs = 500;

    private readonly string _path;
    private readonly byte[] _nullTerminatedPath;
    private readonly Action<byte> _onChanged;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _stop = new(false);
    private LogRateLimiter _errorLog = new(HidDeviceWriter.LogIntervalMs);
    private int _last = -1;

    /// <param name="path">The keyboard's /dev/hidgN.</param>
    /// <param name="onChanged">Called on the reader thread with the new LED byte (HID bit order).</param>
    public KeyboardLedReader(string path, Action<byte> onChanged, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(onChanged);
        ArgumentNullException.ThrowIfNull(logger);
        _path = path;
        _nullTerminatedPath = Encoding.UTF8.GetBytes(path + "\0");
        _onChanged = onChanged;
        _logger = logger;
        _thread = new Thread(Run) { IsBackground = true, Name = "hid-leds " + Path.GetFileName(path) };
        _thread.Start();
    }

    public void Dispose()
    {
        _stop.Set();
        _thread.Join(PollTimeoutMs * 4);
    }

    private void Run()
    {
        while (!_stop.IsSet)
        {
            int fd = Open();
            if (fd == -2)
                return;   // not a character device: nothing to read, ever
            if (fd < 0)
            {
                _stop.Wait(RetryDelayMs);
                continue;
            }
            try
            {
                ReadUntilGone(fd);
            }
            finally
            {
                LibC.Close(fd);
            }
            _stop.Wait(RetryDelayMs);
        }
    }

    /// <returns>The fd; -1 to retry later; -2 if the path is not a character device.</returns>
    private unsafe int Open()
    {
        // Look before opening: opening a FIFO, even briefly, would make the server a reader of its own reports.
        bool? isCharDevice = DeviceNode.IsCharDevice(_path);
        if (isCharDevice == false)
        {
            HidLog.LedNotCharDevice(_logger, _path);
            return -2;
        }
        if (isCharDevice is null)
            return -1;   // not there (yet): the gadget is not up; the writer logs that already
        int fd;
        fixed (byte* path = _nullTerminatedPath)
            fd = LibC.Open(path, LibC.O_RDONLY | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (_errorLog.TryAcquire())
                HidLog.LedOpenFailed(_logger, _path, errno);
            return -1;
        }
        if (!DeviceNode.IsCharDevice(fd))
        {
            LibC.Close(fd);
            HidLog.LedNotCharDevice(_logger, _path);
            return -2;
        }
        _errorLog.Reset();
        return fd;
    }

    private unsafe void ReadUntilGone(int fd)
    {
        byte* buffer = stackalloc byte[64];   // one output report; f_hid hands out at most one per read
        while (!_stop.IsSet)
        {
            var pollFd = new LibC.PollFd { Fd = fd, Events = LibC.POLLIN };
            int ready = LibC.Poll(&pollFd, 1, PollTimeoutMs);
            if (ready == 0 || (ready < 0 && Marshal.GetLastPInvokeError() == LibC.EINTR))
            {
                if (!StillTheOpenNode(fd))
                    return;
                continue;
            }
            nint n = LibC.Read(fd, buffer, 64);
            if (n > 0)
            {
                byte leds = buffer[0];
                if (leds != _last)
                {
                    _last = leds;
                    HidLog.LedsChanged(_logger, _path, leds);
                    _onChanged(leds);
                }
                continue;
            }
            int errno = n < 0 ? Marshal.GetLastPInvokeError() : 0;
            if (errno is LibC.EAGAIN or LibC.EINTR)
            {
                // Poll said readable but nothing came: the function is between host connections. Do not spin.
                if (!StillTheOpenNode(fd))
                    return;
                _stop.Wait(PollTimeoutMs);
                continue;
            }
            if (_errorLog.TryAcquire())
                HidLog.LedReadFailed(_logger, _path, errno);
            return;
        }
    }

    /// <summary>Whether the path still names the device that <paramref name="fd"/> has open.</summary>
    private unsafe bool StillTheOpenNode(int fd)
    {
        LibC.Statx open, named;
        byte empty = 0;
        if (LibC.StatxCall(fd, &empty, LibC.AT_EMPTY_PATH, LibC.STATX_TYPE | LibC.STATX_INO, &open) != 0)
            return false;
        fixed (byte* path = _nullTerminatedPath)
        {
            if (LibC.StatxCall(LibC.AT_FDCWD, path, 0, LibC.STATX_TYPE | LibC.STATX_INO, &named) != 0)
                return false;
        }
        return open.Inode == named.Inode && open.RdevMajor == named.RdevMajor && open.RdevMinor == named.RdevMinor;
    }
}
