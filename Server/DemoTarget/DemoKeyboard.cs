// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Server.DemoTarget;

/// <summary>
/// The demo target's keyboard driver: turns 8-byte boot keyboard reports into key presses the way a PC's HID driver
/// does, and types them into a <see cref="DemoConsole"/> with the US layout. Not thread-safe: used under the target's lock.
/// </summary>
/// <remarks>
/// Report layout (HID 1.11 appendix B.1, field-notes §3.1):
/// <code>
/// +-----------+----------+----+----+----+----+----+----+
/// | modifiers | reserved | k1 | k2 | k3 | k4 | k5 | k6 |   modifiers: bit0 LCtrl 1 LShift 2 LAlt 3 LGUI
/// +-----------+----------+----+----+----+----+----+----+              4 RCtrl 5 RShift 6 RAlt 7 RGUI
/// </code>
/// A key is pressed when its usage appears in a report that did not have it, with that report's modifiers. The host
/// repeats held keys itself on a real PC; the demo does not (viewers already send their own repeats as new presses),
/// which keeps the screen a pure function of the reports.
/// </remarks>
internal sealed class DemoKeyboard(DemoConsole console)
{
    public const int ReportLength = 8;
    private const int FirstKeySlot = 2;
    private const int KeySlots = 6;

    private readonly byte[] _previousKeys = new byte[KeySlots];

    public bool CapsLock { get; private set; }

    /// <summary>Num Lock starts on, as most PC firmware leaves it.</summary>
    public bool NumLock { get; private set; } = true;

    /// <summary>Applies one report; returns false (and changes nothing) when it is not a keyboard report.</summary>
    public bool Apply(ReadOnlySpan<byte> report)
    {
        if (report.Length != ReportLength)
            return false;
        var modifiers = (KeyboardModifiers)report[0];
        ReadOnlySpan<byte> keys = report.Slice(FirstKeySlot, KeySlots);
        if (keys.Contains(KeyboardUsage.ErrorRollOver))
            return true; // phantom state: which keys are down is unknown, so nothing new is pressed

        for (int i = 0; i < KeySlots; i++)
        {
            byte usage = keys[i];
            if (usage != KeyboardUsage.None && !_previousKeys.AsSpan().Contains(usage) && keys[..i].IndexOf(usage) < 0)
                Press(usage, modifiers);
        }
        keys.CopyTo(_previousKeys);
        return true;
    }

    private void Press(byte usage, KeyboardModifiers modifiers)
    {
        switch (usage)
        {
            case KeyboardUsage.CapsLock:
                CapsLock = !CapsLock;
                return;
            case KeyboardUsage.NumLock:
                NumLock = !NumLock;
                return;
        }

        if ((modifiers & KeyboardModifiers.Control) != 0)
        {
            if (usage == KeyboardUsage.L)
                console.ClearScreen();
            else if (usage == KeyboardUsage.C)
                console.Interrupt();
            return; // other Ctrl combinations are shortcuts the demo shell does not have
        }
        if ((modifiers & (KeyboardModifiers.Alt | KeyboardModifiers.Gui)) != 0)
            return; // Alt/GUI combinations are shortcuts too; the US layout has no AltGr characters

        switch (usage)
        {
            case KeyboardUsage.Enter or KeyboardUsage.KeypadEnter:
                console.Enter();
                return;
            case KeyboardUsage.Backspace:
                console.Backspace();
                return;
            case KeyboardUsage.Tab:
                console.Tab();
                return;
        }

        bool shift = (modifiers & KeyboardModifiers.Shift) != 0;
        if (UsKeyboardLayout.TryGetCharacter(usage, shift, CapsLock, NumLock, out char character))
            console.Type(character);
    }
}
