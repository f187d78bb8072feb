// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Server.DemoTarget;

/// <summary>A copy of the demo console's text, for tests to check what the target "saw" without reading pixels.</summary>
/// <param name="Lines">Lines above the prompt, oldest first; typed commands include the prompt.</param>
/// <param name="Input">The line being typed, without the prompt.</param>
/// <param name="CapsLock">Whether Caps Lock is on.</param>
internal sealed record DemoConsoleSnapshot(IReadOnlyList<string> Lines, string Input, bool CapsLock);
