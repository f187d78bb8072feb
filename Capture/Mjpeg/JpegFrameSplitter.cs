// SPDX-License-Identifier: MIT
using System.Buffers.Binary;

namespace KvmPi.Vnc.Capture.Mjpeg;

/// <summary>
/// Finds whole JPEG images in a Motion-JPEG byte stream by walking the marker structure. Pure: works on one span,
/// keeps no state, allocates nothing.
/// </summary>
/// <remarks>
/// Why not search for FF D9: an APP segment (EXIF thumbnails, AVI1 headers some dongles add) may contain the bytes
/// FF D9, so the walk skips every segment by its length and looks for EOI only where a marker can stand.
/// <code>
///   FF D8                      SOI
///   FF xx LH LL payload        segment, length (big endian) counts itself but not the marker (APPn, DQT, SOF, DHT, DRI, COM...)
///   FF DA LH LL header         SOS, then entropy-coded data in which
///       FF 00                  is a stuffed data byte,
///       FF D0..FF D7           are restart markers (RSTn) that stay inside the scan,
///       FF FF                  are fill bytes before a marker,
///       FF other               ends the scan (DHT or another SOS in progressive files, or EOI)
///   FF D9                      EOI
/// </code>
/// </remarks>
internal static class JpegFrameSplitter
{
    /// <summary>Largest image accepted, in bytes. 32 MiB is about 100 times a 1080p desktop frame at high quality
    /// (310 KB, stack-notes §1); anything longer without an EOI is garbage, and the bound keeps the read buffer finite.</summary>
    public const int MaxFrameBytes = 32 * 1024 * 1024;

    private const byte Marker = 0xFF;
    private const byte StartOfImage = 0xD8;
    private const byte EndOfImage = 0xD9;
    private const byte StartOfScan = 0xDA;
    private const byte FirstRestart = 0xD0;
    private const byte LastRestart = 0xD7;
    private const byte Temporary = 0x01; // TEM: standalone, no length

    /// <summary>Looks for the first whole image in <paramref name="data"/>.</summary>
    /// <returns>
    /// <see cref="JpegScanStatus.Frame"/>: the image is <c>data[frameStart..(frameStart + frameLength)]</c>.
    /// <see cref="JpegScanStatus.Incomplete"/>: an image starts at <paramref name="frameStart"/> but its end is not in the data yet.
    /// <see cref="JpegScanStatus.NoImageStart"/>: no SOI yet.
    /// <see cref="JpegScanStatus.Corrupt"/>: the image at <paramref name="frameStart"/> is malformed or longer than <see cref="MaxFrameBytes"/>.
    /// In every case the caller may drop the first <paramref name="consumed"/> bytes and rescan the rest.
    /// </returns>
    public static JpegScanStatus Scan(ReadOnlySpan<byte> data, out int frameStart, out int frameLength, out int consumed)
    {
        frameLength = 0;
        frameStart = FindStartOfImage(data);
        if (frameStart < 0)
        {
            // Keep a trailing FF: it may be the first half of an SOI split across reads.
            consumed = data.Length > 0 && data[^1] == Marker ? data.Length - 1 : data.Length;
            frameStart = consumed;
            return JpegScanStatus.NoImageStart;
        }

        int limit = (int)Math.Min((long)data.Length, (long)frameStart + MaxFrameBytes);
        ReadOnlySpan<byte> bounded = data[..limit];
        int pos = frameStart + 2;
        while (true)
        {
            if (pos + 1 >= bounded.Length)
                return NeedMore(data, limit, frameStart, out consumed);
            if (bounded[pos] != Marker)
                return Corrupt(frameStart, out consumed);

            byte code = bounded[pos + 1];
            if (code == Marker)
            {
                pos++; // fill byte: the marker code follows later
                continue;
            }
            if (code == EndOfImage)
            {
                frameLength = pos + 2 - frameStart;
                consumed = pos + 2;
                return JpegScanStatus.Frame;
            }
            if (code == StartOfImage)
            {
                // A new image began before this one ended (a dongle dropped the tail): resume at the new SOI.
                consumed = pos;
                return JpegScanStatus.Corrupt;
            }
            if (code == 0x00)
                return Corrupt(frameStart, out consumed);
            if (code is >= FirstRestart and <= LastRestart or Temporary)
            {
                pos += 2;
                continue;
            }

            if (pos + 3 >= bounded.Length)
                return NeedMore(data, limit, frameStart, out consumed);
            int segmentLength = BinaryPrimitives.ReadUInt16BigEndian(bounded[(pos + 2)..]);
            if (segmentLength < 2)
                return Corrupt(frameStart, out consumed);
            pos += 2 + segmentLength;
            if (code != StartOfScan)
                continue;

            int end = SkipEntropyCodedData(bounded, pos);
            if (end < 0)
                return NeedMore(data, limit, frameStart, out consumed);
            pos = end;
        }
    }

    /// <summary>Index of the FF that starts the first marker after entropy-coded data at <paramref name="pos"/>,
    /// or -1 when the data ends first.</summary>
    private static int SkipEntropyCodedData(ReadOnlySpan<byte> data, int pos)
    {
        while (pos < data.Length)
        {
            int found = data[pos..].IndexOf(Marker); // vectorised; entropy data is most of the frame
            if (found < 0)
                return -1;
            int ff = pos + found;
            if (ff + 1 >= data.Length)
                return -1;
            byte next = data[ff + 1];
            if (next == 0x00 || next is >= FirstRestart and <= LastRestart)
                pos = ff + 2;
            else if (next == Marker)
                pos = ff + 1; // fill bytes: look again from the next FF
            else
                return ff;
        }
        return -1;
    }

    private static int FindStartOfImage(ReadOnlySpan<byte> data)
    {
        int pos = 0;
        while (pos < data.Length - 1)
        {
            int found = data[pos..^1].IndexOf(Marker);
            if (found < 0)
                return -1;
            int ff = pos + found;
            if (data[ff + 1] == StartOfImage)
                return ff;
            pos = ff + 1;
        }
        return -1;
    }

    private static JpegScanStatus NeedMore(ReadOnlySpan<byte> data, int limit, int frameStart, out int consumed)
    {
        // The walk ran off the end of the data. If the end is the size bound rather than the data, it never ends.
        if (limit < data.Length || limit - frameStart >= MaxFrameBytes)
            return Corrupt(frameStart, out consumed);
        consumed = frameStart;
        return JpegScanStatus.Incomplete;
    }

    private static JpegScanStatus Corrupt(int frameStart, out int consumed)
    {
        // Skip just this SOI; the next one found is the next candidate image.
        consumed = frameStart + 2;
        return JpegScanStatus.Corrupt;
    }
}
