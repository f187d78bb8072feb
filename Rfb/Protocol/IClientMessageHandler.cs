// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Pixels;

namespace KvmPi.Vnc.Rfb.Protocol;

/// <summary>
/// What <see cref="ClientMessageReader"/> calls for each decoded client message (cf. TigerVNC SMsgHandler).
/// The reader has already enforced the limits; handlers apply policy.
/// </summary>
public interface IClientMessageHandler
{
    void SetPixelFormat(PixelFormat format);

    /// <summary>Called once per SetEncodings with the whole list, in the client's order of preference.</summary>
    void SetEncodings(ReadOnlySpan<int> encodings);

    void FramebufferUpdateRequest(bool incremental, int x, int y, int width, int height);

    /// <summary>EnableContinuousUpdates (150): start pushing updates of the area without requests, or stop.</summary>
    void EnableContinuousUpdates(bool enable, int x, int y, int width, int height);

    /// <summary>ClientFence (248): <paramref name="flags"/> as sent (see <see cref="FenceFlags"/>), payload ≤ 64 bytes.</summary>
    void ClientFence(uint flags, ReadOnlySpan<byte> payload);

    void KeyEvent(uint keysym, bool down);

    /// <summary>QEMU Extended Key Event: XT scancode as QEMU numbers it (0xE0 xx as 0x80 | xx), keysym possibly 0.</summary>
    void QemuKeyEvent(uint keysym, uint keycode, bool down);

    void PointerEvent(byte buttonMask, int x, int y);

    /// <summary>ClientCutText within the limit (Latin-1). Longer text is skipped by the reader and reported here as truncated.</summary>
    void ClientCutText(ReadOnlySpan<byte> latin1Text, bool discarded);

    /// <summary>SetDesktopSize (ExtendedDesktopSize): the size the viewer asks for, and how many screens it listed.</summary>
    void SetDesktopSize(int width, int height, int screens);
}
