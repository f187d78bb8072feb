// SPDX-License-Identifier: MIT
using System.Numerics;
using KvmPi.Vnc.Capture.Mjpeg.Partial;

namespace KvmPi.Vnc.Capture.Mjpeg;

/// <summary>
/// Decodes a Motion-JPEG stream frame after frame into one BGRX buffer, decoding only the rows that changed since
/// the previous frame when it can, and says which rows those are (<see cref="ChangedTop"/>..<see cref="ChangedBottom"/>),
/// so change detection need not look at the rest. Shared by <see cref="MjpegFileSource"/> and the V4L2 source.
/// Not thread-safe: one per capture loop.
/// </summary>
/// <remarks>
/// <para>How it finds the changed rows without decoding: consecutive frames of a capture share their headers and
/// Huffman tables, and a JPEG's entropy-coded data is the MCUs' codes in order, so two frames that differ in a band
/// of rows have bit-identical data before it, and after it the same bits moved by a fixed number of bits (the
/// band's codes got longer or shorter). The decoder keeps, for the previous frame, the bit position and DC
/// predictors at the start of every MCU row (an index), compares the new frame's data with the previous one from
/// the start (a byte compare) and from the end (a bit-shifted compare), walks the Huffman codes of only the rows in
/// between (<see cref="JpegScanLayout.TryWalkRow"/>) until a row starts where the previous frame's same row started,
/// shifted by that amount, with the same DC predictors — from there on both frames decode to the same blocks. That
/// band is cut out as a JPEG of its own (<see cref="JpegBandWriter"/>, no pixel decoding) and TurboJPEG decodes it
/// into the buffer.</para>
/// <para>A frame is decoded whole, as before, when this cannot apply or would not pay: the first frame, new headers
/// (size, tables), more than <see cref="MaxPartialShare"/> of the data changed, restart markers, an unusual JPEG,
/// damaged data (so errors and warnings are exactly the full decoder's). After a whole decode with a small change,
/// the new frame is indexed (one Huffman walk over it) so the next frame can be partial again.</para>
/// </remarks>
internal sealed class MjpegFrameDecoder : IDisposable
{
    /// <summary>Above this share of changed entropy-coded data, decoding the band costs about what a whole decode
    /// does (walking the codes in C# plus decoding the band), so the whole frame is decoded.</summary>
    public const double MaxPartialShare = 0.3;

    private readonly TurboJpegDecoder _full = new();
    private readonly JpegScanLayout _layout = new();
    private readonly JpegBandWriter _band = new();
    private JpegEntropyData _previous = new();
    private JpegEntropyData _current = new();
    private byte[] _previousHeader = new byte[1024];
    private int _previousHeaderLength = -1;   // -1: no previous frame to compare with

    // The previous frame's index: entropy-data bit at which each MCU row starts (entry McuRows: where the data ends)
    // and the DC predictors there (Components per row). _next* are filled for the frame being decoded, then swapped.
    private int[] _rowStart = [];
    private int[] _rowDc = [];
    private int[] _nextRowStart = [];
    private int[] _nextRowDc = [];
    private bool _indexed;
    private Examination _exam;
    private int _examinedLength = -1;   // length of the frame _exam is of (TryExamine came first); -1: none
    private byte[] _completed = [];

    /// <summary>False: decode every frame whole (for comparison in benchmarks and tests).</summary>
    public bool DecodeChangedRowsOnly { get; init; } = true;

    public int Width => _full.Width;
    public int Height => _full.Height;
    public int Stride => _full.Stride;

    /// <summary>The current picture, whole: partial decodes update it in place.</summary>
    public ReadOnlySpan<byte> Pixels => _full.Pixels;

    /// <inheritdoc cref="TurboJpegDecoder.LastError"/>
    public string? LastError => _full.LastError;

    /// <summary>First pixel row that may differ from the picture before the last <see cref="Decode"/>.</summary>
    public int ChangedTop { get; private set; }

    /// <summary>One past the last pixel row that may differ; <see cref="Height"/> after a whole decode.</summary>
    public int ChangedBottom { get; private set; }

    /// <summary>Frames decoded in part, and whole, since the start (for benchmarks and tests).</summary>
    public long PartialDecodes { get; private set; }
    public long WholeDecodes { get; private set; }

    /// <summary>Whole frames whose Huffman codes were walked to index them (the cost of a partial decode later).</summary>
    public long IndexedFrames { get; private set; }

    /// <summary>
    /// Looks at <paramref name="jpeg"/> without decoding it: its size, and how much of its entropy-coded data differs
    /// from the last frame decoded (0: the same image; 1: all, or not comparable), and the quality it was written at
    /// (<see cref="Partial.JpegQualityEstimate"/>; 0: unknown). False when it is not a JPEG this
    /// decoder can vouch for (a baseline, 8-bit, non-restart image with whole headers; anything else is decoded and
    /// reported as usual). A <see cref="Decode"/> of the same frame right after reuses this work.
    /// </summary>
    public bool TryExamine(ReadOnlySpan<byte> jpeg, out int width, out int height, out double changedShare, out int quality)
    {
        Examine(jpeg);
        _examinedLength = jpeg.Length;
        width = _layout.Width;
        height = _layout.Height;
        quality = _layout.EstimatedQuality;
        changedShare = _exam.Identical ? 0 : _exam.SameHeader ? (double)_exam.ChangedBits / Math.Max(1, _current.Bits) : 1;
        return _exam.Parsed;
    }

    /// <summary>
    /// The image as a decoder outside capture needs it: a frame without Huffman tables (the Motion-JPEG "AVI1"
    /// convention, which libjpeg-turbo's decoder accepts but a viewer's decoder need not) gets the standard tables
    /// inserted before its scan. For the frame last examined or decoded; the span is valid until the next call.
    /// </summary>
    public ReadOnlySpan<byte> CompleteImage(ReadOnlySpan<byte> jpeg)
    {
        int tables = _layout.StandardTablesUsed;
        if (tables == 0) return jpeg;
        int at = _layout.ScanHeaderOffset, dht = JpegStandardTables.DhtSegmentLength(tables);
        int length = jpeg.Length + dht;
        if (_completed.Length < length) _completed = new byte[length + length / 4];
        jpeg[..at].CopyTo(_completed);
        JpegStandardTables.WriteDhtSegment(_completed.AsSpan(at), tables);
        jpeg[at..].CopyTo(_completed.AsSpan(at + dht));
        return _completed.AsSpan(0, length);
    }

    /// <summary>Decodes <paramref name="jpeg"/>; on success <see cref="Pixels"/> is the whole new picture.</summary>
    /// <remarks>On <see cref="JpegDecodeResult.Failed"/> the picture is undefined, as with <see cref="TurboJpegDecoder.Decode"/>.</remarks>
    public JpegDecodeResult Decode(ReadOnlySpan<byte> jpeg)
    {
        // Reused only for the frame examined (callers decode what they examined; the length guards a slip).
        if (_examinedLength != jpeg.Length) Examine(jpeg);
        _examinedLength = -1;
        bool usable = _exam.Usable;
        bool worthIndexing = usable;
        if (_exam.SameHeader)
        {
            if (_exam.Identical)
            {
                ChangedTop = ChangedBottom = 0;   // same image: nothing to decode
                return JpegDecodeResult.Decoded;
            }
            if (_exam.ChangedBits > MaxPartialShare * _current.Bits)
                worthIndexing = false;
            else if (_indexed && TryDecodeChangedRows(jpeg, _exam.PrefixBits, _exam.CurrentEnd, _exam.TailBits))
            {
                (_previous, _current) = (_current, _previous);
                (_rowStart, _nextRowStart) = (_nextRowStart, _rowStart);
                (_rowDc, _nextRowDc) = (_nextRowDc, _rowDc);
                PartialDecodes++;
                return JpegDecodeResult.Decoded;
            }
        }

        _indexed = false;
        _previousHeaderLength = -1;
        JpegDecodeResult result = _full.Decode(jpeg);
        WholeDecodes++;
        ChangedTop = 0;
        ChangedBottom = _full.Height;
        // Damaged frames are never the base of a partial decode: the next frame is decoded whole too.
        if (result != JpegDecodeResult.Decoded || !usable) return result;

        if (worthIndexing && TryIndexWholeFrame())
        {
            (_rowStart, _nextRowStart) = (_nextRowStart, _rowStart);
            (_rowDc, _nextRowDc) = (_nextRowDc, _rowDc);
            _indexed = true;
            IndexedFrames++;
        }
        RememberHeader(jpeg[.._layout.ScanStart]);
        (_previous, _current) = (_current, _previous);
        return result;
    }

    /// <summary>
    /// The part of a decode that needs no pixels: parse the headers, unstuff the entropy-coded data into
    /// <see cref="_current"/> and compare it with the previous frame's from both ends.
    /// </summary>
    private void Examine(ReadOnlySpan<byte> jpeg)
    {
        _exam = default;
        _exam.Parsed = _layout.TryParse(jpeg);
        _exam.Usable = DecodeChangedRowsOnly && _exam.Parsed && _current.TryLoad(jpeg, _layout.ScanStart);
        if (!_exam.Usable || _previousHeaderLength != _layout.ScanStart
            || !jpeg[.._layout.ScanStart].SequenceEqual(_previousHeader.AsSpan(0, _previousHeaderLength))
            || _layout.Width != _full.Width || _layout.Height != _full.Height)
            return;
        _exam.SameHeader = true;
        _exam.PrefixBits = 8 * _previous.Span[.._previous.Length].CommonPrefixLength(_current.Span[.._current.Length]);
        if (_exam.PrefixBits == _current.Bits && _previous.Length == _current.Length)
        {
            _exam.Identical = true;
            return;
        }
        FindCommonTail(out _exam.CurrentEnd, out _exam.TailBits);
        _exam.ChangedBits = Math.Max(0, _exam.CurrentEnd - _exam.TailBits - _exam.PrefixBits);
    }

    /// <summary>What <see cref="Examine"/> found out about the frame being decoded.</summary>
    private struct Examination
    {
        public bool Parsed, Usable, SameHeader, Identical;
        public int PrefixBits, CurrentEnd, TailBits, ChangedBits;
    }

    /// <summary>Forgets the previous frame: the next one is decoded whole and reported changed everywhere.</summary>
    public void Reset()
    {
        _examinedLength = -1;
        _indexed = false;
        _previousHeaderLength = -1;
    }

    public void Dispose() => _full.Dispose();

    private void RememberHeader(ReadOnlySpan<byte> header)
    {
        if (_previousHeader.Length < header.Length) _previousHeader = new byte[header.Length * 2];
        header.CopyTo(_previousHeader);
        _previousHeaderLength = header.Length;
    }

    /// <summary>
    /// The longest run of bits at the end of the new frame's data that equals the end of the previous frame's, for
    /// each way the two can line up: the data ends in 0..7 fill bits, so the last code ends up to 7 bits before the
    /// end. With an index the previous frame's exact end is known; without, both ends are guesses (an estimate then).
    /// </summary>
    private void FindCommonTail(out int currentEnd, out int tailBits)
    {
        ReadOnlySpan<byte> previous = _previous.Span, current = _current.Span;
        currentEnd = _current.Bits;
        tailBits = 0;
        int previousEnd = _indexed ? _rowStart[_layout.McuRows] : Math.Max(0, _previous.Bits - 8);
        int first = _indexed ? _current.Bits - 7 : previousEnd + (_current.Bits - _previous.Bits) - 7;
        int last = _indexed ? _current.Bits : first + 14;
        for (int end = Math.Max(0, first); end <= last && end <= _current.Bits; end++)
        {
            int bits = CommonTailBits(previous, previousEnd, current, end);
            if (bits > tailBits)
            {
                tailBits = bits;
                currentEnd = end;
            }
        }
    }

    /// <summary>How many bits before <paramref name="aEnd"/> in <paramref name="a"/> equal those before <paramref name="bEnd"/> in <paramref name="b"/>.</summary>
    internal static int CommonTailBits(ReadOnlySpan<byte> a, int aEnd, ReadOnlySpan<byte> b, int bEnd)
    {
        int max = Math.Min(aEnd, bEnd), n = 0;
        while (n + 32 <= max)
        {
            ulong x = JpegBitReader.Read64(a, aEnd - n - 32) >> 32, y = JpegBitReader.Read64(b, bEnd - n - 32) >> 32;
            if (x != y) return n + BitOperations.TrailingZeroCount(x ^ y);
            n += 32;
        }
        int rest = max - n;
        if (rest > 0)
        {
            ulong x = JpegBitReader.Read64(a, aEnd - n - rest) >> (64 - rest), y = JpegBitReader.Read64(b, bEnd - n - rest) >> (64 - rest);
            return x == y ? max : n + BitOperations.TrailingZeroCount(x ^ y);
        }
        return n;
    }

    private bool TryDecodeChangedRows(ReadOnlySpan<byte> jpeg, int firstDifferentBit, int currentEnd, int tailBits)
    {
        int rows = _layout.McuRows, components = _layout.Components;
        EnsureIndexCapacity(rows);
        // The band starts at the last row that starts before the first differing bit: everything before is the same.
        int top = Array.BinarySearch(_rowStart, 0, rows, firstDifferentBit);
        if (top < 0) top = ~top - 1;
        while (top > 0 && _rowStart[top - 1] == _rowStart[top]) top--;   // (only for empty rows; kept for safety)
        top = Math.Max(0, top);
        int shift = currentEnd - _rowStart[rows];   // where a row of the previous frame's tail now starts
        int resyncFrom = currentEnd - tailBits;      // from here on the new data equals the previous frame's, shifted
        int budget = (int)(MaxPartialShare * 1.5 * _current.Bits);

        Array.Copy(_rowStart, _nextRowStart, top + 1);
        Array.Copy(_rowDc, _nextRowDc, (top + 1) * components);
        Span<int> dc = stackalloc int[JpegScanLayout.MaxComponents];
        _rowDc.AsSpan(top * components, components).CopyTo(dc);
        ReadOnlySpan<byte> data = _current.Span;
        var reader = new JpegBitReader(data, _rowStart[top]);

        int bottom = rows, end;
        for (int row = top; ; )
        {
            if (!_layout.TryWalkRow(ref reader, dc[..components], _current.Bits))
                return false;
            row++;
            int position = reader.Position;
            _nextRowStart[row] = position;
            dc[..components].CopyTo(_nextRowDc.AsSpan(row * components));
            if (row == rows)
            {
                // Walked to the end: the data must end here, but for fill bits (else the full decoder warns).
                if (_current.Bits - position is < 0 or >= 8) return false;
                end = position;
                break;
            }
            if (position - _rowStart[row] == shift && position >= resyncFrom
                && dc[..components].SequenceEqual(_rowDc.AsSpan(row * components, components)))
            {
                bottom = row;
                end = currentEnd;
                for (int r = row + 1; r <= rows; r++)
                {
                    _nextRowStart[r] = _rowStart[r] + shift;
                    _rowDc.AsSpan(r * components, components).CopyTo(_nextRowDc.AsSpan(r * components));
                }
                break;
            }
            if (position - _rowStart[top] > budget) return false;   // a bigger change than it looked: decode whole
        }

        int topPixel = top * _layout.McuHeight, bottomPixel = Math.Min(_layout.Height, bottom * _layout.McuHeight);
        if (!_band.TryWrite(jpeg, _layout, data, _rowStart[top], _nextRowStart[bottom],
                _rowDc.AsSpan(top * components, components), bottom - top, bottomPixel - topPixel))
            return false;
        if (!_full.TryDecodeBand(_band.Jpeg, topPixel)) return false;
        _nextRowStart[rows] = end;
        ChangedTop = topPixel;
        ChangedBottom = bottomPixel;
        return true;
    }

    /// <summary>Builds the index of the frame in <see cref="_current"/> (into the _next arrays) by walking all its codes.</summary>
    private bool TryIndexWholeFrame()
    {
        int rows = _layout.McuRows, components = _layout.Components;
        EnsureIndexCapacity(rows);
        Span<int> dc = stackalloc int[JpegScanLayout.MaxComponents];
        dc.Clear();
        var reader = new JpegBitReader(_current.Span, 0);
        for (int row = 0; row < rows; row++)
        {
            _nextRowStart[row] = reader.Position;
            dc[..components].CopyTo(_nextRowDc.AsSpan(row * components));
            if (!_layout.TryWalkRow(ref reader, dc[..components], _current.Bits)) return false;
        }
        _nextRowStart[rows] = reader.Position;
        return _current.Bits - reader.Position is >= 0 and < 8;
    }

    private void EnsureIndexCapacity(int rows)
    {
        int starts = rows + 1, dcs = (rows + 1) * JpegScanLayout.MaxComponents;
        if (_nextRowStart.Length < starts) _nextRowStart = new int[starts];
        if (_nextRowDc.Length < dcs) _nextRowDc = new int[dcs];
        if (_rowStart.Length < starts) _rowStart = new int[starts];
        if (_rowDc.Length < dcs) _rowDc = new int[dcs];
    }
}
