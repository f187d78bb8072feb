// SPDX-License-Identifier: MIT
using System.Buffers.Binary;

namespace KvmPi.Vnc.Capture.Mjpeg.Partial;

/// <summary>
/// Cuts a band of whole MCU rows out of a JPEG as a JPEG of its own, without decoding it to pixels: the original
/// header with the height changed, and the band's entropy-coded data with every block's AC codes copied bit for bit
/// and its DC difference coded again. DC is re-coded because a new image starts its DC prediction at 0 (the band's
/// first blocks need their absolute DC values) and because capture encoders often send optimised Huffman tables
/// that have no code for those values: the band gets T.81 Annex K's DC tables, which code every 8-bit difference.
/// TurboJPEG then decodes just the band, straight into the frame at the band's row.
/// </summary>
/// <remarks>
/// The band decodes to exactly the pixels the whole image has there: its blocks' coefficients are the same,
/// libjpeg's IDCT works per block, and with TJFLAG_FASTUPSAMPLE (what <see cref="TurboJpegDecoder"/> uses) chroma
/// upsampling and colour conversion never look beyond the MCU. The output buffer is reused; steady state allocates
/// nothing.
/// </remarks>
internal sealed class JpegBandWriter
{
    // Per DC table id: K.3's luminance table, K.4's chrominance table for id 1. Both code every 8-bit difference;
    // the chrominance one for id 1 because a TurboJPEG handle keeps tables from image to image, and the next whole
    // frame from a source that sends no tables must find the standard ones there.
    private readonly JpegHuffmanTable[] _dcTables = [new(), new(), new(), new()];
    private byte[] _out = new byte[16 * 1024];
    private int _length;
    private ulong _acc;      // pending bits, right-aligned
    private int _accBits;

    public JpegBandWriter()
    {
        for (int id = 0; id < 4; id++)
            if (!_dcTables[id].TryLoad(Counts(id), JpegStandardTables.DcValues))
                throw new InvalidOperationException("the standard DC tables do not load");
    }

    public ReadOnlySpan<byte> Jpeg => _out.AsSpan(0, _length);

    /// <summary>
    /// Writes the band of <paramref name="mcuRows"/> MCU rows (<paramref name="bandHeight"/> pixel rows) whose
    /// entropy-coded data starts at <paramref name="startBit"/> of <paramref name="data"/>, where the DC predictors
    /// are <paramref name="startDc"/>. False for damaged data or a DC value out of the 8-bit range (the full decode
    /// then takes the frame).
    /// </summary>
    public bool TryWrite(ReadOnlySpan<byte> jpeg, JpegScanLayout layout, ReadOnlySpan<byte> data, int startBit, int limitBits,
        ReadOnlySpan<int> startDc, int mcuRows, int bandHeight)
    {
        int components = layout.Components;
        int sos = layout.ScanHeaderOffset, header = layout.ScanStart;
        int tables = int.PopCount(layout.DcTablesUsed);
        int dhtLength = 2 + tables * (1 + 16 + JpegStandardTables.DcValues.Length);
        // Re-coded DC codes are at most 16 + 11 bits where the original had at least 1, AC bits are copied, and
        // stuffing at most doubles the bytes: a generous bound, checked once.
        int blocks = mcuRows * layout.McusPerRow * (components == 1 ? 1 : 6);
        long worst = header + 2 + dhtLength + 2L * ((limitBits - startBit) / 8 + 4L * blocks + 16) + 4;
        if (worst > int.MaxValue / 2) return false;
        if (_out.Length < worst) _out = new byte[worst + worst / 4];

        jpeg[..sos].CopyTo(_out);
        BinaryPrimitives.WriteUInt16BigEndian(_out.AsSpan(layout.HeightFieldOffset), (ushort)bandHeight);
        int n = sos;
        _out[n++] = 0xFF;
        _out[n++] = 0xC4;
        BinaryPrimitives.WriteUInt16BigEndian(_out.AsSpan(n), (ushort)dhtLength);
        n += 2;
        for (int id = 0; id < 4; id++)
        {
            if ((layout.DcTablesUsed & (1 << id)) == 0) continue;
            _out[n++] = (byte)id;   // class 0 (DC), this id: replaces the header's table for the band
            Counts(id).CopyTo(_out.AsSpan(n));
            n += 16;
            JpegStandardTables.DcValues.CopyTo(_out.AsSpan(n));
            n += JpegStandardTables.DcValues.Length;
        }
        jpeg[sos..header].CopyTo(_out.AsSpan(n));
        _length = n + (header - sos);
        _acc = 0;
        _accBits = 0;

        Span<int> previous = stackalloc int[JpegScanLayout.MaxComponents];   // the band's own DC prediction
        Span<int> value = stackalloc int[JpegScanLayout.MaxComponents];      // the blocks' real DC values
        previous.Clear();
        startDc[..components].CopyTo(value);
        var reader = new JpegBitReader(data, startBit);
        for (int mcu = mcuRows * layout.McusPerRow; mcu > 0; mcu--)
        {
            for (int c = 0; c < components; c++)
            {
                for (int b = layout.BlocksPerMcu(c); b > 0; b--)
                {
                    if (!layout.TryReadDc(ref reader, c, out int diff)) return false;
                    value[c] += diff;
                    if (!TryWriteDc(_dcTables[layout.DcTableId(c)], value[c] - previous[c])) return false;
                    previous[c] = value[c];
                    int ac = reader.Position;
                    if (!layout.TrySkipAc(ref reader, c) || reader.Position > limitBits) return false;
                    CopyBits(data, ac, reader.Position);
                }
            }
        }

        // Fill the last byte with 1 bits (T.81 F.1.2.3), then EOI.
        if (_accBits != 0) WriteBits((1UL << (8 - _accBits)) - 1, 8 - _accBits);
        _out[_length++] = 0xFF;
        _out[_length++] = 0xD9;
        return true;
    }

    private static ReadOnlySpan<byte> Counts(int id) =>
        id == 1 ? JpegStandardTables.DcChrominanceCounts : JpegStandardTables.DcLuminanceCounts;

    private bool TryWriteDc(JpegHuffmanTable table, int diff)
    {
        int magnitude = Math.Abs(diff);
        int category = magnitude == 0 ? 0 : 32 - int.LeadingZeroCount(magnitude);
        if (category > 11 || !table.TryGetCode(category, out int code, out int length)) return false;
        WriteBits((ulong)code, length);
        if (category > 0)
        {
            // T.81 F.1.2.1: a negative difference is sent as diff - 1 in its category's bits.
            int bits = diff < 0 ? diff - 1 : diff;
            WriteBits((ulong)(uint)bits & ((1UL << category) - 1), category);
        }
        return true;
    }

    private void CopyBits(ReadOnlySpan<byte> data, int from, int to)
    {
        while (to - from >= 32)
        {
            WriteBits(JpegBitReader.Read64(data, from) >> 32, 32);
            from += 32;
        }
        if (to > from) WriteBits(JpegBitReader.Read64(data, from) >> (64 - (to - from)), to - from);
    }

    /// <summary>Appends the low <paramref name="count"/> (≤ 32) bits of <paramref name="bits"/>, stuffing a 0 after each FF byte.</summary>
    private void WriteBits(ulong bits, int count)
    {
        _acc = (_acc << count) | (bits & ((1UL << count) - 1));
        _accBits += count;
        while (_accBits >= 8)
        {
            _accBits -= 8;
            byte b = (byte)(_acc >> _accBits);
            _out[_length++] = b;
            if (b == 0xFF) _out[_length++] = 0x00;
        }
    }
}
