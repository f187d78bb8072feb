// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Server;

namespace KvmPi.Vnc.Tests.Rfb.Server;

/// <summary>
/// The update loop's wake-up: on the thread pool by default, on the setter's own thread when it asks (pass-through
/// frames), where the waiter can tell and move to the pool before anything long.
/// </summary>
public sealed class AsyncSignalTests
{
    private static async Task<(int Thread, bool Inline)> WaitAndReportAsync(AsyncSignal signal)
    {
        await signal.WaitAsync().ConfigureAwait(false);
        return (Environment.CurrentManagedThreadId, AsyncSignal.RunningInline);
    }

    [Fact]
    public async Task SetInlineResumesTheWaiterOnTheSettersThreadBeforeReturning()
    {
        var signal = new AsyncSignal();
        Task<(int Thread, bool Inline)> waiter = WaitAndReportAsync(signal);
        Assert.False(waiter.IsCompleted);
        await Task.Run(() =>
        {
            signal.SetInline();
            Assert.True(waiter.IsCompleted);   // ran before SetInline returned
            Assert.Equal((Environment.CurrentManagedThreadId, true), waiter.Result);
            Assert.False(AsyncSignal.RunningInline);   // only while the waiter runs
        });
    }

    [Fact]
    public async Task SetLeavesTheWaiterToThePoolNotInline()
    {
        var signal = new AsyncSignal();
        Task<(int Thread, bool Inline)> waiter = WaitAndReportAsync(signal);
        await Task.Run(signal.Set);
        var (_, inline) = await waiter.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(inline);
    }

    [Fact]
    public async Task ASignalWithNobodyWaitingIsRememberedOnceWhicheverWayItWasSet()
    {
        var signal = new AsyncSignal();
        signal.SetInline();
        signal.Set();
        Assert.True(signal.WaitAsync().IsCompleted);
        Assert.False(signal.WaitAsync().IsCompleted);
        signal.SetInline();   // completes that pending wait
        await Task.CompletedTask;
    }
}
