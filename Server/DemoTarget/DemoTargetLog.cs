// SPDX-License-Identifier: MIT
using Microsoft.Extensions.Logging;

namespace KvmPi.Vnc.Server.DemoTarget;

/// <summary>Log lines of the demo target, source-generated so that disabled levels cost nothing.</summary>
internal static partial class DemoTargetLog
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Demo target screen is {Width}x{Height}")]
    public static partial void ModeChanged(ILogger logger, int width, int height);

    [LoggerMessage(EventId = 102, Level = LogLevel.Debug, Message = "Demo target ignored a {Length}-byte {Device} report")]
    public static partial void ReportIgnored(ILogger logger, int length, string device);
}
