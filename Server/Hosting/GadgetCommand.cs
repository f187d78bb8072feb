// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Hid.Gadget;

namespace KvmPi.Vnc.Server.Hosting;

/// <summary>
/// <c>kvmpi-vnc gadget up [--udc NAME] | down | status</c>: the USB gadget the server's HID devices belong to.
/// Output goes to stdout; a failure is one line on stderr and exit code 1 (2 for a wrong command line).
/// </summary>
internal static class GadgetCommand
{
    public const string Usage = """
        Usage: kvmpi-vnc gadget up [--udc NAME] | down | status

          up      Create the composite USB HID gadget in configfs (boot keyboard, absolute mouse, relative boot mouse)
                  and bind it to a USB device controller: --udc NAME, or the first one in /sys/class/udc. Does nothing
                  if it is already up; on failure removes what it made. Needs root.
          down    Unbind and remove the gadget.
          status  Print the gadget, its UDC and the UDC's state, then one line per device: /dev/hidgN and its role.
        """;

    public static int Run(ReadOnlySpan<string> args, TextWriter output, TextWriter error, GadgetManager? manager = null)
    {
        manager ??= new GadgetManager(ConfigFs.Instance, GadgetPaths.System);
        if (args.Length == 0 || args[0] is "--help" or "-h")
        {
            (args.Length == 0 ? error : output).WriteLine(Usage);
            return args.Length == 0 ? ExitCodes.Usage : ExitCodes.Ok;
        }

        string verb = args[0];
        string? udc = null;
        for (int i = 1; i < args.Length; i++)
        {
            string arg = args[i];
            if (verb == "up" && arg == "--udc" && i + 1 < args.Length && args[i + 1].Length > 0)
                udc = args[++i];
            else if (verb == "up" && arg.StartsWith("--udc=", StringComparison.Ordinal) && arg.Length > "--udc=".Length)
                udc = arg["--udc=".Length..];
            else
                return UsageError(error, arg == "--udc" ? "option '--udc' needs a value" : $"unknown argument '{arg}' for 'gadget {verb}'");
        }

        try
        {
            switch (verb)
            {
                case "up":
                    GadgetUpOutcome outcome = manager.Up(udc);
                    GadgetStatus? status = manager.Status();
                    output.WriteLine(outcome == GadgetUpOutcome.AlreadyUp ? "gadget already up" : "gadget up");
                    if (status is not null)
                        foreach (string line in status.Describe()) output.WriteLine(line);
                    return ExitCodes.Ok;
                case "down":
                    output.WriteLine(manager.Down() ? "gadget removed" : $"no gadget {GadgetDefinition.Name}: nothing to remove");
                    return ExitCodes.Ok;
                case "status":
                    GadgetStatus? current = manager.Status();
                    if (current is null)
                    {
                        error.WriteLine($"kvmpi-vnc: no gadget {GadgetDefinition.Name} (create it with 'kvmpi-vnc gadget up')");
                        return ExitCodes.StartupFailed;
                    }
                    foreach (string line in current.Describe()) output.WriteLine(line);
                    return ExitCodes.Ok;
                default:
                    return UsageError(error, $"unknown gadget command '{verb}': expected up, down or status");
            }
        }
        catch (GadgetException e)
        {
            error.WriteLine($"kvmpi-vnc: gadget {verb}: {e.Message}");
            return ExitCodes.StartupFailed;
        }
    }

    private static int UsageError(TextWriter error, string message)
    {
        error.WriteLine($"kvmpi-vnc: {message} (see 'kvmpi-vnc gadget --help')");
        return ExitCodes.Usage;
    }
}
