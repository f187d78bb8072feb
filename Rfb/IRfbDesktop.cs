// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb;

/// <summary>
/// Everything Rfb needs from the machine it serves: where viewers' input goes (cf. TigerVNC common/rfb/SDesktop.h).
/// Server implements it over Hid (or the demo target). Frames flow the other way, through
/// <see cref="Server.RfbServer.PublishFrame"/>.
/// </summary>
/// <remarks>
/// Called from each client's receive loop, possibly from several clients at once: implementations serialise.
/// Calls must not block on a device; a slow HID endpoint must not stall a viewer's protocol stream.
/// </remarks>
public interface IRfbDesktop
{
    /// <summary>An X11 keysym pressed or released (rfbproto "KeyEvent").</summary>
    void KeyEvent(uint keysym, bool down);

    /// <summary>
    /// A QEMU Extended Key Event (rfbproto "QEMU Extended Key Event Message"): the key with XT scancode
    /// <paramref name="scancode"/> (QEMU key number: 0xE0-prefixed codes as 0x80 | code) pressed or released, and
    /// the keysym the viewer's layout made of it (may be 0). Desktops without scancode support type the keysym.
    /// </summary>
    void ScancodeKeyEvent(uint keysym, uint scancode, bool down)
    {
        if (keysym != 0) KeyEvent(keysym, down);
    }

    /// <summary>
    /// A viewer's clipboard text (rfbproto "ClientCutText", Latin-1 decoded), within the server's limit. Viewers send
    /// it unasked, on focus or copy: it must never be typed by itself, only remembered for an explicit paste.
    /// </summary>
    void ClientCutText(string text)
    {
    }

    /// <summary>
    /// rfbproto "PointerEvent": position already clamped to the frame, button mask as sent (bit 0 left, 1 middle,
    /// 2 right, 3/4 wheel up/down, 5/6 wheel left/right), and the frame size the position refers to.
    /// </summary>
    void PointerEvent(int x, int y, byte buttonMask, int frameWidth, int frameHeight);

    /// <summary>
    /// A viewer that held keys or buttons has gone (clean close, reset, timeout, protocol error). Everything it may
    /// hold must be released: no key stays pressed.
    /// </summary>
    void ReleaseAllInput();
}
