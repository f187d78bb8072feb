// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Keyboard;

/// <summary>
/// How to type one keysym: the key's HID usage (page 0x07; 0xE0..0xE7 for modifier keys) and what Shift must be
/// while it is held. This is the whole contract between <see cref="Keyboard"/> and a keymap, so a generated
/// per-layout table only has to produce these.
/// </summary>
internal readonly record struct KeyStroke(byte Usage, ShiftRequirement Shift, bool CapsLockInvertsShift = false)
{
    public bool IsModifier => KeyboardUsage.IsModifier(Usage);
}
