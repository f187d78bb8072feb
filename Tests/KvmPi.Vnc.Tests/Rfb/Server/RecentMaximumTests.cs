// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Server;

namespace KvmPi.Vnc.Tests.Rfb.Server;

public class RecentMaximumTests
{
    [Fact]
    public void IsTheLargestOfTheLastSamplesAndZeroBeforeAny()
    {
        var m = new RecentMaximum(3);
        Assert.Equal(0, m.Value);
        m.Add(5);
        m.Add(9);
        m.Add(2);
        Assert.Equal(9, m.Value);
        m.Add(1);   // replaces the 5
        Assert.Equal(9, m.Value);
        m.Add(1);   // replaces the 9
        Assert.Equal(2, m.Value);
        m.Add(7);
        Assert.Equal(7, m.Value);
    }
}
