// SPDX-License-Identifier: MIT
using System.Diagnostics;
using System.Runtime.InteropServices;
using KvmPi.Vnc.Hid.Devices;

namespace KvmPi.Vnc.Tests.Hid;

/// <summary>LED reports are read from character devices only: a file or FIFO holds the server's own reports.</summary>
public sealed partial class KeyboardLedReaderTests
{
    private readonly ListLogger _logger = new();
    private readonly List<byte> _changes = [];

    private void OnLeds(byte leds)
    {
        lock (_changes) _changes.Add(leds);
    }

    private static bool WaitUntil(Func<bool> condition, int timeoutMs = 5_000)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.ElapsedMilliseconds > timeoutMs) return false;
            Thread.Sleep(5);
        }
        return true;
    }

    [Fact]
    public void RegularFile_IsNotRead()
    {
        string path = Path.GetTempFileName();
        File.WriteAllBytes(path, [0x02, 0x00, 0x04, 0, 0, 0, 0, 0]);   // a keyboard report file: not LED state
        try
        {
            using (new KeyboardLedReader(path, OnLeds, _logger))
                Assert.True(WaitUntil(() => _logger.Entries.Any(e => e.EventId == 21)), "no 'not a character device' line");
            Assert.Empty(_changes);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Fifo_IsNeverOpened()
    {
        string path = Fifo.Create();
        using (new KeyboardLedReader(path, OnLeds, _logger))
        {
            Assert.True(WaitUntil(() => _logger.Entries.Any(e => e.EventId == 21)), "no 'not a character device' line");
            // Had the reader opened the FIFO, a non-blocking writer could open it now; it cannot: nobody reads.
            Assert.Equal(-1, OpenForWriting(path));
        }
        Assert.Empty(_changes);
    }

    [Fact]
    public void CharacterDevice_FirstValueIsReportedOnceThenOnlyChanges()
    {
        // /dev/zero reads as an endless stream of all-off LED reports: one change (unknown → 0), then silence.
        using (new KeyboardLedReader("/dev/zero", OnLeds, _logger))
            Assert.True(WaitUntil(() => { lock (_changes) return _changes.Count > 0; }));
        Assert.Equal([0], _changes);
    }

    [Fact]
    public void MissingDevice_IsWaitedFor()
    {
        string path = Path.Combine(Path.GetTempPath(), "kvmpi-no-such-hidg-" + Guid.NewGuid().ToString("N"));
        using (new KeyboardLedReader(path, OnLeds, _logger))
            Thread.Sleep(50);   // it polls for the node; nothing to report, nothing logged as a non-device
        Assert.DoesNotContain(_logger.Entries, e => e.EventId == 21);
        Assert.Empty(_changes);
    }

    private static int OpenForWriting(string path)
    {
        int fd = Open(path, 0x1 | 0x800 /* O_WRONLY | O_NONBLOCK */);
        if (fd >= 0) Close(fd);
        return fd < 0 ? -1 : 0;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
