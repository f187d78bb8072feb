// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Hid.Keyboard;
using KvmPi.Vnc.Hid.Mouse;
using KvmPi.Vnc.Rfb;

namespace KvmPi.Vnc.Server.Adapters;

/// <summary>Rfb → Hid: viewers' keysyms, scancodes and pointer events become keyboard and mouse (absolute or relative) reports.</summary>
internal sealed class HidDesktopAdapter(Keyboard keyboard, IPointerDevice mouse) : IRfbDesktop
{
    public void KeyEvent(uint keysym, bool down) => keyboard.KeyEvent(keysym, down);

    public void ScancodeKeyEvent(uint keysym, uint scancode, bool down) => keyboard.ScancodeEvent(keysym, scancode, down);

    public void PointerEvent(int x, int y, byte buttonMask, int frameWidth, int frameHeight) =>
        mouse.PointerEvent(x, y, frameWidth, frameHeight, buttonMask);

    /// <summary>Remembered for the paste chord; never typed by itself.</summary>
    public void ClientCutText(string text) => keyboard.SetClipboard(text);

    /// <summary>
    /// Types <paramref name="text"/> into the target as keystrokes in its layout, at the paste rate, as the paste
    /// chord does (for the web console's paste box). Returns at once; a key press stops it.
    /// </summary>
    public Task<PasteResult> TypeText(string text) => keyboard.TypeText(text);

    public void ReleaseAllInput()
    {
        keyboard.ReleaseAll();
        mouse.ReleaseAll();
    }
}
