// SPDX-License-Identifier: MIT
using static KvmPi.Vnc.Tests.Server.DemoTarget.DemoTargetInput;
using Target = KvmPi.Vnc.Server.DemoTarget.DemoTarget;

namespace KvmPi.Vnc.Tests.Server.DemoTarget;

public sealed class DemoTargetConsoleTests
{
    [Fact]
    public void HelloThenReturnRunsTheLine()
    {
        var target = new Target();
        Type(target, "hello");
        Assert.Equal("hello", target.ReadConsole().Input);
        Tap(target, Enter);
        var console = target.ReadConsole();
        Assert.Equal(["demo$ hello", "unknown command: hello"], console.Lines);
        Assert.Equal("", console.Input);
    }

    [Fact]
    public void BackspaceErases()
    {
        var target = new Target();
        Type(target, "helo");
        Tap(target, Backspace);
        Type(target, "lo");
        Assert.Equal("hello", target.ReadConsole().Input);
        for (int i = 0; i < 10; i++)
            Tap(target, Backspace); // more than there is: stops at the prompt
        Assert.Equal("", target.ReadConsole().Input);
    }

    [Fact]
    public void ShiftAndCapsLockFollowThePcRules()
    {
        var target = new Target();
        Tap(target, 0x04);                       // a
        Tap(target, 0x04, LeftShift);            // A
        Tap(target, 0x1E, RightShift);           // !
        Tap(target, CapsLock);
        Assert.True(target.ReadConsole().CapsLock);
        Tap(target, 0x05);                       // B: Caps Lock inverts letters
        Tap(target, 0x05, LeftShift);            // b: Shift XOR Caps Lock
        Tap(target, 0x1F);                       // 2: Caps Lock leaves digits alone
        Tap(target, 0x1F, LeftShift);            // @
        Tap(target, 0x2F, LeftShift);            // {
        Tap(target, CapsLock);
        Tap(target, 0x06);                       // c
        Assert.Equal("aA!Bb2@{c", target.ReadConsole().Input);
        Assert.False(target.ReadConsole().CapsLock);
    }

    [Fact]
    public void AKeyIsTypedOnceWhenItAppearsNotWhileHeld()
    {
        var target = new Target();
        target.Keyboard.Send(Keys(0, 0x04));
        target.Keyboard.Send(Keys(0, 0x04));          // still held: no repeat
        target.Keyboard.Send(Keys(0, 0x04, 0x05));    // rollover: only b is new
        target.Keyboard.Send(Keys(0, 0x05));          // a released
        target.Keyboard.Send(Keys(0, 0x05, 0x04));    // a again
        target.Keyboard.Send(Keys(0, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01)); // ErrorRollOver: nothing new
        target.Keyboard.Send(Keys(0));
        Assert.Equal("aba", target.ReadConsole().Input);
    }

    [Fact]
    public void ReportsOfTheWrongLengthAreIgnored()
    {
        var target = new Target();
        target.Keyboard.Send([0, 0, 0x04]);
        target.Keyboard.Send(new byte[9]);
        Assert.Equal("", target.ReadConsole().Input);
    }

    [Fact]
    public void ControlCAbandonsTheLineAndControlLClearsTheScreen()
    {
        var target = new Target();
        Type(target, "abc");
        Tap(target, 0x06, LeftControl);          // Ctrl+C
        Assert.Equal(["demo$ abc^C"], target.ReadConsole().Lines);
        Type(target, "x");
        Tap(target, 0x0F, LeftControl);          // Ctrl+L keeps the line being typed
        Assert.Empty(target.ReadConsole().Lines);
        Assert.Equal("x", target.ReadConsole().Input);
    }

    [Fact]
    public void CommandsHelpEchoClearAndBadMode()
    {
        var target = new Target();
        Type(target, "echo Hi there!");
        Tap(target, Enter);
        Assert.Equal(["demo$ echo Hi there!", "Hi there!"], target.ReadConsole().Lines);
        Type(target, "help");
        Tap(target, Enter);
        Assert.Contains(target.ReadConsole().Lines, l => l.Contains("mode WxH", StringComparison.Ordinal));
        Type(target, "clear");
        Tap(target, Enter);
        Assert.Empty(target.ReadConsole().Lines);
        Type(target, "mode 100x100");
        Tap(target, Enter);
        Assert.StartsWith("usage: mode WxH", target.ReadConsole().Lines[^1], StringComparison.Ordinal);
        Assert.Equal(1024, target.Width);
    }

    [Fact]
    public void TabMovesToTheNextTabStop()
    {
        var target = new Target();
        Type(target, "ab");
        Tap(target, Tab);                        // "demo$ ab" is 8 columns: a full tab to 16
        Type(target, "c");
        Assert.Equal("ab        c", target.ReadConsole().Input);
    }
}
