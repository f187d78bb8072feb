// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Tests.Support.Decoders;

/// <summary>
/// Reads one Tight rectangle's payload off a stream, as rfbproto lays it out for 24-bit TPIXELs (fill, JPEG, basic
/// with or without a palette), so <see cref="TightDecoder"/> can decode it from its bytes.
/// </summary>
internal static class TightRectReader
{
    /// <param name="read">Reads exactly that many bytes.</param>
    public static async Task<byte[]> ReadPayloadAsync(Func<int, Task<byte[]>> read, int w, int h)
    {
        var payload = new List<byte>();
        async Task<byte[]> Take(int n)
        {
            byte[] b = await read(n);
            payload.AddRange(b);
            return b;
        }
        async Task TakeCompact()
        {
            int length = 0;
            for (int shift = 0; shift < 21; shift += 7)
            {
                byte b = (await Take(1))[0];
                length |= (b & 0x7F) << shift;
                if ((b & 0x80) == 0 || shift == 14) break;
            }
            await Take(length);
        }

        byte control = (await Take(1))[0];
        switch (control >> 4)
        {
            case 8: await Take(3); break;                 // fill
            case 9: await TakeCompact(); break;           // JPEG
            default:                                      // basic
                int size = w * h * 3;
                if ((control & 0x40) != 0 && (await Take(1))[0] == 1)
                {
                    int colours = (await Take(1))[0] + 1;
                    await Take(colours * 3);
                    size = colours == 2 ? (w + 7) / 8 * h : w * h;
                }
                if (size < 12) await Take(size);
                else await TakeCompact();
                break;
        }
        return [.. payload];
    }
}
