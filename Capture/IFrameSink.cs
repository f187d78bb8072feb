// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Capture;

/// <summary>Receives whole frames as BGRX (4 bytes a pixel: B, G, R, unused), rows <c>stride</c> bytes apart.</summary>
/// <remarks>The spans are valid only during the call; the sink copies what it keeps.</remarks>
public interface IFrameSink
{
    void OnFrame(ReadOnlySpan<byte> bgrx, int width, int height, int stride);

    /// <summary>
    /// As <see cref="OnFrame(ReadOnlySpan{byte}, int, int, int)"/>, from a source that knows only rows
    /// <paramref name="changedTop"/>..<paramref name="changedBottom"/> (exclusive) differ from the frame this sink was
    /// given last (an uncompressed capture compared with its last frame), so the sink need not compare the others.
    /// </summary>
    void OnFrame(ReadOnlySpan<byte> bgrx, int width, int height, int stride, int changedTop, int changedBottom) =>
        OnFrame(bgrx, width, height, stride);

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

    /// <summary>
    /// Before a Motion-JPEG frame is decoded: whether the sink takes it as the image alone, needing none of its
    /// pixels now (every viewer can be sent the capture's own bytes). When it does, the source does not decode the
    /// frame. The next frame the sink gets with pixels may then differ from the last pixels it got anywhere, and
    /// a repeat of this image comes with pixels (the source decodes it), so a still screen is decoded once.
    /// </summary>
    /// <param name="jpeg">The whole image, as a viewer's decoder can take it (Huffman tables included).</param>
    /// <param name="changedShare">How much of its coded data differs from the last frame given with pixels: 0..1.</param>
    /// <param name="quality">The JPEG quality (1..100) it was most likely written at; 0: unknown.</param>
    bool TryTakeJpegOnly(ReadOnlySpan<byte> jpeg, int width, int height, double changedShare, int quality) => false;

    /// <summary>
    /// Before an uncompressed frame (YUYV, UYVY, NV12) is converted: whether the sink takes it without pixels, needing
    /// none now (nobody watches). When it does, the source converts nothing, and the next frame it gives the sink is
    /// converted whole, since the sink's last pixels may differ from it anywhere.
    /// </summary>
    bool TryTakeWithoutPixels(int width, int height) => false;
}
