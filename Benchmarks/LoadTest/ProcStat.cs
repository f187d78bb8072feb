// SPDX-License-Identifier: MIT
using System.Globalization;

namespace KvmPi.Vnc.Benchmarks.LoadTest;

/// <summary>CPU time and resident memory of a process, from /proc (Linux).</summary>
internal static class ProcStat
{
    /// <summary>Clock ticks per second of /proc/PID/stat times; 100 on every Linux this runs on.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>User + system CPU seconds the process has used so far (utime + stime, fields 14 and 15).</summary>
    public static double CpuSeconds(int pid)
    {
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
