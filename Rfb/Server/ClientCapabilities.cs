// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Protocol;

namespace KvmPi.Vnc.Rfb.Server;

/// <summary>
/// What a viewer said it can take, derived once per SetEncodings (cf. kvmd's RfbClientEncodings). Immutable.
/// </summary>
internal readonly record struct ClientCapabilities(
    EncodingType PreferredEncoding, bool DesktopSize, int CompressLevel, int QualityLevel,
    bool Fence = false, bool ContinuousUpdates = false)
{
    /// <summary>Before any SetEncodings a client gets Raw, which every client must accept (rfbproto "SetEncodings").</summary>
    public static ClientCapabilities Default { get; } = new(EncodingType.Raw, false, -1, -1);

    /// <summary>
    /// The preferred encoding is the first one in the client's list that we can send: clients put pseudo-encodings
    /// anywhere (TigerVNC lists them first), so only real encodings count (as TigerVNC's SConnection::setEncodings).
    /// </summary>
    public static ClientCapabilities From(ReadOnlySpan<int> encodings)
    {
        EncodingType? preferred = null;
        bool desktopSize = false, fence = false, continuousUpdates = false;
        int compress = -1, quality = -1;
        foreach (int e in encodings)
        {
            switch ((EncodingType)e)
            {
                case EncodingType.Raw or EncodingType.Hextile or EncodingType.Zrle:
                    preferred ??= (EncodingType)e;
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
                case >= EncodingType.CompressLevel0 and <= EncodingType.CompressLevel9:
                    compress = e - (int)EncodingType.CompressLevel0;
                    break;
                case >= EncodingType.QualityLevel0 and <= EncodingType.QualityLevel9:
                    quality = e - (int)EncodingType.QualityLevel0;
                    break;
            }
        }
        return new ClientCapabilities(preferred ?? EncodingType.Raw, desktopSize, compress, quality, fence, continuousUpdates);
    }
}
