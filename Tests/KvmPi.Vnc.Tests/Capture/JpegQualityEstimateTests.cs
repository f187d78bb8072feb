// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Capture.Mjpeg.Partial;
using KvmPi.Vnc.Tests.Support;

namespace KvmPi.Vnc.Tests.Capture;

/// <summary>The quality a JPEG was written at, read back from its luminance quantization table.</summary>
public class JpegQualityEstimateTests
{
    [Theory]
    [InlineData(25)]   // (below ~20 the coarsest entries clamp at 255 and the estimate drifts up)
    [InlineData(30)]
    [InlineData(50)]
    [InlineData(75)]
    [InlineData(85)]
    [InlineData(92)]
    [InlineData(97)]
    public void TheQualityLibjpegWroteIsReadBack(int quality)
    {
        byte[] jpeg = TestJpegEncoder.Encode(new byte[32 * 16 * 4], 32, 16, quality, 1);
        var layout = new JpegScanLayout();
        Assert.True(layout.TryParse(jpeg));
        // Rounding and clamping of the table's entries move the estimate by at most one step.
        Assert.InRange(layout.EstimatedQuality, quality - 1, quality + 1);
    }

    [Fact]
    public void AnEmptyTableTellsNothing() => Assert.Equal(0, JpegQualityEstimate.FromLuminanceTable(new ushort[64]));
}
