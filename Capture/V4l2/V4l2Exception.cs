// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;

namespace KvmPi.Vnc.Capture.V4l2;

/// <summary>A failed V4L2 or libc call: what was attempted and the errno, with a message fit for one line.</summary>
public sealed class V4l2Exception(string operation, int errno)
    : Exception($"{operation}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})")
{
    public string Operation { get; } = operation;
    public int Errno { get; } = errno;

    /// <summary>The device went away (USB unplugged, driver unbound): reopen it later.</summary>
    public bool DeviceGone => Errno is V4l2Native.ENODEV or V4l2Native.ENXIO or V4l2Native.ENOENT or V4l2Native.EIO;
}
