// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Server;
using KvmPi.Vnc.Server.DemoTarget;

namespace KvmPi.Vnc.Server.Screens;

/// <summary>What a viewer that supports neither DesktopSize nor ExtendedDesktopSize sees after the target changed mode.</summary>
internal sealed class ResizeNotice : IResizeNotice
{
    public void Render(Span<byte> bgrx, int width, int height, int newWidth, int newHeight)
    {
        var canvas = new BgrxCanvas();
        MessageScreen.Render(canvas, width, height, "SCREEN SIZE CHANGED",
            [$"The target is now {newWidth}x{newHeight};", $"this viewer stays at {width}x{height}.", "Reconnect to see it."]);
        canvas.Bytes.CopyTo(bgrx);
    }
}
