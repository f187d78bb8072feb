// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Encoding.Jpeg;

/// <summary>A JPEG image could not be produced (library missing, or it reported an error).</summary>
public sealed class JpegCompressionException : Exception
{
    public JpegCompressionException(string message) : base(message) { }

    public JpegCompressionException(string message, Exception inner) : base(message, inner) { }
}
