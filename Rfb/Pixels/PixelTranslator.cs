// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace KvmPi.Vnc.Rfb.Pixels;

/// <summary>
/// Converts server pixels (BGRX, <see cref="PixelFormat.Bgrx32"/>) to one client pixel format and serialises pixel
/// values in that format's size and byte order. Channels are scaled to the nearest value, as libvncserver and
/// TigerVNC do (bgr233 included). One instance per client pixel format; immutable, so it may be shared.
/// </summary>
/// <remarks>
/// What is this? Every true-colour format is "value = r' &lt;&lt; rShift | g' &lt;&lt; gShift | b' &lt;&lt; bShift" with
/// c' = round(c · max / 255). The scaling and shifting of each 8-bit server channel is folded into one 256-entry
/// table per channel, so a pixel costs three loads and two ORs whatever the format. For the 32-bpp formats with 8-bit
/// channels (noVNC's RGBX, TigerVNC's native BGRX and their big-endian twins) the conversion is a pure byte
/// permutation, done 4 pixels at a time with one byte shuffle (pshufb on x86, TBL on the Pi's NEON).
/// </remarks>
public sealed class PixelTranslator
{
    // Shuffle index that selects "zero" on every back-end we use: pshufb zeroes a lane whose index has bit 7 set,
    // NEON TBL and Vector128.Shuffle zero any index >= 16.
    private const byte ZeroLane = 0x80;

    private readonly PixelFormat _format;
    private readonly uint[] _red = new uint[256];
    private readonly uint[] _green = new uint[256];
    private readonly uint[] _blue = new uint[256];
    private readonly bool _identity;
    private readonly bool _useShuffle;
    private readonly Vector128<byte> _shuffle;

    /// <exception cref="ArgumentException">The format is not one <see cref="PixelFormat.IsValid"/> accepts.</exception>
    public PixelTranslator(PixelFormat format)
    {
        if (!format.IsValid(out string? reason))
            throw new ArgumentException($"Unsupported pixel format {format}: {reason}", nameof(format));
        _format = format;
        for (int c = 0; c < 256; c++)
        {
            _red[c] = Scale(c, format.RedMax) << format.RedShift;
            _green[c] = Scale(c, format.GreenMax) << format.GreenShift;
            _blue[c] = Scale(c, format.BlueMax) << format.BlueShift;
        }

        if (format.Is888)
        {
            // Value byte k (little-endian numbering) takes the source byte of the channel shifted to 8k.
            // Source bytes of a BGRX pixel: 0 = B, 1 = G, 2 = R, 3 = X (never copied: padding must read as zero).
            Span<byte> perPixel = [ZeroLane, ZeroLane, ZeroLane, ZeroLane];
            perPixel[format.RedShift / 8] = 2;
            perPixel[format.GreenShift / 8] = 1;
            perPixel[format.BlueShift / 8] = 0;
            Span<byte> indices = stackalloc byte[16];
            for (int p = 0; p < 4; p++)
                for (int k = 0; k < 4; k++)
                    indices[p * 4 + k] = perPixel[k] == ZeroLane ? ZeroLane : (byte)(perPixel[k] + p * 4);
            _shuffle = Vector128.Create((ReadOnlySpan<byte>)indices);
            _identity = format.RedShift == 16 && format.GreenShift == 8 && format.BlueShift == 0;
            _useShuffle = Vector128.IsHardwareAccelerated;
        }
    }

    public PixelFormat Format => _format;

    /// <summary>Nearest-value scaling of an 8-bit channel to 0..max: round(c · max / 255) in integers.</summary>
    internal static uint Scale(int c, int max) => (uint)((c * max + 127) / 255);

    /// <summary>The client pixel value for one server pixel (its 4 bytes B, G, R, X read as a little-endian uint).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Translate(uint bgrx) =>
        _red[(bgrx >> 16) & 0xFF] | _green[(bgrx >> 8) & 0xFF] | _blue[bgrx & 0xFF];

    /// <summary>Converts one row of BGRX bytes (4 × destination.Length bytes) to client pixel values.</summary>
    public void TranslateRow(ReadOnlySpan<byte> bgrxRow, Span<uint> destination)
    {
        if (bgrxRow.Length < destination.Length * 4)
            throw new ArgumentException("Source row is shorter than 4 bytes per destination pixel.", nameof(bgrxRow));
        ReadOnlySpan<uint> source = MemoryMarshal.Cast<byte, uint>(bgrxRow)[..destination.Length];
        if (_useShuffle && BitConverter.IsLittleEndian)
            TranslateRowVector(source, destination);
        else
            TranslateRowScalar(source, destination);
    }

    /// <summary>The table path for every format; also the reference the vector path is tested against.</summary>
    internal void TranslateRowScalar(ReadOnlySpan<uint> source, Span<uint> destination)
    {
        if (source.Length < destination.Length) throw new ArgumentException("Source is shorter than destination.", nameof(source));
        // Indices are masked to 0..255 and the tables hold 256 entries, so the unchecked loads stay in bounds;
        // dropping the three bounds checks per pixel is worth ~2x on this loop.
        ref uint red = ref MemoryMarshal.GetArrayDataReference(_red);
        ref uint green = ref MemoryMarshal.GetArrayDataReference(_green);
        ref uint blue = ref MemoryMarshal.GetArrayDataReference(_blue);
        ref uint s = ref MemoryMarshal.GetReference(source);
        ref uint d = ref MemoryMarshal.GetReference(destination);
        for (nint i = 0; i < destination.Length; i++)
        {
            uint p = Unsafe.Add(ref s, i);
            Unsafe.Add(ref d, i) = Unsafe.Add(ref red, (nint)((p >> 16) & 0xFF))
                                   | Unsafe.Add(ref green, (nint)((p >> 8) & 0xFF))
                                   | Unsafe.Add(ref blue, (nint)(p & 0xFF));
        }
    }

    /// <summary>
    /// The 32-bpp 8-bit-channel path: a byte permutation of 4 pixels per 128-bit shuffle. Falls back to the tables
    /// for formats that are not <see cref="PixelFormat.Is888"/>.
    /// </summary>
    internal void TranslateRowVector(ReadOnlySpan<uint> source, Span<uint> destination)
    {
        if (!_format.Is888)
        {
            TranslateRowScalar(source, destination);
            return;
        }

        int n = destination.Length;
        int i = 0;
        if (_identity)
        {
            // The client wants BGRX itself: only the X byte must be cleared.
            Vector128<uint> mask = Vector128.Create(0x00FF_FFFFu);
            ref uint s = ref MemoryMarshal.GetReference(source);
            ref uint d = ref MemoryMarshal.GetReference(destination);
            for (; i <= n - 4; i += 4)
                (Vector128.LoadUnsafe(ref s, (nuint)i) & mask).StoreUnsafe(ref d, (nuint)i);
        }
        else
        {
            ref byte s = ref Unsafe.As<uint, byte>(ref MemoryMarshal.GetReference(source));
            ref byte d = ref Unsafe.As<uint, byte>(ref MemoryMarshal.GetReference(destination));
            Vector128<byte> shuffle = _shuffle;
            for (; i <= n - 4; i += 4)
                Shuffle(Vector128.LoadUnsafe(ref s, (nuint)(i * 4)), shuffle).StoreUnsafe(ref d, (nuint)(i * 4));
        }

        for (; i < n; i++)
            destination[i] = Translate(source[i]);
    }

    /// <summary>Bytes of <paramref name="v"/> picked by <paramref name="indices"/> (16 and above give 0): PSHUFB or TBL.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<byte> Shuffle(Vector128<byte> v, Vector128<byte> indices)
    {
        if (Ssse3.IsSupported)
            return Ssse3.Shuffle(v, indices);
        if (AdvSimd.Arm64.IsSupported)
            return AdvSimd.Arm64.VectorTableLookup(v, indices);
        return Vector128.Shuffle(v, indices);
    }

    /// <summary>Writes pixel values as BytesPerPixel bytes each in the client's byte order.</summary>
    public void Serialize(ReadOnlySpan<uint> values, Span<byte> destination) =>
        Serialize(_format, values, destination);

    /// <summary>
    /// Writes pixel values of <paramref name="format"/> as <see cref="PixelFormat.BytesPerPixel"/> bytes each in
    /// its byte order (rfbproto "PIXEL"). Encoders use this with the format they were handed.
    /// </summary>
    internal static void Serialize(PixelFormat format, ReadOnlySpan<uint> values, Span<byte> destination)
    {
        int bpp = format.BytesPerPixel;
        if (destination.Length < values.Length * bpp)
            throw new ArgumentException("Destination is shorter than BytesPerPixel bytes per value.", nameof(destination));
        switch (bpp)
        {
            case 4:
                Span<uint> words = MemoryMarshal.Cast<byte, uint>(destination[..(values.Length * 4)]);
                if (format.BigEndian == !BitConverter.IsLittleEndian)
                    values.CopyTo(words);
                else
                    BinaryPrimitives.ReverseEndianness(values, words);
                break;
            case 2:
                if (format.BigEndian)
                    for (int i = 0; i < values.Length; i++)
                        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(i * 2, 2), (ushort)values[i]);
                else
                    for (int i = 0; i < values.Length; i++)
                        BinaryPrimitives.WriteUInt16LittleEndian(destination.Slice(i * 2, 2), (ushort)values[i]);
                break;
            default:
                for (int i = 0; i < values.Length; i++)
                    destination[i] = (byte)values[i];
                break;
        }
    }

    /// <summary>Writes one pixel value in the format's size and byte order; returns the bytes written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int WritePixel(PixelFormat format, uint value, Span<byte> destination)
    {
        switch (format.BitsPerPixel)
        {
            case 32:
                if (format.BigEndian) BinaryPrimitives.WriteUInt32BigEndian(destination, value);
                else BinaryPrimitives.WriteUInt32LittleEndian(destination, value);
                return 4;
            case 16:
                if (format.BigEndian) BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)value);
                else BinaryPrimitives.WriteUInt16LittleEndian(destination, (ushort)value);
                return 2;
            default:
                destination[0] = (byte)value;
                return 1;
        }
    }
}
