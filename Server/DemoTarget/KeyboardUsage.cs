// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Server.DemoTarget;

/// <summary>HID Usage Tables, Keyboard/Keypad page (0x07): the usages the demo target treats specially.</summary>
internal static class KeyboardUsage
{
    public const byte None = 0x00;
    public const byte ErrorRollOver = 0x01; // "too many keys": every slot holds it, the key state is unknown
    public const byte A = 0x04;
    public const byte C = 0x06;
    public const byte L = 0x0F;
    public const byte Z = 0x1D;
    public const byte Enter = 0x28;
    public const byte Backspace = 0x2A;
    public const byte Tab = 0x2B;
    public const byte CapsLock = 0x39;
    public const byte NumLock = 0x53;
    public const byte KeypadEnter = 0x58;
}
