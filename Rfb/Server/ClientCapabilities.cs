// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Protocol;

namespace KvmPi.Vnc.Rfb.Server;

/// <summary>
/// What a viewer said it can take, derived once per SetEncodings (cf. kvmd's RfbClientEncodings). Immutable.
/// </summary>
/// <param name="CompressLevel">0..9 from −256..−247, or −1 when not sent.</param>
/// <param name="QualityLevel">0..9 from −32..−23, or −1 when not sent.</param>
/// <param name="FineQuality">TigerVNC/TurboVNC fine JPEG quality 0..100 from −512..−412, or −1.</param>
/// <param name="Subsampling">TurboVNC subsampling level 0..5 from −768..−763 (1X, 4X, 2X, gray, 8X, 16X), or −1.</param>
internal readonly record struct ClientCapabilities(
    EncodingType PreferredEncoding, bool DesktopSize, int CompressLevel, int QualityLevel,
    bool Fence = false, bool ContinuousUpdates = false,
    bool CopyRect = false, bool LastRect = false, int FineQuality = -1, int Subsampling = -1,
    bool ExtendedDesktopSize = false)
{
    /// <summary>Before any SetEncodings a client gets Raw, which every client must accept (rfbproto "SetEncodings").</summary>
    public static ClientCapabilities Default { get; } = new(EncodingType.Raw, false, -1, -1);

    /// <summary>How this viewer takes lock-key state: QEMU's -261 if it lists it (TigerVNC's server prefers it too),
    /// else VMware's; null if neither.</summary>
    public EncodingType? LedState { get; init; }

    /// <summary>The client listed -258: it sends scancodes once we acknowledge it.</summary>
    public bool QemuExtendedKeyEvent { get; init; }

    /// <summary>Whether the viewer can follow a change of the desktop size at all.</summary>
    public bool CanResize => DesktopSize || ExtendedDesktopSize;

    /// <summary>
    /// Whether lossy JPEG may be sent: the viewer asked for a quality (TigerVNC's rule: a quality level, fine
    /// quality or subsampling level enables Tight JPEG).
    /// </summary>
    public bool AllowsJpeg => QualityLevel >= 0 || FineQuality >= 0 || Subsampling >= 0;

    /// <summary>
    /// The preferred encoding is the first one in the client's list that we can send: clients put pseudo-encodings
    /// anywhere (TigerVNC lists them first), so only real encodings count (as TigerVNC's SConnection::setEncodings).
    /// </summary>
    public static ClientCapabilities From(ReadOnlySpan<int> encodings)
    {
        EncodingType? preferred = null;
        bool desktopSize = false, extendedDesktopSize = false, fence = false, continuousUpdates = false, copyRect = false, lastRect = false, qemuKeys = false;
        int compress = -1, quality = -1, fine = -1, subsampling = -1;
        bool qemuLed = false, vmwareLed = false;
        foreach (int e in encodings)
        {
            switch ((EncodingType)e)
            {
                case EncodingType.QemuLedState:
                    qemuLed = true;
                    break;
                case EncodingType.VmwareLedState:
                    vmwareLed = true;
                    break;
                case EncodingType.Raw or EncodingType.Hextile or EncodingType.Zrle or EncodingType.Tight or EncodingType.TightPng:
                    preferred ??= (EncodingType)e;
                    break;
                case EncodingType.CopyRect:
                    copyRect = true;
                    break;
                case EncodingType.DesktopSize:
                    desktopSize = true;
                    break;
                case EncodingType.Fence:
                    fence = true;
                    break;
                case EncodingType.ContinuousUpdates:
                    continuousUpdates = true;
                    break;
                case EncodingType.LastRect:
                    lastRect = true;
                    break;
                case EncodingType.QemuExtendedKeyEvent:
                    qemuKeys = true;
                    break;
                case EncodingType.ExtendedDesktopSize:
                    extendedDesktopSize = true;
                    break;
                case >= EncodingType.CompressLevel0 and <= EncodingType.CompressLevel9:
                    compress = e - (int)EncodingType.CompressLevel0;
                    break;
                case >= EncodingType.QualityLevel0 and <= EncodingType.QualityLevel9:
                    quality = e - (int)EncodingType.QualityLevel0;
                    break;
                case >= EncodingType.FineQualityLevel0 and <= EncodingType.FineQualityLevel100:
                    fine = e - (int)EncodingType.FineQualityLevel0;
                    break;
                case >= EncodingType.Subsampling1X and <= EncodingType.Subsampling16X:
                    subsampling = e - (int)EncodingType.Subsampling1X;
                    break;
            }
        }
        return new ClientCapabilities(preferred ?? EncodingType.Raw, desktopSize, compress, quality, fence, continuousUpdates,
            copyRect, lastRect, fine, subsampling, extendedDesktopSize)
        {
            LedState = qemuLed ? EncodingType.QemuLedState : vmwareLed ? EncodingType.VmwareLedState : null,
            QemuExtendedKeyEvent = qemuKeys,
        };
    }
}
