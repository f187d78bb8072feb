// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Server;

/// <summary>
/// The keys one viewer holds down, so that exactly those are released when it goes. Bounded: a keyboard holds
/// a handful of keys, and a hostile client pressing thousands of keysyms must not grow memory.
/// </summary>
/// <remarks>
/// A key is a keysym (KeyEvent) or a scancode with the keysym it came with (QEMU Extended Key Event, keysym maybe
/// 0). A release matches the held key pressed the same way (the same scancode, or the same keysym), else the key
/// the other path pressed under the same keysym, so a key pressed through one path and released through the other
/// is forgotten too. X11 viewers send the keysym of the key's current level, so a letter pressed as 'a' may be
/// released as 'A' after Shift went up first: a release matches an ASCII letter of the other case when none of its
/// own case is held. Presses match exactly (<see cref="IndexOf"/> says why). Owned by the receive loop; the count is
/// read from other threads only as a hint.
/// </remarks>
internal sealed class HeldKeys
{
    /// <summary>More than any keyboard holds at once (6 keys + 8 modifiers + locks); later presses are not tracked.</summary>
    private const int Capacity = 32;

    private readonly HeldKey[] _keys = new HeldKey[Capacity];
    private readonly HeldKey[] _released = new HeldKey[Capacity];
    private volatile int _count;

    public int Count => _count;

    /// <param name="scancode">0 for a KeyEvent.</param>
    public void Track(uint keysym, uint scancode, bool down)
    {
        int i = IndexOf(keysym, scancode, Match.Exact);
        if (down)
        {
            if (i < 0 && _count < Capacity) _keys[_count++] = new HeldKey(keysym, scancode);
            return;
        }
        if (i < 0) i = IndexOf(keysym, scancode, Match.SamePath);
        if (i < 0) i = IndexOf(keysym, scancode, Match.OtherPath);
        if (i < 0) i = IndexOf(keysym, scancode, Match.OtherPathFolded);
        if (i >= 0)
        {
            _keys[i] = _keys[_count - 1];
            _count--;
        }
    }

    /// <summary>Empties the set and returns what it held (valid until the next call).</summary>
    public ReadOnlySpan<HeldKey> TakeAll()
    {
        int n = _count;
        _keys.AsSpan(0, n).CopyTo(_released);
        _count = 0;
        return _released.AsSpan(0, n);
    }

    /// <summary>How a release finds the key it ends, most alike first.</summary>
    private enum Match
    {
        /// <summary>The same scancode and keysym (a KeyEvent: the same keysym). The only match for a press.</summary>
        Exact,
        /// <summary>The same scancode with another keysym; for a KeyEvent, a KeyEvent of the letter's other case.</summary>
        SamePath,
        /// <summary>The other path under this keysym: a scancode key released as a KeyEvent, or the other way round.</summary>
        OtherPath,
        /// <summary>As <see cref="OtherPath"/>, a letter of the other case.</summary>
        OtherPathFolded,
    }

    /// <remarks>
    /// Presses match exactly: 'I' and 'i' are different keys on some layouts (tr); a KeyEvent pressed while a
    /// scancode key of that name is held is another key to the keyboard (the scancode's keysym is the viewer's own
    /// name for it); and a scancode with no key of its own is typed as its keysym, so the same scancode under two
    /// keysyms is two keys. Each is tracked apart and none is forgotten; a release takes one.
    /// </remarks>
    private int IndexOf(uint keysym, uint scancode, Match match)
    {
        uint folded = Fold(keysym);
        for (int i = 0; i < _count; i++)
        {
            HeldKey key = _keys[i];
            bool found = match switch
            {
                Match.Exact => key.Scancode == scancode && key.Keysym == keysym,
                Match.SamePath => scancode != 0 ? key.Scancode == scancode : key.Scancode == 0 && keysym != 0 && Fold(key.Keysym) == folded,
                Match.OtherPath => keysym != 0 && (key.Scancode == 0) == (scancode != 0) && key.Keysym == keysym,
                _ => keysym != 0 && (key.Scancode == 0) == (scancode != 0) && Fold(key.Keysym) == folded,
            };
            if (found) return i;
        }
        return -1;
    }

    private static uint Fold(uint keysym) => keysym is >= 'A' and <= 'Z' ? keysym + 32 : keysym;
}

/// <summary>One held key: its keysym (0 if a scancode came without one) and its scancode (0 for a KeyEvent).</summary>
internal readonly record struct HeldKey(uint Keysym, uint Scancode);
