// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Protocol;

/// <summary>Client-to-server message types (rfbproto "Client to Server Messages").</summary>
public enum ClientMessageType : byte
{
    SetPixelFormat = 0,
    SetEncodings = 2,
    FramebufferUpdateRequest = 3,
    KeyEvent = 4,
    PointerEvent = 5,
    ClientCutText = 6,
    EnableContinuousUpdates = 150,
    ClientFence = 248,
    SetDesktopSize = 251,
    QemuClientMessage = 255,
}
