// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Gadget;

/// <summary>One HID function of the gadget and the device node the kernel gave it.</summary>
/// <param name="DevicePath">The /dev node whose device number is the function's (configfs <c>dev</c>); null when
/// none exists (not bound yet, or no node was created).</param>
/// <param name="DeviceNumber">configfs' "major:minor", or null if the function has none.</param>
public sealed record GadgetDevice(HidFunctionRole Role, string? DevicePath, string? DeviceNumber);

/// <summary>What <c>gadget status</c> reports.</summary>
/// <param name="Udc">The device controller the gadget is bound to; null if unbound.</param>
/// <param name="UdcState">/sys/class/udc/NAME/state ("configured" once a host has enumerated it); null if unknown.</param>
public sealed record GadgetStatus(string Name, string? Udc, string? UdcState, IReadOnlyList<GadgetDevice> Devices)
{
    /// <summary>The device node of the function with <paramref name="role"/>, if there is one.</summary>
    public string? DeviceFor(HidFunctionRole role)
    {
        foreach (GadgetDevice d in Devices)
            if (d.Role == role)
                return d.DevicePath;
        return null;
    }

    /// <summary>The lines <c>gadget status</c> prints: the gadget with its UDC and state, then one line per device.</summary>
    public IEnumerable<string> Describe()
    {
        yield return Udc is null
            ? $"gadget {Name}: not bound to a UDC"
            : $"gadget {Name}: UDC {Udc}, state {UdcState ?? "unknown"}";
        foreach (GadgetDevice d in Devices)
            yield return $"{d.DevicePath ?? "(no device node for " + (d.DeviceNumber ?? "?") + ")"} {d.Role.Describe()}";
    }
}
