// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Server;

/// <summary>
/// The keysyms one viewer holds down, so that exactly those are released when it goes. Bounded: a keyboard holds
/// a handful of keys, and a hostile client pressing thousands of keysyms must not grow memory.
/// </summary>
/// <remarks>
/// X11 viewers send the keysym of the key's current level, so a letter pressed as 'a' may be released as 'A'
/// after Shift went up first; ASCII letters therefore match case-insensitively. Owned by the receive loop; the
/// count is read from other threads only as a hint.
/// </remarks>
internal sealed class HeldKeys
{
    /// <summary>More than any keyboard holds at once (6 keys + 8 modifiers + locks); later presses are not tracked.</summary>
    private const int Capacity = 32;

    private readonly uint[] _keys = new uint[Capacity];
    private readonly uint[] _released = new uint[Capacity];
    private volatile int _count;

    public int Count => _count;

    public void Track(uint keysym, bool down)
    {
        int i = IndexOf(keysym);
        if (down)
        {
            if (i < 0 && _count < Capacity) _keys[_count++] = keysym;
        }
        else if (i >= 0)
        {
            _keys[i] = _keys[_count - 1];
            _count--;
        }
    }

    /// <summary>Empties the set and returns what it held (valid until the next call).</summary>
    public ReadOnlySpan<uint> TakeAll()
    {
        int n = _count;
        _keys.AsSpan(0, n).CopyTo(_released);
        _count = 0;
        return _released.AsSpan(0, n);
    }

    private int IndexOf(uint keysym)
    {
        uint folded = Fold(keysym);
        for (int i = 0; i < _count; i++)
            if (Fold(_keys[i]) == folded) return i;
        return -1;
    }

    private static uint Fold(uint keysym) => keysym is >= 'A' and <= 'Z' ? keysym + 32 : keysym;
}
