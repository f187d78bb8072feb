// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Hid.Gadget;
using KvmPi.Vnc.Server.Hosting;
using KvmPi.Vnc.Tests.Hid.Gadget;

namespace KvmPi.Vnc.Tests.Server.Hosting;

/// <summary>Default HID devices with --video: flags, else the kvmpi-vnc gadget's own nodes, else /dev/hidg0..2.</summary>
public sealed class HidDevicePathsTests : IDisposable
{
    private readonly EmulatedConfigFs _fs = new(configFs: true, "dummy_udc.0");

    public void Dispose() => _fs.Dispose();

    private GadgetStatus? Gadget() => new GadgetManager(_fs, _fs.Paths).Status();

    [Fact]
    public void WithoutAGadget_TheConventionalNodes()
    {
        var options = new ServerOptions { VideoFile = "v" };
        Assert.Equal(new HidDevicePaths.Choice("/dev/hidg0", "/dev/hidg1", "defaults"), HidDevicePaths.Resolve(options, Gadget));
        Assert.Equal(new HidDevicePaths.Choice("/dev/hidg0", "/dev/hidg2", "defaults"),
            HidDevicePaths.Resolve(options with { RelativeMouse = true }, Gadget));
    }

    [Fact]
    public void WithTheGadget_ItsNodesByRole()
    {
        _fs.DeviceNumbers["hid.keyboard"] = "1:7";          // /dev/full
        _fs.DeviceNumbers["hid.absolute-mouse"] = "1:3";    // /dev/null
        _fs.DeviceNumbers["hid.relative-mouse"] = "1:5";    // /dev/zero
        new GadgetManager(_fs, _fs.Paths).Up();
        var options = new ServerOptions { VideoFile = "v" };

        Assert.Equal(new HidDevicePaths.Choice("/dev/full", "/dev/null", "gadget kvmpi-vnc"), HidDevicePaths.Resolve(options, Gadget));
        Assert.Equal(new HidDevicePaths.Choice("/dev/full", "/dev/zero", "gadget kvmpi-vnc"),
            HidDevicePaths.Resolve(options with { RelativeMouse = true }, Gadget));
        // A flag wins over the gadget, for that device only.
        Assert.Equal(new HidDevicePaths.Choice("k.bin", "/dev/null", "gadget kvmpi-vnc"),
            HidDevicePaths.Resolve(options with { KeyboardPath = "k.bin" }, Gadget));
    }

    [Fact]
    public void BothFlags_TheGadgetIsNotAsked()
    {
        var options = new ServerOptions { VideoFile = "v", KeyboardPath = "k", MousePath = "m" };
        Assert.Equal(new HidDevicePaths.Choice("k", "m", "command line"), HidDevicePaths.Resolve(options, () => throw new InvalidOperationException()));
    }
}
