// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.IntegrationTests.Support;

/// <summary>The VM tests run one after another: two emulated VMs at once on a 2-core machine only slow both down.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class VmCollection
{
    public const string Name = "Test VM";
}
