// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb;

namespace KvmPi.Vnc.Tests.Rfb.Server;

/// <summary>A desktop for tests about the picture: input goes nowhere.</summary>
internal sealed class NullDesktop : IRfbDesktop
{
    public void KeyEvent(uint keysym, bool down) { }
    public void PointerEvent(int x, int y, byte buttonMask, int frameWidth, int frameHeight) { }
    public void ReleaseAllInput() { }
}
