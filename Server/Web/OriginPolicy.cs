// SPDX-License-Identifier: MIT
using System.Net;

namespace KvmPi.Vnc.Server.Web;

/// <summary>
/// Which browsers may open the RFB WebSocket and load the console. Browsers do not apply the same-origin policy to
/// WebSockets, so any page the user visits could otherwise drive the target from their browser.
/// </summary>
/// <remarks>
/// Two checks:
/// <list type="bullet">
/// <item>Origin: a browser's WebSocket must come from the console's own origin (same host and port as the Host header
/// it was sent to). Requests without Origin are not from a browser page (websockify-style tools) and rely on RFB's
/// own authentication like any TCP viewer.</item>
/// <item>Host, when the console listens on loopback only: the Host header must name a loopback address or
/// "localhost". A loopback console has no password by default; without this check a foreign page could rebind its
/// own name to 127.0.0.1 (DNS rebinding), pass the origin check as "same origin", and use the target.</item>
/// </list>
/// </remarks>
internal static class OriginPolicy
{
    /// <summary>True when <paramref name="host"/> (a Host header, "name[:port]") may be served.</summary>
    public static bool IsHostAllowed(string? host, bool loopbackOnly)
    {
        if (!loopbackOnly) return true;
        if (!TrySplitAuthority(host, out string name, out _)) return false;
        if (name.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(name, out IPAddress? address) && IPAddress.IsLoopback(address);
    }

    /// <summary>
    /// True when a WebSocket request with this Origin header (null when absent) may connect to a server reached as
    /// <paramref name="host"/>.
    /// </summary>
    public static bool IsOriginAllowed(string? origin, string? host)
    {
        if (origin is null) return true;   // not a browser page: RFB authentication decides, as for TCP viewers
        if (!Uri.TryCreate(origin, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https")) return false;
        if (!TrySplitAuthority(host, out string hostName, out int? hostPort)) return false;
        string originHost = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host;
        if (!originHost.Equals(hostName, StringComparison.OrdinalIgnoreCase)) return false;
        // A Host header without a port means the scheme's default port, as in the Origin.
        return uri.Port == (hostPort ?? (uri.Scheme == "https" ? 443 : 80));
    }

    /// <summary>Splits "name", "name:port", "[v6]" or "[v6]:port"; the name comes back without brackets.</summary>
    private static bool TrySplitAuthority(string? authority, out string name, out int? port)
    {
        name = "";
        port = null;
        if (string.IsNullOrEmpty(authority)) return false;
        string rest = authority;
        if (rest.StartsWith('['))
        {
            int close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) return false;
            name = rest[1..close];
            rest = rest[(close + 1)..];
            if (rest.Length == 0) return true;
            if (rest[0] != ':') return false;
            rest = rest[1..];
        }
        else
        {
            int colon = rest.LastIndexOf(':');
            if (colon < 0) { name = rest; return true; }
            if (rest.IndexOf(':', StringComparison.Ordinal) != colon) return false;   // a bare IPv6 address is not a Host
            name = rest[..colon];
            rest = rest[(colon + 1)..];
        }
        if (!int.TryParse(rest, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int p) || p is < 1 or > 65535)
            return false;
        port = p;
        return name.Length > 0;
    }
}
