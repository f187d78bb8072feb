// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Server;

/// <summary>
/// Draws the picture a viewer gets when the desktop changed size and the viewer can follow neither through
/// DesktopSize nor ExtendedDesktopSize: a message at the viewer's old size, instead of a cropped or garbled frame.
/// Supplied by the host (Rfb has no fonts); without one such a viewer sees the part of the new frame that fits.
/// </summary>
public interface IResizeNotice
{
    /// <summary>Fills <paramref name="bgrx"/> (<paramref name="width"/> × <paramref name="height"/>, 4 bytes a pixel, no padding).</summary>
    void Render(Span<byte> bgrx, int width, int height, int newWidth, int newHeight);
}
