// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Hid.Gadget;
using KvmPi.Vnc.Server.Hosting;
using KvmPi.Vnc.Tests.Hid.Gadget;

namespace KvmPi.Vnc.Tests.Server.Hosting;

/// <summary>What `kvmpi-vnc gadget ...` prints and returns, over an emulated configfs.</summary>
public sealed class GadgetCommandTests : IDisposable
{
    private readonly EmulatedConfigFs _fs = new(configFs: true, "dummy_udc.0");
    private readonly StringWriter _out = new(), _err = new();

    public void Dispose() => _fs.Dispose();

    private int Run(params string[] args) => GadgetCommand.Run(args, _out, _err, new GadgetManager(_fs, _fs.Paths));

    [Fact]
    public void UpStatusDown()
    {
        _fs.DeviceNumbers["hid.keyboard"] = "1:3";
        _fs.DeviceNumbers["hid.absolute-mouse"] = "1:5";
        _fs.DeviceNumbers["hid.relative-mouse"] = "1:7";
        Assert.Equal(0, Run("up", "--udc", "dummy_udc.0"));
        Assert.Equal(0, Run("up"));
        Assert.Equal(0, Run("status"));
        Assert.Equal(0, Run("down"));
        Assert.Equal(0, Run("down"));
        Assert.Equal("", _err.ToString());
        Assert.Equal("""
            gadget up
            gadget kvmpi-vnc: UDC dummy_udc.0, state configured
            /dev/null keyboard
            /dev/zero absolute mouse
            /dev/full relative mouse
            gadget already up
            gadget kvmpi-vnc: UDC dummy_udc.0, state configured
            /dev/null keyboard
            /dev/zero absolute mouse
            /dev/full relative mouse
            gadget kvmpi-vnc: UDC dummy_udc.0, state configured
            /dev/null keyboard
            /dev/zero absolute mouse
            /dev/full relative mouse
            gadget removed
            no gadget kvmpi-vnc: nothing to remove

            """, _out.ToString());
    }

    [Fact]
    public void UpWithAnUnknownUdc_OneLineExit1NothingLeft()
    {
        Assert.Equal(1, Run("up", "--udc=bogus"));
        Assert.Equal("", _out.ToString());
        Assert.Single(_err.ToString().TrimEnd('\n').Split('\n'));
        Assert.StartsWith("kvmpi-vnc: gadget up: no USB device controller named 'bogus'", _err.ToString(), StringComparison.Ordinal);
        Assert.Empty(_fs.Tree());
    }

    [Fact]
    public void StatusWithoutGadget_Exit1()
    {
        Assert.Equal(1, Run("status"));
        Assert.Contains("no gadget kvmpi-vnc", _err.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sideways")]
    [InlineData("up", "--udc")]
    [InlineData("down", "--udc", "x")]
    [InlineData]
    public void UsageErrors_Exit2(params string[] args)
    {
        Assert.Equal(2, Run(args));
        Assert.Empty(_fs.Log);
    }
}
