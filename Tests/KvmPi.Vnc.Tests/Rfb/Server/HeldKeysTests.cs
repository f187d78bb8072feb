// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Server;

namespace KvmPi.Vnc.Tests.Rfb.Server;

/// <summary>What a viewer holds, as its disconnect will release it: every key the keyboard holds for it, once.</summary>
public class HeldKeysTests
{
    private static HeldKey[] Remaining(HeldKeys keys) => keys.TakeAll().ToArray();

    [Fact]
    public void ALetterReleasedAsTheOtherCaseIsForgotten()
    {
        var keys = new HeldKeys();
        keys.Track('a', 0, true);
        keys.Track('A', 0, false);
        Assert.Empty(Remaining(keys));
    }

    [Fact]
    public void BothCasesPressedAreTwoKeys()
    {
        // On tr 'I' (Shift+ı) and 'i' are different keys: both must be released when the viewer goes.
        var keys = new HeldKeys();
        keys.Track('I', 0, true);
        keys.Track('i', 0, true);
        Assert.Equal([new HeldKey('I', 0), new HeldKey('i', 0)], Remaining(keys));
    }

    [Fact]
    public void AKeysymPressedWhileAScancodeKeyOfThatNameIsHeldIsAnotherKey()
    {
        var keys = new HeldKeys();
        keys.Track(0xFF50, 0x64, true);   // a scancode with the viewer's keysym Home
        keys.Track(0xFF50, 0, true);      // Home as a keysym: another key
        keys.Track(0xFF50, 0, false);     // releases the keysym's key
        Assert.Equal([new HeldKey(0xFF50, 0x64)], Remaining(keys));
    }

    [Fact]
    public void OneScancodeUnderTwoKeysymsIsTwoKeysAndAReleaseTakesItsOwn()
    {
        // A scancode with no key of its own is typed as its keysym: 'r' then '?' under it are two keys.
        var keys = new HeldKeys();
        keys.Track('r', 0x6B, true);
        keys.Track('?', 0x6B, true);
        keys.Track('?', 0x6B, false);
        Assert.Equal([new HeldKey('r', 0x6B)], Remaining(keys));
    }

    [Fact]
    public void AKeyPressedOneWayAndReleasedTheOtherIsForgotten()
    {
        var keys = new HeldKeys();
        keys.Track('a', 0x1E, true);
        keys.Track('a', 0, false);
        keys.Track('b', 0, true);
        keys.Track('b', 0x30, false);
        Assert.Empty(Remaining(keys));
    }
}
