// SPDX-License-Identifier: MIT
using System.Reflection;

namespace KvmPi.Vnc.IntegrationTests.Support;

/// <summary>
/// The Native AOT kvmpi-vnc for the VM tests: the one test.sh published (KVMPI_VM_SERVER), else published now into
/// the test output, once per test run however many VM tests ask (they may run in parallel). The VM has no .NET
/// runtime; AOT is also the form the server ships in.
/// </summary>
public static class NativeServer
{
    private static readonly Lazy<Task<string>> Published = new(PublishAsync);

    public static string RepoRoot { get; } = typeof(NativeServer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .First(a => a.Key == "KvmPiRepoRoot").Value!;

    public static Task<string> PathAsync() => Published.Value;

    private static async Task<string> PublishAsync()
    {
        if (Environment.GetEnvironmentVariable("KVMPI_VM_SERVER") is { Length: > 0 } prebuilt)
        {
            Assert.True(File.Exists(prebuilt), $"KVMPI_VM_SERVER names {prebuilt}, which does not exist");
            return prebuilt;
        }
        string publish = Path.Combine(AppContext.BaseDirectory, "vm-publish");
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        ProcessResult published = await ProcessRunner.RunAsync(dotnet,
            ["publish", Path.Combine(RepoRoot, "Server"), "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true",
             "-p:CppCompilerAndLinker=gcc", "-o", publish, "--nologo"],
            TimeSpan.FromMinutes(8));
        Assert.True(published.ExitCode == 0, "Native AOT publish failed: " + published);
        return Path.Combine(publish, "kvmpi-vnc");
    }
}
