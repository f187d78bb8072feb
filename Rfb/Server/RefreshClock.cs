// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Server;

/// <summary>
/// One clock for every viewer's lossless refresh: it wakes the update loops whose check for still lossy tiles is
/// overdue. While frames come, each frame wakes every update loop, which reads the time itself and finds the check
/// due; the clock is for a screen gone still, when nothing else wakes them. A timer per viewer woke the thread pool
/// and that viewer's update loop 3.3 times a second for nothing while video played, so each further viewer cost
/// wake-ups of its own. The clock runs only while some viewer holds lossy tiles.
/// </summary>
internal sealed class RefreshClock
{
    private readonly Func<ClientSession[]> _sessions;
    private readonly TimeSpan _period;
    private readonly Timer _timer;
    private int _running;

    /// <param name="sessions">The viewers now connected; read without allocating.</param>
    /// <param name="period">How often it looks.</param>
    public RefreshClock(Func<ClientSession[]> sessions, TimeSpan period)
    {
        _sessions = sessions;
        _period = period;
        _timer = new Timer(static clock => ((RefreshClock)clock!).Tick(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>Whether the clock is ticking.</summary>
    public bool IsRunning => Volatile.Read(ref _running) != 0;

    /// <summary>Any thread: a viewer holds lossy tiles. Starts the clock unless it runs.</summary>
    public void Start()
    {
        if (Volatile.Read(ref _running) != 0 || Interlocked.Exchange(ref _running, 1) != 0) return;
        _timer.Change(_period, _period);
    }

    /// <summary>Timer thread: wakes the viewers whose check is overdue; stops when none holds lossy tiles.</summary>
    private void Tick()
    {
        bool anyLossy = false;
        foreach (ClientSession session in _sessions()) anyLossy |= session.OnRefreshClock();
        if (anyLossy) return;
        // Stopped before it is marked stopped: a Start in between finds it running and does nothing, and the look
        // below starts it again; a Start after it is marked stopped restarts the timer, and no Change undoes that.
        _timer.Change(Timeout.Infinite, Timeout.Infinite);
        Volatile.Write(ref _running, 0);
        // A viewer that became lossy after it was looked at, and found the clock running, did not start it.
        foreach (ClientSession session in _sessions())
        {
            if (session.HoldsLossyTiles)
            {
                Start();
                return;
            }
        }
    }
}
