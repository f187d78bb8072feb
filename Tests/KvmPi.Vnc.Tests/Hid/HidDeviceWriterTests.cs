// SPDX-License-Identifier: MIT
using System.Diagnostics;
using KvmPi.Vnc.Hid.Devices;
using KvmPi.Vnc.Hid.Keyboard;
using KvmPi.Vnc.Hid.Mouse;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace KvmPi.Vnc.Tests.Hid;

/// <summary>HidDeviceWriter against a regular file and a FIFO (a FIFO behaves like a gadget whose host may vanish).</summary>
public sealed class HidDeviceWriterTests
{
    private const int Length = BootKeyboardReport.Length;
    private readonly ListLogger _logger = new();

    private static byte[] NumberedReport(int n)
    {
        var report = new byte[Length];
        report[0] = (byte)(n >> 8);
        report[2] = (byte)n;
        report[7] = 0xA5; // marks the end, so a split or shifted report shows
        return report;
    }

    private static bool WaitUntil(Func<bool> condition, int timeoutMs = 3_000)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.ElapsedMilliseconds > timeoutMs)
                return false;
            Thread.Sleep(1);
        }
        return true;
    }

    [Fact]
    public void RegularFile_ReportsAreAppendedWholeAndInOrder()
    {
        string path = Path.GetTempFileName();
        File.WriteAllBytes(path, [0xEE, 0xEE]); // existing content stays: O_APPEND, no truncation
        try
        {
            using (var writer = new HidDeviceWriter(path, Length, _logger))
            {
                for (int i = 0; i < 300; i++)
                    writer.Send(NumberedReport(i));
            } // Dispose flushes

            byte[] expected = [0xEE, 0xEE, .. Enumerable.Range(0, 300).SelectMany(NumberedReport)];
            Assert.Equal(expected, File.ReadAllBytes(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void RegularFile_ConcurrentSenders_EveryReportWholeAndEachSendersOrderKept()
    {
        string path = Path.GetTempFileName();
        try
        {
            using (var writer = new HidDeviceWriter(path, Length, _logger))
            {
                // 4 × 100 stays below the queue capacity, so nothing may be dropped even if the writer lags.
                Parallel.For(0, 4, sender =>
                {
                    for (int i = 0; i < 100; i++)
                        writer.Send(NumberedReport(sender * 1_000 + i));
                });
            }

            byte[] bytes = File.ReadAllBytes(path);
            Assert.Equal(400 * Length, bytes.Length);
            var reports = bytes.Chunk(Length).ToArray();
            Assert.All(reports, r => Assert.Equal(0xA5, r[7]));
            for (int sender = 0; sender < 4; sender++)
            {
                int[] sequence = [.. reports.Select(r => r[0] << 8 | r[2]).Where(n => n / 1_000 == sender)];
                Assert.Equal(Enumerable.Range(sender * 1_000, 100), sequence);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MissingDevicePath_IsNotCreated_AndIsLoggedOnce()
    {
        // Under /dev a missing node is a gadget not bound yet: never shadow it with a regular file (as root we could).
        string path = "/dev/kvmpi-no-such-hidg-" + Guid.NewGuid();
        using (var writer = new HidDeviceWriter(path, Length, _logger))
        {
            for (int i = 0; i < 5; i++)
                writer.Send(NumberedReport(i));
            Assert.True(WaitUntil(() => _logger.Entries.Any(e => e.EventId == 10)));
        }

        Assert.False(File.Exists(path));
        Assert.Single(_logger.Entries, e => e.Level == LogLevel.Warning && e.EventId == 10);
    }

    [Fact]
    public void MissingReportFile_IsCreated()
    {
        string path = Path.Combine(Path.GetTempPath(), "kvmpi-keys-" + Guid.NewGuid() + ".bin");
        try
        {
            using (var writer = new HidDeviceWriter(path, Length, _logger))
            {
                writer.Send(NumberedReport(1));
                writer.Send(NumberedReport(2));
            }
            Assert.Equal([.. NumberedReport(1), .. NumberedReport(2)], File.ReadAllBytes(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void WrongReportLength_Throws()
    {
        string path = Path.GetTempFileName();
        try
        {
            using var writer = new HidDeviceWriter(path, Length, _logger);
            Assert.Throws<ArgumentException>(() => writer.Send(new byte[7]));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void SendAfterDispose_IsDropped()
    {
        string path = Path.GetTempFileName();
        try
        {
            var writer = new HidDeviceWriter(path, Length, _logger);
            writer.Dispose();
            writer.Send(NumberedReport(1));
            writer.Dispose();
            Assert.Empty(File.ReadAllBytes(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Fifo_ReportsArriveWholeAndInOrder()
    {
        string path = Fifo.Create();
        using var reader = new Fifo.Reader(path);
        using var writer = new HidDeviceWriter(path, Length, _logger);

        for (int i = 0; i < 400; i++)
            writer.Send(NumberedReport(i));

        for (int i = 0; i < 400; i++)
            Assert.Equal(NumberedReport(i), reader.ReadReport(Length, 3_000));
        Assert.Equal(1, writer.OpenCount);
    }

    [Fact]
    public void Fifo_ReaderGoesAndAnotherComes_WriterReopensAndResendsTheFailedReport()
    {
        string path = Fifo.Create();
        using var writer = new HidDeviceWriter(path, Length, _logger);
        using (var first = new Fifo.Reader(path))
        {
            writer.Send(NumberedReport(1));
            Assert.Equal(NumberedReport(1), first.ReadReport(Length, 3_000));
        }

        writer.Send(NumberedReport(2)); // EPIPE: nobody reads
        Assert.True(WaitUntil(() => _logger.Entries.Any(e => e.EventId == 11)), "EPIPE not seen");

        using var second = new Fifo.Reader(path);
        Assert.Equal(NumberedReport(2), second.ReadReport(Length, 3_000));
        Assert.Equal(2, writer.OpenCount);
        Assert.True(WaitUntil(() => _logger.Entries.Any(e => e.EventId == 13)), "recovery not logged");

        writer.Send(NumberedReport(3)); // and it keeps working
        Assert.Equal(NumberedReport(3), second.ReadReport(Length, 3_000));
    }

    [Fact]
    public void Fifo_WhileOffline_OnlyTheNewestReportIsSentOnReopen()
    {
        string path = Fifo.Create();
        using var writer = new HidDeviceWriter(path, Length, _logger);
        using (var first = new Fifo.Reader(path))
        {
            writer.Send(NumberedReport(1));
            Assert.Equal(NumberedReport(1), first.ReadReport(Length, 3_000));
        }
        writer.Send(NumberedReport(2));
        Assert.True(WaitUntil(() => _logger.Entries.Any(e => e.EventId == 11)));

        for (int i = 3; i <= 1_000; i++) // more than the queue holds: the oldest are dropped
            writer.Send(NumberedReport(i));

        using var second = new Fifo.Reader(path);
        Assert.Equal(NumberedReport(1_000), second.ReadReport(Length, 3_000));
        Assert.Null(second.ReadReport(Length, 100));
    }

    [Fact]
    public void Fifo_NoReaderAtFirst_TheNewestReportArrivesWhenOneOpens()
    {
        string path = Fifo.Create();
        using var writer = new HidDeviceWriter(path, Length, _logger);
        writer.Send(NumberedReport(1));
        writer.Send(NumberedReport(2));
        Assert.True(WaitUntil(() => _logger.Entries.Any(e => e.EventId == 10)), "ENXIO not seen");

        using var reader = new Fifo.Reader(path);
        Assert.Equal(NumberedReport(2), reader.ReadReport(Length, 3_000));
    }

    [Fact]
    public void Fifo_RetriedAfterAFailure_OnlyTheStateIsSent_NotStaleMovement()
    {
        string path = Fifo.Create();
        using var writer = new HidDeviceWriter(path, HidReportFormat.RelativeMouse, _logger);
        writer.Send([0x01, 0x7F, 0x81, 0x01]);   // left held, moving, wheel: nobody reads yet
        Assert.True(WaitUntil(() => _logger.Entries.Any(e => e.EventId == 10)), "ENXIO not seen");

        using var reader = new Fifo.Reader(path);
        Assert.Equal([0x01, 0x00, 0x00, 0x00], reader.ReadReport(RelativeMouseReport.Length, 3_000));
    }

    [Fact]
    public void CharacterDevice_HeldStateIsWrittenAgainWithoutNewInput()
    {
        // /dev/null is a character device that takes every write: the writer treats it as a gadget.
        using var writer = new HidDeviceWriter("/dev/null", HidReportFormat.BootKeyboard, _logger);
        writer.Send([0x02, 0, 0x04, 0, 0, 0, 0, 0]);   // Shift + a held
        Assert.True(WaitUntil(() => writer.WrittenCount >= 3, 10_000), $"written {writer.WrittenCount}: the held state was not re-sent");

        writer.Send(new byte[8]);                        // all released: no more copies needed
        Assert.True(WaitUntil(() => writer.WrittenCount >= 4, 10_000));
    }

    [Fact]
    public void Dispose_WithNoReader_ReturnsQuickly()
    {
        string path = Fifo.Create();
        var writer = new HidDeviceWriter(path, Length, _logger);
        for (int i = 0; i < 100; i++)
            writer.Send(NumberedReport(i));

        var clock = Stopwatch.StartNew();
        writer.Dispose();
        // Bounded, not fast: Dispose must not hang on a FIFO nobody reads (its flush gives up after about 1 s).
        Assert.True(clock.ElapsedMilliseconds < 10_000, $"Dispose took {clock.ElapsedMilliseconds} ms");
    }
}
