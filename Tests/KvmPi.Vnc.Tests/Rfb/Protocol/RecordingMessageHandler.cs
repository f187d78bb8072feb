// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Rfb.Protocol;

namespace KvmPi.Vnc.Tests.Rfb.Protocol;

/// <summary>Records every decoded message as one line of text.</summary>
internal sealed class RecordingMessageHandler : IClientMessageHandler
{
    public List<string> Messages { get; } = [];

    public void SetPixelFormat(PixelFormat format) => Messages.Add($"pf {format}");
    public void SetEncodings(ReadOnlySpan<int> encodings) => Messages.Add($"enc {string.Join(',', encodings.ToArray())}");
    public void FramebufferUpdateRequest(bool incremental, int x, int y, int width, int height) =>
        Messages.Add($"fbur {(incremental ? 1 : 0)} {x},{y} {width}x{height}");
    public void EnableContinuousUpdates(bool enable, int x, int y, int width, int height) =>
        Messages.Add($"cu {(enable ? 1 : 0)} {x},{y} {width}x{height}");
    public void ClientFence(uint flags, ReadOnlySpan<byte> payload) =>
        Messages.Add($"fence {flags:x8} [{Convert.ToHexString(payload)}]");
    public void KeyEvent(uint keysym, bool down) => Messages.Add($"key {keysym:x} {(down ? "down" : "up")}");
    public void QemuKeyEvent(uint keysym, uint keycode, bool down) =>
        Messages.Add($"qkey {keysym:x} {keycode:x} {(down ? "down" : "up")}");
    public void PointerEvent(byte buttonMask, int x, int y) => Messages.Add($"ptr {buttonMask} {x},{y}");
    public void ClientCutText(ReadOnlySpan<byte> latin1Text, bool discarded) =>
        Messages.Add(discarded ? "cut discarded" : $"cut {System.Text.Encoding.Latin1.GetString(latin1Text)}");
    public void SetDesktopSize(int width, int height, int screens) => Messages.Add($"sds {width}x{height} {screens}");
}
