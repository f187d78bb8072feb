// SPDX-License-Identifier: MIT
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace KvmPi.Vnc.Rfb.Diagnostics;

/// <summary>
/// A client broke the protocol (bad version, invalid pixel format, unknown message, hostile length). Logged as a
/// warning with the peer's address; only that connection is closed. A peer that merely went away is not this.
/// </summary>
public sealed class RfbProtocolException(string message) : Exception(message)
{
    [DoesNotReturn, StackTraceHidden]
    internal static void Throw(string message) => throw new RfbProtocolException(message);
}
