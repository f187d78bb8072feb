// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Server;

/// <summary>
/// Decides whether a viewer's link has room for another update, from RTT pings: ServerFences (Request|BlockBefore)
/// written just before and just after each update, whose answers come back once the viewer has received and
/// processed everything written before them (the idea of TigerVNC's Congestion class, rfb-notes §6.2; own code).
/// </summary>
/// <remarks>
/// <para>Positions are counts of bytes written to the connection since it opened; times are microseconds on any
/// monotonic clock. The owner passes both in, so this class has no clock and no I/O and is tested with plain
/// numbers.</para>
/// <para>Bytes in flight = written − acknowledged by the newest answered ping. The link is congested while that is
/// at least the window, and the window is the bandwidth-delay product: estimated bandwidth × base RTT. So a fast
/// link with a long RTT keeps several small updates in flight (full frame rate), while on a slow link an update
/// larger than the window is alone in flight: the next one is only prepared when its answer is back, from the
/// newest frame. Data queues nowhere for longer than about one base RTT, so latency does not grow with queueing.</para>
/// <para>Base RTT is the smallest ping round trip ever seen (a sliding minimum would drift up with the very queue
/// it should keep short). Bandwidth is the largest of the last <see cref="RateSamples"/> per-update samples:
/// bytes of the update ÷ how long its last byte took beyond the base RTT, so an idle link or a slow encoder only
/// ever lowers a sample, and the maximum recovers from those at once.</para>
/// </remarks>
internal sealed class CongestionControl
{
    /// <summary>Window before anything is measured: 64 KiB, one small update.</summary>
    public const long InitialWindow = 64 * 1024;

    /// <summary>The window never drops below this; an update larger than the window still goes alone.</summary>
    public const long MinWindow = 16 * 1024;

    /// <summary>Upper bound: 8 MiB, one raw 1080p frame; beyond that only memory is at stake, not frame rate.</summary>
    public const long MaxWindow = 8 * 1024 * 1024;

    /// <summary>Pings outstanding at most; with two per update that is 16 unanswered updates.</summary>
    public const int MaxOutstandingPings = 32;

    /// <summary>Bandwidth samples kept for the maximum.</summary>
    public const int RateSamples = 8;

    /// <summary>Shortest transfer time a sample may claim, so a burst of answers cannot claim infinite bandwidth.</summary>
    private const long MinTransferMicros = 200;

    private readonly long[] _pingPosition = new long[MaxOutstandingPings];
    private readonly long[] _pingSentAt = new long[MaxOutstandingPings];
    private int _pingHead, _pingCount;
    private readonly RecentMaximum _rates = new(RateSamples);

    private long _acknowledged;      // position acknowledged by the newest answer
    private long _lastAnswerPosition = -1;
    private long _baseRtt = long.MaxValue;

    /// <summary>Smallest ping round trip seen, in microseconds; null before the first answer.</summary>
    public long? BaseRttMicros => _baseRtt == long.MaxValue ? null : _baseRtt;

    /// <summary>Estimated bandwidth in bytes per second; 0 before the first update was answered.</summary>
    public long BandwidthBytesPerSecond => _rates.Value;

    /// <summary>Bytes the link may hold before another update waits.</summary>
    public long Window
    {
        get
        {
            long rate = BandwidthBytesPerSecond;
            if (rate == 0 || _baseRtt == long.MaxValue) return InitialWindow;
            long bdp = (long)((double)rate * _baseRtt / 1_000_000);
            return Math.Clamp(bdp, MinWindow, MaxWindow);
        }
    }

    /// <summary>Pings sent and not yet answered.</summary>
    public int OutstandingPings => _pingCount;

    /// <summary>When the oldest unanswered ping was sent; null when none is outstanding.</summary>
    public long? OldestUnansweredSentAt => _pingCount == 0 ? null : _pingSentAt[_pingHead];

    /// <summary>Whether the two pings around another update can be tracked. When not, the link counts as congested.</summary>
    public bool CanPing => _pingCount <= MaxOutstandingPings - 2;

    /// <summary>Bytes written but not yet acknowledged, given the current write position.</summary>
    public long InFlight(long position) => _pingCount == 0 ? 0 : Math.Max(0, position - _acknowledged);

    /// <summary>
    /// Whether the next update should wait. Nothing in flight is never congested (an update larger than the window
    /// goes alone); otherwise congested while in-flight bytes reach the window or no further ping can be tracked.
    /// </summary>
    public bool IsCongested(long position) => _pingCount > 0 && (!CanPing || InFlight(position) >= Window);

    /// <summary>Records a ping written so that the connection's byte count after it is <paramref name="position"/>.</summary>
    public void SentPing(long position, long nowMicros)
    {
        if (_pingCount == MaxOutstandingPings) throw new InvalidOperationException("Too many unanswered pings; check CanPing first.");
        int i = (_pingHead + _pingCount) % MaxOutstandingPings;
        _pingPosition[i] = position;
        _pingSentAt[i] = nowMicros;
        _pingCount++;
    }

    /// <summary>
    /// An answer to the oldest unanswered ping arrived (answers come back in order: one TCP stream, processed in
    /// order by the viewer). Returns false for an answer nobody asked for.
    /// </summary>
    public bool GotPong(long nowMicros)
    {
        if (_pingCount == 0) return false;
        long position = _pingPosition[_pingHead];
        long sentAt = _pingSentAt[_pingHead];
        _pingHead = (_pingHead + 1) % MaxOutstandingPings;
        _pingCount--;

        long rtt = Math.Max(0, nowMicros - sentAt);
        _baseRtt = Math.Min(_baseRtt, rtt);

        // Bytes between the previous answered ping and this one reached the viewer within this round trip; what the
        // round trip took beyond the base RTT is the time they needed on the link (or in the viewer's decoder).
        if (_lastAnswerPosition >= 0 && position > _lastAnswerPosition)
        {
            long bytes = position - _lastAnswerPosition;
            long transfer = Math.Max(MinTransferMicros, rtt - _baseRtt);
            _rates.Add((long)Math.Min(long.MaxValue / 2, bytes * 1_000_000.0 / transfer));
        }
        _lastAnswerPosition = position;
        _acknowledged = Math.Max(_acknowledged, position);
        return true;
    }
}
