// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Gadget;

/// <summary>One f_hid function of the gadget: the attributes written to configfs' functions/hid.NAME/.</summary>
/// <param name="Role">What it is for; also decides its configfs instance name.</param>
/// <param name="Subclass">bInterfaceSubClass: 1 = boot interface (a BIOS can use it without parsing descriptors).</param>
/// <param name="Protocol">bInterfaceProtocol for boot interfaces: 1 keyboard, 2 mouse; 0 otherwise.</param>
/// <param name="ReportLength">Input report size in bytes (report_length).</param>
/// <param name="HasOutputReport">Whether the host sends output reports (the keyboard's LEDs). Functions without one
/// ask for no OUT endpoint where the kernel offers that (saves endpoints: a Pi's dwc2 has few).</param>
public sealed record HidGadgetFunction(HidFunctionRole Role, byte Subclass, byte Protocol, int ReportLength, bool HasOutputReport)
{
    /// <summary>The configfs directory name: "hid." plus an instance name that says the role.</summary>
    public string DirectoryName => "hid." + InstanceName(Role);

    public ReadOnlySpan<byte> ReportDescriptor => Role switch
    {
        HidFunctionRole.Keyboard => HidReportDescriptors.BootKeyboard,
        HidFunctionRole.AbsoluteMouse => HidReportDescriptors.AbsoluteMouse,
        _ => HidReportDescriptors.RelativeMouse,
    };

    internal static string InstanceName(HidFunctionRole role) => role switch
    {
        HidFunctionRole.Keyboard => "keyboard",
        HidFunctionRole.AbsoluteMouse => "absolute-mouse",
        HidFunctionRole.RelativeMouse => "relative-mouse",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    /// <summary>The role a configfs function directory name stands for; null for a name this gadget does not use.</summary>
    internal static HidFunctionRole? RoleOf(string directoryName)
    {
        foreach (HidFunctionRole role in Enum.GetValues<HidFunctionRole>())
            if (directoryName == "hid." + InstanceName(role))
                return role;
        return null;
    }
}
