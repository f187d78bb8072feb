// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Hid.Gadget;

namespace KvmPi.Vnc.Tests.Hid.Gadget;

/// <summary>gadget up / down / status against a temporary directory that follows configfs' rules.</summary>
public sealed class GadgetManagerTests : IDisposable
{
    private readonly EmulatedConfigFs _fs = new(configFs: true, "dummy_udc.0", "other_udc");

    public void Dispose() => _fs.Dispose();

    private GadgetManager Manager() => new(_fs, _fs.Paths);
    private string G(string relative) => Path.Combine(_fs.Paths.GadgetsDirectory, "kvmpi-vnc", relative);

    [Fact]
    public void Up_CreatesTheThreeFunctionsLinksThemAndBindsTheFirstUdc()
    {
        Assert.Equal(GadgetUpOutcome.Created, Manager().Up());

        Assert.Equal("dummy_udc.0\n", File.ReadAllText(G("UDC")));
        Assert.Equal("0x1d6b", File.ReadAllText(G("idVendor")));
        Assert.Equal("0x0104", File.ReadAllText(G("idProduct")));
        Assert.Equal("KvmPi.Vnc", File.ReadAllText(G("strings/0x409/manufacturer")));
        Assert.Equal("0xa0", File.ReadAllText(G("configs/c.1/bmAttributes")));
        Assert.Equal("250", File.ReadAllText(G("configs/c.1/MaxPower")));

        Assert.Equal(("1", "1", "8"), Attributes("hid.keyboard"));
        Assert.Equal(("0", "0", "7"), Attributes("hid.absolute-mouse"));
        Assert.Equal(("2", "1", "4"), Attributes("hid.relative-mouse"));
        Assert.Equal(HidReportDescriptors.BootKeyboard.ToArray(), File.ReadAllBytes(G("functions/hid.keyboard/report_desc")));
        Assert.Equal(HidReportDescriptors.AbsoluteMouse.ToArray(), File.ReadAllBytes(G("functions/hid.absolute-mouse/report_desc")));
        Assert.Equal(HidReportDescriptors.RelativeMouse.ToArray(), File.ReadAllBytes(G("functions/hid.relative-mouse/report_desc")));

        // Only functions without an output report lose their OUT endpoint: the keyboard's LEDs need one.
        Assert.Equal("0\n", File.ReadAllText(G("functions/hid.keyboard/no_out_endpoint")));
        Assert.Equal("1", File.ReadAllText(G("functions/hid.absolute-mouse/no_out_endpoint")));
        Assert.Equal("1", File.ReadAllText(G("functions/hid.relative-mouse/no_out_endpoint")));

        foreach (string f in (string[])["hid.keyboard", "hid.absolute-mouse", "hid.relative-mouse"])
            Assert.Equal(G("functions/" + f), new FileInfo(G("configs/c.1/" + f)).LinkTarget);
        // Bind is the last step: the UDC enumerates a complete gadget.
        Assert.StartsWith("write kvmpi-vnc/UDC", _fs.Log[^1], StringComparison.Ordinal);
    }

    private (string, string, string) Attributes(string function) =>
        (File.ReadAllText(G($"functions/{function}/protocol")), File.ReadAllText(G($"functions/{function}/subclass")),
         File.ReadAllText(G($"functions/{function}/report_length")));

    [Fact]
    public void Up_WithoutTheOptionalAttribute_DoesNotCreateIt()
    {
        using var fs = new EmulatedConfigFs(configFs: true, "dummy_udc.0") { OffersNoOutEndpoint = false };
        new GadgetManager(fs, fs.Paths).Up();
        Assert.False(File.Exists(Path.Combine(fs.Paths.GadgetsDirectory, "kvmpi-vnc/functions/hid.relative-mouse/no_out_endpoint")));
        Assert.False(File.Exists(Path.Combine(fs.Paths.GadgetsDirectory, "kvmpi-vnc/functions/hid.keyboard/wakeup_on_write")));
    }

    [Fact]
    public void Up_NamedUdc_IsBound()
    {
        Manager().Up("other_udc");
        Assert.Equal("other_udc\n", File.ReadAllText(G("UDC")));
    }

    [Fact]
    public void Up_Twice_IsIdempotent()
    {
        Manager().Up();
        string[] before = _fs.Tree();
        _fs.Log.Clear();

        Assert.Equal(GadgetUpOutcome.AlreadyUp, Manager().Up());
        Assert.Empty(_fs.Log);
        Assert.Equal(before, _fs.Tree());
    }

    [Fact]
    public void Up_OverAnUnboundGadgetOfOurs_MakesItAgainAndBinds()
    {
        Manager().Up();
        File.WriteAllText(G("UDC"), "");      // e.g. the UDC driver was reloaded
        File.Delete(G("configs/c.1/hid.relative-mouse"));

        Assert.Equal(GadgetUpOutcome.Created, Manager().Up());
        Assert.Equal("dummy_udc.0\n", File.ReadAllText(G("UDC")));
        Assert.NotNull(new FileInfo(G("configs/c.1/hid.relative-mouse")).LinkTarget);
    }

    [Fact]
    public void Down_RemovesEverythingInConfigFsOrder()
    {
        Manager().Up();
        _fs.Log.Clear();

        Assert.True(Manager().Down());

        Assert.Empty(_fs.Tree());
        string[] log = [.. _fs.Log];
        Assert.Equal("write kvmpi-vnc/UDC", log[0]);
        int lastUnlink = Array.FindLastIndex(log, l => l.StartsWith("unlink", StringComparison.Ordinal));
        int firstFunctionRmdir = Array.FindIndex(log, l => l.StartsWith("rmdir kvmpi-vnc/functions/", StringComparison.Ordinal));
        Assert.Equal(3, log.Count(l => l.StartsWith("unlink", StringComparison.Ordinal)));
        Assert.True(lastUnlink < firstFunctionRmdir, string.Join("\n", log));
        Assert.Equal("rmdir kvmpi-vnc", log[^1]);
        Assert.Null(Manager().Status());
    }

    [Fact]
    public void Down_WithNoGadget_ReportsNothingToDo()
    {
        Assert.False(Manager().Down());
    }

    [Fact]
    public void NoUdc_FailsWithOneLineAndCreatesNothing()
    {
        using var fs = new EmulatedConfigFs(configFs: true);
        var e = Assert.Throws<GadgetException>(() => new GadgetManager(fs, fs.Paths).Up());
        Assert.Contains("no USB device controller", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Empty(fs.Tree());
        Assert.Empty(fs.Log);
    }

    [Fact]
    public void UnknownUdc_FailsNamingTheOnesThereAndCreatesNothing()
    {
        var e = Assert.Throws<GadgetException>(() => Manager().Up("bogus"));
        Assert.Contains("'bogus'", e.Message, StringComparison.Ordinal);
        Assert.Contains("dummy_udc.0, other_udc", e.Message, StringComparison.Ordinal);
        Assert.Empty(_fs.Tree());
    }

    [Fact]
    public void NoConfigFs_Fails()
    {
        using var fs = new EmulatedConfigFs(configFs: false, "dummy_udc.0");
        var e = Assert.Throws<GadgetException>(() => new GadgetManager(fs, fs.Paths).Up());
        Assert.Contains("libcomposite", e.Message, StringComparison.Ordinal);
        Assert.Empty(fs.Log);
    }

    [Fact]
    public void NameTakenBySomethingElse_FailsAndLeavesItAlone()
    {
        Directory.CreateDirectory(G("strings/0x409"));
        File.WriteAllText(G("strings/0x409/manufacturer"), "someone else\n");
        string[] before = _fs.Tree();

        var e = Assert.Throws<GadgetException>(() => Manager().Up());
        Assert.Contains("taken", e.Message, StringComparison.Ordinal);
        Assert.Throws<GadgetException>(() => Manager().Down());
        Assert.Equal(before, _fs.Tree());
    }

    [Fact]
    public void UdcHeldByAnotherGadget_FailsNamingIt()
    {
        string other = Path.Combine(_fs.Paths.GadgetsDirectory, "g1");
        _fs.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "UDC"), "dummy_udc.0\n");
        string[] before = _fs.Tree();

        var e = Assert.Throws<GadgetException>(() => Manager().Up());
        Assert.Contains("in use by gadget 'g1'", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, _fs.Tree());
    }

    [Theory]
    [InlineData("mkdir", "functions/hid.absolute-mouse")]
    [InlineData("write", "functions/hid.relative-mouse/report_desc")]
    [InlineData("link", "configs/c.1/hid.relative-mouse")]
    [InlineData("write", "UDC")]
    public void AFailedStep_RollsBackEverything(string operation, string relativePath)
    {
        _fs.FailOn = (op, path) => op == operation && path == G(relativePath);

        var e = Assert.Throws<GadgetException>(() => Manager().Up());

        Assert.Contains("injected failure", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("could not undo", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Empty(_fs.Tree());
    }

    [Fact]
    public void Status_MatchesDevicesByNumberNotByOrder()
    {
        // The kernel's numbers, deliberately not in creation order: /dev/full is 1:7, /dev/null 1:3, /dev/zero 1:5.
        _fs.DeviceNumbers["hid.keyboard"] = "1:7";
        _fs.DeviceNumbers["hid.absolute-mouse"] = "1:3";
        _fs.DeviceNumbers["hid.relative-mouse"] = "1:5";
        Manager().Up();

        GadgetStatus status = Manager().Status()!;

        Assert.Equal("dummy_udc.0", status.Udc);
        Assert.Equal("configured", status.UdcState);
        Assert.Equal("/dev/full", status.DeviceFor(HidFunctionRole.Keyboard));
        Assert.Equal("/dev/null", status.DeviceFor(HidFunctionRole.AbsoluteMouse));
        Assert.Equal("/dev/zero", status.DeviceFor(HidFunctionRole.RelativeMouse));
        Assert.Equal(
            ["gadget kvmpi-vnc: UDC dummy_udc.0, state configured", "/dev/full keyboard", "/dev/null absolute mouse", "/dev/zero relative mouse"],
            status.Describe());
    }

    [Fact]
    public void Status_UnboundGadgetAndMissingNodes_SaySo()
    {
        _fs.DeviceNumbers["hid.keyboard"] = "4000:1";   // no such node in /dev
        Manager().Up();
        File.WriteAllText(G("UDC"), "");

        GadgetStatus status = Manager().Status()!;
        Assert.Null(status.Udc);
        Assert.Equal("gadget kvmpi-vnc: not bound to a UDC", status.Describe().First());
        Assert.Contains("(no device node for 4000:1) keyboard", status.Describe());
    }
}
