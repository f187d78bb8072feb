// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.IntegrationTests.Support;

/// <summary>Edits the marker segments of JPEG images, as capture hardware would have written them.</summary>
public static class JpegSegments
{
    /// <summary>
    /// The images of <paramref name="mjpeg"/> (JPEGs back to back) without their DHT segments, as many USB capture
    /// devices send Motion-JPEG (the "AVI1" convention: decoders use the standard tables of ITU T.81 K.3, which
    /// libjpeg writes by default, so the images mean the same).
    /// </summary>
    public static byte[] WithoutHuffmanTables(byte[] mjpeg)
    {
        var output = new MemoryStream(mjpeg.Length);
        int pos = 0;
        while (pos + 4 <= mjpeg.Length)
        {
            Assert.True(mjpeg[pos] == 0xFF && mjpeg[pos + 1] == 0xD8, $"no SOI at {pos}");
            output.Write(mjpeg, pos, 2);
            pos += 2;
            while (true)
            {
                Assert.True(mjpeg[pos] == 0xFF, $"no marker at {pos}");
                byte marker = mjpeg[pos + 1];
                int length = mjpeg[pos + 2] << 8 | mjpeg[pos + 3];
                if (marker != 0xC4) output.Write(mjpeg, pos, 2 + length);
                pos += 2 + length;
                if (marker == 0xDA) break;
            }
            int start = pos;
            // Entropy-coded data: 0xFF is stuffed (FF 00) or a restart marker, until EOI.
            while (!(mjpeg[pos] == 0xFF && mjpeg[pos + 1] == 0xD9)) pos++;
            pos += 2;
            output.Write(mjpeg, start, pos - start);
        }
        return output.ToArray();
    }
}
