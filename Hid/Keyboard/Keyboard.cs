// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using Microsoft.Extensions.Logging;

namespace KvmPi.Vnc.Hid.Keyboard;

/// <summary>
/// A USB boot keyboard driven by X11 keysyms, typing as a US-layout host reads it. Emits 8-byte boot reports
/// (modifiers, reserved, six usages) to its sink on every change. Thread-safe: several viewers may type at once.
/// </summary>
/// <remarks>
/// Design notes:
/// <list type="number">
/// <item>State is kept as the target sees it: modifier bits the client holds, and up to six held keys by HID usage
/// (not keysym), in press order. A client may press 'a' and release 'A'; both are usage 0x04, so the release
/// matches (TigerVNC's server tracks pressed keys by key, not symbol, for the same reason; rfb-notes.md §3.1).</item>
/// <item>Shift is a hint (rfbproto KeyEvent guidelines): the most recently pressed held key decides it. A character
/// that needs Shift gets it, one that must not have it gets it lifted, and keys that do not care leave the
/// client's Shift alone. Releasing the key restores whatever the remaining keys and the client call for.</item>
/// <item>Every event recomputes the whole report and sends it only if it differs from the last one sent: a report
/// is full state, and duplicates (client auto-repeat) would only cost USB bandwidth.</item>
/// <item>The sink is called under the lock, so reports reach it in the order the state changed.</item>
/// </list>
/// </remarks>
public sealed class Keyboard
{
    private readonly IHidReportSink _sink;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();

    // Guarded by _lock.
    private byte _clientModifiers;
    private int _heldCount;
    private HeldKeys _heldUsages;
    private HeldKeys _heldShift; // ShiftRequirement per held key, parallel to _heldUsages
    private ulong _lastSent;     // last report sent, as 8 bytes little-endian; all keys up at start
    private byte _leds;          // the target's lock LEDs (HID LED order); unknown until it says = all off

    /// <param name="sink">Receives each 8-byte report; called under the keyboard's lock, so it must not block.</param>
    /// <param name="logger">Debug lines for ignored keysyms and ignored seventh keys.</param>
    public Keyboard(IHidReportSink sink, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(logger);
        _sink = sink;
        _logger = logger;
    }

    /// <summary>Presses or releases the key that types <paramref name="keysym"/>.</summary>
    /// <remarks>Keysyms with no US key, releases of keys not held and a seventh key are ignored (Debug log).
    /// Allocation-free. Called from any viewer's receive loop.</remarks>
    public void KeyEvent(uint keysym, bool down)
    {
        if (!UsKeymap.TryGetKeyStroke(keysym, out KeyStroke stroke))
        {
            HidLog.UnmappedKeysym(_logger, keysym);
            return;
        }

        lock (_lock)
        {
            if (stroke.IsModifier)
            {
                byte bit = KeyboardUsage.ModifierBit(stroke.Usage);
                _clientModifiers = down ? (byte)(_clientModifiers | bit) : (byte)(_clientModifiers & ~bit);
            }
            else if (down)
            {
                if ((_leds & LedBits.CapsLock) != 0 && stroke.CapsLockInvertsShift)
                    stroke = stroke with { Shift = stroke.Shift == ShiftRequirement.Pressed ? ShiftRequirement.Released : ShiftRequirement.Pressed };
                if (!TryPressUnsynchronized(stroke))
                {
                    HidLog.TooManyKeysHeld(_logger, keysym, stroke.Usage);
                    return;
                }
            }
            else
            {
                ReleaseUnsynchronized(stroke.Usage);
            }

            SendIfChangedUnsynchronized();
        }
    }

    /// <summary>
    /// The target's lock state, from its keyboard LED output report (HID 1.11 Appendix B.1, the boot keyboard's
    /// 1-byte OUT report): bit 0 Num Lock, bit 1 Caps Lock, bit 2 Scroll Lock (bits 3/4 Compose/Kana are kept but
    /// unused). Called whenever the host sends a new LED report; before the first one every lock counts as off.
    /// </summary>
    /// <remarks>Keysyms name characters, so a letter must come out in the case the viewer asked for whatever the
    /// target's Caps Lock is: with Caps Lock on, Shift is inverted for the keys Caps Lock affects.</remarks>
    public void UpdateLeds(byte ledBits)
    {
        lock (_lock) _leds = ledBits;
    }

    /// <summary>The last LED state given to <see cref="UpdateLeds"/> (0 until then).</summary>
    public byte Leds
    {
        get { lock (_lock) return _leds; }
    }

    /// <summary>Releases every key and modifier: sends an all-zero report.</summary>
    /// <remarks>Always sends, even when nothing is held, so that a target whose state drifted (a report lost while
    /// it was asleep) is brought back to "nothing pressed" on disconnect or control change.</remarks>
    public void ReleaseAll()
    {
        lock (_lock)
        {
            _clientModifiers = 0;
            _heldCount = 0;
            _lastSent = 0;
            Span<byte> report = stackalloc byte[BootKeyboardReport.Length];
            report.Clear();
            _sink.Send(report);
        }
    }

    private bool TryPressUnsynchronized(KeyStroke stroke)
    {
        // A second press of a held usage (client auto-repeat, or 'a' then 'A') moves it to the newest position so
        // that its Shift requirement is the one in force; it never takes a second slot.
        int index = IndexOfUnsynchronized(stroke.Usage);
        if (index >= 0)
            RemoveAtUnsynchronized(index);
        else if (_heldCount == BootKeyboardReport.MaxKeys)
            return false;

        _heldUsages[_heldCount] = stroke.Usage;
        _heldShift[_heldCount] = (byte)stroke.Shift;
        _heldCount++;
        return true;
    }

    private void ReleaseUnsynchronized(byte usage)
    {
        int index = IndexOfUnsynchronized(usage);
        if (index >= 0)
            RemoveAtUnsynchronized(index); // an unmatched release is ignored: nothing to change
    }

    private int IndexOfUnsynchronized(byte usage)
    {
        for (int i = 0; i < _heldCount; i++)
        {
            if (_heldUsages[i] == usage)
                return i;
        }
        return -1;
    }

    private void RemoveAtUnsynchronized(int index)
    {
        for (int i = index + 1; i < _heldCount; i++)
        {
            _heldUsages[i - 1] = _heldUsages[i];
            _heldShift[i - 1] = _heldShift[i];
        }
        _heldCount--;
    }

    private byte EffectiveModifiersUnsynchronized()
    {
        if (_heldCount == 0)
            return _clientModifiers;

        return (ShiftRequirement)_heldShift[_heldCount - 1] switch
        {
            ShiftRequirement.Pressed when (_clientModifiers & BootKeyboardReport.AnyShiftBits) == 0 =>
                (byte)(_clientModifiers | BootKeyboardReport.LeftShiftBit),
            ShiftRequirement.Released => (byte)(_clientModifiers & ~BootKeyboardReport.AnyShiftBits),
            _ => _clientModifiers,
        };
    }

    private void SendIfChangedUnsynchronized()
    {
        Span<byte> report = stackalloc byte[BootKeyboardReport.Length];
        report.Clear();
        report[BootKeyboardReport.ModifiersOffset] = EffectiveModifiersUnsynchronized();
        for (int i = 0; i < _heldCount; i++)
            report[BootKeyboardReport.KeysOffset + i] = _heldUsages[i];

        ulong packed = BinaryPrimitives.ReadUInt64LittleEndian(report);
        if (packed == _lastSent)
            return;
        _lastSent = packed;
        _sink.Send(report);
    }

    /// <summary>Six bytes stored inline in the keyboard object: no array to allocate or bounds-check twice.</summary>
    [System.Runtime.CompilerServices.InlineArray(BootKeyboardReport.MaxKeys)]
    private struct HeldKeys
    {
        private byte _first;
    }
}
