// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Hid.Keyboard;
using KvmPi.Vnc.Rfb;
using KvmPi.Vnc.Rfb.Server;

namespace KvmPi.Vnc.Server.Adapters;

/// <summary>
/// Hid → Rfb: the target's keyboard LED report goes to the keyboard (so letters come out in the case the viewer asked
/// whatever Caps Lock is) and to the RFB server (so viewers keep their lock keys in sync).
/// </summary>
internal sealed class LedStateForwarder(Keyboard keyboard, RfbServer server)
{
    public void OnLeds(byte hidLedBits)
    {
        keyboard.UpdateLeds(hidLedBits);
        server.PublishLedState(ToLockKeys(hidLedBits));
    }

    /// <summary>USB's LED report (bit 0 Num, 1 Caps, 2 Scroll; HID Usage Tables "LED Page") to RFB's order
    /// (bit 0 Scroll, 1 Num, 2 Caps).</summary>
    internal static LockKeys ToLockKeys(byte hidLedBits)
    {
        LockKeys keys = LockKeys.None;
        if ((hidLedBits & 0x01) != 0) keys |= LockKeys.NumLock;
        if ((hidLedBits & 0x02) != 0) keys |= LockKeys.CapsLock;
        if ((hidLedBits & 0x04) != 0) keys |= LockKeys.ScrollLock;
        return keys;
    }
}
