// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;

namespace KvmPi.Vnc.Benchmarks.Support;

/// <summary>
/// CPU time of the calling thread (Linux CLOCK_THREAD_CPUTIME_ID): unlike wall time it does not count the time the
/// thread waits for a core while other work runs on the machine, so in-process figures stay comparable.
/// </summary>
internal static partial class ThreadCpuClock
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

    /// <summary>The thread's CPU time so far.</summary>
    public static TimeSpan Now()
    {
        if (ClockGetTime(ClockThreadCpuTime, out TimeSpec t) != 0) throw new InvalidOperationException("clock_gettime failed");
        return TimeSpan.FromTicks(t.Seconds * TimeSpan.TicksPerSecond + t.Nanoseconds / 100);
    }
}
