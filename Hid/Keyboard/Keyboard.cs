// SPDX-License-Identifier: MIT
using Microsoft.Extensions.Logging;

namespace KvmPi.Vnc.Hid.Keyboard;

/// <summary>
/// A USB boot keyboard driven by X11 keysyms, typing as a US-layout host reads it. Emits 8-byte boot reports
/// (modifiers, reserved, six usages) to its sink on every change. Thread-safe: several viewers may type at once.
/// </summary>
public sealed class Keyboard
{
    public Keyboard(IHidReportSink sink, ILogger logger) => throw new NotImplementedException();

    public void KeyEvent(uint keysym, bool down) => throw new NotImplementedException();

    /// <summary>Releases every key and modifier: sends an all-zero report.</summary>
    public void ReleaseAll() => throw new NotImplementedException();
}
