// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Protocol;

/// <summary>Encoding and pseudo-encoding numbers as rfbproto.rst names them.</summary>
public enum EncodingType
{
    Raw = 0,
    CopyRect = 1,
    Rre = 2,
    Hextile = 5,
    Zlib = 6,
    Tight = 7,
    Zrle = 16,
    Jpeg = 21,
    TightPng = -260,

    DesktopSize = -223,
    LastRect = -224,
    Cursor = -239,
    QemuExtendedKeyEvent = -258,
    QemuLedState = -261,
    DesktopName = -307,
    ExtendedDesktopSize = -308,
    Fence = -312,
    ContinuousUpdates = -313,
    ExtendedMouseButtons = -316,
    VmwareLedState = 0x574D5668,

    CompressLevel0 = -256,
    CompressLevel9 = -247,
    QualityLevel0 = -32,
    QualityLevel9 = -23,

    /// <summary>TigerVNC/TurboVNC fine JPEG quality 0..100.</summary>
    FineQualityLevel0 = -512,
    FineQualityLevel100 = -412,

    /// <summary>TurboVNC chroma subsampling: 1X, 4X, 2X, gray, 8X, 16X.</summary>
    Subsampling1X = -768,
    Subsampling16X = -763,
}
