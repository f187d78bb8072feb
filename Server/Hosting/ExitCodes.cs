// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Server.Hosting;

/// <summary>Process exit codes: 2 for a wrong command line (as getopt tools do), 1 for anything that stops start-up.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int StartupFailed = 1;
    public const int Usage = 2;
}
