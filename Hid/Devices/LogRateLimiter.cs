// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Devices;

/// <summary>
/// Lets a recurring warning through at most once per interval. A gadget whose host sleeps fails every write for
/// hours; one line per interval says so without filling the journal.
/// </summary>
/// <remarks>Not thread-safe: each instance belongs to one thread (the device writer's).</remarks>
internal struct LogRateLimiter(long intervalMilliseconds)
{
    private long _nextAllowedAt = long.MinValue;

    public bool TryAcquire()
    {
        long now = Environment.TickCount64;
        if (now < _nextAllowedAt)
            return false;
        _nextAllowedAt = now + intervalMilliseconds;
        return true;
    }

    /// <summary>Lets the next warning through at once (after a recovery, a new failure is news).</summary>
    public void Reset() => _nextAllowedAt = long.MinValue;
}
