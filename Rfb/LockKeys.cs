// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb;

/// <summary>
/// The lock keys the served machine has on, as RFB's LED State pseudo-encodings carry them: bit 0 Scroll Lock, bit 1
/// Num Lock, bit 2 Caps Lock (QEMU's -261 and VMware's 0x574D5668 use the same bits). Note that a USB keyboard's LED
/// report orders them differently (Num, Caps, Scroll); the host adapter converts.
/// </summary>
[Flags]
public enum LockKeys : byte
{
    None = 0,
    ScrollLock = 1 << 0,
    NumLock = 1 << 1,
    CapsLock = 1 << 2,
}
