// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Capture.Yuv;
using KvmPi.Vnc.Tests.Support;

namespace KvmPi.Vnc.Tests.Capture;

public class YuvConverterTests
{
    // Golden values: the exact R'G'B' (rounded) of the textbook Y'CbCr → R'G'B' equations (BT.601/BT.709 luma
    // weights; limited range Y 16..235 and Cb/Cr 16..240, or full range), computed in double precision outside
    // this code. Limited BT.709 (vivid's HDMI output): 75% colour bars come out as 191/0.
    public static TheoryData<YuvMatrix, YuvRange, byte, byte, byte, byte, byte, byte> Golden => new()
    {
        { YuvMatrix.Bt601, YuvRange.Limited, 16, 128, 128, 0, 0, 0 },
        { YuvMatrix.Bt601, YuvRange.Limited, 235, 128, 128, 255, 255, 255 },
        { YuvMatrix.Bt601, YuvRange.Limited, 126, 128, 128, 128, 128, 128 },
        { YuvMatrix.Bt601, YuvRange.Limited, 0, 128, 128, 0, 0, 0 },         // below black clamps
        { YuvMatrix.Bt601, YuvRange.Limited, 180, 128, 128, 191, 191, 191 },
        { YuvMatrix.Bt601, YuvRange.Limited, 81, 90, 240, 254, 0, 0 },
        { YuvMatrix.Bt601, YuvRange.Limited, 145, 54, 34, 0, 255, 1 },
        { YuvMatrix.Bt601, YuvRange.Limited, 41, 240, 110, 0, 0, 255 },
        { YuvMatrix.Bt601, YuvRange.Limited, 168, 44, 136, 190, 203, 8 },
        { YuvMatrix.Bt601, YuvRange.Limited, 100, 200, 50, 0, 133, 243 },
        { YuvMatrix.Bt601, YuvRange.Full, 16, 128, 128, 16, 16, 16 },
        { YuvMatrix.Bt601, YuvRange.Full, 255, 128, 128, 255, 255, 255 },
        { YuvMatrix.Bt601, YuvRange.Full, 81, 90, 240, 238, 14, 14 },
        { YuvMatrix.Bt601, YuvRange.Full, 168, 44, 136, 179, 191, 19 },
        { YuvMatrix.Bt601, YuvRange.Full, 255, 0, 255, 255, 208, 28 },
        { YuvMatrix.Bt709, YuvRange.Limited, 16, 128, 128, 0, 0, 0 },
        { YuvMatrix.Bt709, YuvRange.Limited, 235, 128, 128, 255, 255, 255 },
        { YuvMatrix.Bt709, YuvRange.Limited, 180, 128, 128, 191, 191, 191 },
        { YuvMatrix.Bt709, YuvRange.Limited, 168, 44, 136, 191, 191, 0 },    // 75% yellow
        { YuvMatrix.Bt709, YuvRange.Limited, 63, 102, 240, 255, 1, 0 },
        { YuvMatrix.Bt709, YuvRange.Limited, 145, 54, 34, 0, 216, 0 },
        { YuvMatrix.Bt709, YuvRange.Limited, 100, 200, 50, 0, 124, 250 },
        { YuvMatrix.Bt709, YuvRange.Full, 180, 128, 128, 180, 180, 180 },
        { YuvMatrix.Bt709, YuvRange.Full, 81, 90, 240, 255, 36, 10 },
        { YuvMatrix.Bt709, YuvRange.Full, 168, 44, 136, 181, 180, 12 },
        { YuvMatrix.Bt709, YuvRange.Full, 32, 240, 118, 16, 16, 240 },
    };

    [Theory]
    [MemberData(nameof(Golden))]
    public void EveryLayoutGivesTheGoldenColourInVectorBodyAndScalarTail(YuvMatrix matrix, YuvRange range,
        byte y, byte cb, byte cr, byte r, byte g, byte b)
    {
        var k = YuvCoefficients.For(new YuvColorimetry(matrix, range));
        const int width = 38, height = 2;   // 32 vector pixels (both step sizes) + a 6-pixel scalar tail
        foreach (YuvLayout layout in Enum.GetValues<YuvLayout>())
        {
            int stride = YuvConverter.MinimumStride(layout, width) + 8;   // padded rows, as drivers may deliver
            byte[] source = Solid(layout, width, height, stride, y, cb, cr);
            byte[] bgrx = new byte[width * height * 4];
            YuvConverter.Convert(layout, source, stride, bgrx, width * 4, width, height, k);
            for (int i = 0; i < width * height; i++)
                Assert.True(bgrx[i * 4 + 2] == r && bgrx[i * 4 + 1] == g && bgrx[i * 4] == b && bgrx[i * 4 + 3] == 0xFF,
                    $"{layout} pixel {i}: got ({bgrx[i * 4 + 2]},{bgrx[i * 4 + 1]},{bgrx[i * 4]}), want ({r},{g},{b})");
        }
    }

    [Fact]
    public void CoefficientsAreTheQ16RoundingOfTheStandardMatrices()
    {
        Assert.Equal(new YuvCoefficients(76309, 104597, -25675, -53279, 132201, -14576592, 8917936, -18109904),
            YuvCoefficients.For(new YuvColorimetry(YuvMatrix.Bt601, YuvRange.Limited)));
        Assert.Equal(new YuvCoefficients(65536, 103206, -12276, -30679, 121609, -13177600, 5531008, -15533184),
            YuvCoefficients.For(new YuvColorimetry(YuvMatrix.Bt709, YuvRange.Full)));
    }

    [Fact]
    public void ChromaIsSharedByPixelPairsAndSamplesKeepTheirPlace()
    {
        // YUYV: pixel 0 and 1 share Cb/Cr; Y differs. Black then white in pair 0, a saturated pair after.
        var k = YuvCoefficients.For(new YuvColorimetry(YuvMatrix.Bt709, YuvRange.Limited));
        byte[] yuyv = new byte[16 * 2];
        for (int pair = 0; pair < 8; pair++)
        {
            yuyv[pair * 4] = 16; yuyv[pair * 4 + 1] = 128; yuyv[pair * 4 + 2] = 235; yuyv[pair * 4 + 3] = 128;
        }
        yuyv[4] = 168; yuyv[5] = 44; yuyv[6] = 168; yuyv[7] = 136;   // pair 1: 75% yellow twice
        byte[] bgrx = new byte[16 * 4];
        YuvConverter.Convert(YuvLayout.Yuyv, yuyv, 32, bgrx, 64, 16, 1, k);
        Assert.Equal(new byte[] { 0, 0, 0, 255, 255, 255, 255, 255, 0, 191, 191, 255, 0, 191, 191, 255 }, bgrx[..16]);
        Assert.Equal(new byte[] { 0, 0, 0, 255, 255, 255, 255, 255 }, bgrx[56..]);
    }

    [Theory]
    [InlineData(YuvLayout.Yuyv, 1920, 3)]
    [InlineData(YuvLayout.Uyvy, 1283, 5)]
    [InlineData(YuvLayout.Nv12, 101, 7)]
    [InlineData(YuvLayout.Nv12, 64, 4)]
    public void VectorAndScalarAgreeToTheBitOnNoise(YuvLayout layout, int width, int height)
    {
        var random = new Random(width * 31 + height);
        foreach (YuvMatrix matrix in Enum.GetValues<YuvMatrix>())
            foreach (YuvRange range in Enum.GetValues<YuvRange>())
            {
                var k = YuvCoefficients.For(new YuvColorimetry(matrix, range));
                int stride = YuvConverter.MinimumStride(layout, width) + 4;
                byte[] source = new byte[YuvConverter.RequiredBytes(layout, width, height, stride)];
                random.NextBytes(source);
                byte[] vector = new byte[width * height * 4], scalar = new byte[width * height * 4];
                YuvConverter.Convert(layout, source, stride, vector, width * 4, width, height, k, vectorised: true);
                YuvConverter.Convert(layout, source, stride, scalar, width * 4, width, height, k, vectorised: false);
                Assert.Equal(scalar, vector);
            }
    }

    /// <summary>
    /// Seeded random sizes (odd widths, one-row and one-pixel images), padded source and destination strides and
    /// buffers of exactly the size required: the vector path gives the scalar path's bytes, and leaves the padding
    /// between destination rows alone.
    /// </summary>
    [Fact]
    public void VectorAndScalarAgreeOnRandomSizesAndStrides()
    {
        var random = new Random(2026);
        YuvLayout[] layouts = Enum.GetValues<YuvLayout>();
        for (int round = 0; round < 400; round++)
        {
            YuvLayout layout = layouts[random.Next(layouts.Length)];
            int width = random.Next(1, 200), height = random.Next(1, 10);
            var k = YuvCoefficients.For(new YuvColorimetry(
                (YuvMatrix)random.Next(Enum.GetValues<YuvMatrix>().Length), (YuvRange)random.Next(Enum.GetValues<YuvRange>().Length)));
            int stride = YuvConverter.MinimumStride(layout, width) + random.Next(0, 18);
            int bgrxStride = width * 4 + 4 * random.Next(0, 4);
            byte[] source = new byte[YuvConverter.RequiredBytes(layout, width, height, stride)];
            random.NextBytes(source);
            int bgrxBytes = bgrxStride * (height - 1) + width * 4;
            byte[] vector = new byte[bgrxBytes], scalar = new byte[bgrxBytes];
            Array.Fill(vector, (byte)0xA5);
            Array.Fill(scalar, (byte)0xA5);
            YuvConverter.Convert(layout, source, stride, vector, bgrxStride, width, height, k, vectorised: true);
            YuvConverter.Convert(layout, source, stride, scalar, bgrxStride, width, height, k, vectorised: false);
            Assert.True(scalar.AsSpan().SequenceEqual(vector), $"round {round}: {layout} {width}x{height}, stride {stride}, bgrx stride {bgrxStride}");
            for (int y = 0; y + 1 < height; y++)
                Assert.True(vector.AsSpan(y * bgrxStride + width * 4, bgrxStride - width * 4).IndexOfAnyExcept((byte)0xA5) < 0,
                    $"round {round}: {layout} {width}x{height} wrote into the padding after row {y}");
        }
    }

    [Fact]
    public void AShortSourceIsRefusedNotOverread()
    {
        var k = YuvCoefficients.For(new YuvColorimetry(YuvMatrix.Bt601, YuvRange.Limited));
        Assert.Throws<ArgumentException>(() =>
            YuvConverter.Convert(YuvLayout.Yuyv, new byte[100], 32, new byte[16 * 4 * 4], 64, 16, 4, k));
        Assert.Throws<ArgumentException>(() =>
            YuvConverter.Convert(YuvLayout.Nv12, new byte[16 * 4], 16, new byte[16 * 4 * 4], 64, 16, 4, k));
    }

    [Theory]
    [InlineData(3u, 0u, 0u, YuvMatrix.Bt709, YuvRange.Limited)]     // REC709, defaults: HDMI HD modes, vivid at 720p
    [InlineData(1u, 0u, 0u, YuvMatrix.Bt601, YuvRange.Limited)]     // SMPTE170M
    [InlineData(8u, 0u, 0u, YuvMatrix.Bt601, YuvRange.Limited)]     // sRGB: Y'CbCr as 601
    [InlineData(7u, 0u, 0u, YuvMatrix.Bt601, YuvRange.Full)]        // JPEG: full range
    [InlineData(3u, 1u, 1u, YuvMatrix.Bt601, YuvRange.Full)]        // explicit encoding and quantization win
    [InlineData(10u, 0u, 2u, YuvMatrix.Bt2020, YuvRange.Limited)]
    public void ColorimetryFollowsWhatTheDriverReports(uint colorspace, uint encoding, uint quantization, YuvMatrix matrix, YuvRange range) =>
        Assert.Equal(new YuvColorimetry(matrix, range), YuvColorimetry.FromV4l2(colorspace, encoding, quantization));

    [Fact]
    public void A1080pConversionAllocatesNothing()
    {
        var k = YuvCoefficients.For(new YuvColorimetry(YuvMatrix.Bt709, YuvRange.Limited));
        byte[] yuyv = new byte[1920 * 2 * 1080], nv12 = new byte[1920 * 1080 * 3 / 2], bgrx = new byte[1920 * 1080 * 4];
        YuvConverter.Convert(YuvLayout.Yuyv, yuyv, 3840, bgrx, 7680, 1920, 1080, k);
        Assert.Equal(0, Allocations.LeastOverRounds(() =>
        {
            YuvConverter.Convert(YuvLayout.Yuyv, yuyv, 3840, bgrx, 7680, 1920, 1080, k);
            YuvConverter.Convert(YuvLayout.Uyvy, yuyv, 3840, bgrx, 7680, 1920, 1080, k);
            YuvConverter.Convert(YuvLayout.Nv12, nv12, 1920, bgrx, 7680, 1920, 1080, k);
        }));
    }

    /// <summary>A frame of one colour in <paramref name="layout"/>.</summary>
    internal static byte[] Solid(YuvLayout layout, int width, int height, int stride, byte y, byte cb, byte cr)
    {
        byte[] frame = new byte[YuvConverter.RequiredBytes(layout, width, height, stride)];
        for (int row = 0; row < height; row++)
        {
            Span<byte> line = frame.AsSpan(row * stride, stride);
            for (int pair = 0; pair < (width + 1) / 2; pair++)
            {
                if (layout == YuvLayout.Yuyv) { line[pair * 4] = y; line[pair * 4 + 1] = cb; line[pair * 4 + 2] = y; line[pair * 4 + 3] = cr; }
                else if (layout == YuvLayout.Uyvy) { line[pair * 4] = cb; line[pair * 4 + 1] = y; line[pair * 4 + 2] = cr; line[pair * 4 + 3] = y; }
                else { line[pair * 2] = y; line[pair * 2 + 1] = y; }
            }
        }
        if (layout == YuvLayout.Nv12)
            for (int row = 0; row < (height + 1) / 2; row++)
            {
                Span<byte> line = frame.AsSpan(stride * height + row * stride, stride);
                for (int pair = 0; pair < (width + 1) / 2; pair++) { line[pair * 2] = cb; line[pair * 2 + 1] = cr; }
            }
        return frame;
    }
}
