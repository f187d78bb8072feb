// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Capture;
using KvmPi.Vnc.Rfb.Server;
using KvmPi.Vnc.Server.DemoTarget;
using KvmPi.Vnc.Server.Screens;

namespace KvmPi.Vnc.Server.Adapters;

/// <summary>
/// Capture → Rfb: every captured frame is published to the RFB server's shared framebuffer; when the source has
/// no picture, a "no signal" screen naming the device and the reason is published at the last size, so viewers
/// stay connected and see why.
/// </summary>
internal sealed class FramePublisher(RfbServer server) : IFrameSink, INoSignalSink
{
    private readonly BgrxCanvas _canvas = new();
    private readonly TaskCompletionSource _firstPicture = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the first frame or no-signal screen: the server's size is then the source's.</summary>
    public Task FirstPicture => _firstPicture.Task;

    public void OnFrame(ReadOnlySpan<byte> bgrx, int width, int height, int stride)
    {
        server.PublishFrame(bgrx, width, height, stride);
        _firstPicture.TrySetResult();
    }

    /// <summary>Only rows <paramref name="changedTop"/>..<paramref name="changedBottom"/> can differ: change detection looks only there.</summary>
    public void OnFrame(ReadOnlySpan<byte> bgrx, int width, int height, int stride, int changedTop, int changedBottom)
    {
        server.PublishFrame(bgrx, width, height, stride, default, changedTop, changedBottom);
        _firstPicture.TrySetResult();
    }

    /// <summary>The JPEG travels along so viewers that take Tight JPEG can get the capture's own bytes.</summary>
    public void OnJpegFrame(ReadOnlySpan<byte> bgrx, int width, int height, int stride, ReadOnlySpan<byte> jpeg)
    {
        server.PublishFrame(bgrx, width, height, stride, jpeg);
        _firstPicture.TrySetResult();
    }

    /// <summary>The capture decoded only rows <paramref name="changedTop"/>..<paramref name="changedBottom"/>: change detection looks only there.</summary>
    public void OnJpegFrame(ReadOnlySpan<byte> bgrx, int width, int height, int stride, ReadOnlySpan<byte> jpeg,
        int changedTop, int changedBottom)
    {
        server.PublishFrame(bgrx, width, height, stride, jpeg, changedTop, changedBottom);
        _firstPicture.TrySetResult();
    }

    /// <summary>Every viewer can be sent the capture's image as it is: the capture need not decode it.</summary>
    public bool TryTakeJpegOnly(ReadOnlySpan<byte> jpeg, int width, int height, double changedShare, int quality)
    {
        if (!server.TryPublishJpegOnly(jpeg, width, height, changedShare, quality)) return false;
        _firstPicture.TrySetResult();
        return true;
    }

    /// <summary>Nobody watches: the capture need not convert the frame.</summary>
    public bool TryTakeWithoutPixels(int width, int height)
    {
        if (!server.TryPublishWithoutPixels(width, height)) return false;
        _firstPicture.TrySetResult();
        return true;
    }

    public void OnNoSignal(string device, string reason)
    {
        int width = server.Width, height = server.Height;
        MessageScreen.Render(_canvas, width, height, "NO SIGNAL", [device, reason]);
        server.PublishFrame(_canvas.Bytes, width, height, width * 4);
        _firstPicture.TrySetResult();
    }
}
