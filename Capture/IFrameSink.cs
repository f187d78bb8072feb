// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Capture;

/// <summary>Receives whole frames as BGRX (4 bytes a pixel: B, G, R, unused), rows <c>stride</c> bytes apart.</summary>
/// <remarks>The span is valid only during the call; the sink copies what it keeps.</remarks>
public interface IFrameSink
{
    void OnFrame(ReadOnlySpan<byte> bgrx, int width, int height, int stride);
}
