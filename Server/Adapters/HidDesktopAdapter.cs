// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Hid.Keyboard;
using KvmPi.Vnc.Hid.Mouse;
using KvmPi.Vnc.Rfb;

namespace KvmPi.Vnc.Server.Adapters;

/// <summary>Rfb → Hid: viewers' keysyms and pointer events become keyboard and mouse (absolute or relative) reports.</summary>
internal sealed class HidDesktopAdapter(Keyboard keyboard, IPointerDevice mouse) : IRfbDesktop
{
    public void KeyEvent(uint keysym, bool down) => keyboard.KeyEvent(keysym, down);

    public void PointerEvent(int x, int y, byte buttonMask, int frameWidth, int frameHeight) =>
        mouse.PointerEvent(x, y, frameWidth, frameHeight, buttonMask);

    public void ReleaseAllInput()
    {
        keyboard.ReleaseAll();
        mouse.ReleaseAll();
    }
}
