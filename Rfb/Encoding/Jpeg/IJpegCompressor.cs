// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Encoding.Jpeg;

/// <summary>
/// Compresses BGRX pixels (4 bytes a pixel: B, G, R, unused) into a complete JFIF image. Not thread-safe: one
/// instance per session.
/// </summary>
public interface IJpegCompressor : IDisposable
{
    /// <summary>Upper bound of the compressed size for an image of this size and subsampling.</summary>
    int MaxCompressedLength(int width, int height, JpegSubsampling subsampling);

    /// <summary>
    /// Compresses <paramref name="width"/> × <paramref name="height"/> pixels whose rows start
    /// <paramref name="stride"/> bytes apart in <paramref name="bgrx"/>, into <paramref name="destination"/> (at least
    /// <see cref="MaxCompressedLength"/> bytes). Returns the bytes written.
    /// </summary>
    /// <param name="quality">libjpeg quality 1..100.</param>
    /// <exception cref="JpegCompressionException">The library refused or is missing.</exception>
    int Compress(ReadOnlySpan<byte> bgrx, int width, int height, int stride, int quality, JpegSubsampling subsampling,
        Span<byte> destination);
}
