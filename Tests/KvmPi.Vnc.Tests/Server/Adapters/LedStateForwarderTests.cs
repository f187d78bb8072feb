// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb;
using KvmPi.Vnc.Server.Adapters;

namespace KvmPi.Vnc.Tests.Server.Adapters;

public class LedStateForwarderTests
{
    [Theory]
    [InlineData(0x00, LockKeys.None)]
    [InlineData(0x01, LockKeys.NumLock)]      // HID bit 0 Num  → RFB bit 1
    [InlineData(0x02, LockKeys.CapsLock)]     // HID bit 1 Caps → RFB bit 2
    [InlineData(0x04, LockKeys.ScrollLock)]   // HID bit 2 Scroll → RFB bit 0
    [InlineData(0x1F, LockKeys.NumLock | LockKeys.CapsLock | LockKeys.ScrollLock)]   // Compose and Kana have no RFB bit
    public void HidLedBitsBecomeRfbLockKeys(byte hid, LockKeys expected)
    {
        Assert.Equal(expected, LedStateForwarder.ToLockKeys(hid));
    }
}
