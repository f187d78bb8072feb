// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Capture;

/// <summary>Receives whole frames as BGRX (4 bytes a pixel: B, G, R, unused), rows <c>stride</c> bytes apart.</summary>
/// <remarks>The spans are valid only during the call; the sink copies what it keeps.</remarks>
public interface IFrameSink
{
    void OnFrame(ReadOnlySpan<byte> bgrx, int width, int height, int stride);

    /// <summary>
    /// A frame decoded from the JPEG image <paramref name="jpeg"/> (a Motion-JPEG capture), so the sink may pass the
    /// image on as it is instead of encoding the pixels again. Sinks that have no use for it get <see cref="OnFrame"/>.
    /// </summary>
    void OnJpegFrame(ReadOnlySpan<byte> bgrx, int width, int height, int stride, ReadOnlySpan<byte> jpeg) =>
        OnFrame(bgrx, width, height, stride);

    /// <summary>
    /// As <see cref="OnJpegFrame(ReadOnlySpan{byte}, int, int, int, ReadOnlySpan{byte})"/>, from a source that
    /// decoded only what changed: rows outside <paramref name="changedTop"/>..<paramref name="changedBottom"/>
    /// (exclusive) are those of the frame this sink was given last, so it need not compare them.
    /// </summary>
    void OnJpegFrame(ReadOnlySpan<byte> bgrx, int width, int height, int stride, ReadOnlySpan<byte> jpeg,
        int changedTop, int changedBottom) =>
        OnJpegFrame(bgrx, width, height, stride, jpeg);
}
