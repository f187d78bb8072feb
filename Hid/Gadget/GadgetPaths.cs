// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Gadget;

/// <summary>Where the kernel keeps what the gadget commands read and write. Tests point these into a temp dir.</summary>
/// <param name="ConfigFsRoot">configfs mount point; gadgets live in its usb_gadget/ (libcomposite).</param>
/// <param name="UdcClassRoot">One entry per USB device controller (dwc2 on a Pi, dummy_udc.0 in the test VM), each
/// with a <c>state</c> attribute (not attached, powered, default, addressed, configured, suspended).</param>
/// <param name="DeviceRoot">Where device nodes appear (/dev/hidgN).</param>
public sealed record GadgetPaths(string ConfigFsRoot = "/sys/kernel/config", string UdcClassRoot = "/sys/class/udc", string DeviceRoot = "/dev")
{
    public static GadgetPaths System { get; } = new();

    public string GadgetsDirectory => Path.Combine(ConfigFsRoot, "usb_gadget");
}
