// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Server;

namespace KvmPi.Vnc.Tests.Rfb.Server;

/// <summary>A viewer's link bandwidth from its update requests, with made-up sizes and times (no clock involved).</summary>
public class RequestPacedBandwidthTests
{
    [Fact]
    public void UpdateBytesOverTheTimeItsAnswerTookBeyondTheQuickestAnswerAreTheBandwidth()
    {
        var b = new RequestPacedBandwidth();
        Assert.Equal(0, b.BandwidthBytesPerSecond);
        Assert.Null(b.BaseMicros);

        // A small update answered after 10 ms: the round trip, nothing measured yet.
        b.SentUpdate(2_000, 0);
        b.GotRequest(10_000);
        Assert.Equal(10_000, b.BaseMicros);
        Assert.Equal(0, b.BandwidthBytesPerSecond);

        // 1 MB answered after 110 ms: 100 ms on the link, 10 MB/s.
        b.SentUpdate(1_000_000, 20_000);
        b.GotRequest(130_000);
        Assert.Equal(10_000_000, b.BandwidthBytesPerSecond);
    }

    [Fact]
    public void TheFirstAnswerOnlySetsTheBaseAndSmallUpdatesGiveNoSample()
    {
        var b = new RequestPacedBandwidth();
        // The first frame, large, answered after a second: with no base yet it cannot tell link from round trip.
        b.SentUpdate(500_000, 0);
        b.GotRequest(1_000_000);
        Assert.Equal(0, b.BandwidthBytesPerSecond);

        // Small updates lower the base but claim no bandwidth (below a real network's jitter).
        b.SentUpdate(RequestPacedBandwidth.MinSampleBytes - 1, 2_000_000);
        b.GotRequest(2_005_000);
        Assert.Equal(5_000, b.BaseMicros);
        Assert.Equal(0, b.BandwidthBytesPerSecond);

        // 200 kB answered after 1.005 s: 1 s beyond the base, 200 kB/s.
        b.SentUpdate(200_000, 3_000_000);
        b.GotRequest(4_005_000);
        Assert.Equal(200_000, b.BandwidthBytesPerSecond);
    }

    [Fact]
    public void WithTheHandshakesRoundTripTheFirstUpdateIsMeasured()
    {
        var b = new RequestPacedBandwidth();
        b.NoteRoundTrip(20_000);
        b.NoteRoundTrip(30_000);   // the slower of two exchanges does not raise the base
        Assert.Equal(20_000, b.BaseMicros);

        // The first frame, 150 kB answered after 320 ms: 300 ms on the link, 500 kB/s.
        b.SentUpdate(150_000, 1_000_000);
        b.GotRequest(1_320_000);
        Assert.Equal(500_000, b.BandwidthBytesPerSecond);
    }

    [Fact]
    public void ARequestWithNoUpdateOutstandingAnswersNothing()
    {
        var b = new RequestPacedBandwidth();
        b.GotRequest(5_000);    // the first request: nothing sent yet
        Assert.Null(b.BaseMicros);
        b.SentUpdate(1_000, 10_000);
        b.GotRequest(20_000);
        b.GotRequest(20_001);   // a second request (another area): nothing left to answer
        Assert.Equal(10_000, b.BaseMicros);
        Assert.Equal(0, b.Outstanding);

        b.SentUpdate(100_000, 30_000);
        b.GotRequest(140_000);  // 100 ms beyond the base: 1 MB/s
        b.GotRequest(900_000);
        Assert.Equal(1_000_000, b.BandwidthBytesPerSecond);
    }

    [Fact]
    public void WithTwoRequestsOutstandingAnswersMatchUpdatesInOrderAndAQueuedUpdateCountsFromTheAnswerBeforeIt()
    {
        // libvncclient keeps a second request outstanding, so the server sends two updates before the first answer.
        var b = new RequestPacedBandwidth();
        b.NoteRoundTrip(5_000);
        b.SentUpdate(500_000, 0);          // on the link from 0 to ~1 s (500 kB/s)
        b.SentUpdate(700_000, 300_000);    // queued behind it: on the link from ~1 s to ~2.4 s
        Assert.Equal(2, b.Outstanding);

        b.GotRequest(1_005_000);           // answers the first: 1 s beyond the base
        Assert.Equal(500_000, b.BandwidthBytesPerSecond);
        b.GotRequest(2_405_000);           // answers the second: 1.4 s after the first answer, not 2.1 s after it was sent
        Assert.Equal(0, b.Outstanding);
        Assert.Equal(500_000, b.BandwidthBytesPerSecond);
        Assert.Equal(5_000, b.BaseMicros);
    }

    [Fact]
    public void AnUpdateStillUnansweredBoundsTheEstimate()
    {
        var b = new RequestPacedBandwidth();
        b.NoteRoundTrip(5_000);
        b.SentUpdate(600_000, 0);
        Assert.Equal(0, b.BandwidthBytesPerSecondAt(5_500));          // too soon to say anything
        // Unanswered 305 ms after it was sent: it has not crossed the link in 300 ms, so the link is under 2 MB/s.
        Assert.Equal(2_000_000, b.BandwidthBytesPerSecondAt(305_000));
        b.GotRequest(1_205_000);                                       // 1.2 s: 500 kB/s
        Assert.Equal(500_000, b.BandwidthBytesPerSecondAt(1_300_000));

        // The link slows: a new update unanswered for longer than that rate allows lowers the estimate at once.
        b.SentUpdate(100_000, 2_000_000);
        Assert.Equal(500_000, b.BandwidthBytesPerSecondAt(2_100_000));
        Assert.Equal(100_000, b.BandwidthBytesPerSecondAt(3_005_000));
        // Small updates bound nothing.
        b.GotRequest(3_100_000);
        b.SentUpdate(1_000, 4_000_000);
        Assert.Equal(b.BandwidthBytesPerSecond, b.BandwidthBytesPerSecondAt(9_000_000));
    }

    [Fact]
    public void AnUnansweredUpdateIsAwaitedForThePatienceGivenAndThenForgotten()
    {
        var b = new RequestPacedBandwidth();
        Assert.False(b.AwaitsAnswer(0, 2_000_000));
        b.SentUpdate(0, 1_000_000);          // the QEMU key ack, which some viewer might not answer
        b.SentUpdate(50_000, 1_500_000);
        Assert.True(b.AwaitsAnswer(2_900_000, 2_000_000));
        Assert.True(b.AwaitsAnswer(3_000_000, 2_000_000));    // the ack is forgotten, the update still awaited
        Assert.Equal(1, b.Outstanding);
        b.GotRequest(3_100_000);                               // which this answers
        Assert.False(b.AwaitsAnswer(3_100_000, 2_000_000));
    }

    [Fact]
    public void AViewerThatNeverAsksAgainCostsABoundedQueue()
    {
        var b = new RequestPacedBandwidth();
        for (int i = 0; i < 3 * RequestPacedBandwidth.MaxOutstanding; i++) b.SentUpdate(100_000, i * 1_000);
        Assert.Equal(RequestPacedBandwidth.MaxOutstanding, b.Outstanding);
    }

    [Fact]
    public void ADelayedRequestLowersOneSampleAndTheLargestOfTheLastSamplesStands()
    {
        var b = new RequestPacedBandwidth();
        long t = 0;
        void Update(long bytes, long answerMicros)
        {
            b.SentUpdate(bytes, t);
            b.GotRequest(t + answerMicros);
            t += answerMicros + 1_000;
        }

        Update(100, 1_000);                 // base 1 ms
        Update(1_000_000, 101_000);         // 10 MB/s
        Update(1_000_000, 1_001_000);       // the viewer was busy: 1 MB/s
        Assert.Equal(10_000_000, b.BandwidthBytesPerSecond);

        // The fast sample ages out after RateSamples newer ones.
        for (int i = 0; i < RequestPacedBandwidth.RateSamples - 1; i++) Update(1_000_000, 501_000);   // 2 MB/s
        Assert.Equal(2_000_000, b.BandwidthBytesPerSecond);
    }

    [Fact]
    public void AnAnswerQuickerThanTheBaseClaimsAFiniteRate()
    {
        var b = new RequestPacedBandwidth();
        b.SentUpdate(100, 0);
        b.GotRequest(50_000);              // a slow first answer: base 50 ms
        b.SentUpdate(100_000, 100_000);
        b.GotRequest(110_000);             // quicker than the base: at most 100 kB in a millisecond
        Assert.Equal(10_000, b.BaseMicros);
        Assert.Equal(100_000_000, b.BandwidthBytesPerSecond);
    }
}
