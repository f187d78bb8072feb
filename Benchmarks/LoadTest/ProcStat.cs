// SPDX-License-Identifier: MIT
using System.Globalization;
using KvmPi.Vnc.Benchmarks.Support;

namespace KvmPi.Vnc.Benchmarks.LoadTest;

/// <summary>CPU time and resident memory of a process, from /proc (Linux).</summary>
internal static class ProcStat
{
    /// <summary>Clock ticks per second of /proc/PID/stat times; 100 on every Linux this runs on.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>
    /// User + system CPU seconds the process has used so far: from its CPU-time clock (to the nanosecond), or where
    /// that is not available from utime + stime (fields 14 and 15 of /proc/PID/stat, in 10 ms ticks).
    /// </summary>
    public static double CpuSeconds(int pid)
    {
        if (CpuClock.OfProcess(pid) is TimeSpan cpu) return cpu.TotalSeconds;
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
        string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long utime = long.Parse(f[11], CultureInfo.InvariantCulture), stime = long.Parse(f[12], CultureInfo.InvariantCulture);
        return (utime + stime) / TicksPerSecond;
    }

    /// <summary>Resident set size in bytes (VmRSS).</summary>
    public static long ResidentBytes(int pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException($"no VmRSS for {pid}");
    }
}
