// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Tests.Support;

/// <summary>Measures managed allocations of steady-state code on the calling thread.</summary>
internal static class Allocations
{
    /// <summary>
    /// Bytes allocated by <paramref name="action"/>, the least over up to five rounds. A real allocation in the
    /// code under test shows in every round; a one-off runtime allocation on the thread (tiering, a timer
    /// callback) shows in one round at most, and made single measurements flaky in CI.
    /// </summary>
    public static long LeastOverRounds(Action action)
    {
        long least = long.MaxValue;
        for (int round = 0; round < 5 && least != 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            action();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }
}
