// SPDX-License-Identifier: MIT
using System.Buffers.Binary;

namespace KvmPi.Vnc.Capture.Mjpeg.Partial;

/// <summary>
/// What the partial decoder needs to know of a JPEG's headers: the image size, the MCU grid and each component's
/// Huffman tables, and where the header ends and the entropy-coded data starts. Only the frames a capture device
/// sends are accepted: baseline (or extended sequential) Huffman, 8-bit, one scan holding every component (one
/// component, or three interleaved with sampling factors up to 2), no restart interval; Huffman tables given or
/// the standard ones (Motion-JPEG often leaves them out).
/// Anything else makes <see cref="TryParse"/> return false, and the frame is decoded whole as before.
/// </summary>
/// <remarks>Reused from frame to frame: parsing allocates nothing.</remarks>
internal sealed class JpegScanLayout
{
    public const int MaxComponents = 3;

    private readonly JpegHuffmanTable[] _dcTables = [new(), new(), new(), new()];
    private readonly JpegHuffmanTable[] _acTables = [new(), new(), new(), new()];
    private readonly bool[] _dcLoaded = new bool[4];
    private readonly bool[] _acLoaded = new bool[4];
    private readonly byte[] _componentIds = new byte[MaxComponents];
    private readonly int[] _h = new int[MaxComponents];
    private readonly int[] _v = new int[MaxComponents];
    private readonly JpegHuffmanTable[] _componentDc = new JpegHuffmanTable[MaxComponents];
    private readonly JpegHuffmanTable[] _componentAc = new JpegHuffmanTable[MaxComponents];
    private readonly int[] _componentDcId = new int[MaxComponents];
    private readonly ushort[] _quantTables = new ushort[4 * 64];   // as DQT defines them, in zigzag order
    private readonly bool[] _quantLoaded = new bool[4];
    private int _lumaQuantId;

    public int Width { get; private set; }
    public int Height { get; private set; }
    public int Components { get; private set; }

    /// <summary>Offset of the entropy-coded data: the header is <c>jpeg[..ScanStart]</c>.</summary>
    public int ScanStart { get; private set; }

    /// <summary>Offset of the SOF segment's 16-bit image height.</summary>
    public int HeightFieldOffset { get; private set; }

    public int McuWidth { get; private set; }
    public int McuHeight { get; private set; }
    public int McusPerRow { get; private set; }
    public int McuRows { get; private set; }

    /// <summary>Parses the headers of <paramref name="jpeg"/>; false for anything this decoder leaves to the full decode.</summary>
    public bool TryParse(ReadOnlySpan<byte> jpeg)
    {
        Array.Clear(_dcLoaded);
        Array.Clear(_acLoaded);
        StandardTablesUsed = 0;
        EstimatedQuality = 0;
        Array.Clear(_quantLoaded);
        Width = Height = Components = 0;
        ScanStart = 0;
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8) return false;
        int pos = 2;
        bool haveFrame = false;
        while (pos + 4 <= jpeg.Length)
        {
            if (jpeg[pos] != 0xFF) return false;
            byte marker = jpeg[pos + 1];
            if (marker == 0xFF) { pos++; continue; }   // fill byte
            int length = BinaryPrimitives.ReadUInt16BigEndian(jpeg[(pos + 2)..]);
            if (length < 2 || pos + 2 + length > jpeg.Length) return false;
            ReadOnlySpan<byte> body = jpeg.Slice(pos + 4, length - 2);
            switch (marker)
            {
                case 0xC0 or 0xC1:   // baseline, extended sequential Huffman
                    if (haveFrame || !TryParseFrame(body)) return false;
                    HeightFieldOffset = pos + 5;
                    haveFrame = true;
                    break;
                case >= 0xC2 and <= 0xCF when marker is not 0xC4 and not 0xC8 and not 0xCC:
                    return false;    // progressive, lossless, arithmetic, hierarchical
                case 0xC4:
                    if (!TryParseHuffmanTables(body)) return false;
                    break;
                case 0xDB:
                    if (!TryParseQuantTables(body)) return false;
                    break;
                case 0xDD:           // DRI
                    if (body.Length < 2 || BinaryPrimitives.ReadUInt16BigEndian(body) != 0) return false;
                    break;
                case 0xDA:
                    if (!haveFrame || !TryParseScan(body)) return false;
                    ScanHeaderOffset = pos;
                    ScanStart = pos + 2 + length;
                    if (_quantLoaded[_lumaQuantId])
                        EstimatedQuality = JpegQualityEstimate.FromLuminanceTable(_quantTables.AsSpan(_lumaQuantId * 64, 64));
                    return true;
                case 0xD9:
                    return false;
            }
            pos += 2 + length;
        }
        return false;
    }

    private bool TryParseFrame(ReadOnlySpan<byte> body)
    {
        if (body.Length < 6 || body[0] != 8) return false;
        int height = BinaryPrimitives.ReadUInt16BigEndian(body[1..]);
        int width = BinaryPrimitives.ReadUInt16BigEndian(body[3..]);
        int components = body[5];
        if (width == 0 || height == 0 || width > TurboJpegDecoder.MaxDimension || height > TurboJpegDecoder.MaxDimension) return false;
        if (components is not (1 or 3) || body.Length < 6 + 3 * components) return false;
        _lumaQuantId = body[8] & 3;
        int hMax = 1, vMax = 1;
        for (int c = 0; c < components; c++)
        {
            _componentIds[c] = body[6 + 3 * c];
            int h = body[7 + 3 * c] >> 4, v = body[7 + 3 * c] & 15;
            if (h is < 1 or > 2 || v is < 1 or > 2) return false;
            _h[c] = h;
            _v[c] = v;
            hMax = Math.Max(hMax, h);
            vMax = Math.Max(vMax, v);
        }
        if (components == 1)
        {
            _h[0] = _v[0] = hMax = vMax = 1;   // a single-component scan is not interleaved: one block per MCU
        }
        Width = width;
        Height = height;
        Components = components;
        McuWidth = 8 * hMax;
        McuHeight = 8 * vMax;
        McusPerRow = (width + McuWidth - 1) / McuWidth;
        McuRows = (height + McuHeight - 1) / McuHeight;
        return true;
    }

    private bool TryParseQuantTables(ReadOnlySpan<byte> body)
    {
        while (body.Length > 0)
        {
            int precision = body[0] >> 4, id = body[0] & 15;
            int size = precision == 0 ? 64 : 128;
            if (precision > 1 || id > 3 || body.Length < 1 + size) return false;
            Span<ushort> table = _quantTables.AsSpan(id * 64, 64);
            for (int i = 0; i < 64; i++)
                table[i] = precision == 0 ? body[1 + i] : BinaryPrimitives.ReadUInt16BigEndian(body[(1 + 2 * i)..]);
            _quantLoaded[id] = true;
            body = body[(1 + size)..];
        }
        return true;
    }

    private bool TryParseHuffmanTables(ReadOnlySpan<byte> body)
    {
        while (body.Length > 0)
        {
            if (body.Length < 17) return false;
            int tableClass = body[0] >> 4, id = body[0] & 15;
            if (tableClass > 1 || id > 3) return false;
            int total = 0;
            for (int i = 1; i <= 16; i++) total += body[i];
            if (body.Length < 17 + total) return false;
            JpegHuffmanTable table = tableClass == 0 ? _dcTables[id] : _acTables[id];
            if (!table.TryLoad(body.Slice(1, 16), body.Slice(17, total))) return false;
            (tableClass == 0 ? _dcLoaded : _acLoaded)[id] = true;
            body = body[(17 + total)..];
        }
        return true;
    }

    private bool TryParseScan(ReadOnlySpan<byte> body)
    {
        if (body.Length < 1) return false;
        int count = body[0];
        if (count != Components || body.Length < 1 + 2 * count + 3) return false;
        DcTablesUsed = 0;
        for (int i = 0; i < count; i++)
        {
            // Scan components must be in frame order: the MCU walk below assumes it, as do encoders that interleave.
            if (body[1 + 2 * i] != _componentIds[i]) return false;
            int dc = body[2 + 2 * i] >> 4, ac = body[2 + 2 * i] & 15;
            if (dc > 3 || ac > 3) return false;
            // A table the header leaves out is the standard one, as libjpeg-turbo assumes for Motion-JPEG.
            if (!_dcLoaded[dc])
            {
                _dcLoaded[dc] = JpegStandardTables.TryLoad(_dcTables[dc], 0, dc);
                StandardTablesUsed |= JpegStandardTables.Bit(0, dc);
            }
            if (!_acLoaded[ac])
            {
                _acLoaded[ac] = JpegStandardTables.TryLoad(_acTables[ac], 1, ac);
                StandardTablesUsed |= JpegStandardTables.Bit(1, ac);
            }
            if (!_dcLoaded[dc] || !_acLoaded[ac]) return false;
            _componentDc[i] = _dcTables[dc];
            DcTablesUsed |= 1 << dc;
            _componentDcId[i] = dc;
            _componentAc[i] = _acTables[ac];
        }
        int spectral = 1 + 2 * count;
        return body[spectral] == 0 && body[spectral + 1] == 63 && body[spectral + 2] == 0;
    }

    /// <summary>
    /// Walks one MCU row of entropy-coded data as libjpeg's decode_mcu does, updating the DC predictors
    /// (<paramref name="dc"/>, one per component). False for damaged data: a bit pattern that is no code, or a read
    /// past <paramref name="limitBits"/>.
    /// </summary>
    public bool TryWalkRow(ref JpegBitReader reader, scoped Span<int> dc, int limitBits)
    {
        for (int m = 0; m < McusPerRow; m++)
        {
            for (int c = 0; c < Components; c++)
            {
                int blocks = BlocksPerMcu(c);
                for (int b = 0; b < blocks; b++)
                {
                    if (!TryReadDc(ref reader, c, out int diff) || !TrySkipAc(ref reader, c)) return false;
                    dc[c] += diff;
                    if (reader.Position > limitBits) return false;
                }
            }
        }
        return true;
    }

    /// <summary>Blocks component <paramref name="component"/> has in each MCU, in the order they are coded.</summary>
    public int BlocksPerMcu(int component) => _h[component] * _v[component];

    /// <summary>Reads one block's DC difference.</summary>
    public bool TryReadDc(ref JpegBitReader reader, int component, out int diff)
    {
        int s = _componentDc[component].Decode(ref reader);
        diff = 0;
        if (s < 0 || s > 15) return false;
        if (s != 0) diff = Extend(reader.Take(s), s);
        return true;
    }

    /// <summary>Skips one block's AC codes: exactly libjpeg's loop, including how it tolerates runs past the 63rd coefficient.</summary>
    public bool TrySkipAc(ref JpegBitReader reader, int component)
    {
        JpegHuffmanTable table = _componentAc[component];
        for (int k = 1; k < 64; k++)
        {
            int rs = table.Decode(ref reader);
            if (rs < 0) return false;
            int r = rs >> 4, s = rs & 15;
            if (s != 0)
            {
                k += r;
                reader.Skip(s);
            }
            else
            {
                if (r != 15) break;
                k += 15;
            }
        }
        return true;
    }

    /// <summary>The id of the DC Huffman table component <paramref name="component"/> uses.</summary>
    public int DcTableId(int component) => _componentDcId[component];

    /// <summary>The DC Huffman table ids the scan uses (bit i: table i).</summary>
    public int DcTablesUsed { get; private set; }

    /// <summary>The IJG quality the image was most likely written at (<see cref="JpegQualityEstimate"/>); 0: unknown.</summary>
    public int EstimatedQuality { get; private set; }

    /// <summary>The tables the scan uses that the header leaves out, so the standard ones stand in (<see cref="JpegStandardTables.Bit"/>).</summary>
    public int StandardTablesUsed { get; private set; }

    /// <summary>Offset of the SOS marker: a DHT segment inserted here replaces tables for the scan.</summary>
    public int ScanHeaderOffset { get; private set; }

    /// <summary>T.81 F.2.2.1 EXTEND: a <paramref name="bits"/>-bit magnitude category value to its signed value.</summary>
    private static int Extend(int value, int bits) => value < 1 << (bits - 1) ? value - (1 << bits) + 1 : value;

}
