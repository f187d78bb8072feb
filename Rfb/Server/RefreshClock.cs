// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Server;

/// <summary>
/// Wakes the update loops of viewers whose lossless refresh is overdue: their lossy tiles were due for a stillness
/// check and no frame woke the loop to run it (the screen went still). One thread for the server, which runs only
/// while some viewer holds lossy tiles and ticks once every refresh interval; while the picture changes, frames run
/// every viewer's check in time and a tick wakes nobody.
/// </summary>
/// <remarks>
/// It replaces a one-shot timer per viewer that frames pushed back. The runtime's timers cannot be pushed back
/// silently: the timer thread still woke at the old due time and handed its empty pass to a pool worker, 5 times a
/// second with one viewer of video and 13 with eight, each pass a few thread switches (docs/performance.md, "One
/// refresh clock for the server"). A thread of its own sleeps through the interval and does the pass itself.
/// </remarks>
internal sealed class RefreshClock
{
    private readonly Func<ClientSession[]> _sessions;
    private readonly int _intervalMs;
    private int _running;   // 1 while a clock thread runs (at most one)

    public RefreshClock(Func<ClientSession[]> sessions, int intervalMs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(intervalMs, 1);
        _sessions = sessions;
        _intervalMs = intervalMs;
    }

    /// <summary>Whether a clock thread is running now (for tests).</summary>
    internal bool Running => Volatile.Read(ref _running) != 0;

    /// <summary>
    /// Any thread, after a viewer's check time went from none to some (with a full fence between, as
    /// <c>Interlocked.Exchange</c> gives): makes sure the clock runs. Costs a read while it does.
    /// </summary>
    public void Start()
    {
        if (Volatile.Read(ref _running) != 0 || Interlocked.CompareExchange(ref _running, 1, 0) != 0) return;
        new Thread(Run) { IsBackground = true, Name = "RFB refresh" }.UnsafeStart();
    }

    private void Run()
    {
        while (true)
        {
            Thread.Sleep(_intervalMs);
            if (WakeOverdue(Environment.TickCount64)) continue;
            // Nobody holds lossy tiles: stop. A viewer that sets its check time meanwhile either is seen by the
            // second look (the flag is cleared with a full fence before it) or sees the flag cleared and starts a
            // new clock (it sets its time with a full fence before reading the flag).
            Interlocked.Exchange(ref _running, 0);
            if (!WakeOverdue(Environment.TickCount64) || Interlocked.CompareExchange(ref _running, 1, 0) != 0) return;
        }
    }

    /// <summary>Wakes every viewer whose check is overdue; whether any viewer has a check due at all.</summary>
    private bool WakeOverdue(long now)
    {
        bool any = false;
        foreach (ClientSession session in _sessions())
            any |= session.WakeIfRefreshOverdue(now);
        return any;
    }
}
