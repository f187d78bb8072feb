// SPDX-License-Identifier: MIT
using System.Net;
using KvmPi.Vnc.Rfb.Security;

namespace KvmPi.Vnc.Tests.Rfb.Security;

public class AuthFailureBlacklistTests
{
    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly IPAddress Remote = IPAddress.Parse("192.0.2.7");

    [Fact]
    public void ToleratesAFewFailuresThenBlocksWithDoublingBackoff()
    {
        var time = new ManualTime();
        var blacklist = new AuthFailureBlacklist(time);
        for (int i = 0; i < AuthFailureBlacklist.Threshold - 1; i++) blacklist.Failed(Remote);
        Assert.False(blacklist.IsBlocked(Remote, out _));            // four mistakes: still welcome

        blacklist.Failed(Remote);
        Assert.True(blacklist.IsBlocked(Remote, out TimeSpan left));
        Assert.Equal(TimeSpan.FromSeconds(10), left);

        time.Now += TimeSpan.FromSeconds(10);
        Assert.False(blacklist.IsBlocked(Remote, out _));
        blacklist.Failed(Remote);                                    // wrong again: twice as long
        Assert.True(blacklist.IsBlocked(Remote, out left));
        Assert.Equal(TimeSpan.FromSeconds(20), left);

        time.Now += TimeSpan.FromSeconds(20);
        blacklist.Succeeded(Remote);
        blacklist.Failed(Remote);
        Assert.False(blacklist.IsBlocked(Remote, out _));            // a success starts over
    }

    [Fact]
    public void BackoffIsCapped()
    {
        var time = new ManualTime();
        var blacklist = new AuthFailureBlacklist(time);
        for (int i = 0; i < 40; i++) blacklist.Failed(Remote);
        Assert.True(blacklist.IsBlocked(Remote, out TimeSpan left));
        Assert.Equal(AuthFailureBlacklist.MaxBlock, left);
    }

    [Fact]
    public void LoopbackIsNeverBlocked()
    {
        var blacklist = new AuthFailureBlacklist(new ManualTime());
        for (int i = 0; i < 20; i++)
        {
            blacklist.Failed(IPAddress.Loopback);
            blacklist.Failed(IPAddress.IPv6Loopback);
        }
        Assert.False(blacklist.IsBlocked(IPAddress.Loopback, out _));
        Assert.False(blacklist.IsBlocked(IPAddress.IPv6Loopback, out _));
    }

    [Fact]
    public void RemembersABoundedNumberOfAddresses()
    {
        var time = new ManualTime();
        var blacklist = new AuthFailureBlacklist(time);
        for (int n = 0; n < AuthFailureBlacklist.MaxEntries + 10; n++)
        {
            var address = Address(n);
            for (int i = 0; i < AuthFailureBlacklist.Threshold; i++) blacklist.Failed(address);
            time.Now += TimeSpan.FromMilliseconds(1);
        }
        var first = Address(0);
        Assert.False(blacklist.IsBlocked(first, out TimeSpan left), $"{first} still blocked for {left}");   // the stalest was forgotten
        Assert.True(blacklist.IsBlocked(Address(AuthFailureBlacklist.MaxEntries + 9), out _));
    }

    private static IPAddress Address(int n) => new([10, (byte)(n >> 16), (byte)(n >> 8), (byte)n]);
}
