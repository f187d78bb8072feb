// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Keyboard;

/// <summary>
/// Bits of the boot keyboard's LED output report (HID 1.11 Appendix B.1; HID Usage Tables LED page 0x08 usages
/// 1..5 in order). Not the RFB QEMU LED State order, which is Scroll, Num, Caps (rfb-notes.md).
/// </summary>
public static class LedBits
{
    public const byte NumLock = 1 << 0;
    public const byte CapsLock = 1 << 1;
    public const byte ScrollLock = 1 << 2;
    public const byte Compose = 1 << 3;
    public const byte Kana = 1 << 4;
}
