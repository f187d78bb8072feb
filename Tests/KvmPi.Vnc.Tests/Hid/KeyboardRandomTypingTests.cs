// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Hid.Keyboard;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvmPi.Vnc.Tests.Hid;

/// <summary>
/// Keys never stick, whatever a viewer sends: seeded random key sequences in every layout (printable and Latin-1
/// characters, modifiers, AltGr, special and keypad keys, keysyms no layout has, scancode events, repeated presses,
/// releases of keys not held, letters released with the other case's keysym as viewers do after Shift) give only
/// well-formed boot reports, and once every key pressed has been released the last report is all up.
/// </summary>
public sealed class KeyboardRandomTypingTests
{
    private const int SequencesPerLayout = 150;
    private const int EventsPerSequence = 60;

    [Theory]
    [MemberData(nameof(RandomKeys.Layouts), MemberType = typeof(RandomKeys))]
    public void EveryReportIsWellFormedAndReleasingWhatWasPressedEndsAllUp(string layoutName)
    {
        Assert.True(KeyboardLayout.TryGet(layoutName, out KeyboardLayout layout));
        for (int seed = 1; seed <= SequencesPerLayout; seed++)
        {
            var random = new Random(seed * 7919 + StableHash(layoutName));
            var sink = new RecordingReportSink();
            var keyboard = new Keyboard(sink, NullLogger.Instance, new KeyboardOptions { Layout = layout, PasteChord = null });
            var held = new List<(uint Keysym, uint Scancode)>();
            var log = new List<string>();
            for (int i = 0; i < EventsPerSequence; i++)
            {
                if (held.Count > 0 && random.Next(3) == 0)
                {
                    var (keysym, scancode) = held[random.Next(held.Count)];
                    held.Remove((keysym, scancode));
                    Release(keyboard, keysym, scancode, random, log);
                }
                else if (random.Next(12) == 0)
                {
                    // A release of something not held (a viewer that missed the press, or a stray up).
                    uint keysym = RandomKeys.Keysym(random);
                    log.Add($"up {keysym:x} (not held)");
                    keyboard.KeyEvent(keysym, false);
                }
                else
                {
                    uint keysym = RandomKeys.Keysym(random);
                    uint scancode = random.Next(5) == 0 ? (uint)random.Next(1, 0x80) | (random.Next(4) == 0 ? 0x80u : 0) : 0;
                    log.Add(scancode != 0 ? $"down {keysym:x} scancode {scancode:x}" : $"down {keysym:x}");
                    if (scancode != 0) keyboard.ScancodeEvent(keysym, scancode, true);
                    else keyboard.KeyEvent(keysym, true);
                    held.Add((keysym, scancode));
                }
            }
            while (held.Count > 0)
            {
                var (keysym, scancode) = held[random.Next(held.Count)];
                held.Remove((keysym, scancode));
                Release(keyboard, keysym, scancode, random, log);
            }

            string what = $"layout {layoutName}, seed {seed}: {string.Join(", ", log)}";
            foreach (string report in sink.Reports) RandomKeys.AssertWellFormed(report, what);
            Assert.True(sink.Reports.Count == 0 || sink.Reports[^1] == "00 00 00 00 00 00 00 00",
                $"{what}\nlast report {sink.Reports[^1]}");
        }
    }

    /// <summary>The same number for the same name in every run (string.GetHashCode differs per process).</summary>
    private static int StableHash(string name)
    {
        int hash = 0;
        foreach (char c in name) hash = hash * 31 + c;
        return hash & 0xFFFF;
    }

    private static void Release(Keyboard keyboard, uint keysym, uint scancode, Random random, List<string> log)
    {
        if (scancode != 0)
        {
            log.Add($"up {keysym:x} scancode {scancode:x}");
            keyboard.ScancodeEvent(keysym, scancode, false);
            return;
        }
        // Viewers release a letter with the keysym of the case they see now: 'A' down, Shift up, 'a' up.
        uint up = keysym is >= 'a' and <= 'z' or >= 'A' and <= 'Z' && random.Next(3) == 0 ? keysym ^ 0x20 : keysym;
        log.Add($"up {up:x}");
        keyboard.KeyEvent(up, false);
    }
}
