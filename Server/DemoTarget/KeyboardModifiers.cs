// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Server.DemoTarget;

/// <summary>Byte 0 of a boot keyboard report.</summary>
[Flags]
internal enum KeyboardModifiers : byte
{
    None = 0,
    LeftControl = 1 << 0,
    LeftShift = 1 << 1,
    LeftAlt = 1 << 2,
    LeftGui = 1 << 3,
    RightControl = 1 << 4,
    RightShift = 1 << 5,
    RightAlt = 1 << 6,
    RightGui = 1 << 7,

    Control = LeftControl | RightControl,
    Shift = LeftShift | RightShift,
    Alt = LeftAlt | RightAlt,
    Gui = LeftGui | RightGui,
}
