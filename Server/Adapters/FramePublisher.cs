// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Capture;
using KvmPi.Vnc.Rfb.Server;

namespace KvmPi.Vnc.Server.Adapters;

/// <summary>Capture → Rfb: every captured frame is published to the RFB server's shared framebuffer.</summary>
internal sealed class FramePublisher(RfbServer server) : IFrameSink
{
    public void OnFrame(ReadOnlySpan<byte> bgrx, int width, int height, int stride) =>
        server.PublishFrame(bgrx, width, height, stride);

    /// <summary>The JPEG travels along so viewers that take Tight JPEG can get the capture's own bytes.</summary>
    public void OnJpegFrame(ReadOnlySpan<byte> bgrx, int width, int height, int stride, ReadOnlySpan<byte> jpeg) =>
        server.PublishFrame(bgrx, width, height, stride, jpeg);
}
