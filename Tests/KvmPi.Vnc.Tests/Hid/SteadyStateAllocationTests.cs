// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Hid.Keyboard;
using KvmPi.Vnc.Hid.Mouse;
using Microsoft.Extensions.Logging.Abstractions;

using KvmPi.Vnc.Tests.Support;

namespace KvmPi.Vnc.Tests.Hid;

/// <summary>Key and pointer events are on every viewer's input path: steady state must allocate nothing
/// (style.md §d "Allocation checks").</summary>
public sealed class SteadyStateAllocationTests
{
    [Fact]
    public void KeyEvent_AllocatesNothing()
    {
        var keyboard = new Keyboard(new NullReportSink(), NullLogger.Instance);
        TypeEverything(keyboard); // warm up: JIT, static tables

        Assert.Equal(0, Allocations.LeastOverRounds(() => { for (int i = 0; i < 100; i++) TypeEverything(keyboard); }));
    }

    [Fact]
    public void PointerEvent_AllocatesNothing()
    {
        var mouse = new AbsoluteMouse(new NullReportSink());
        MoveAround(mouse);

        Assert.Equal(0, Allocations.LeastOverRounds(() => { for (int i = 0; i < 100; i++) MoveAround(mouse); }));
    }

    private static void TypeEverything(Keyboard keyboard)
    {
        keyboard.KeyEvent(0xFFE1, true); // Shift_L held: exercises the override path too
        for (uint keysym = 0x20; keysym <= 0x7E; keysym++)
        {
            keyboard.KeyEvent(keysym, true);
            keyboard.KeyEvent(keysym, false);
        }
        keyboard.KeyEvent(0xFFE1, false);
        keyboard.KeyEvent(0xFF0D, true);
        keyboard.KeyEvent(0xFF0D, false);
        keyboard.KeyEvent(0x00E9, true);  // unmapped: the debug log must not allocate when disabled
        foreach (char c in "abcdefg")     // seventh key ignored
            keyboard.KeyEvent(c, true);
        keyboard.ReleaseAll();
    }

    private static void MoveAround(AbsoluteMouse mouse)
    {
        for (int x = 0; x < 1920; x += 7)
            mouse.PointerEvent(x, x / 2, 1920, 1080, (byte)(x & 0x7F));
        mouse.ReleaseAll();
    }
}
