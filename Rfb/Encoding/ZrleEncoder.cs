// SPDX-License-Identifier: MIT
using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using KvmPi.Vnc.Rfb.Encoding.Deflate;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Rfb.Protocol;

namespace KvmPi.Vnc.Rfb.Encoding;

/// <summary>
/// ZRLE encoding (rfbproto "ZRLE Encoding", number 16): the rectangle in 64×64 tiles, each run-length or palette
/// coded, all of it through one zlib stream that lives as long as the connection.
/// </summary>
/// <remarks>
/// Rectangle payload, then the tiles inside the zlib data, left to right, top to bottom:
/// <code>
/// +--------------+--------------------------------------------------------+
/// | U32 length   | zlib data (continues the connection's one deflate      |
/// | (big-endian) | stream; ends with a sync flush, 00 00 FF FF)           |
/// +--------------+--------------------------------------------------------+
///
/// tile:  U8 subencoding, then
///   0         raw            tw × th CPIXELs
///   1         solid          1 CPIXEL
///   2..16     packed palette n CPIXELs, then per row ceil(tw·b/8) bytes of b-bit indices, MSB first
///                            (b = 1 for 2 colours, 2 for 3..4, 4 for 5..16; each row starts on a byte)
///   128       plain RLE      runs of (CPIXEL, run length)
///   130..255  palette RLE    n = sub − 128 CPIXELs, then runs: U8 index (run of 1), or
///                            U8 index|128 + run length
///   run length: bytes of 255 while more follow, then the remainder; length = 1 + sum of the bytes
/// </code>
/// CPIXEL is 3 bytes when the format is 32 bpp, depth ≤ 24 and all colour bits lie in the low or the high three
/// bytes: the three bytes that carry them, in wire order (the rule TigerVNC's decoder applies; for noVNC's RGBX
/// this is R, G, B). Otherwise it is a full PIXEL. Runs continue from one row of a tile to the next.
/// Every tile takes the subencoding that is smallest before compression (palette up to 127 colours, as TigerVNC's
/// encoder limits it), which also keeps the deflate input small; except that sharp tiles (text) prefer plain RLE,
/// which deflates better there (see <see cref="EncodeTile"/>).
/// The zlib level follows the content: large rectangles of mostly non-raw tiles (text) take a cheaper level than raw
/// tiles (smooth video) and small updates (<see cref="TextZlibLevelFor"/>), by switching to a fresh deflater between
/// rectangles (see <see cref="ChooseLevel"/>).
/// One instance per session: the zlib stream must never be shared or reset without the client knowing. Not
/// thread-safe. Dispose releases the native deflate state.
/// </remarks>
public sealed class ZrleEncoder : IRectEncoder, IDisposable
{
    private const int TileSize = 64;

    // A step in green of more than 6/32 of its range between neighbours is an edge; a tile with an edge for at
    // least every 64th pixel is "sharp" (text, window borders), where plain RLE deflates better than raw pixels.
    private const int EdgeStep = 6, EdgeStepOf = 32, SharpPixelsPerEdge = 64;

    // rfbproto ZRLE: palette RLE subencodings 130..255 carry 2..127 colours.
    private const int MaxPalette = 127;

    // Twice the largest palette keeps linear probing short; a power of two so the probe wraps with a mask.
    private const int HashSlots = 256;

    // A raw tile of 4-byte CPIXELs (1 + 64·64·4 = 16385 bytes) is the largest tile; tiles are staged into one buffer
    // and handed to deflate in blocks of up to 64 KiB, so a run of tiny solid tiles costs one Write call, not dozens.
    private const int MaxTileBytes = 1 + TileSize * TileSize * 4;
    private const int StageBytes = 64 * 1024;

    // Output is copied to the writer in chunks of at most this size so a PipeWriter never has to allocate one giant
    // segment for a large rectangle.
    private const int OutputChunk = 16 * 1024;

    // Rectangles of at least this many tiles count as large; rectangles that want the other zlib level switch the
    // deflater once they add up to this many tiles in a row.
    private const int LargeTiles = 16;
    private const int SwitchTiles = 64;

    private readonly MemoryStream _sink = new();
    private DeflateStream _deflate;
    private bool _headerSent;
    private readonly int _textLevel;
    private int _deflateLevel;
    private int _switchVotes;
    private int _smoothInARow;
    private long _rawTileBytes, _tileBytes;
    private byte[] _stage = new byte[StageBytes];
    private readonly bool _pixelsForSmooth;
    private PixelDeflater? _pixel;
    private int _staged;

    private readonly uint[] _palette = new uint[MaxPalette];
    private readonly uint[] _keys = new uint[HashSlots];
    private readonly byte[] _values = new byte[HashSlots];
    private readonly int[] _stamps = new int[HashSlots];
    private int _stamp;
    private readonly byte[] _indices = new byte[TileSize * TileSize];
    private bool _disposed;

    // CPIXEL layout for the current rectangle's format.
    private int _cpBytes;
    private int _s0, _s1, _s2;
    private PixelFormat _format;

    /// <param name="compressionLevel">zlib level 0..9 (see <see cref="ZlibLevelFor"/>).</param>
    /// <param name="textLevel">
    /// zlib level 0..9 for large rectangles of mostly non-raw tiles (text, desktops; see <see cref="TextZlibLevelFor"/>),
    /// or −1 for <paramref name="compressionLevel"/> everywhere.
    /// </param>
    /// <param name="pixelDeflaterForSmooth">
    /// Large rectangles of mostly raw tiles (captured video) go through <see cref="PixelDeflater"/> rather than zlib-ng
    /// at <paramref name="compressionLevel"/> (unless that is 0).
    /// </param>
    public ZrleEncoder(int compressionLevel = 6, int textLevel = -1, bool pixelDeflaterForSmooth = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(compressionLevel);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(compressionLevel, 9);
        ArgumentOutOfRangeException.ThrowIfLessThan(textLevel, -1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(textLevel, 9);
        CompressionLevel = compressionLevel;
        _textLevel = textLevel < 0 ? compressionLevel : textLevel;
        _pixelsForSmooth = pixelDeflaterForSmooth && compressionLevel > 0;
        _deflateLevel = compressionLevel;
        _deflate = NewDeflater(compressionLevel);
    }

    public EncodingType Encoding => EncodingType.Zrle;

    /// <summary>
    /// The zlib level for a viewer's compression level (0..9, or −1 when it sent none, taken as 2 as Tight does).
    /// .NET's zlib is zlib-ng, about twice as fast as zlib at each level (stack-notes §2). libvncserver always
    /// compresses ZRLE at zlib's default level 6 (lazy matching); zlib-ng's 4–6 use its faster "medium" strategy,
    /// 5–8 % larger on the load tool's captured desktop, and its 7–9 lazy matching, where only 9 matches zlib's 6
    /// in bytes (captured video −5 %, typing −4 % against zlib-ng's 6, for about 1.5× its encoding time). So levels
    /// from 2 up get 9: large rectangles of raw tiles, where 9's time would show, go through PixelDeflater in a
    /// session, and what is left at this level is small updates (typing: 1373 → 1288 B/update at level 2 in
    /// <c>loadtest bytes</c>), where 9 costs microseconds. zlib-ng's 1 ("quick") compresses worse than its 2 and is skipped.
    /// </summary>
    public static int ZlibLevelFor(int compressLevel) => ZlibLevels[compressLevel < 0 ? 2 : Math.Min(compressLevel, 9)];

    private static ReadOnlySpan<byte> ZlibLevels => [2, 2, 9, 9, 9, 9, 9, 9, 9, 9];

    /// <summary>
    /// The zlib level for large rectangles of mostly non-raw tiles (captured text: plain RLE and palette tiles) at a
    /// viewer's compression level (−1: none sent, taken as 2). Measured on the load tool's scrolling editor (ZRLE
    /// data of its frames through zlib-ng, <c>loadtest bytes</c>, B/update): 9 takes about 3× the time of 6 for
    /// 1.6 % fewer bytes; 6 (713,713) twice the time of 5 (727,145); 5 about 1.25× the time of 4 (735,437, +1.1 %);
    /// 3 (758,525) and 2 (791,523) give up 4 % and 9 %. Up to level 3 (TigerVNC's and noVNC's default is 2) a Pi's
    /// CPU counts more than 1 % of the bytes, so 4 there; 6 from level 4, where a viewer asks for bytes before time. On smooth captured video (raw tiles) 9 is 5 % smaller than anything below and 2..8 are
    /// alike, so raw tiles keep <see cref="ZlibLevelFor"/>. From level 8 up, 9 everywhere (smallest).
    /// </summary>
    public static int TextZlibLevelFor(int compressLevel) => TextZlibLevels[compressLevel < 0 ? 2 : Math.Min(compressLevel, 9)];

    private static ReadOnlySpan<byte> TextZlibLevels => [2, 2, 4, 4, 6, 6, 6, 6, 9, 9];

    /// <summary>zlib level of raw tiles and small rectangles.</summary>
    public int CompressionLevel { get; }

    /// <summary>
    /// Pixels of the whole update the next rectangles belong to (0: not known; each rectangle then counts alone). A
    /// small rectangle of a large update is not typing: the residual tiles around a scrolled band (CopyRect) are
    /// dozens of small rectangles of captured text, where zlib-ng's 9 spent 59 % of the server's CPU (a `perf` profile
    /// of the load tool's scrolling with CopyRect+ZRLE) and the text level does as well in a fraction of the time.
    /// </summary>
    public long UpdateArea { get; set; }

    /// <summary>zlib level of large rectangles of mostly non-raw tiles.</summary>
    public int TextCompressionLevel => _textLevel;

    /// <summary>The level the deflater works at now (tests, figures); <see cref="PixelLevel"/> for PixelDeflater.</summary>
    internal int CurrentZlibLevel => _deflateLevel;

    /// <summary><see cref="CurrentZlibLevel"/> while <see cref="PixelDeflater"/> compresses.</summary>
    internal const int PixelLevel = -1;

    public void Encode(ReadOnlySpan<uint> pixels, int width, int height, PixelFormat format, IBufferWriter<byte> output)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(output);
        EncoderGuard.CheckRect(pixels, width, height);
        SetFormat(format);

        _sink.SetLength(0);
        _staged = 0;
        _rawTileBytes = _tileBytes = 0;
        for (int ty = 0; ty < height; ty += TileSize)
        {
            int th = Math.Min(TileSize, height - ty);
            for (int tx = 0; tx < width; tx += TileSize)
            {
                int tw = Math.Min(TileSize, width - tx);
                if (_staged > _stage.Length - MaxTileBytes)
                {
                    // PixelDeflater takes the rectangle in one piece (a piece of its own ends with a flush);
                    // its stage grows to the largest rectangle once.
                    if (_deflateLevel != PixelLevel) Drain();
                    else Array.Resize(ref _stage, 2 * _stage.Length);
                }

                _staged += EncodeTile(pixels.Slice(ty * width + tx), width, tw, th, _stage.AsSpan(_staged));
            }
        }

        ReadOnlySpan<byte> data;
        if (_deflateLevel == PixelLevel)
        {
            // Only large rectangles of mostly raw tiles come here (captured video): the pixel above in a raw tile is a
            // tile row back; one chain candidate (loadtest bytes, captured video: 1,599,872 B/update with 1, 1,645,694
            // with none, 1,593,573 with 4 for about 1.4× the time of 1).
            data = _pixel!.Compress(_stage.AsSpan(0, _staged), _cpBytes, TileSize * _cpBytes, chain: 1, skipWithinPixel: false);
            _staged = 0;
        }
        else
        {
            Drain();
            _deflate.Flush(); // Z_SYNC_FLUSH: the client can inflate this rectangle from the bytes it has (stack-notes §2)
            data = _sink.GetBuffer().AsSpan(0, checked((int)_sink.Length));
        }

        int length = data.Length;
        Span<byte> head = output.GetSpan(4);
        BinaryPrimitives.WriteUInt32BigEndian(head, (uint)length);
        output.Advance(4);
        while (!data.IsEmpty)
        {
            int n = Math.Min(OutputChunk, data.Length);
            output.Write(data[..n]);
            data = data[n..];
        }

        _sink.SetLength(0);
        ChooseLevel(width, height);
    }

    /// <summary>
    /// After a rectangle: it wants the text level when it is large and its raw tiles make less than half its tile
    /// bytes, else the smooth level (small rectangles too: typing, where 9 costs microseconds). Rectangles wanting the
    /// other level switch the deflater for the next one once they add up to <see cref="SwitchTiles"/> tiles in a row.
    /// The stream just ended with a sync flush on a byte boundary, so a fresh raw deflater's blocks continue it as
    /// valid deflate data for the client's inflater (RFC 1951 blocks follow one another; the zlib header came once
    /// at the start, and the Adler-32 trailer is never sent since the stream ends only with the connection). The
    /// new deflater never refers back past its start, which costs at most the 32 KiB of history at the switch.
    /// </summary>
    private void ChooseLevel(int width, int height)
    {
        if (_textLevel == CompressionLevel && !_pixelsForSmooth) return;
        int tiles = ((width + TileSize - 1) / TileSize) * ((height + TileSize - 1) / TileSize);
        bool large = tiles >= LargeTiles || UpdateArea >= (long)LargeTiles * TileSize * TileSize, text = _rawTileBytes * 2 < _tileBytes, smooth = _rawTileBytes * 2 > _tileBytes;
        int wanted = !large ? CompressionLevel : text ? _textLevel : smooth && _pixelsForSmooth ? PixelLevel : CompressionLevel;
        if (wanted == _deflateLevel)
        {
            _switchVotes = 0;
            _smoothInARow = 0;
            return;
        }

        // PixelDeflater does worse than zlib-ng on small updates (typing: the glyphs zlib-ng's long chains find), so a
        // single large smooth rectangle (a whole first frame, a window opening) does not bring it in: video does,
        // with one large smooth rectangle after another.
        _smoothInARow = wanted == PixelLevel ? _smoothInARow + 1 : 0;
        if (wanted == PixelLevel && _smoothInARow < 2) return;
        _switchVotes += tiles;
        if (_switchVotes < SwitchTiles) return;
        _switchVotes = 0;
        if (wanted == PixelLevel)
        {
            // PixelDeflater continues the stream (or starts it, header and all) with no history of its own.
            _pixel ??= new PixelDeflater();
            _pixel.Reset(streamStarted: _headerSent);
            _headerSent = true;
        }
        else
        {
            _deflate.Dispose();   // its final block goes into the sink and is dropped: the client never sees it
            _sink.SetLength(0);
            _deflate = NewDeflater(wanted);
        }

        _deflateLevel = wanted;
    }

    private DeflateStream NewDeflater(int level) =>
        new(_sink, new ZLibCompressionOptions { CompressionLevel = level }, leaveOpen: true);

    /// <summary>RFC 1950 header: deflate, 32 KiB window, FLEVEL as zlib sets it for the level, no dictionary.</summary>
    private static ReadOnlySpan<byte> ZlibHeader(int level) => level switch
    {
        < 2 => [0x78, 0x01],
        < 6 => [0x78, 0x5E],
        6 => [0x78, 0x9C],
        _ => [0x78, 0xDA],
    };

    /// <summary>The CPIXEL size for a format (rfbproto "ZRLE Encoding"): 3 or the full bytes-per-pixel.</summary>
    internal static int CPixelBytes(PixelFormat format, out bool dropFirstWireByte)
    {
        dropFirstWireByte = false;
        if (format.BitsPerPixel != 32 || format.Depth > 24) return format.BytesPerPixel;
        uint max = ((uint)format.RedMax << format.RedShift) | ((uint)format.GreenMax << format.GreenShift)
                   | ((uint)format.BlueMax << format.BlueShift);
        bool fitsLow = max < (1u << 24), fitsHigh = (max & 0xFF) == 0;
        // The byte that is always zero is the last on the wire for (low, LE) and (high, BE), the first otherwise;
        // TigerVNC's decoder checks the "last" case first, so we do too.
        if ((fitsLow && !format.BigEndian) || (fitsHigh && format.BigEndian)) return 3;
        if (fitsLow || fitsHigh)
        {
            dropFirstWireByte = true;
            return 3;
        }

        return 4;
    }

    private void SetFormat(PixelFormat format)
    {
        _format = format;
        _cpBytes = CPixelBytes(format, out bool dropFirst);
        if (_cpBytes != 3) return;
        // Value bits of wire bytes 0..3: LE 0, 8, 16, 24; BE 24, 16, 8, 0. Keep three consecutive ones.
        (_s0, _s1, _s2) = (format.BigEndian, dropFirst) switch
        {
            (false, false) => (0, 8, 16),
            (false, true) => (8, 16, 24),
            (true, false) => (24, 16, 8),
            (true, true) => (16, 8, 0),
        };
    }

    private int WriteCPixel(uint value, Span<byte> dst)
    {
        if (_cpBytes != 3) return PixelTranslator.WritePixel(_format, value, dst);
        dst[2] = (byte)(value >> _s2);
        dst[1] = (byte)(value >> _s1);
        dst[0] = (byte)(value >> _s0);
        return 3;
    }

    private void Drain()
    {
        if (_staged == 0) return;
        if (!_headerSent)
        {
            _sink.Write(ZlibHeader(_deflateLevel));   // the zlib header starts the stream, as ZLibStream would write it
            _headerSent = true;
        }

        _deflate.Write(_stage, 0, _staged);
        _staged = 0;
    }

    /// <summary>Run-length byte count for a run of <paramref name="run"/> pixels.</summary>
    private static int RunBytes(int run) => (run - 1) / 255 + 1;

    private static int WriteRun(int run, Span<byte> dst, int at)
    {
        int rest = run - 1;
        while (rest >= 255)
        {
            dst[at++] = 255;
            rest -= 255;
        }

        dst[at++] = (byte)rest;
        return at;
    }

    /// <summary>Analyses one tile, writes its smallest encoding into <paramref name="dst"/>, returns the byte count.</summary>
    private int EncodeTile(ReadOnlySpan<uint> px, int stride, int tw, int th, Span<byte> dst)
    {
        int cp = _cpBytes;
        int count = tw * th;
        NewPaletteGeneration();

        // One pass: runs (row-major through the tile) and the palette, looked up once per run.
        int gs = _format.GreenShift, gm = _format.GreenMax, edge = gm * EdgeStep / EdgeStepOf, edges = 0;
        int colours = 0;
        bool overflow = false;
        long plainRle = 1, paletteRle = 1;
        int runLength = 0;
        uint prev = px[0];
        byte index = 0;
        byte[] indices = _indices;
        int i = 0;
        for (int y = 0; y < th; y++)
        {
            ReadOnlySpan<uint> row = px.Slice(y * stride, tw);
            for (int x = 0; x < tw; x++, i++)
            {
                uint p = row[x];
                if (p != prev || runLength == 0)
                {
                    int dg = (int)((p >> gs) & gm) - (int)((prev >> gs) & gm);
                    if (dg > edge || dg < -edge) edges++;
                    if (runLength > 0)
                    {
                        plainRle += cp + RunBytes(runLength);
                        paletteRle += runLength == 1 ? 1 : 1 + RunBytes(runLength);
                    }

                    prev = p;
                    runLength = 0;
                    if (!overflow)
                    {
                        int found = FindOrAdd(p, ref colours);
                        if (found < 0) overflow = true;
                        else index = (byte)found;
                    }
                }

                runLength++;
                indices[i] = index;
            }
        }

        plainRle += cp + RunBytes(runLength);
        paletteRle += runLength == 1 ? 1 : 1 + RunBytes(runLength);

        if (!overflow && colours == 1)
        {
            dst[0] = 1;
            return 1 + WriteCPixel(px[0], dst[1..]);
        }

        // Sizes before deflate decide, except that a sharp tile of too many colours for a palette never goes raw: on
        // the load tool's captured text (JPEG noise around every glyph) plain RLE then deflates 4–9 % smaller than the
        // raw pixels would, even where it is larger before deflate; on smooth noisy video raw pixels deflate best, as
        // their size says.
        long raw = 1 + (long)count * cp;
        bool sharp = overflow && edges * SharpPixelsPerEdge >= count;
        long best = sharp ? plainRle : Math.Min(raw, plainRle);
        int choice = sharp || plainRle < raw ? 128 : 0;
        if (!overflow)
        {
            paletteRle += colours * cp;
            if (paletteRle < best) { best = paletteRle; choice = 128 + colours; }
            if (colours <= 16)
            {
                int bits = colours <= 2 ? 1 : colours <= 4 ? 2 : 4;
                long packed = 1 + colours * cp + (long)th * ((tw * bits + 7) / 8);
                if (packed <= best) { best = packed; choice = colours; }
            }
        }

        _tileBytes += best;
        if (choice == 0) _rawTileBytes += best;
        return choice switch
        {
            0 => WriteRaw(px, stride, tw, th, dst),
            128 => WritePlainRle(px, stride, tw, th, dst),
            > 128 => WritePaletteRle(colours, count, dst),
            _ => WritePacked(colours, tw, th, dst),
        };
    }

    private void NewPaletteGeneration()
    {
        if (++_stamp == int.MaxValue)
        {
            Array.Clear(_stamps);
            _stamp = 1;
        }
    }

    /// <summary>Palette index of a colour, adding it if new; -1 when the palette is full.</summary>
    private int FindOrAdd(uint colour, ref int colours)
    {
        int slot = (int)((colour * 0x9E3779B1u) >> 24); // Fibonacci hashing into 256 slots
        int stamp = _stamp;
        while (_stamps[slot] == stamp)
        {
            if (_keys[slot] == colour) return _values[slot];
            slot = (slot + 1) & (HashSlots - 1);
        }

        if (colours == MaxPalette) return -1;
        _stamps[slot] = stamp;
        _keys[slot] = colour;
        _values[slot] = (byte)colours;
        _palette[colours] = colour;
        return colours++;
    }

    private int WritePalette(int colours, Span<byte> dst, int at)
    {
        for (int c = 0; c < colours; c++)
            at += WriteCPixel(_palette[c], dst[at..]);
        return at;
    }

    private int WriteRaw(ReadOnlySpan<uint> px, int stride, int tw, int th, Span<byte> dst)
    {
        dst[0] = 0;
        int at = 1;
        if (_cpBytes != 3)
        {
            int bpp = _format.BytesPerPixel;
            for (int y = 0; y < th; y++)
            {
                PixelTranslator.Serialize(_format, px.Slice(y * stride, tw), dst[at..]);
                at += tw * bpp;
            }

            return at;
        }

        int s0 = _s0, s1 = _s1, s2 = _s2;
        for (int y = 0; y < th; y++)
        {
            ReadOnlySpan<uint> row = px.Slice(y * stride, tw);
            Span<byte> d = dst.Slice(at, tw * 3);
            for (int x = 0, o = 0; x < row.Length; x++, o += 3)
            {
                uint v = row[x];
                d[o + 2] = (byte)(v >> s2);
                d[o + 1] = (byte)(v >> s1);
                d[o] = (byte)(v >> s0);
            }

            at += tw * 3;
        }

        return at;
    }

    private int WritePlainRle(ReadOnlySpan<uint> px, int stride, int tw, int th, Span<byte> dst)
    {
        dst[0] = 128;
        int at = 1;
        int run = 0;
        uint prev = px[0];
        for (int y = 0; y < th; y++)
        {
            ReadOnlySpan<uint> row = px.Slice(y * stride, tw);
            for (int x = 0; x < tw; x++)
            {
                uint p = row[x];
                if (p != prev && run > 0)
                {
                    at += WriteCPixel(prev, dst[at..]);
                    at = WriteRun(run, dst, at);
                    run = 0;
                }

                prev = p;
                run++;
            }
        }

        at += WriteCPixel(prev, dst[at..]);
        return WriteRun(run, dst, at);
    }

    private int WritePaletteRle(int colours, int count, Span<byte> dst)
    {
        dst[0] = (byte)(128 + colours);
        int at = WritePalette(colours, dst, 1);
        ReadOnlySpan<byte> idx = _indices.AsSpan(0, count);
        int i = 0;
        while (i < count)
        {
            byte v = idx[i];
            int start = i;
            while (i < count && idx[i] == v) i++;
            int run = i - start;
            if (run == 1)
            {
                dst[at++] = v;
            }
            else
            {
                dst[at++] = (byte)(v | 128);
                at = WriteRun(run, dst, at);
            }
        }

        return at;
    }

    private int WritePacked(int colours, int tw, int th, Span<byte> dst)
    {
        dst[0] = (byte)colours;
        int at = WritePalette(colours, dst, 1);
        int bits = colours <= 2 ? 1 : colours <= 4 ? 2 : 4;
        int perByte = 8 / bits;
        ReadOnlySpan<byte> idx = _indices;
        for (int y = 0; y < th; y++)
        {
            ReadOnlySpan<byte> row = idx.Slice(y * tw, tw);
            int acc = 0, n = 0;
            for (int x = 0; x < tw; x++)
            {
                acc = (acc << bits) | row[x];
                if (++n == perByte)
                {
                    dst[at++] = (byte)acc;
                    acc = 0;
                    n = 0;
                }
            }

            if (n > 0) dst[at++] = (byte)(acc << (bits * (perByte - n))); // pad the row's last byte on the right
        }

        return at;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _deflate.Dispose();
        _sink.Dispose();
    }
}
