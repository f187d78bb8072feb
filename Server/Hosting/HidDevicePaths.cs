// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Hid.Gadget;

namespace KvmPi.Vnc.Server.Hosting;

/// <summary>
/// Which device nodes take keyboard and mouse reports when the command line does not say (real-target mode, --video).
/// </summary>
/// <remarks>
/// A flag always wins. Otherwise the gadget that <c>kvmpi-vnc gadget up</c> made is asked, exactly as
/// <c>gadget status</c> does (configfs major:minor matched against /dev), so the right node is used even when other
/// gadgets took /dev/hidg0 first. Without that gadget (made by another tool, or not up yet) the conventional
/// /dev/hidg0 (keyboard), /dev/hidg1 (absolute mouse) and /dev/hidg2 (relative mouse) are used: the order
/// <c>gadget up</c> creates them in on a system with no other HID gadget. The writer opens them lazily, so a gadget
/// brought up after the server starts is picked up within a second.
/// </remarks>
internal static class HidDevicePaths
{
    public sealed record Choice(string Keyboard, string Mouse, string From);

    public static Choice Resolve(ServerOptions options, Func<GadgetStatus?> gadgetStatus)
    {
        if (options.KeyboardPath is not null && options.MousePath is not null)
            return new Choice(options.KeyboardPath, options.MousePath, "command line");

        GadgetStatus? gadget;
        try
        {
            gadget = gadgetStatus();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            gadget = null;
        }
        HidFunctionRole mouseRole = options.RelativeMouse ? HidFunctionRole.RelativeMouse : HidFunctionRole.AbsoluteMouse;
        string? gadgetKeyboard = gadget?.DeviceFor(HidFunctionRole.Keyboard);
        string? gadgetMouse = gadget?.DeviceFor(mouseRole);

        string keyboard = options.KeyboardPath ?? gadgetKeyboard ?? ServerOptions.DefaultKeyboardDevice;
        string mouse = options.MousePath ?? gadgetMouse
            ?? (options.RelativeMouse ? ServerOptions.DefaultRelativeMouseDevice : ServerOptions.DefaultMouseDevice);
        bool fromGadget = (options.KeyboardPath is null && gadgetKeyboard is not null) || (options.MousePath is null && gadgetMouse is not null);
        return new Choice(keyboard, mouse, fromGadget ? $"gadget {gadget!.Name}" : "defaults");
    }
}
