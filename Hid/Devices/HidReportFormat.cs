// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Devices;

/// <summary>
/// What the device writer needs to know about a report beyond its length: which bytes are state (a key, a button, an
/// absolute position: sending them again changes nothing) and which are movement (relative X/Y, wheel: sending them
/// again moves again), and which bytes say that something is held.
/// </summary>
/// <remarks>
/// With this the writer can re-send the current state safely: after the device comes back, and periodically while a
/// key or button is held, so a target that re-enumerated in between (rebooted, woke up, gadget re-bound) is told what
/// is held without waiting for new input. A real keyboard does the same through its HID idle rate.
/// </remarks>
public sealed class HidReportFormat
{
    private readonly byte[] _stateMask;
    private readonly byte[] _heldMask;

    private HidReportFormat(byte[] stateMask, byte[] heldMask)
    {
        _stateMask = stateMask;
        _heldMask = heldMask;
    }

    public int Length => _stateMask.Length;

    /// <summary>The boot keyboard: every byte is state; any non-zero byte (a modifier or a key) is held.</summary>
    public static HidReportFormat BootKeyboard { get; } = new([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);

    /// <summary>The absolute mouse: buttons and position are state, wheel and pan are movement; buttons are held.</summary>
    public static HidReportFormat AbsoluteMouse { get; } = new([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0], [0xFF, 0, 0, 0, 0, 0, 0]);

    /// <summary>The relative boot mouse: only the buttons are state, and held.</summary>
    public static HidReportFormat RelativeMouse { get; } = new([0xFF, 0, 0, 0], [0xFF, 0, 0, 0]);

    /// <summary>A report the writer knows nothing about: sent as is, never re-sent on its own.</summary>
    public static HidReportFormat Opaque(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        byte[] all = new byte[length];
        all.AsSpan().Fill(0xFF);
        return new HidReportFormat(all, new byte[length]);
    }

    /// <summary>Clears the movement bytes, leaving what may be sent again without effect.</summary>
    public void ToState(Span<byte> report)
    {
        for (int i = 0; i < report.Length; i++)
            report[i] &= _stateMask[i];
    }

    /// <summary>Whether the report holds a key or a button down.</summary>
    public bool IsHeld(ReadOnlySpan<byte> report)
    {
        for (int i = 0; i < report.Length; i++)
            if ((report[i] & _heldMask[i]) != 0)
                return true;
        return false;
    }
}
