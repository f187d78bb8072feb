// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Pixels;

/// <summary>
/// Converts server pixels (BGRX, <see cref="PixelFormat.Bgrx32"/>) to one client pixel format and serialises pixel
/// values in that format's size and byte order. Channels are scaled to the nearest value, as libvncserver and
/// TigerVNC do (bgr233 included). One instance per client pixel format; immutable, so it may be shared.
/// </summary>
public sealed class PixelTranslator
{
    public PixelTranslator(PixelFormat format) => throw new NotImplementedException();

    public PixelFormat Format => throw new NotImplementedException();

    /// <summary>The client pixel value for one server pixel (its 4 bytes B, G, R, X read as a little-endian uint).</summary>
    public uint Translate(uint bgrx) => throw new NotImplementedException();

    /// <summary>Converts one row of BGRX bytes (4 × destination.Length bytes) to client pixel values.</summary>
    public void TranslateRow(ReadOnlySpan<byte> bgrxRow, Span<uint> destination) => throw new NotImplementedException();

    /// <summary>Writes pixel values as BytesPerPixel bytes each in the client's byte order.</summary>
    public void Serialize(ReadOnlySpan<uint> values, Span<byte> destination) => throw new NotImplementedException();
}
