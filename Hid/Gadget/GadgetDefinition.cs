// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Hid.Keyboard;
using KvmPi.Vnc.Hid.Mouse;

namespace KvmPi.Vnc.Hid.Gadget;

/// <summary>
/// The composite USB device kvmpi-vnc presents to the target: a boot keyboard, the absolute mouse and a boot
/// (relative) mouse in one configuration. Fixed data; <see cref="GadgetManager"/> writes it to configfs.
/// </summary>
public static class GadgetDefinition
{
    /// <summary>The configfs gadget directory name (/sys/kernel/config/usb_gadget/kvmpi-vnc).</summary>
    public const string Name = "kvmpi-vnc";

    /// <summary>Linux Foundation / Multifunction Composite Gadget: the IDs the kernel documentation and every
    /// open KVM use for a composite gadget; hosts load their generic HID drivers for it.</summary>
    public const ushort VendorId = 0x1d6b;
    public const ushort ProductId = 0x0104;
    public const ushort DeviceRelease = 0x0100;
    public const ushort UsbRelease = 0x0200;

    /// <summary>Also how <c>gadget up</c> and <c>down</c> recognise a gadget they made (strings/0x409/manufacturer).</summary>
    public const string Manufacturer = "KvmPi.Vnc";
    public const string Product = "KvmPi.Vnc keyboard and mouse";
    public const string SerialNumber = "kvmpi-vnc";
    public const string ConfigurationName = "c.1";
    public const string ConfigurationLabel = "keyboard, absolute mouse, relative mouse";

    /// <summary>mA drawn from the target's port, as PiKVM, TinyPilot and JetKVM declare.</summary>
    public const int MaxPowerMilliamps = 250;

    /// <summary>bmAttributes: bit 7 must be set, bit 5 declares remote wake-up (a key press may wake a sleeping
    /// target). Kernels whose UDC cannot signal wake-up clear bit 5 themselves at bind time.</summary>
    public const byte ConfigAttributes = 0x80 | 0x20;

    /// <summary>US English: the only string language hosts are sure to ask for.</summary>
    public const string Language = "0x409";

    /// <summary>In this order: /dev/hidg0, 1, 2 on a system with no other HID gadget (but status never assumes it).</summary>
    public static IReadOnlyList<HidGadgetFunction> Functions { get; } =
    [
        new(HidFunctionRole.Keyboard, Subclass: 1, Protocol: 1, BootKeyboardReport.Length, HasOutputReport: true),
        new(HidFunctionRole.AbsoluteMouse, Subclass: 0, Protocol: 0, AbsoluteMouseReport.Length, HasOutputReport: false),
        new(HidFunctionRole.RelativeMouse, Subclass: 1, Protocol: 2, RelativeMouseReport.Length, HasOutputReport: false),
    ];
}
