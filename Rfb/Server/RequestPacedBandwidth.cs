// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Server;

/// <summary>
/// The link's bandwidth to a viewer without fences, from when it asks for more: such viewers (libvncclient,
/// TightVNC, RealVNC, gtk-vnc) send an incremental FramebufferUpdateRequest once they have received and drawn each
/// update, so the time from an update to that request is a round trip, the update's time on the link and the
/// viewer's drawing.
/// </summary>
/// <remarks>
/// <para>The same arithmetic as <see cref="CongestionControl"/>'s fences, with each FramebufferUpdate as a ping and
/// the next incremental request as its answer. Answers are matched to updates in order, oldest first: the server
/// may send an update unasked (the QEMU key ack) or two for one request (a size announcement, then pixels), so two
/// can be on the way, and the request after an update then answers the one before it. A full (non-incremental)
/// request is no answer: viewers ask for the whole screen first, crossing the server's first messages on the wire,
/// and after a resize. The caller passes incremental requests only; with no update outstanding they answer
/// nothing.</para>
/// <para>An update sent while an earlier one was still unanswered began on the link when that one's answer came,
/// so its time counts from there and holds no round trip. One sent to an idle link counts from when it was sent,
/// less the base: the quickest such round trip seen, the handshake's exchanges included
/// (<see cref="NoteRoundTrip"/>). A sample is the update's bytes over that time; the estimate is the largest of the
/// last <see cref="RateSamples"/>. A viewer that asks late (a busy decoder, a timer) only lowers a sample, which the
/// maximum ignores, so the estimate errs high: towards sending more at once, as before there was one.</para>
/// <para>Before the first answer, and whenever answers are late, an update still unanswered bounds the estimate
/// (<see cref="BandwidthBytesPerSecondAt"/>): with a second request outstanding the server may send again before any
/// answer, and the first frame alone must not leave the link unmeasured.</para>
/// <para>Updates under <see cref="MinSampleBytes"/> give no sample: their time on the link is below a real network's
/// jitter, and one answer a little early would claim any bandwidth at all.</para>
/// <para>Times are microseconds on any monotonic clock, passed in, so this class has no clock and no I/O.</para>
/// </remarks>
internal sealed class RequestPacedBandwidth
{
    /// <summary>Samples kept for the maximum.</summary>
    public const int RateSamples = 8;

    /// <summary>Smallest update that gives a bandwidth sample.</summary>
    public const long MinSampleBytes = 16 * 1024;

    /// <summary>Unanswered updates remembered; beyond that the oldest is forgotten (a viewer that never asks again).</summary>
    public const int MaxOutstanding = 8;

    /// <summary>Shortest time on the link a sample may claim: an answer within the base still gives a finite rate.</summary>
    private const long MinTransferMicros = 1000;

    private readonly RecentMaximum _rates = new(RateSamples);
    private long _baseMicros = long.MaxValue;
    private readonly long[] _sentBytes = new long[MaxOutstanding];
    private readonly long[] _sentAt = new long[MaxOutstanding];
    private int _head, _count;
    private long _lastAnswerAt = long.MinValue;

    /// <summary>Estimated bandwidth in bytes per second from answered updates; 0 while nothing is measured.</summary>
    public long BandwidthBytesPerSecond => _rates.Value;

    /// <summary>
    /// <see cref="BandwidthBytesPerSecond"/>, but no more than the oldest unanswered update allows: one still
    /// unanswered after some time has not crossed the link in that time, so the link carries less than its bytes over
    /// that time (less the base). That bounds the estimate before the first answer, and at once when the link slows.
    /// </summary>
    public long BandwidthBytesPerSecondAt(long nowMicros)
    {
        long measured = BandwidthBytesPerSecond;
        if (_count == 0 || _sentBytes[_head] < MinSampleBytes || _baseMicros == long.MaxValue) return measured;
        long sentAt = _sentAt[_head];
        long waited = _lastAnswerAt > sentAt ? nowMicros - _lastAnswerAt : nowMicros - sentAt - _baseMicros;
        if (waited < MinTransferMicros) return measured;
        long bound = (long)Math.Min(long.MaxValue / 2, _sentBytes[_head] * 1_000_000.0 / waited);
        return measured == 0 ? bound : Math.Min(measured, bound);
    }

    /// <summary>Quickest round trip seen, in microseconds; null before the first.</summary>
    public long? BaseMicros => _baseMicros == long.MaxValue ? null : _baseMicros;

    /// <summary>Updates sent and not yet answered.</summary>
    public int Outstanding => _count;

    /// <summary>
    /// Whether an update sent less than <paramref name="patienceMicros"/> ago is still unanswered. Older ones are
    /// forgotten first: a viewer that leaves an update unanswered must not hold the ones after it for ever.
    /// </summary>
    public bool AwaitsAnswer(long nowMicros, long patienceMicros)
    {
        while (_count > 0 && nowMicros - _sentAt[_head] >= patienceMicros)
        {
            _head = (_head + 1) % MaxOutstanding;
            _count--;
        }
        return _count > 0;
    }

    /// <summary>A round trip with nothing else on the link (the handshake's): the base, if quicker than any seen.</summary>
    public void NoteRoundTrip(long micros) => _baseMicros = Math.Min(_baseMicros, Math.Max(0, micros));

    /// <summary>A FramebufferUpdate of <paramref name="bytes"/> went to the viewer; a later request answers it.</summary>
    public void SentUpdate(long bytes, long nowMicros)
    {
        if (_count == MaxOutstanding)
        {
            _head = (_head + 1) % MaxOutstanding;
            _count--;
        }
        int i = (_head + _count) % MaxOutstanding;
        _sentBytes[i] = bytes;
        _sentAt[i] = nowMicros;
        _count++;
    }

    /// <summary>An incremental FramebufferUpdateRequest arrived: the answer to the oldest unanswered update, if any.</summary>
    public void GotRequest(long nowMicros)
    {
        if (_count == 0) return;
        long bytes = _sentBytes[_head], sentAt = _sentAt[_head];
        _head = (_head + 1) % MaxOutstanding;
        _count--;
        long previousAnswer = _lastAnswerAt;
        _lastAnswerAt = nowMicros;

        long transfer;
        if (previousAnswer > sentAt)
        {
            // Queued behind the update answered before: on the link from that answer on, no round trip in it.
            transfer = nowMicros - previousAnswer;
        }
        else
        {
            long elapsed = Math.Max(0, nowMicros - sentAt);
            long baseBefore = _baseMicros;
            _baseMicros = Math.Min(_baseMicros, elapsed);
            if (baseBefore == long.MaxValue) return;   // no round trip known to tell the link's part
            transfer = elapsed - _baseMicros;
        }

        if (bytes < MinSampleBytes) return;
        transfer = Math.Max(MinTransferMicros, transfer);
        _rates.Add((long)Math.Min(long.MaxValue / 2, bytes * 1_000_000.0 / transfer));
    }
}
