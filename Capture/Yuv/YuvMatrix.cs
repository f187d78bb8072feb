// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Capture.Yuv;

/// <summary>The Y'CbCr encoding of a source: which luma weights it uses (Kr, Kb).</summary>
public enum YuvMatrix
{
    /// <summary>ITU-R BT.601 (SD video, most UVC webcams): Kr 0.299, Kb 0.114.</summary>
    Bt601,

    /// <summary>ITU-R BT.709 (HD video, HDMI at 720p and above): Kr 0.2126, Kb 0.0722.</summary>
    Bt709,

    /// <summary>ITU-R BT.2020 non-constant luminance: Kr 0.2627, Kb 0.0593.</summary>
    Bt2020,

    /// <summary>SMPTE 240M: Kr 0.212, Kb 0.087.</summary>
    Smpte240M,
}

/// <summary>The quantization range of Y'CbCr samples.</summary>
public enum YuvRange
{
    /// <summary>Y 16..235, Cb/Cr 16..240 (what HDMI video modes and vivid use).</summary>
    Limited,

    /// <summary>Y 0..255, Cb/Cr 0..255 (JPEG, many webcams).</summary>
    Full,
}
