// SPDX-License-Identifier: MIT
using Microsoft.Extensions.Logging;

namespace KvmPi.Vnc.Capture;

/// <summary>
/// Counts frames a source had to drop and logs them at most once per <see cref="ReportInterval"/>, so that a dongle
/// that garbles every frame produces one line every few seconds instead of thirty a second.
/// </summary>
internal sealed class SkippedFrameCounter(ILogger logger, string description)
{
    /// <summary>10 s: often enough to notice while watching the log, rare enough not to drown it.</summary>
    public static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(10);

    private long _sinceLastReport;
    private long _lastReportTicks = long.MinValue;

    public long Total { get; private set; }

    /// <summary>Counts one dropped frame; <paramref name="reason"/> is logged only if this call reports.</summary>
    public void Count(string reason)
    {
        Total++;
        _sinceLastReport++;
        long now = Environment.TickCount64;
        // The first drop is reported at once; later ones are folded into the next report.
        if (_lastReportTicks != long.MinValue && now - _lastReportTicks < (long)ReportInterval.TotalMilliseconds)
            return;
        CaptureLog.FramesSkipped(logger, description, _sinceLastReport, Total, reason);
        _sinceLastReport = 0;
        _lastReportTicks = now;
    }
}
