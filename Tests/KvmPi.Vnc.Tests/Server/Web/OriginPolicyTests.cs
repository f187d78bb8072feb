// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Server.Web;

namespace KvmPi.Vnc.Tests.Server.Web;

public class OriginPolicyTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8080", "127.0.0.1:8080")]
    [InlineData("http://localhost:8080", "localhost:8080")]
    [InlineData("http://KVM.local:8080", "kvm.local:8080")]
    [InlineData("http://[::1]:8080", "[::1]:8080")]
    [InlineData("http://kvm.local", "kvm.local")]          // default ports on both sides
    [InlineData("http://kvm.local", "kvm.local:80")]
    [InlineData("https://kvm.example", "kvm.example")]     // behind a TLS proxy that keeps the Host
    [InlineData(null, "127.0.0.1:8080")]                   // not a browser page: RFB authentication decides
    public void TheConsolesOwnOriginIsAccepted(string? origin, string host) =>
        Assert.True(OriginPolicy.IsOriginAllowed(origin, host));

    [Theory]
    [InlineData("http://evil.example", "127.0.0.1:8080")]
    [InlineData("http://127.0.0.1:9999", "127.0.0.1:8080")]   // another port is another origin
    [InlineData("http://127.0.0.1.evil.example:8080", "127.0.0.1:8080")]
    [InlineData("null", "127.0.0.1:8080")]                    // sandboxed frames and file:// pages
    [InlineData("file://", "127.0.0.1:8080")]
    [InlineData("http://127.0.0.1:8080", null)]
    [InlineData("http://127.0.0.1:8080", "")]
    [InlineData("http://kvm.local", "kvm.local:8080")]
    [InlineData("ws://127.0.0.1:8080", "127.0.0.1:8080")]
    public void ForeignOriginsAreRefused(string? origin, string? host) =>
        Assert.False(OriginPolicy.IsOriginAllowed(origin, host));

    [Theory]
    [InlineData("127.0.0.1:8080", true)]
    [InlineData("127.1.2.3", true)]
    [InlineData("localhost:8080", true)]
    [InlineData("LOCALHOST", true)]
    [InlineData("[::1]:8080", true)]
    [InlineData("evil.example:8080", false)]   // a DNS-rebinding page names its own host
    [InlineData("192.168.1.10:8080", false)]
    [InlineData("::1", false)]                 // not a valid Host header
    [InlineData("[::1", false)]
    [InlineData("127.0.0.1:0", false)]
    [InlineData("127.0.0.1:x", false)]
    [InlineData(null, false)]
    [InlineData("", false)]
    public void ALoopbackConsoleServesOnlyLoopbackHostNames(string? host, bool allowed) =>
        Assert.Equal(allowed, OriginPolicy.IsHostAllowed(host, loopbackOnly: true));

    [Fact]
    public void ANetworkConsoleServesAnyHostName() =>
        Assert.True(OriginPolicy.IsHostAllowed("kvm.local:8080", loopbackOnly: false));
}
