// SPDX-License-Identifier: MIT
using System.Buffers;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Rfb.Protocol;

namespace KvmPi.Vnc.Rfb.Encoding;

/// <summary>
/// Writes the payload of one FramebufferUpdate rectangle (everything after its 12-byte header) in one encoding.
/// </summary>
/// <remarks>
/// The input is already converted to the client's pixel format: one <see cref="uint"/> per pixel holding the pixel
/// value (not yet byte-serialised), row-major, <c>width × height</c>, no padding. Converting once into a private
/// scratch buffer means an encoder that looks at the pixels twice (palette analysis, then output) can never see
/// them change underneath it while the capture publishes the next frame.
/// One instance per client session: encoders with zlib state (ZRLE) must not be shared. Not thread-safe.
/// </remarks>
public interface IRectEncoder
{
    EncodingType Encoding { get; }

    void Encode(ReadOnlySpan<uint> pixels, int width, int height, PixelFormat format, IBufferWriter<byte> output);
}
