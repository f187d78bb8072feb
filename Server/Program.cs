// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Server.Hosting;

namespace KvmPi.Vnc.Server;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "gadget")
            return GadgetCommand.Run(args.AsSpan(1), Console.Out, Console.Error);

        if (args.Length > 0 && args[0] == "devices") return Commands.DevicesCommand.Run(args[1..], Console.Out, Console.Error);
        if (args.Length > 0 && args[0] == "snapshot") return await Commands.SnapshotCommand.RunAsync(args[1..], Console.Error).ConfigureAwait(false);
        string[]? expanded = ConfigFile.ExpandArguments(args, out string? error);
        ServerOptions? options = expanded is null ? null : CommandLine.Parse(expanded, out error);
        if (options is null)
        {
            Console.Error.WriteLine($"kvmpi-vnc: {error} (see --help)");
            return ExitCodes.Usage;
        }
        if (options.ShowHelp)
        {
            Console.Out.WriteLine(CommandLine.Usage);
            return ExitCodes.Ok;
        }
        Transport.InlineSocketCompletions.EnableUnlessSet();
        return await KvmServerHost.RunAsync(options).ConfigureAwait(false);
    }
}
