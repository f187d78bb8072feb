// SPDX-License-Identifier: MIT
using System.Buffers;
using KvmPi.Vnc.Rfb.Encoding;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Tests.Rfb.Pixels;
using KvmPi.Vnc.Tests.Support;

namespace KvmPi.Vnc.Tests.Rfb.Encoding;

/// <summary>Steady-state encoding allocates nothing (style guide §d): scratch is per encoder and reused.</summary>
public sealed class EncoderAllocationTests
{
    [Fact]
    public void SteadyStateEncodingAllocatesNothing()
    {
        PixelFormat pf = TestPixelFormats.Rgbx32NoVnc;
        var t = new PixelTranslator(pf);
        var rects = new List<(uint[] Values, int W, int H)>();
        int seed = 1;
        // The server's split limits: ≤ 65536 px and ≤ 2048 wide.
        foreach ((TestImages.Kind kind, int w, int h) in new[]
                 {
                     (TestImages.Kind.Random, 256, 256), (TestImages.Kind.FewColours, 2048, 32),
                     (TestImages.Kind.Photographic, 300, 200), (TestImages.Kind.FewColours, 17, 5),
                 })
        {
            uint[] values = new uint[w * h];
            t.TranslateRow(TestImages.ToBytes(TestImages.Make(kind, w, h, seed++)), values);
            rects.Add((values, w, h));
        }

        using var zrle = new ZrleEncoder();
        IRectEncoder[] encoders = [new RawEncoder(), new HextileEncoder(), zrle];
        var output = new ArrayBufferWriter<byte>(1 << 20);
        foreach (IRectEncoder encoder in encoders)
        {
            for (int warm = 0; warm < 3; warm++) EncodeAll(encoder);
            long allocated = Allocations.LeastOverRounds(() =>
            {
                for (int i = 0; i < 5; i++) EncodeAll(encoder);
            });
            Assert.True(allocated == 0, $"{encoder.GetType().Name} allocated {allocated} bytes");
        }

        void EncodeAll(IRectEncoder encoder)
        {
            foreach ((uint[] values, int w, int h) in rects)
            {
                output.ResetWrittenCount();
                encoder.Encode(values, w, h, pf, output);
            }
        }
    }
}
