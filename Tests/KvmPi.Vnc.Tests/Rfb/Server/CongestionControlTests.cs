// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Server;

namespace KvmPi.Vnc.Tests.Rfb.Server;

/// <summary>The congestion window from ping answers, with made-up positions and times (no clock involved).</summary>
public class CongestionControlTests
{
    [Fact]
    public void NothingInFlightIsNeverCongestedAndAnUpdateLargerThanTheWindowGoesAlone()
    {
        var c = new CongestionControl();
        Assert.False(c.IsCongested(100_000_000));
        Assert.Equal(CongestionControl.InitialWindow, c.Window);

        // A 1 MB update between two pings: nothing else may follow until it is answered.
        c.SentPing(10, 0);
        c.SentPing(1_000_020, 0);
        Assert.True(c.IsCongested(1_000_020));
        Assert.Equal(1_000_020, c.InFlight(1_000_020));

        // Answers come in order; the first acknowledges only the bytes before the update.
        Assert.True(c.GotPong(10_000));
        Assert.True(c.IsCongested(1_000_020));
        Assert.True(c.GotPong(110_000));
        Assert.False(c.IsCongested(1_000_020));
        Assert.Equal(0, c.OutstandingPings);
        Assert.False(c.GotPong(120_000));   // an answer nobody asked for
    }

    [Fact]
    public void WindowIsBandwidthTimesBaseRtt()
    {
        var c = new CongestionControl();
        // Ping, 1 MB, ping, written at t = 0. Round trips: 10 ms with nothing ahead, 110 ms for the whole update,
        // so the link took 100 ms for 1 MB: 10 MB/s, and the window is 10 MB/s × 10 ms = 100 kB.
        c.SentPing(10, 0);
        c.SentPing(1_000_010, 0);
        c.GotPong(10_000);
        c.GotPong(110_000);
        Assert.Equal(10_000, c.BaseRttMicros);
        Assert.Equal(10_000_000, c.BandwidthBytesPerSecond);
        Assert.Equal(100_000, c.Window);

        // Small updates now pipeline: 30 kB in flight is below the window, 120 kB is not.
        c.SentPing(1_000_020, 200_000);
        c.SentPing(1_030_020, 200_000);
        Assert.False(c.IsCongested(1_030_020));
        c.SentPing(1_030_030, 201_000);
        c.SentPing(1_120_030, 201_000);
        Assert.True(c.IsCongested(1_120_030));
    }

    [Fact]
    public void SlowerSamplesDoNotHideTheFastestRecentOneAndTheWindowIsClamped()
    {
        var c = new CongestionControl();
        c.SentPing(0, 0);
        c.SentPing(100_000_000, 0);
        c.GotPong(1_000);            // base RTT 1 ms
        c.GotPong(1_000 + 100_000);  // 100 MB in 100 ms: 1 GB/s → window 1 MB
        Assert.Equal(1_000_000, c.Window);
        // An idle link answers a tiny update late: a low sample, which the maximum ignores.
        c.SentPing(100_000_010, 1_000_000);
        c.SentPing(100_000_110, 1_000_000);
        c.GotPong(1_001_000);
        c.GotPong(1_050_000);
        Assert.Equal(1_000_000, c.Window);

        var slow = new CongestionControl();
        slow.SentPing(0, 0);
        slow.SentPing(1_000, 0);
        slow.GotPong(100);
        slow.GotPong(1_000_100);     // 1000 bytes in a second: the window stays at its floor
        Assert.Equal(CongestionControl.MinWindow, slow.Window);
    }

    [Fact]
    public void TooManyUnansweredPingsCountAsCongestion()
    {
        var c = new CongestionControl();
        int i = 0;
        while (c.CanPing)
        {
            c.SentPing(i, i);   // tiny updates, far below any window
            c.SentPing(i + 1, i);
            i += 2;
        }
        Assert.Equal(CongestionControl.MaxOutstandingPings, c.OutstandingPings);
        Assert.True(c.IsCongested(i));
        Assert.Equal(0, c.OldestUnansweredSentAt);
        c.GotPong(1_000);
        c.GotPong(1_000);
        Assert.False(c.IsCongested(i));
    }
}
