// SPDX-License-Identifier: MIT
using System.Buffers.Binary;

namespace KvmPi.Vnc.Tests.Rfb.Server;

/// <summary>One Raw rectangle of an update, its pixels in the server's own 32-bpp format (bytes B, G, R, X).</summary>
internal sealed record RawRect(int X, int Y, int Width, int Height, byte[] Pixels)
{
    public uint FirstPixel => BinaryPrimitives.ReadUInt32LittleEndian(Pixels);
}

/// <summary>Reads FramebufferUpdates of Raw rectangles, as a test viewer that listed only Raw gets them.</summary>
internal static class RawUpdateReader
{
    public static async Task<List<RawRect>> ReadAsync(Stream client)
    {
        byte[] header = await FlowControlTests.ReadExactly(client, 4);
        Assert.Equal(0, header[0]);
        var rects = new List<RawRect>();
        for (int i = 0; i < BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2)); i++)
        {
            byte[] r = await FlowControlTests.ReadExactly(client, 12);
            int w = BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(4)), h = BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(6));
            Assert.Equal(0, BinaryPrimitives.ReadInt32BigEndian(r.AsSpan(8)));
            rects.Add(new RawRect(BinaryPrimitives.ReadUInt16BigEndian(r), BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(2)), w, h,
                await FlowControlTests.ReadExactly(client, w * h * 4)));
        }
        return rects;
    }
}
