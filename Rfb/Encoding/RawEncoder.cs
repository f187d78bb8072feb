// SPDX-License-Identifier: MIT
using System.Buffers;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Rfb.Protocol;

namespace KvmPi.Vnc.Rfb.Encoding;

/// <summary>
/// Raw encoding (rfbproto "Raw Encoding", number 0): every pixel, row by row, in the client's format. Every client
/// must accept it, so it is the fallback when nothing better was listed. Stateless; one instance may serve any session.
/// </summary>
/// <remarks>
/// <code>
/// +-----------------------------------------------+
/// | width × height PIXELs (bytesPerPixel each),     |
/// | left to right, top to bottom, no padding        |
/// +-----------------------------------------------+
/// </code>
/// </remarks>
public sealed class RawEncoder : IRectEncoder
{
    // Rows are written in chunks of at most this many bytes, so a huge rectangle never asks the output for one
    // enormous span (a PipeWriter would have to allocate a segment that large); 16 KiB is a typical pipe segment
    // multiple and still amortises GetSpan/Advance over hundreds of pixels.
    private const int ChunkBytes = 16 * 1024;

    public EncodingType Encoding => EncodingType.Raw;

    public void Encode(ReadOnlySpan<uint> pixels, int width, int height, PixelFormat format, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        EncoderGuard.CheckRect(pixels, width, height);
        int bpp = format.BytesPerPixel;
        int perChunk = Math.Max(1, ChunkBytes / bpp);
        ReadOnlySpan<uint> rest = pixels[..(width * height)];
        while (!rest.IsEmpty)
        {
            int n = Math.Min(perChunk, rest.Length);
            Span<byte> span = output.GetSpan(n * bpp);
            PixelTranslator.Serialize(format, rest[..n], span);
            output.Advance(n * bpp);
            rest = rest[n..];
        }
    }
}
