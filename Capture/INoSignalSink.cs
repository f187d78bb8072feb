// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Capture;

/// <summary>
/// Optionally implemented by an <see cref="IFrameSink"/>: told when a live source has no picture to give (no signal,
/// device unplugged, busy or broken), so viewers can be shown why instead of a frozen frame. The next
/// <see cref="IFrameSink.OnFrame"/> means the picture is back.
/// </summary>
public interface INoSignalSink
{
    /// <param name="device">The device path, or a pattern such as "/dev/video*" when none was found.</param>
    /// <param name="reason">Short and human-readable: "no signal", "device unplugged", "busy: another program is capturing".</param>
    void OnNoSignal(string device, string reason);
}
