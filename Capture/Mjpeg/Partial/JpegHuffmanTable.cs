// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Capture.Mjpeg.Partial;

/// <summary>
/// One baseline JPEG Huffman table (a DHT entry, ITU T.81 Annex C), both ways: decoding symbols from a
/// <see cref="JpegBitReader"/> to walk a scan's MCUs, and the code of a symbol to write a changed DC difference.
/// </summary>
/// <remarks>
/// Decoding looks the next 9 bits up in one table (most codes in screen content are that short) and falls back to
/// the canonical maximum-code walk of T.81 F.2.2.3 for longer codes. Built once per header; decoding allocates nothing.
/// </remarks>
internal sealed class JpegHuffmanTable
{
    private const int FastBits = 9;

    private readonly ushort[] _fast = new ushort[1 << FastBits];   // (length << 8) | symbol; 0: longer than FastBits
    private readonly int[] _maxCode = new int[17];                  // largest code of each length, -1 when none
    private readonly int[] _valueOffset = new int[17];              // symbol index = code + offset
    private readonly byte[] _values = new byte[256];
    private readonly ushort[] _code = new ushort[256];
    private readonly byte[] _codeLength = new byte[256];            // 0: the symbol has no code

    /// <summary>
    /// Builds the table from a DHT entry's 16 code counts and its symbols. False for a table libjpeg rejects too
    /// (more than 256 symbols, or counts that overflow the code space).
    /// </summary>
    public bool TryLoad(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> values)
    {
        Array.Clear(_fast);
        Array.Clear(_codeLength);
        int total = 0;
        for (int i = 0; i < 16; i++) total += counts[i];
        if (total > 256 || values.Length < total) return false;
        values[..total].CopyTo(_values);

        int code = 0, k = 0;
        for (int length = 1; length <= 16; length++)
        {
            int count = counts[length - 1];
            _valueOffset[length] = k - code;
            for (int i = 0; i < count; i++, k++, code++)
            {
                byte symbol = _values[k];
                _code[symbol] = (ushort)code;
                _codeLength[symbol] = (byte)length;
                if (length <= FastBits)
                {
                    int first = code << (FastBits - length), n = 1 << (FastBits - length);
                    for (int j = 0; j < n; j++) _fast[first + j] = (ushort)((length << 8) | symbol);
                }
            }
            _maxCode[length] = count == 0 ? -1 : code - 1;
            // As libjpeg's jpeg_make_d_derived_tbl: the codes of one length must fit in that many bits.
            if (code > (1 << length)) return false;
            code <<= 1;
        }
        return true;
    }

    /// <summary>The next symbol, or -1 for a bit pattern that is no code of this table (damaged data).</summary>
    public int Decode(ref JpegBitReader reader)
    {
        uint bits = reader.Peek16();
        ushort fast = _fast[bits >> (16 - FastBits)];
        if (fast != 0)
        {
            reader.Skip(fast >> 8);
            return fast & 0xFF;
        }
        for (int length = FastBits + 1; length <= 16; length++)
        {
            int code = (int)(bits >> (16 - length));
            if (code <= _maxCode[length])
            {
                reader.Skip(length);
                return _values[code + _valueOffset[length]];
            }
        }
        return -1;
    }

    /// <summary>The code of <paramref name="symbol"/>; false when the table has none for it.</summary>
    public bool TryGetCode(int symbol, out int code, out int length)
    {
        length = _codeLength[symbol];
        code = _code[symbol];
        return length != 0;
    }
}
