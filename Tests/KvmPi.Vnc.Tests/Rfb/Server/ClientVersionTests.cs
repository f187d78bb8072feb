// SPDX-License-Identifier: MIT
using System.Text;
using KvmPi.Vnc.Rfb.Diagnostics;
using KvmPi.Vnc.Rfb.Protocol;
using KvmPi.Vnc.Rfb.Server;

namespace KvmPi.Vnc.Tests.Rfb.Server;

public class ClientVersionTests
{
    [Theory]
    [InlineData("RFB 003.003\n", 3)]
    [InlineData("RFB 003.005\n", 3)]   // rfbproto: 3.5 is 3.3
    [InlineData("RFB 003.006\n", 3)]   // UltraVNC
    [InlineData("RFB 003.007\n", 7)]
    [InlineData("RFB 003.008\n", 8)]
    [InlineData("RFB 003.889\n", 8)]   // Apple
    public void NegotiatesAsTigerVncDoes(string version, int minor) =>
        Assert.Equal(minor, ClientSession.ParseClientVersion(System.Text.Encoding.ASCII.GetBytes(version)));

    [Theory]
    [InlineData("RFB 004.001\n")]
    [InlineData("GET / HTTP/1")]
    [InlineData("RFB 003.00x\n")]
    [InlineData("RFB 003.008 ")]
    public void RejectsGarbage(string version) =>
        Assert.Throws<RfbProtocolException>(() => ClientSession.ParseClientVersion(System.Text.Encoding.ASCII.GetBytes(version)));

    [Fact]
    public void PreferredEncodingIsTheFirstRealOneWeSupport()
    {
        // TigerVNC's order: pseudo-encodings first, then Tight, CopyRect, ZRLE, Hextile, Raw.
        int[] tiger = [-314, -239, -223, -308, -307, -224, -313, -312, -258, 7, 1, 16, 5, 2, 0, -26];
        var caps = ClientCapabilities.From(tiger);
        Assert.Equal(EncodingType.Tight, caps.PreferredEncoding);
        Assert.True(caps.CopyRect && caps.LastRect && caps.AllowsJpeg);
        Assert.Equal(EncodingType.TightPng, ClientCapabilities.From([-260, 7]).PreferredEncoding);
        var fine = ClientCapabilities.From([7, -412, -766]);
        Assert.Equal((100, 2, -1), (fine.FineQuality, fine.Subsampling, fine.QualityLevel));
        Assert.True(caps.DesktopSize);
        Assert.Equal(6, caps.QualityLevel);
        Assert.Equal(EncodingType.Raw, ClientCapabilities.From([]).PreferredEncoding);
        Assert.Equal(EncodingType.Hextile, ClientCapabilities.From([5, 16]).PreferredEncoding);
        Assert.Equal(3, ClientCapabilities.From([-253]).CompressLevel);
    }
}
