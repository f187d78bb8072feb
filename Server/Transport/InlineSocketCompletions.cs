// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Server.Transport;

/// <summary>
/// Has .NET run what follows a socket operation on the sockets' own epoll thread instead of handing it to the thread
/// pool: a viewer's request is read and handled there, one thread switch instead of two or three.
/// </summary>
/// <remarks>
/// Measured on the development VM (docs/performance.md, "Socket completions on the epoll thread"): a typing viewer
/// costs about 0.15 ms of CPU a frame less (1.35 → 1.21 ms with ZRLE), eight viewers sent the capture's own images
/// 2.1–2.2 % of a core instead of 2.0–2.7 %. The runtime reads the setting once, at its first socket operation, and
/// only from the environment, so it is set here before any socket exists; a value the user set (0 turns it off) is
/// kept. What runs there must be brief: the receive loop is, and an update that had to wait for a slow viewer's
/// socket moves to the pool before it encodes more (<c>ClientSession.FlushOrStopAsync</c>). Kestrel schedules its
/// own connections' work and is not affected.
/// </remarks>
public static class InlineSocketCompletions
{
    private const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static void EnableUnlessSet()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null)
            Environment.SetEnvironmentVariable(Variable, "1");
    }
}
