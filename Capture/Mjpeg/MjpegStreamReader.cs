// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Capture.Mjpeg;

/// <summary>
/// Cuts a Motion-JPEG stream into JPEG images through one reusable buffer, so a file of hundreds of megabytes costs
/// one buffer of about a frame, not the file. Used by <see cref="MjpegFileSource"/>. Not thread-safe.
/// </summary>
/// <remarks>
/// The buffer starts at <see cref="InitialBufferBytes"/> and doubles only when one image does not fit, up to
/// <see cref="JpegFrameSplitter.MaxFrameBytes"/> plus one read. When an image straddles a refill the splitter rescans
/// it from its SOI; that happens at most once per refill, and the scan runs at memory speed (vectorised IndexOf).
/// </remarks>
internal sealed class MjpegStreamReader : IDisposable
{
    /// <summary>1 MiB: three 1080p dongle frames (about 310 KB each, stack-notes §1) per read call.</summary>
    public const int InitialBufferBytes = 1024 * 1024;

    private readonly Stream _stream;
    private byte[] _buffer;
    private int _start;      // first byte not yet handed out or dropped
    private int _end;        // one past the last byte read
    private bool _endOfStream;

    public MjpegStreamReader(Stream stream, int initialBufferBytes = InitialBufferBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(initialBufferBytes, 16);
        _stream = stream;
        _buffer = new byte[initialBufferBytes];
    }

    /// <summary>Reads up to the next image.</summary>
    /// <param name="jpeg">On <see cref="MjpegReadResult.Frame"/>, the image; valid until the next call.</param>
    /// <exception cref="IOException">The stream failed.</exception>
    public MjpegReadResult ReadNext(out ReadOnlySpan<byte> jpeg)
    {
        jpeg = default;
        while (true)
        {
            JpegScanStatus status = JpegFrameSplitter.Scan(_buffer.AsSpan(_start, _end - _start),
                out int frameStart, out int frameLength, out int consumed);
            switch (status)
            {
                case JpegScanStatus.Frame:
                    jpeg = _buffer.AsSpan(_start + frameStart, frameLength);
                    _start += consumed;
                    return MjpegReadResult.Frame;
                case JpegScanStatus.Corrupt:
                    _start += consumed;
                    return MjpegReadResult.Corrupt;
            }

            _start += consumed;
            if (_endOfStream)
            {
                // What is left is either nothing, stray bytes, or an image whose end never came.
                bool truncated = status == JpegScanStatus.Incomplete;
                _start = _end;
                return truncated ? MjpegReadResult.Truncated : MjpegReadResult.EndOfStream;
            }
            Refill();
        }
    }

    /// <summary>Starts again from the beginning of the stream (for looping a file).</summary>
    public void Rewind()
    {
        _stream.Seek(0, SeekOrigin.Begin);
        _start = _end = 0;
        _endOfStream = false;
    }

    public void Dispose() => _stream.Dispose();

    private void Refill()
    {
        // Move the unconsumed tail (at most one partial image) to the front, then fill the rest.
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            // The splitter reports an image longer than MaxFrameBytes as corrupt, so this never exceeds
            // MaxFrameBytes + InitialBufferBytes.
            int grown = (int)Math.Min((long)_buffer.Length * 2, JpegFrameSplitter.MaxFrameBytes + (long)InitialBufferBytes);
            Array.Resize(ref _buffer, grown);
        }

        int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
            _endOfStream = true;
        _end += read;
    }
}
