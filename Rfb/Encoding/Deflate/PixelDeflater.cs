// SPDX-License-Identifier: MIT
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace KvmPi.Vnc.Rfb.Encoding.Deflate;

/// <summary>
/// A deflate encoder (RFC 1950/1951) for the zlib streams of RFB encodings, made for pixels: it continues one zlib
/// stream across calls, each call's output ending with a sync flush so the viewer can inflate it from its own bytes.
/// </summary>
/// <remarks>
/// Why not .NET's zlib: it is zlib-ng, whose matchers hash four bytes and so never find the three-byte repeats of
/// 24-bit pixels that classic zlib's three-byte hash finds (same pixel again, the pixel above), and on noisy
/// captured video it is slow. Here each position tries the pixel to the left, the pixel above (one row back, the
/// caller says how far) and up to four earlier positions with the same three bytes (a hash chain, as classic zlib's
/// level 1), takes the longest, and never looks lazily ahead. Where nothing matches, the rest of the pixel goes out
/// as literals untried. Symbols are gathered per block (8 or 32 Ki, the caller's choice) and each block goes out as whichever is smallest of
/// dynamic Huffman codes, the fixed code, or stored. Measured on the load tool's captured 1080p content as 24-bit
/// pixels (Benchmarks' DeflaterBenchmarks): 13.4 % of the input on scrolling text against zlib-ng 2's 14.7 % and
/// classic zlib 1's 13.9 %, in about zlib-ng 2's time; on captured video 28.5 % against 28.8 % in half its time.
/// The history of earlier calls (32 KiB) stays in reach of the matches, as in one zlib stream. Not thread-safe.
/// Assumes a little-endian machine (x64, arm64), as the match extension compares 8 bytes at a time.
/// </remarks>
public sealed class PixelDeflater
{
    private const int Window = 32 * 1024;
    private const int MinMatch = 3;
    private const int MaxMatch = 258;
    private const int HashBits = 15;
    private const int WindowMask = Window - 1;
    /// <summary>Most hash-chain candidates tried after the left and above pixels.</summary>
    public const int MaxChain = 4;
    private const int NiceLength = 32;              // a match this long ends the search
    /// <summary>Symbols a block gathers unless the constructor says otherwise: ZRLE's mix of tiles is best at this.</summary>
    public const int DefaultBlockSymbols = 8 * 1024;
    private const int ShortMatchInsert = 6;          // positions inside matches up to this long go into the hash too
    private const int RebaseAt = 1 << 30;

    private readonly int[] _head = new int[1 << HashBits];   // absolute position + 1 of the last occurrence; 0 none
    private readonly int[] _prev = new int[Window];          // the occurrence before, by absolute position mod 32 KiB
    private byte[] _buffer = new byte[256 * 1024];           // history, then the data being compressed
    private int _length;                                     // bytes in _buffer
    private int _origin;                                     // absolute position of _buffer[0]
    private bool _headerWritten;

    private readonly uint[] _symbols;
    private readonly int[] _literalFrequency = new int[DeflateTables.LiteralLengthSymbols];
    private readonly int[] _distanceFrequency = new int[DeflateTables.DistanceCodes];
    private readonly byte[] _literalLengths = new byte[288];
    private readonly byte[] _distanceLengths = new byte[32];
    private readonly ushort[] _literalCodes = new ushort[288];
    private readonly ushort[] _distanceCodes = new ushort[32];
    private readonly DeflateBitWriter _out = new();

    private static readonly byte[] FixedLiteralLengths = MakeFixedLiteralLengths();
    private static readonly ushort[] FixedLiteralCodes = MakeCodes(FixedLiteralLengths);
    private static readonly byte[] FixedDistanceLengths = [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5];
    private static readonly ushort[] FixedDistanceCodes = MakeCodes(FixedDistanceLengths);

    /// <param name="blockSymbols">
    /// Symbols gathered per block (1 Ki..64 Ki), each block with its own Huffman codes: smaller blocks adapt better to
    /// content that changes kind often (ZRLE's tiles: captured video 1,599,872 B/update with 8 Ki, 1,631,402 with
    /// 32 Ki), larger ones cost fewer headers and code builds where it does not (Tight's full-colour rectangles:
    /// captured scrolling 798,166 → 795,479 B/update with 32 Ki, and faster).
    /// </param>
    public PixelDeflater(int blockSymbols = DefaultBlockSymbols)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSymbols, 1024);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blockSymbols, 64 * 1024);
        _symbols = new uint[blockSymbols];
    }

    /// <summary>
    /// Forgets the history: the next output refers to nothing before it and, unless <paramref name="streamStarted"/>,
    /// begins a new stream with a zlib header. streamStarted: another deflater wrote the stream so far and ended on a
    /// sync flush; this one continues it with blocks of its own.
    /// </summary>
    public void Reset(bool streamStarted = false)
    {
        _headerWritten = streamStarted;
        _length = 0;
        Array.Clear(_head);
        Array.Clear(_prev);
        _origin = 0;
    }

    /// <summary>
    /// Compresses <paramref name="data"/> as the stream's next bytes and returns the deflate data for it (after the
    /// zlib header when the stream starts here), ending with a sync flush (an empty stored block, 00 00 FF FF).
    /// The returned bytes stay valid until the next call.
    /// </summary>
    /// <param name="pixelBytes">Bytes a pixel (1..4): the left neighbour's distance.</param>
    /// <param name="rowBytes">Bytes a row (the above neighbour's distance), or 0 when the data has no rows.</param>
    /// <param name="chain">
    /// How many earlier positions with the same three bytes are tried besides the neighbours (0..4): text and
    /// desktops need them (repeated glyphs; the load tool's scrolled text: 13.4 % of the input with 4, 17.2 % with 0),
    /// smooth video hardly (27.6 % with 0, 27.3 % with 4 in twice the time).
    /// </param>
    /// <param name="skipWithinPixel">
    /// After a position with no match, send the rest of its pixel as literals untried: a third of the work on noisy
    /// areas, for data whose pixels start at multiples of <paramref name="pixelBytes"/> (Tight's TPIXELs); ZRLE
    /// tiles and filtered residuals are not aligned so.
    /// </param>
    public ReadOnlySpan<byte> Compress(ReadOnlySpan<byte> data, int pixelBytes, int rowBytes, int chain = MaxChain, bool skipWithinPixel = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pixelBytes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pixelBytes, 4);
        ArgumentOutOfRangeException.ThrowIfNegative(rowBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(chain);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chain, MaxChain);
        _out.Clear();
        if (!_headerWritten)
        {
            _out.EnsureRoom(16);
            _out.WriteBytes([0x78, 0x01]);   // RFC 1950: deflate, 32 KiB window, no dictionary; (0x7801 % 31) == 0
            _headerWritten = true;
        }

        int start = Append(data);
        Deflate(start, pixelBytes, rowBytes is > 0 and <= Window ? rowBytes : 0, chain, skipWithinPixel);

        // Z_SYNC_FLUSH: an empty, non-final stored block brings the stream to a byte boundary with all bits out.
        _out.EnsureRoom(64);
        _out.Write(0, 3);
        _out.AlignToByte();
        _out.WriteBytes([0x00, 0x00, 0xFF, 0xFF]);
        return _out.Written;
    }

    /// <summary>
    /// Ends the stream after the last <see cref="Compress"/> (as zlib's Z_FINISH after a sync flush): a final, empty
    /// fixed-code block and the zlib trailer, the Adler-32 of all the stream's uncompressed bytes, which the caller
    /// keeps (<see cref="Adler32"/>). A PNG's IDAT needs such a complete stream. The deflater is then
    /// <see cref="Reset"/>: the next call begins a new stream. The returned bytes stay valid until the next call.
    /// </summary>
    public ReadOnlySpan<byte> Finish(uint adler32)
    {
        _out.Clear();
        if (!_headerWritten)
        {
            _out.EnsureRoom(16);
            _out.WriteBytes([0x78, 0x01]);   // nothing compressed yet: the stream still needs its header
        }

        _out.EnsureRoom(64);
        _out.Write(0b011, 3);   // BFINAL 1, BTYPE 01
        _out.Write(0, 7);       // end of block: symbol 256 is seven zero bits in the fixed code
        _out.AlignToByte();
        _out.WriteBytes([(byte)(adler32 >> 24), (byte)(adler32 >> 16), (byte)(adler32 >> 8), (byte)adler32]);
        Reset();
        return _out.Written;
    }

    /// <summary>Keeps the last 32 KiB as history at the front of the buffer, appends the data, returns where it starts.</summary>
    private int Append(ReadOnlySpan<byte> data)
    {
        int keep = Math.Min(_length, Window);
        if (keep < _length)
        {
            Buffer.BlockCopy(_buffer, _length - keep, _buffer, 0, keep);
            _origin += _length - keep;
        }

        if ((long)_origin + keep + data.Length >= RebaseAt)
        {
            // Absolute positions would overflow: forget the hash (the history's bytes remain, reachable by the
            // left/above candidates) and count from here.
            Array.Clear(_head);
            Array.Clear(_prev);
            _origin = 0;
        }

        if (_buffer.Length < keep + data.Length)
        {
            var grown = new byte[Math.Max(keep + data.Length, 2 * _buffer.Length)];
            Buffer.BlockCopy(_buffer, 0, grown, 0, keep);
            _buffer = grown;
        }

        data.CopyTo(_buffer.AsSpan(keep));
        _length = keep + data.Length;
        return keep;
    }

    private void Deflate(int start, int pixelBytes, int rowBytes, int maxChain, bool skipWithinPixel)
    {
        ref byte b = ref MemoryMarshal.GetArrayDataReference(_buffer);
        ref int head = ref MemoryMarshal.GetArrayDataReference(_head);
        ref int prev = ref MemoryMarshal.GetArrayDataReference(_prev);
        ref uint symbols = ref MemoryMarshal.GetArrayDataReference(_symbols);
        ref int literalFrequency = ref MemoryMarshal.GetArrayDataReference(_literalFrequency);
        ref int distanceFrequency = ref MemoryMarshal.GetArrayDataReference(_distanceFrequency);
        int origin = _origin;
        int end = _length;
        int hashEnd = end - 3;          // Read32 at i needs i + 4 ≤ end
        int literalRun = skipWithinPixel ? pixelBytes : 1;
        int count = 0, blockStart = start;
        int i = start;
        while (i < end)
        {
            if (count >= _symbols.Length - 4)
            {
                WriteBlock(count, blockStart, i);
                count = 0;
                blockStart = i;
            }

            if (i >= hashEnd)
            {
                byte literal = Unsafe.Add(ref b, i);
                Unsafe.Add(ref symbols, count++) = literal;
                Unsafe.Add(ref literalFrequency, literal)++;
                i++;
                continue;
            }

            uint here = Read32(ref b, i) & 0xFFFFFF;
            int max = Math.Min(MaxMatch, end - i);
            int bestLength = 0, bestDistance = 0;

            int c = i - pixelBytes;
            if (c >= 0 && (Read32(ref b, c) & 0xFFFFFF) == here)
            {
                bestLength = MatchLength(ref b, i, c, max);
                bestDistance = pixelBytes;
            }

            if (rowBytes > 0 && bestLength < max)
            {
                c = i - rowBytes;
                if (c >= 0 && (Read32(ref b, c) & 0xFFFFFF) == here)
                {
                    int length = MatchLength(ref b, i, c, max);
                    if (length > bestLength)
                    {
                        bestLength = length;
                        bestDistance = rowBytes;
                    }
                }
            }

            ref int slot = ref Unsafe.Add(ref head, Hash(here));
            int seen = slot - 1 - origin;
            Unsafe.Add(ref prev, (origin + i) & WindowMask) = slot;
            slot = origin + i + 1;
            for (int chain = maxChain; chain > 0 && bestLength < NiceLength && seen >= 0 && i - seen <= Window; chain--)
            {
                int distance = i - seen;
                // A candidate can only beat the best if it also matches the four bytes that end one past it: one
                // compare instead of a match extension for most candidates (zlib's scan_end test).
                if (distance != bestDistance && (Read32(ref b, seen) & 0xFFFFFF) == here
                    && bestLength < max && (bestLength < MinMatch
                        || Read32(ref b, seen + bestLength - 3) == Read32(ref b, i + bestLength - 3)))
                {
                    int length = MatchLength(ref b, i, seen, max);
                    if (length > bestLength)
                    {
                        bestLength = length;
                        bestDistance = distance;
                    }
                }

                int next = Unsafe.Add(ref prev, (origin + seen) & WindowMask) - 1 - origin;
                if (next >= seen) break;   // the slot was reused by a newer position: the chain ends here
                seen = next;
            }

            if (bestLength < MinMatch)
            {
                int n = Math.Min(literalRun, hashEnd - i);
                for (int k = 0; k < n; k++)
                {
                    byte literal = Unsafe.Add(ref b, i + k);
                    Unsafe.Add(ref symbols, count++) = literal;
                    Unsafe.Add(ref literalFrequency, literal)++;
                }

                i += n;
                continue;
            }

            // A match: bit 31 set, distance code in bits 23..27, distance − 1 in bits 8..22, length − 3 in bits 0..7.
            int distanceCode = DeflateTables.DistanceCode(bestDistance - 1);
            Unsafe.Add(ref symbols, count++) = 0x8000_0000u | ((uint)distanceCode << 23) | ((uint)(bestDistance - 1) << 8) | (uint)(bestLength - MinMatch);
            Unsafe.Add(ref literalFrequency, 257 + DeflateTables.LengthCode[bestLength - MinMatch])++;
            Unsafe.Add(ref distanceFrequency, distanceCode)++;
            if (bestLength <= ShortMatchInsert)
            {
                int last = Math.Min(i + bestLength, hashEnd);
                for (int j = i + 1; j < last; j++)
                {
                    ref int h = ref Unsafe.Add(ref head, Hash(Read32(ref b, j) & 0xFFFFFF));
                    Unsafe.Add(ref prev, (origin + j) & WindowMask) = h;
                    h = origin + j + 1;
                }
            }

            i += bestLength;
        }

        if (count > 0) WriteBlock(count, blockStart, end);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Read32(ref byte b, int at) => Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref b, at));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Hash(uint threeBytes) => (int)((threeBytes * 0x9E3779B1u) >> (32 - HashBits));

    /// <summary>How many bytes from <paramref name="at"/> equal those from <paramref name="from"/> (&lt; at), up to max.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int MatchLength(ref byte b, int at, int from, int max)
    {
        int length = MinMatch;
        while (length + 8 <= max)
        {
            ulong x = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b, at + length))
                      ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b, from + length));
            if (x != 0) return length + (BitOperations.TrailingZeroCount(x) >> 3);
            length += 8;
        }

        while (length < max && Unsafe.Add(ref b, at + length) == Unsafe.Add(ref b, from + length)) length++;
        return length;
    }

    /// <summary>
    /// Writes the gathered symbols (input bytes <paramref name="from"/>..<paramref name="to"/>) as one non-final
    /// block, in whichever form is smallest, and clears the frequencies.
    /// </summary>
    private void WriteBlock(int count, int from, int to)
    {
        int[] lf = _literalFrequency, df = _distanceFrequency;
        lf[DeflateTables.EndOfBlock] = 1;
        EnsureTwoUsed(df);

        HuffmanCode.BuildLengths(lf, _literalLengths.AsSpan(0, DeflateTables.LiteralLengthSymbols), 15);
        HuffmanCode.BuildLengths(df, _distanceLengths.AsSpan(0, DeflateTables.DistanceCodes), 15);
        Span<byte> header = stackalloc byte[2 * (DeflateTables.LiteralLengthSymbols + DeflateTables.DistanceCodes)];
        Span<int> headerFrequency = stackalloc int[19];
        Span<byte> headerLengths = stackalloc byte[19];
        int headerSymbols = PlanHeader(header, headerFrequency, out int literalCount, out int distanceCount);
        HuffmanCode.BuildLengths(headerFrequency, headerLengths, 7);
        int codeLengthCount = 19;
        while (codeLengthCount > 4 && headerLengths[DeflateTables.CodeLengthOrder[codeLengthCount - 1]] == 0) codeLengthCount--;

        long extra = 0;
        for (int code = 0; code < DeflateTables.LengthCodes; code++) extra += (long)lf[257 + code] * DeflateTables.LengthExtra[code];
        for (int code = 0; code < DeflateTables.DistanceCodes; code++) extra += (long)df[code] * DeflateTables.DistanceExtra[code];

        long dynamicBits = 3 + 5 + 5 + 4 + 3L * codeLengthCount + HeaderBits(header[..headerSymbols], headerLengths) + extra
                           + Cost(lf, _literalLengths) + Cost(df, _distanceLengths);
        long fixedBits = 3 + extra + Cost(lf, FixedLiteralLengths) + Cost(df, FixedDistanceLengths);
        long storedBits = StoredBits(to - from);

        if (storedBits < dynamicBits && storedBits < fixedBits)
        {
            WriteStored(from, to);
        }
        else if (fixedBits <= dynamicBits)
        {
            _out.EnsureRoom(fixedBits + 32);
            _out.Write(0b010, 3);   // BFINAL 0, BTYPE 01
            WriteSymbols(count, FixedLiteralCodes, FixedLiteralLengths, FixedDistanceCodes, FixedDistanceLengths);
        }
        else
        {
            _out.EnsureRoom(dynamicBits + 32);
            _out.Write(0b100, 3);   // BFINAL 0, BTYPE 10
            _out.Write((uint)(literalCount - 257), 5);
            _out.Write((uint)(distanceCount - 1), 5);
            _out.Write((uint)(codeLengthCount - 4), 4);
            for (int k = 0; k < codeLengthCount; k++) _out.Write(headerLengths[DeflateTables.CodeLengthOrder[k]], 3);
            Span<ushort> headerCodes = stackalloc ushort[19];
            HuffmanCode.BuildCodes(headerLengths, headerCodes);
            WriteHeader(header[..headerSymbols], headerCodes, headerLengths);
            HuffmanCode.BuildCodes(_literalLengths.AsSpan(0, DeflateTables.LiteralLengthSymbols), _literalCodes);
            HuffmanCode.BuildCodes(_distanceLengths.AsSpan(0, DeflateTables.DistanceCodes), _distanceCodes);
            WriteSymbols(count, _literalCodes, _literalLengths, _distanceCodes, _distanceLengths);
        }

        Array.Clear(lf);
        Array.Clear(df);
    }

    /// <summary>Deflate decoders refuse incomplete distance codes (a single used code): give them two.</summary>
    private static void EnsureTwoUsed(int[] frequency)
    {
        int used = 0;
        foreach (int f in frequency) if (f > 0) used++;
        for (int k = 0; used < 2; k++)
        {
            if (frequency[k] != 0) continue;
            frequency[k] = 1;
            used++;
        }
    }

    private static long Cost(int[] frequency, byte[] lengths)
    {
        long bits = 0;
        for (int k = 0; k < frequency.Length; k++) bits += (long)frequency[k] * lengths[k];
        return bits;
    }

    private static long StoredBits(int bytes)
    {
        int blocks = Math.Max(1, (bytes + 65534) / 65535);
        return 8L * bytes + blocks * (3 + 7 + 32L);
    }

    private void WriteStored(int from, int to)
    {
        _out.EnsureRoom(StoredBits(to - from) + 32);
        do
        {
            int n = Math.Min(65535, to - from);
            _out.Write(0b000, 3);   // BFINAL 0, BTYPE 00
            _out.AlignToByte();
            Span<byte> lengths = [(byte)n, (byte)(n >> 8), (byte)~n, (byte)(~n >> 8)];
            _out.WriteBytes(lengths);
            _out.WriteBytes(_buffer.AsSpan(from, n));
            from += n;
        } while (from < to);
    }

    private void WriteSymbols(int count, ushort[] literalCodes, byte[] literalLengths, ushort[] distanceCodes, byte[] distanceLengths)
    {
        // A match's length code and extra bits go as one value (at most 15 + 5 bits), made once per block.
        Span<uint> lengthBits = stackalloc uint[256];
        Span<byte> lengthCount = stackalloc byte[256];
        for (int length = 0; length < 256; length++)
        {
            int lc = DeflateTables.LengthCode[length];
            int codeLength = literalLengths[257 + lc];
            lengthBits[length] = literalCodes[257 + lc] | ((uint)(length - DeflateTables.LengthBase[lc]) << codeLength);
            lengthCount[length] = (byte)(codeLength + DeflateTables.LengthExtra[lc]);
        }

        ref byte output = ref _out.BeginFastWrite(out int at, out ulong bits, out int pending);
        Flush(ref output, ref at, ref bits, ref pending);   // the writer may hold up to 31 bits
        ref uint symbol = ref MemoryMarshal.GetArrayDataReference(_symbols);
        ref ushort literalCode = ref MemoryMarshal.GetArrayDataReference(literalCodes);
        ref byte literalLength = ref MemoryMarshal.GetArrayDataReference(literalLengths);
        for (int k = 0; k < count; k++)
        {
            uint s = Unsafe.Add(ref symbol, k);
            if ((int)s >= 0)
            {
                bits |= (ulong)Unsafe.Add(ref literalCode, (int)s) << pending;
                pending += Unsafe.Add(ref literalLength, (int)s);
            }
            else
            {
                int length = (int)(s & 0xFF);
                bits |= (ulong)lengthBits[length] << pending;
                pending += lengthCount[length];
                int distance = (int)((s >> 8) & 0x7FFF);
                int dc = (int)((s >> 23) & 0x1F);
                int codeLength = distanceLengths[dc];
                bits |= (ulong)(distanceCodes[dc] | ((uint)(distance - DeflateTables.DistanceBase[dc]) << codeLength)) << pending;
                pending += codeLength + DeflateTables.DistanceExtra[dc];
            }

            Flush(ref output, ref at, ref bits, ref pending);
        }

        _out.EndFastWrite(at, bits, pending);
        _out.Write(literalCodes[DeflateTables.EndOfBlock], literalLengths[DeflateTables.EndOfBlock]);
    }

    /// <summary>
    /// Writes out the whole bytes pending, leaving fewer than 8 bits, so the next symbol (at most 48 bits: a length
    /// code with its extra bits and a distance code with its) fits the accumulator. Eight bytes are stored whatever
    /// the count, within the room made, and the position moves by the whole bytes: no branch to mispredict.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Flush(ref byte output, ref int at, ref ulong bits, ref int pending)
    {
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref output, at), bits);
        int bytes = pending >> 3;
        at += bytes;
        bits >>= bytes << 3;   // bytes ≤ 6: pending < 8 + 48
        pending &= 7;
    }

    /// <summary>
    /// The dynamic header's code lengths (literal/length, then distance, trimmed) run-length coded with symbols
    /// 16 (repeat the previous 3–6 times), 17 (3–10 zeros) and 18 (11–138 zeros), as pairs of bytes in
    /// <paramref name="header"/>: the symbol, then its extra bits' value. Returns the bytes used.
    /// </summary>
    private int PlanHeader(Span<byte> header, Span<int> frequency, out int literalCount, out int distanceCount)
    {
        literalCount = DeflateTables.LiteralLengthSymbols;
        while (literalCount > 257 && _literalLengths[literalCount - 1] == 0) literalCount--;
        distanceCount = DeflateTables.DistanceCodes;
        while (distanceCount > 1 && _distanceLengths[distanceCount - 1] == 0) distanceCount--;

        Span<byte> all = stackalloc byte[DeflateTables.LiteralLengthSymbols + DeflateTables.DistanceCodes];
        _literalLengths.AsSpan(0, literalCount).CopyTo(all);
        _distanceLengths.AsSpan(0, distanceCount).CopyTo(all[literalCount..]);
        all = all[..(literalCount + distanceCount)];

        int n = 0;
        frequency.Clear();
        for (int k = 0; k < all.Length;)
        {
            byte length = all[k];
            int run = 1;
            while (k + run < all.Length && all[k + run] == length) run++;
            k += run;
            if (length == 0)
            {
                while (run >= 11) { int r = Math.Min(run, 138); Emit(header, ref n, frequency, 18, r); run -= r; }
                if (run >= 3) { Emit(header, ref n, frequency, 17, run); run = 0; }
                while (run-- > 0) Emit(header, ref n, frequency, 0, 0);
                continue;
            }

            Emit(header, ref n, frequency, length, 0);
            run--;
            while (run >= 3) { int r = Math.Min(run, 6); Emit(header, ref n, frequency, 16, r); run -= r; }
            while (run-- > 0) Emit(header, ref n, frequency, length, 0);
        }

        // A code of one symbol is incomplete, which decoders refuse for the code-length code.
        int used = 0;
        foreach (int f in frequency) if (f > 0) used++;
        if (used < 2) frequency[frequency[0] == 0 ? 0 : 18]++;
        return n;
    }

    private static void Emit(Span<byte> header, ref int n, Span<int> frequency, int symbol, int repeat)
    {
        // symbol 16: repeat 3..6 (2 bits), 17: 3..10 (3 bits), 18: 11..138 (7 bits); stored as repeat − base.
        int extra = symbol switch { 16 => repeat - 3, 17 => repeat - 3, 18 => repeat - 11, _ => 0 };
        header[n++] = (byte)symbol;
        header[n++] = (byte)extra;
        frequency[symbol]++;
    }

    private static long HeaderBits(ReadOnlySpan<byte> header, ReadOnlySpan<byte> lengths)
    {
        long bits = 0;
        for (int k = 0; k < header.Length; k += 2)
        {
            int symbol = header[k];
            bits += lengths[symbol] + symbol switch { 16 => 2, 17 => 3, 18 => 7, _ => 0 };
        }

        return bits;
    }

    private void WriteHeader(ReadOnlySpan<byte> header, ReadOnlySpan<ushort> codes, ReadOnlySpan<byte> lengths)
    {
        for (int k = 0; k < header.Length; k += 2)
        {
            int symbol = header[k];
            _out.Write(codes[symbol], lengths[symbol]);
            switch (symbol)
            {
                case 16: _out.Write(header[k + 1], 2); break;
                case 17: _out.Write(header[k + 1], 3); break;
                case 18: _out.Write(header[k + 1], 7); break;
            }
        }
    }

    private static byte[] MakeFixedLiteralLengths()
    {
        var lengths = new byte[288];
        DeflateTables.FixedLiteralLengths(lengths);
        return lengths;
    }

    private static ushort[] MakeCodes(byte[] lengths)
    {
        var codes = new ushort[lengths.Length];
        HuffmanCode.BuildCodes(lengths, codes);
        return codes;
    }
}
