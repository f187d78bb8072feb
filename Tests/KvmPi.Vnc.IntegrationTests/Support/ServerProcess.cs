// SPDX-License-Identifier: MIT
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;

namespace KvmPi.Vnc.IntegrationTests.Support;

/// <summary>
/// A running <c>dotnet kvmpi-vnc.dll</c> on a free loopback port. Start waits until the port accepts connections;
/// Dispose kills the process. Its output is kept for failure messages (<see cref="Output"/>).
/// </summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private const int MaxOutputChars = 200_000;

    private ServerProcess(Process process, int port, string commandLine)
    {
        _process = process;
        Port = port;
        CommandLine = commandLine;
    }

    public int Port { get; }
    public int Pid => _process.Id;
    public string CommandLine { get; }
    public bool HasExited => _process.HasExited;

    /// <summary>Everything the server printed so far (stdout and stderr, interleaved by line).</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>For assertion messages: the command line and the last part of the output.</summary>
    public string Describe()
    {
        string output = Output;
        if (output.Length > 6000)
            output = "..." + output[^6000..];
        string state = _process.HasExited ? $"exited with {_process.ExitCode}" : $"running as pid {Pid}";
        return $"server `{CommandLine}` ({state}); output:\n{output}";
    }

    /// <summary>Resident set size of the server in bytes, from /proc/PID/status VmRSS.</summary>
    public long ResidentBytes()
    {
        foreach (string line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }
        throw new InvalidOperationException("no VmRSS line in /proc/" + Pid + "/status");
    }

    /// <summary>Starts the server with <c>--listen 127.0.0.1:PORT</c> plus <paramref name="arguments"/> and waits
    /// until the port accepts a connection.</summary>
    public static async Task<ServerProcess> StartAsync(params string[] arguments)
    {
        Exception? last = null;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            int port = FreePort.Get();
            var server = Launch(["--listen", $"127.0.0.1:{port}", .. arguments], port);
            try
            {
                await server.WaitUntilListeningAsync(TimeSpan.FromSeconds(30));
                return server;
            }
            catch (Exception e) when (e is not SkipException)
            {
                last = e;
                bool portClash = server.Output.Contains("address already in use", StringComparison.OrdinalIgnoreCase);
                server.Dispose();
                if (!portClash)
                    throw;
            }
        }
        throw new InvalidOperationException("could not start the server on a free port", last);
    }

    /// <summary>
    /// Starts the server on a given RFB port (e.g. again after a restart) plus <paramref name="arguments"/>, and waits
    /// until it accepts connections.
    /// </summary>
    public static async Task<ServerProcess> StartOnPortAsync(int port, params string[] arguments)
    {
        var server = Launch(["--listen", $"127.0.0.1:{port}", .. arguments], port);
        try
        {
            await server.WaitUntilListeningAsync(TimeSpan.FromSeconds(30));
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>Runs the server to completion (for command-line checks) with the given arguments as they are.</summary>
    public static Task<ProcessResult> RunToExitAsync(TimeSpan timeout, params string[] arguments) =>
        ProcessRunner.RunAsync(DotnetHost, [ServerDll, .. arguments], timeout, Environment());

    private static ServerProcess Launch(string[] arguments, int port)
    {
        // The browser console's default port (8080) would clash between tests and with a running demo: tests that
        // want it pass --http themselves.
        if (!arguments.Contains("--http"))
            arguments = [.. arguments, "--http", "off"];
        var psi = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(ServerDll);
        foreach (string a in arguments)
            psi.ArgumentList.Add(a);
        foreach (var (k, v) in Environment())
            psi.Environment[k] = v;
        var process = new Process { StartInfo = psi };
        var server = new ServerProcess(process, port,
            "dotnet " + string.Join(' ', psi.ArgumentList.Select(ProcessRunner.Quote)));
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    private void Append(string? line)
    {
        if (line == null)
            return;
        lock (_output)
        {
            if (_output.Length > MaxOutputChars)
                _output.Remove(0, _output.Length - MaxOutputChars / 2);
            _output.AppendLine(line);
        }
    }

    private async Task WaitUntilListeningAsync(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                _process.WaitForExit();
                throw new InvalidOperationException("the server exited before it listened: " + Describe());
            }
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port));
                return;
            }
            catch (SocketException)
            {
                if (sw.Elapsed > timeout)
                    throw new TimeoutException($"the server did not listen on port {Port} within {timeout.TotalSeconds} s: " + Describe());
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Waits until the process exits by itself.</summary>
    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }

    private static Dictionary<string, string> Environment() => new()
    {
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    };

    private static string DotnetHost =>
        System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static readonly Lazy<string> ServerDllPath = new(LocateServerDll);

    /// <summary>kvmpi-vnc.dll: next to the tests when it was copied there with its runtimeconfig, else the
    /// Server project's own output for the same configuration.</summary>
    public static string ServerDll => ServerDllPath.Value;

    private static string LocateServerDll()
    {
        var candidates = new List<string>();
        var asm = typeof(ServerProcess).Assembly;
        string? Meta(string key) => asm.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value;
        string? root = Meta("KvmPiRepoRoot");
        string configuration = Meta("KvmPiConfiguration") ?? "Release";
        string tfm = Meta("KvmPiTargetFramework") ?? "net10.0";
        candidates.Add(Path.Combine(AppContext.BaseDirectory, "kvmpi-vnc.dll"));
        if (root != null)
            candidates.Add(Path.Combine(root, "Server", "bin", configuration, tfm, "kvmpi-vnc.dll"));
        foreach (string dll in candidates)
        {
            if (File.Exists(dll) && File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")))
                return dll;
        }
        throw new FileNotFoundException("kvmpi-vnc.dll with its runtimeconfig.json not found; looked at: " + string.Join(", ", candidates));
    }
}
