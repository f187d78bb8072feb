// SPDX-License-Identifier: MIT
using System.Net;

namespace KvmPi.Vnc.Rfb.Security;

/// <summary>
/// Slows password guessing per remote address, as TigerVNC's Blacklist does: the first
/// <see cref="Threshold"/> failures cost nothing (people mistype), then the address is refused for
/// <see cref="InitialBlock"/>, doubling with every failure after that up to <see cref="MaxBlock"/>. A success clears it.
/// </summary>
/// <remarks>
/// Loopback peers are never blocked: they are already on the device, and a local tool failing to log in must not
/// lock out the viewer (or the test) that follows from the same address. Bounded: at most
/// <see cref="MaxEntries"/> addresses are remembered, the stalest forgotten first. Thread-safe.
/// </remarks>
public sealed class AuthFailureBlacklist(TimeProvider? time = null)
{
    public const int Threshold = 5;
    public const int MaxEntries = 4096;
    public static readonly TimeSpan InitialBlock = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan MaxBlock = TimeSpan.FromMinutes(10);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private readonly Dictionary<IPAddress, Entry> _entries = [];

    private struct Entry
    {
        public int Failures;
        public TimeSpan Block;
        public DateTimeOffset BlockedUntil;
        public DateTimeOffset LastFailure;
    }

    /// <summary>Whether <paramref name="address"/> is refused right now, and for how much longer.</summary>
    public bool IsBlocked(IPAddress? address, out TimeSpan remaining)
    {
        remaining = TimeSpan.Zero;
        if (address is null || IPAddress.IsLoopback(address)) return false;
        lock (_lock)
        {
            if (!_entries.TryGetValue(address, out Entry e)) return false;
            remaining = e.BlockedUntil - _time.GetUtcNow();
            return remaining > TimeSpan.Zero;
        }
    }

    public void Failed(IPAddress? address)
    {
        if (address is null || IPAddress.IsLoopback(address)) return;
        DateTimeOffset now = _time.GetUtcNow();
        lock (_lock)
        {
            if (!_entries.TryGetValue(address, out Entry e) && _entries.Count >= MaxEntries) ForgetStalest();
            e.Failures++;
            e.LastFailure = now;
            if (e.Failures >= Threshold)
            {
                e.Block = e.Block == TimeSpan.Zero ? InitialBlock : TimeSpan.FromTicks(Math.Min(e.Block.Ticks * 2, MaxBlock.Ticks));
                e.BlockedUntil = now + e.Block;
            }
            _entries[address] = e;
        }
    }

    public void Succeeded(IPAddress? address)
    {
        if (address is null) return;
        lock (_lock) _entries.Remove(address);
    }

    private void ForgetStalest()
    {
        IPAddress? stalest = null;
        DateTimeOffset oldest = DateTimeOffset.MaxValue;
        foreach ((IPAddress a, Entry e) in _entries)
            if (e.LastFailure < oldest) (stalest, oldest) = (a, e.LastFailure);
        if (stalest is not null) _entries.Remove(stalest);
    }
}
