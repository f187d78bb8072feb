// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;

namespace KvmPi.Vnc.Benchmarks.Support;

/// <summary>
/// CPU time from Linux's CPU-time clocks, to the nanosecond: of the calling thread (CLOCK_THREAD_CPUTIME_ID), which
/// unlike wall time does not count the time the thread waits for a core while other work runs, so in-process figures
/// stay comparable; and of another process, all its threads (clock_getcpuclockid), which /proc/PID/stat gives only in
/// 10 ms ticks (a viewer that costs 1 % of a core is 8 ticks in an 8 s measurement: ±12 % from rounding alone).
/// </summary>
internal static partial class CpuClock
{
    private const int ClockThreadCpuTime = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    [LibraryImport("libc", EntryPoint = "clock_getcpuclockid")]
    private static partial int ClockGetCpuClockId(int pid, out int clock);

    /// <summary>The calling thread's CPU time so far.</summary>
    public static TimeSpan Thread()
    {
        if (ClockGetTime(ClockThreadCpuTime, out TimeSpec t) != 0) throw new InvalidOperationException("clock_gettime failed");
        return ToTimeSpan(t);
    }

    /// <summary>
    /// The CPU time process <paramref name="pid"/> has used so far, user and system, of all its threads (those that
    /// ended included); null when the clock is not available (the process is gone, or not Linux).
    /// </summary>
    public static TimeSpan? OfProcess(int pid)
    {
        // clock_getcpuclockid returns an error number itself (not −1 and errno).
        if (ClockGetCpuClockId(pid, out int clock) != 0) return null;
        return ClockGetTime(clock, out TimeSpec t) == 0 ? ToTimeSpan(t) : null;
    }

    private static TimeSpan ToTimeSpan(TimeSpec t) => TimeSpan.FromTicks(t.Seconds * TimeSpan.TicksPerSecond + t.Nanoseconds / 100);
}
