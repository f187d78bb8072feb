// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Capture.Mjpeg.Partial;

/// <summary>
/// The entropy-coded data of a single-scan JPEG with the byte stuffing removed (every FF 00 becomes FF), so bit
/// positions in it are positions in the Huffman code stream: two frames can be compared bit for bit, and a range of
/// MCUs can be copied out at any bit offset. The buffer is reused and only grows.
/// </summary>
internal sealed class JpegEntropyData
{
    /// <summary>Zero bytes kept after the data: a damaged block can make the MCU walk read up to ~250 bytes past the
    /// point where it last checked the length, and <see cref="JpegBitReader"/> reads 8 bytes at a time.</summary>
    public const int Padding = 512;

    private byte[] _bytes = new byte[64 * 1024];

    /// <summary>Bytes of data (without the padding).</summary>
    public int Length { get; private set; }

    /// <summary>Bits of data: <see cref="Length"/> × 8, the last byte's fill bits included.</summary>
    public int Bits => Length * 8;

    /// <summary>The data followed by <see cref="Padding"/> zero bytes.</summary>
    public ReadOnlySpan<byte> Span => _bytes.AsSpan(0, Length + Padding);

    /// <summary>
    /// Unstuffs <c>jpeg[scanStart..]</c>. False (and <see cref="Length"/> 0) unless the data runs, without any
    /// marker inside, up to an EOI that ends <paramref name="jpeg"/>: restart markers, a second scan or bytes after
    /// EOI take the ordinary full decode.
    /// </summary>
    public bool TryLoad(ReadOnlySpan<byte> jpeg, int scanStart)
    {
        Length = 0;
        if (scanStart < 0 || jpeg.Length - scanStart < 2) return false;
        int needed = jpeg.Length - scanStart + Padding;
        if (_bytes.Length < needed) _bytes = new byte[needed + needed / 4];

        ReadOnlySpan<byte> src = jpeg[scanStart..];
        Span<byte> dst = _bytes;
        int n = 0;
        while (true)
        {
            int ff = src.IndexOf((byte)0xFF);   // vectorised: markers and stuffed bytes are rare
            if (ff < 0) return false;           // no EOI
            src[..ff].CopyTo(dst[n..]);
            n += ff;
            if (ff + 1 >= src.Length) return false;
            byte next = src[ff + 1];
            if (next == 0x00)
            {
                dst[n++] = 0xFF;
                src = src[(ff + 2)..];
                continue;
            }
            if (next == 0xD9 && ff + 2 == src.Length) break;   // EOI, the end of the image
            return false;                                     // RSTn, fill bytes, another marker: not handled here
        }
        dst.Slice(n, Padding).Clear();
        Length = n;
        return true;
    }
}
