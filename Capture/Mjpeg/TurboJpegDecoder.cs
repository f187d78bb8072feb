// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;

namespace KvmPi.Vnc.Capture.Mjpeg;

/// <summary>
/// Decodes whole JPEG images into one reused BGRX buffer with TurboJPEG, and bands of rows into the same buffer for
/// <see cref="MjpegFrameDecoder"/>. Not thread-safe: one decoder per capture loop.
/// </summary>
/// <remarks>
/// The buffer only grows (to the largest frame seen), so steady-state decoding allocates nothing. After any failure
/// the TurboJPEG handle is replaced: with libturbojpeg 2.1 a handle that failed on a bad header is left in a
/// libjpeg state that makes every later call fail ("Improper call to JPEG library in state ..."), which would turn
/// one corrupt frame into a frozen picture.
/// </remarks>
internal sealed unsafe class TurboJpegDecoder : IDisposable
{
    /// <summary>Largest width or height accepted: 8192 keeps the buffer at or below 256 MiB.</summary>
    public const int MaxDimension = 8192;

    // TJFLAG_FASTUPSAMPLE (256) | TJFLAG_FASTDCT (2048): about 25% faster on a 1080p MJPEG frame (1.35 against
    // 1.76 ms, stack-notes §1) with differences that a lossy remote-desktop stream cannot show.
    private const int DecodeFlags = 256 | 2048;

    private TurboJpegHandle _handle = TurboJpegHandle.CreateDecompressor();
    private byte[] _pixels = [];

    /// <summary>Size of the last successfully decoded image.</summary>
    public int Width { get; private set; }
    public int Height { get; private set; }
    public int Stride => Width * 4;

    /// <summary>The last decoded image: <see cref="Height"/> rows of <see cref="Stride"/> bytes.</summary>
    public ReadOnlySpan<byte> Pixels => _pixels.AsSpan(0, Stride * Height);

    /// <summary>Why the last <see cref="Decode"/> failed or warned; null after a clean decode.</summary>
    public string? LastError { get; private set; }

    /// <summary>Decodes <paramref name="jpeg"/> into <see cref="Pixels"/>.</summary>
    /// <remarks>On <see cref="JpegDecodeResult.Failed"/> the buffer content is undefined (it may hold half an image)
    /// and <see cref="Width"/>/<see cref="Height"/> keep describing the previous image.</remarks>
    public JpegDecodeResult Decode(ReadOnlySpan<byte> jpeg)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        LastError = null;
        fixed (byte* src = jpeg)
        {
            var size = new CULong((nuint)jpeg.Length);
            if (TurboJpegNative.tjDecompressHeader3(_handle, src, size, out int width, out int height, out _, out _) != 0)
                return Fail();
            if (width <= 0 || height <= 0 || width > MaxDimension || height > MaxDimension)
            {
                LastError = $"image size {width}x{height} is outside 1x1..{MaxDimension}x{MaxDimension}";
                return JpegDecodeResult.Failed;
            }

            EnsureCapacity(width * height * 4);
            int rc;
            fixed (byte* dst = _pixels)
                rc = TurboJpegNative.tjDecompress2(_handle, src, size, dst, width, width * 4, height,
                    TurboJpegNative.PixelFormatBgrx, DecodeFlags);

            if (rc != 0 && TurboJpegNative.tjGetErrorCode(_handle) != TurboJpegNative.ErrorCodeWarning)
                return Fail();

            Width = width;
            Height = height;
            if (rc == 0)
                return JpegDecodeResult.Decoded;

            // A warning ("Corrupt JPEG data: premature end of data segment", extraneous bytes before a marker)
            // still leaves a whole image in the buffer. Cheap HDMI dongles emit such frames routinely, so showing
            // them beats freezing. The handle is replaced anyway, to be safe against leftover state.
            LastError = ReadErrorString();
            RenewHandle();
            return JpegDecodeResult.DecodedWithWarning;
        }
    }

    /// <summary>
    /// Decodes <paramref name="band"/>, a JPEG as wide as the last image, into <see cref="Pixels"/> from row
    /// <paramref name="top"/> down, leaving the other rows alone. False (the rows may then hold half a band) when it
    /// does not fit or libjpeg reports anything, a warning included: the caller then decodes the whole frame.
    /// </summary>
    public bool TryDecodeBand(ReadOnlySpan<byte> band, int top)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        fixed (byte* src = band)
        {
            var size = new CULong((nuint)band.Length);
            if (TurboJpegNative.tjDecompressHeader3(_handle, src, size, out int width, out int height, out _, out _) != 0)
            {
                Fail();
                return false;
            }
            if (width != Width || top < 0 || height <= 0 || top + height > Height)
                return false;
            fixed (byte* dst = _pixels)
            {
                if (TurboJpegNative.tjDecompress2(_handle, src, size, dst + (long)top * Stride, width, Stride, height,
                        TurboJpegNative.PixelFormatBgrx, DecodeFlags) != 0)
                {
                    Fail();
                    return false;
                }
            }
        }
        LastError = null;
        return true;
    }

    public void Dispose() => _handle.Dispose();

    private JpegDecodeResult Fail()
    {
        LastError = ReadErrorString();
        RenewHandle();
        return JpegDecodeResult.Failed;
    }

    private string ReadErrorString()
    {
        nint message = TurboJpegNative.tjGetErrorStr2(_handle);
        return message == 0 ? "unknown TurboJPEG error" : Marshal.PtrToStringUTF8(message) ?? "";
    }

    private void RenewHandle()
    {
        TurboJpegHandle fresh = TurboJpegHandle.CreateDecompressor();
        _handle.Dispose();
        _handle = fresh;
    }

    private void EnsureCapacity(int bytes)
    {
        // Grows only, so a stream that alternates sizes settles on one buffer; a larger frame is the only allocation.
        if (_pixels.Length < bytes)
            _pixels = GC.AllocateUninitializedArray<byte>(bytes);
    }
}
