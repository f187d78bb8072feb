// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Hid.Devices;

namespace KvmPi.Vnc.Tests.Hid;

public sealed class ReportRingTests
{
    [Fact]
    public void Overflow_DropsTheOldest_KeepsOrder()
    {
        var ring = new ReportRing(capacity: 3, reportLength: 2);
        bool[] dropped = [.. Enumerable.Range(1, 5).Select(i => ring.Enqueue([(byte)i, (byte)i]))];

        Assert.Equal([false, false, false, true, true], dropped);
        var slot = new byte[2];
        var seen = new List<byte>();
        while (ring.TryDequeue(slot))
            seen.Add(slot[0]);
        Assert.Equal([3, 4, 5], seen);
    }

    [Fact]
    public void TakeNewest_EmptiesTheRing()
    {
        var ring = new ReportRing(capacity: 4, reportLength: 1);
        var slot = new byte[1];
        Assert.Equal(0, ring.TakeNewest(slot));
        for (byte i = 1; i <= 6; i++)
            ring.Enqueue([i]);

        Assert.Equal(4, ring.TakeNewest(slot));
        Assert.Equal(6, slot[0]);
        Assert.Equal(0, ring.Count);
        Assert.False(ring.TryDequeue(slot));
    }
}
