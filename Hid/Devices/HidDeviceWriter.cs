// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;

namespace KvmPi.Vnc.Hid.Devices;

/// <summary>
/// Writes reports to a HID gadget device node, a regular file or a FIFO: one write() per whole report, on a
/// background thread behind a bounded queue so that callers never block on the device (a FIFO with no reader, a
/// target that is off). Opens lazily.
/// </summary>
/// <remarks>
/// What is this? The only place that touches the device. <see cref="Send"/> copies the report into a preallocated
/// ring slot and wakes a dedicated thread; that thread owns the file descriptor and the offline/retry policy
/// (the split kvmd makes between report building and device I/O, style.md row 25).
/// <list type="number">
/// <item><b>Open flags.</b> O_WRONLY | O_NONBLOCK | O_APPEND | O_CLOEXEC, and deliberately no O_CREAT.
///   O_NONBLOCK: a gadget write blocks while the host is asleep or not polling, and a blocking open of a FIFO waits
///   for a reader and cannot be cancelled, which would make <see cref="Dispose"/> unbounded; non-blocking, open fails
///   at once (ENXIO) and write reports EAGAIN, which poll() can wait on with a timeout.
///   O_APPEND: for a regular file every report lands at the end, whole, even if the file is shared or truncated;
///   character devices and FIFOs ignore it. O_CLOEXEC: the fd must not leak into child processes.
///   No O_CREAT under /dev: a missing /dev/hidgN means the gadget is not bound yet, and creating a regular file
///   there would shadow the device node udev creates later, so every report would silently go to a file. A missing
///   path there is retried like any other open failure. Anywhere else a missing path is a report file to create.</item>
/// <item><b>Queue.</b> <see cref="QueueCapacity"/> reports; when full the oldest is dropped (reports are full state,
///   so the newest is always right). Drops are counted and logged at most every <see cref="LogIntervalMs"/>.</item>
/// <item><b>Errors.</b> EAGAIN waits up to <see cref="WritableTimeoutMs"/> in poll() for the device to take the
///   previous report; any other error (EPIPE: FIFO reader gone; ESHUTDOWN: gadget disconnected), a timeout or a
///   short write closes the fd and the writer goes offline: it reopens after a back-off of
///   <see cref="MinReopenDelayMs"/> doubling to <see cref="MaxReopenDelayMs"/>. While offline only the newest report
///   matters: on reopening it is sent (the one that failed, or a newer queued one) and the older backlog is skipped,
///   so a target that wakes up does not replay minutes of stale key presses (kvmd: "fresh reports beat retries").</item>
/// <item><b>Current state, again.</b> With a <see cref="HidReportFormat"/> that knows which bytes are state, a report
///   retried after a failure is first reduced to its state (a stale relative movement or wheel click is not replayed),
///   and while a key or button is held on a character device the state is written again every
///   <see cref="RefreshIntervalMs"/>. An identical report changes nothing on a host that saw the first one; a host that
///   re-enumerated meanwhile (target rebooted or woke, gadget re-bound) gets the held keys back without new input, and
///   a dead descriptor is found and reopened. Files and FIFOs (tests, recordings) never get the extra copies.</item>
/// <item><b>Latency.</b> The thread blocks on an event that <see cref="Send"/> sets; no polling sleeps, so a report is
///   written microseconds after Send.</item>
/// <item><b>Dispose</b> flushes what is queued for at most <see cref="DisposeFlushBudgetMs"/>, then closes. Reports
///   sent after Dispose are dropped silently: sessions and devices shut down concurrently, and a late ReleaseAll
///   must not crash a session.</item>
/// </list>
/// Linux only: the flag and errno values are Linux's.
/// </remarks>
public sealed class HidDeviceWriter : IHidReportSink, IDisposable
{
    /// <summary>Reports queued before the oldest is dropped. 512 boot reports are 4 KiB; at a host's 1 ms polling
    /// interval that is half a second of backlog, far more than typing or a 125 Hz mouse produces.</summary>
    internal const int QueueCapacity = 512;

    /// <summary>How long EAGAIN may last before the host counts as absent. A polling host takes a report within its
    /// bInterval (1..10 ms for HID); 100 ms is ten of the slowest polls.</summary>
    internal const int WritableTimeoutMs = 100;

    internal const int MinReopenDelayMs = 10;

    /// <summary>Upper bound of the reopen back-off: a reader or host that comes back is served within this.</summary>
    internal const int MaxReopenDelayMs = 250;

    internal const int LogIntervalMs = 10_000;

    internal const int DisposeFlushBudgetMs = 1_000;

    /// <summary>While something is held, how often the state is written again (the HID idle rate of a boot keyboard
    /// is 500 ms; twice that is plenty and keeps a held key's cost at one report a second).</summary>
    internal const int RefreshIntervalMs = 1_000;

    private readonly string _path;
    private readonly byte[] _nullTerminatedPath;
    private readonly int _reportLength;
    private readonly HidReportFormat _format;
    private readonly ILogger _logger;

    private readonly Lock _queueLock = new();
    private readonly ReportRing _queue;            // guarded by _queueLock
    private long _overflowDrops;                   // guarded by _queueLock; read by the writer thread

    private readonly ManualResetEventSlim _wake = new(false);  // set by Send and Dispose
    private readonly ManualResetEventSlim _stop = new(false);  // set by Dispose: ends back-off waits early
    private readonly Thread _thread;
    private volatile bool _disposed;
    private volatile bool _abandon;                // Dispose ran out of flush budget

    // Owned by the writer thread.
    private readonly byte[] _current;
    private readonly byte[] _lastState;            // state part of the last report written
    private int _fd = -1;
    private bool _isCharDevice;
    private bool _offline;
    private long _skippedWhileOffline;
    private int _reopenDelayMs = MinReopenDelayMs;
    private long _overflowDropsLogged;
    private LogRateLimiter _errorLog = new(LogIntervalMs);
    private LogRateLimiter _overflowLog = new(LogIntervalMs);
    private int _openCount;
    private long _writtenCount;

    /// <param name="path">/dev/hidgN, or a regular file or FIFO (tests). Not created if missing.</param>
    /// <param name="reportLength">Bytes per report: the gadget function's report_length.</param>
    /// <param name="logger">Receives rate-limited warnings about the device.</param>
    public HidDeviceWriter(string path, int reportLength, ILogger logger)
        : this(path, HidReportFormat.Opaque(reportLength), logger)
    {
    }

    /// <param name="path">/dev/hidgN, or a regular file or FIFO (tests). Not created if missing.</param>
    /// <param name="format">Report length and which bytes are state (see the remarks on re-sending state).</param>
    /// <param name="logger">Receives rate-limited warnings about the device.</param>
    public HidDeviceWriter(string path, HidReportFormat format, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(logger);
        int reportLength = format.Length;
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("HID gadget devices exist on Linux only.");

        _path = path;
        _nullTerminatedPath = Encoding.UTF8.GetBytes(path + "\0");
        _reportLength = reportLength;
        _format = format;
        _logger = logger;
        _queue = new ReportRing(QueueCapacity, reportLength);
        _current = new byte[reportLength];
        _lastState = new byte[reportLength];
        _thread = new Thread(Run) { IsBackground = true, Name = "hid-writer " + Path.GetFileName(path) };
        _thread.Start();
    }

    /// <summary>Times the device was opened (tests: proves a reopen happened).</summary>
    internal int OpenCount => Volatile.Read(ref _openCount);

    /// <summary>Reports written whole.</summary>
    internal long WrittenCount => Interlocked.Read(ref _writtenCount);

    /// <summary>Queues one whole report; returns at once. Allocation-free.</summary>
    /// <exception cref="ArgumentException">The report is not exactly reportLength bytes.</exception>
    public void Send(ReadOnlySpan<byte> report)
    {
        if (report.Length != _reportLength)
            throw new ArgumentException($"A report for {_path} is {_reportLength} bytes, not {report.Length}.", nameof(report));
        if (_disposed)
            return;

        lock (_queueLock)
        {
            if (_queue.Enqueue(report))
                _overflowDrops++;
        }
        _wake.Set();
    }

    /// <summary>Flushes queued reports (at most one second), stops the writer thread and closes the device.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _stop.Set();
        _wake.Set();
        if (!_thread.Join(DisposeFlushBudgetMs))
        {
            int pending;
            lock (_queueLock)
                pending = _queue.Count;
            HidLog.FlushTimedOut(_logger, _path, pending, DisposeFlushBudgetMs);
            _abandon = true; // the thread exits after its current bounded wait and closes the fd itself
        }
        // The two events are deliberately not disposed: a Send racing with Dispose may still Set _wake, and a
        // ManualResetEventSlim whose WaitHandle was never taken owns no OS handle.
    }

    private void Run()
    {
        try
        {
            while (!_abandon)
            {
                // Reset before looking at the queue: a Send that lands after the check sets the event again.
                _wake.Reset();
                LogOverflowIfAny();
                bool haveReport;
                lock (_queueLock)
                    haveReport = _queue.TryDequeue(_current);
                if (!haveReport)
                {
                    if (_stop.IsSet)
                        return;
                    if (!(_isCharDevice && _format.IsHeld(_lastState)))
                    {
                        _wake.Wait();
                        continue;
                    }
                    if (_wake.Wait(RefreshIntervalMs))
                        continue;
                    _lastState.CopyTo(_current, 0);   // held and quiet: say it again (see the remarks)
                }

                while (!TryDeliver(_current))
                {
                    // Offline: a device that is not there cannot be flushed to, so Dispose ends the retries.
                    if (_stop.IsSet || _abandon)
                        return;
                    _format.ToState(_current);
                    _stop.Wait(_reopenDelayMs);
                    _reopenDelayMs = Math.Min(_reopenDelayMs * 2, MaxReopenDelayMs);
                    lock (_queueLock)
                        _skippedWhileOffline += _queue.TakeNewest(_current);
                    _format.ToState(_current);
                }
                _current.CopyTo(_lastState, 0);
                _format.ToState(_lastState);
            }
        }
        finally
        {
            CloseDevice();
        }
    }

    /// <summary>Opens the device if needed and writes <paramref name="report"/> with one write().</summary>
    /// <returns>false if the device is offline; the fd is then closed.</returns>
    private unsafe bool TryDeliver(byte[] report)
    {
        if (_fd < 0 && !TryOpen())
            return false;

        long writableDeadline = 0;
        fixed (byte* buffer = report)
        {
            while (true)
            {
                nint written = LibC.Write(_fd, buffer, (nuint)report.Length);
                if (written == report.Length)
                {
                    Interlocked.Increment(ref _writtenCount);
                    if (_offline)
                        OnRecovered();
                    return true;
                }

                int errno = written < 0 ? Marshal.GetLastPInvokeError() : 0; // 0: short write, treated as an error
                if (errno == LibC.EINTR)
                    continue;
                if (errno == LibC.EAGAIN)
                {
                    long now = Environment.TickCount64;
                    if (writableDeadline == 0)
                        writableDeadline = now + WritableTimeoutMs;
                    if (now < writableDeadline && WaitWritable((int)(writableDeadline - now)))
                        continue;
                    if (_errorLog.TryAcquire())
                        HidLog.DeviceNotWritable(_logger, _path, WritableTimeoutMs);
                }
                else if (_errorLog.TryAcquire())
                {
                    HidLog.WriteFailed(_logger, _path, errno);
                }

                CloseDevice();
                _offline = true;
                return false;
            }
        }
    }

    /// <summary>
    /// O_CREAT only outside /dev: a report file a user names (--keyboard keys.bin) is created like any output file,
    /// but a missing /dev/hidgN must stay missing until the gadget creates it (see the remarks above).
    /// </summary>
    private int OpenFlags => LibC.O_WRONLY | LibC.O_NONBLOCK | LibC.O_APPEND | LibC.O_CLOEXEC |
                             (_path.StartsWith("/dev/", StringComparison.Ordinal) ? 0 : LibC.O_CREAT);

    private unsafe bool TryOpen()
    {
        int fd;
        fixed (byte* path = _nullTerminatedPath)
            fd = LibC.Open(path, OpenFlags, 0x180 /* 0600: reports are keystrokes, passwords included */);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (_errorLog.TryAcquire())
                HidLog.OpenFailed(_logger, _path, errno);
            _offline = true;
            return false;
        }
        _fd = fd;
        _isCharDevice = DeviceNode.IsCharDevice(fd);
        Interlocked.Increment(ref _openCount);
        return true;
    }

    /// <summary>Waits until the device can take a report. A poll error or hang-up also returns true: the next
    /// write() then reports the real errno (EPIPE, ESHUTDOWN).</summary>
    private unsafe bool WaitWritable(int timeoutMs)
    {
        var pollFd = new LibC.PollFd { Fd = _fd, Events = LibC.POLLOUT };
        int ready = LibC.Poll(&pollFd, 1, timeoutMs);
        return ready != 0; // -1 (EINTR) retries the write, which re-checks the deadline
    }

    private void OnRecovered()
    {
        HidLog.Recovered(_logger, _path, _skippedWhileOffline);
        _offline = false;
        _skippedWhileOffline = 0;
        _reopenDelayMs = MinReopenDelayMs;
        _errorLog.Reset();
    }

    private void LogOverflowIfAny()
    {
        long drops;
        lock (_queueLock)
            drops = _overflowDrops;
        if (drops != _overflowDropsLogged && _overflowLog.TryAcquire())
        {
            HidLog.QueueOverflow(_logger, _path, drops);
            _overflowDropsLogged = drops;
        }
    }

    private void CloseDevice()
    {
        if (_fd < 0)
            return;
        LibC.Close(_fd); // errors from close() on a device we are abandoning carry no actionable information
        _fd = -1;
    }
}
