// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Server;

/// <summary>
/// The keys one viewer holds down, so that exactly those are released when it goes. Bounded: a keyboard holds
/// a handful of keys, and a hostile client pressing thousands of keysyms must not grow memory.
/// </summary>
/// <remarks>
/// A key is a keysym (KeyEvent) or a scancode with the keysym it came with (QEMU Extended Key Event, keysym maybe
/// 0). A release matches a held key with the same scancode or the same keysym, so a key pressed through one path
/// and released through the other is forgotten too. X11 viewers send the keysym of the key's current level, so a
/// letter pressed as 'a' may be released as 'A' after Shift went up first; ASCII letters therefore match
/// case-insensitively. Owned by the receive loop; the count is read from other threads only as a hint.
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
        int i = IndexOf(keysym, scancode);
        if (down)
        {
            if (i < 0 && _count < Capacity) _keys[_count++] = new HeldKey(keysym, scancode);
        }
        else if (i >= 0)
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

    private int IndexOf(uint keysym, uint scancode)
    {
        uint folded = Fold(keysym);
        for (int i = 0; i < _count; i++)
        {
            if (scancode != 0 && _keys[i].Scancode == scancode) return i;
            if (keysym != 0 && Fold(_keys[i].Keysym) == folded) return i;
        }
        return -1;
    }

    private static uint Fold(uint keysym) => keysym is >= 'A' and <= 'Z' ? keysym + 32 : keysym;
}

/// <summary>One held key: its keysym (0 if a scancode came without one) and its scancode (0 for a KeyEvent).</summary>
internal readonly record struct HeldKey(uint Keysym, uint Scancode);
