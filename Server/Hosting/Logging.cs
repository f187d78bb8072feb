// SPDX-License-Identifier: MIT
using Microsoft.Extensions.Logging;
using NLog.Extensions.Logging;
using NLog.Layouts;
using NLog.Targets;

namespace KvmPi.Vnc.Server.Hosting;

/// <summary>
/// NLog, configured in code (no XML config file to find at run time, nothing reflection-driven for Native AOT):
/// one line per event on stderr, which systemd's journal picks up with its own timestamps.
/// </summary>
internal static class Logging
{
    public static ILoggerFactory Create(string level)
    {
        var config = new NLog.Config.LoggingConfiguration();
        var console = new ConsoleTarget("stderr")
        {
            StdErr = true,
            Layout = Layout.FromString("${date:format=HH\\:mm\\:ss.fff} ${level:uppercase=true:padding=-5} ${logger:shortName=true}: ${message}${onexception:inner= ${exception:format=tostring}}"),
        };
        NLog.LogLevel minimum = level switch
        {
            "trace" => NLog.LogLevel.Trace,
            "debug" => NLog.LogLevel.Debug,
            "warn" => NLog.LogLevel.Warn,
            "error" => NLog.LogLevel.Error,
            _ => NLog.LogLevel.Info,
        };
        config.AddRule(minimum, NLog.LogLevel.Fatal, console);
        var factory = new NLog.LogFactory { Configuration = config };
        return LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Trace);
            // Kestrel and ASP.NET Core log every request at Information; only their warnings belong in the journal.
            builder.AddFilter("Microsoft", Microsoft.Extensions.Logging.LogLevel.Warning);
            builder.AddProvider(new NLogLoggerProvider(new NLogProviderOptions(), factory));
        });
    }
}
