// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Capture.Yuv;

/// <summary>
/// The matrix and range to convert a V4L2 frame with, from what the driver reports in v4l2_pix_format
/// (colorspace, ycbcr_enc, quantization), defaults resolved as the kernel's own macros do.
/// </summary>
public readonly record struct YuvColorimetry(YuvMatrix Matrix, YuvRange Range)
{
    // enum v4l2_colorspace
    private const uint ColorspaceSmpte240M = 2, ColorspaceRec709 = 3, ColorspaceJpeg = 7, ColorspaceBt2020 = 10, ColorspaceDciP3 = 12;
    // enum v4l2_ycbcr_encoding
    private const uint Enc601 = 1, Enc709 = 2, EncXv601 = 3, EncXv709 = 4, EncBt2020 = 6, EncBt2020ConstLum = 7, EncSmpte240M = 8;
    // enum v4l2_quantization
    private const uint QuantFull = 1, QuantLimited = 2;

    /// <summary>V4L2_MAP_YCBCR_ENC_DEFAULT and V4L2_MAP_QUANTIZATION_DEFAULT (linux/videodev2.h) for a Y'CbCr format.</summary>
    public static YuvColorimetry FromV4l2(uint colorspace, uint ycbcrEncoding, uint quantization)
    {
        if (ycbcrEncoding == 0)
            ycbcrEncoding = colorspace is ColorspaceRec709 or ColorspaceDciP3 ? Enc709
                : colorspace == ColorspaceBt2020 ? EncBt2020
                : colorspace == ColorspaceSmpte240M ? EncSmpte240M
                : Enc601;
        YuvMatrix matrix = ycbcrEncoding switch
        {
            Enc709 or EncXv709 => YuvMatrix.Bt709,
            EncBt2020 or EncBt2020ConstLum => YuvMatrix.Bt2020,
            EncSmpte240M => YuvMatrix.Smpte240M,
            Enc601 or EncXv601 => YuvMatrix.Bt601,
            _ => YuvMatrix.Bt601,
        };
        YuvRange range = quantization switch
        {
            QuantFull => YuvRange.Full,
            QuantLimited => YuvRange.Limited,
            _ => colorspace == ColorspaceJpeg ? YuvRange.Full : YuvRange.Limited,
        };
        return new YuvColorimetry(matrix, range);
    }

    public override string ToString() => $"{Matrix} {(Range == YuvRange.Limited ? "limited" : "full")} range";
}
