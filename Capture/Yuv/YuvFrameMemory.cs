// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Capture.Yuv;

/// <summary>
/// The last uncompressed frame a source delivered, kept to tell which pixel rows of the next one differ from it: an
/// HDMI source's still screen comes as the same bytes again (nothing to convert), a typed line changes a few rows
/// (only those to convert and compare). NV12's chroma rows count for the two pixel rows they serve.
/// </summary>
/// <remarks>One copy of a frame (4 MB at 1080p YUYV). Not thread-safe: the capture loop's own.</remarks>
internal sealed class YuvFrameMemory
{
    private byte[] _bytes = [];
    private bool _valid;
    private YuvLayout _layout;
    private int _width, _height, _stride;
    private YuvCoefficients _coefficients;

    /// <summary>The sink's picture is no longer the last frame's (another picture was shown): the next frame is new throughout.</summary>
    public void Forget() => _valid = false;

    /// <summary>
    /// Compares <paramref name="frame"/> with the remembered one and remembers it: rows <paramref name="top"/>..
    /// <paramref name="bottom"/> (exclusive) hold every difference (equal: none). All rows when there is nothing to
    /// compare with (none yet, forgotten, another layout, size, stride or conversion).
    /// </summary>
    public void FindChangedRows(YuvLayout layout, ReadOnlySpan<byte> frame, int width, int height, int stride,
        in YuvCoefficients coefficients, out int top, out int bottom)
    {
        int length = checked((int)YuvConverter.RequiredBytes(layout, width, height, stride));
        bool comparable = _valid && layout == _layout && width == _width && height == _height && stride == _stride
                          && coefficients == _coefficients;
        if (!comparable)
        {
            if (_bytes.Length < length) _bytes = GC.AllocateUninitializedArray<byte>(length);
            frame[..length].CopyTo(_bytes);
            (_valid, _layout, _width, _height, _stride, _coefficients) = (true, layout, width, height, stride, coefficients);
            top = 0;
            bottom = height;
            return;
        }

        top = 0;
        while (top < height && RowEqual(frame, top)) top++;
        bottom = height;
        while (bottom > top && RowEqual(frame, bottom - 1)) bottom--;
        if (top == bottom) return;

        // Rows outside top..bottom are equal already: only the ones between are remembered anew.
        int rowBytes = RowBytes;
        frame.Slice(top * stride, (bottom - top - 1) * stride + rowBytes).CopyTo(_bytes.AsSpan(top * stride));
        if (layout == YuvLayout.Nv12)
        {
            int chroma = stride * height, first = top / 2, last = (bottom - 1) / 2;
            frame.Slice(chroma + first * stride, (last - first) * stride + rowBytes).CopyTo(_bytes.AsSpan(chroma + first * stride));
        }
    }

    /// <summary>Bytes of a row that carry pixels (not the stride's padding); NV12's chroma rows are as long as its luma rows.</summary>
    private int RowBytes => YuvConverter.MinimumStride(_layout, _width);

    private bool RowEqual(ReadOnlySpan<byte> frame, int y)
    {
        int at = y * _stride, n = RowBytes;
        if (!frame.Slice(at, n).SequenceEqual(_bytes.AsSpan(at, n))) return false;
        if (_layout != YuvLayout.Nv12) return true;
        int chroma = _stride * _height + y / 2 * _stride;
        return frame.Slice(chroma, n).SequenceEqual(_bytes.AsSpan(chroma, n));
    }
}
