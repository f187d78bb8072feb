// SPDX-License-Identifier: MIT
using System.Globalization;

namespace KvmPi.Vnc.IntegrationTests.Support;

/// <summary>gvnccapture (gtk-vnc): connects, takes one full frame, writes a PNG. It addresses servers by display
/// number, so the port must be above 5900.</summary>
public static class GvncCapture
{
    public static async Task<ProcessResult> CaptureAsync(int port, string pngPath)
    {
        Tools.Require("gvnccapture");
        if (port <= 5900)
            throw new ArgumentOutOfRangeException(nameof(port), "gvnccapture reaches only ports above 5900");
        string display = (port - 5900).ToString(CultureInfo.InvariantCulture);
        var r = await ProcessRunner.RunAsync("gvnccapture", ["127.0.0.1:" + display, pngPath], TimeSpan.FromSeconds(30));
        if (r.ExitCode != 0 || !File.Exists(pngPath))
            throw new InvalidOperationException("gvnccapture failed: " + r);
        return r;
    }
}
