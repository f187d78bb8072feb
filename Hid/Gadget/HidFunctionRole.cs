// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Gadget;

/// <summary>What one HID function of the gadget is for. The order is the gadget's function order.</summary>
public enum HidFunctionRole
{
    Keyboard,
    AbsoluteMouse,
    RelativeMouse,
}

/// <summary>The words <c>gadget status</c> prints for each role (and scripts match on).</summary>
public static class HidFunctionRoleNames
{
    public static string Describe(this HidFunctionRole role) => role switch
    {
        HidFunctionRole.Keyboard => "keyboard",
        HidFunctionRole.AbsoluteMouse => "absolute mouse",
        HidFunctionRole.RelativeMouse => "relative mouse",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };
}
