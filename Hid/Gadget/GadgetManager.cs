// SPDX-License-Identifier: MIT
using System.Globalization;
using System.Text;

namespace KvmPi.Vnc.Hid.Gadget;

/// <summary>What <see cref="GadgetManager.Up"/> did.</summary>
public enum GadgetUpOutcome
{
    /// <summary>Made the gadget and bound it to the UDC.</summary>
    Created,

    /// <summary>It was already there and bound to that UDC: nothing changed.</summary>
    AlreadyUp,
}

/// <summary>
/// Creates, removes and describes the kvmpi-vnc composite HID gadget in configfs (the steps of field-notes.md §3.4).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>Up is all or nothing.</b> Every step that creates something records how to undo it; any failure undoes
///   them newest first and throws one line. Everything the kernel could refuse is checked before the first mkdir
///   (configfs present, the UDC exists and is free, the name is not someone else's), so the common failures leave
///   nothing to undo at all.</item>
/// <item><b>Up is idempotent.</b> Our gadget, complete and bound to that UDC: nothing to do. Ours but incomplete or
///   unbound (an interrupted run, a reboot of the UDC driver): removed and made again. A gadget of that name made by
///   something else (its manufacturer string differs) is never touched.</item>
/// <item><b>Down order matters</b> (configfs refuses otherwise): unbind the UDC, unlink the functions from the
///   configuration, rmdir the configuration's strings, the configuration, the functions, the gadget's strings, then
///   the gadget.</item>
/// <item><b>Status never guesses</b> which /dev/hidgN is which: each function's <c>dev</c> attribute holds the
///   major:minor the kernel gave it, matched against the character devices in /dev.</item>
/// </list>
/// </remarks>
public sealed class GadgetManager(IConfigFs fs, GadgetPaths paths, string name = GadgetDefinition.Name)
{
    private string GadgetDirectory => Path.Combine(paths.GadgetsDirectory, name);

    /// <summary>Makes the gadget and binds it to <paramref name="udc"/> (default: the first controller there is).</summary>
    /// <exception cref="GadgetException">Nothing was left behind; the message says why.</exception>
    public GadgetUpOutcome Up(string? udc = null)
    {
        if (!fs.DirectoryExists(paths.GadgetsDirectory))
            throw new GadgetException($"no USB gadget support: {paths.GadgetsDirectory} does not exist (mount configfs and load libcomposite: modprobe libcomposite)");

        string target = ChooseUdc(udc);
        string gadget = GadgetDirectory;
        if (fs.DirectoryExists(gadget))
        {
            if (!IsOurs(gadget))
                throw new GadgetException($"the gadget name '{name}' is taken: {gadget} was not made by kvmpi-vnc (remove it or free the name)");
            string bound = ReadTrimmed(Path.Combine(gadget, "UDC"));
            if (bound == target && IsComplete(gadget))
                return GadgetUpOutcome.AlreadyUp;
            if (bound.Length > 0 && bound != target)
                throw new GadgetException($"gadget {name} is bound to UDC {bound}; run 'kvmpi-vnc gadget down' first to move it to {target}");
            try
            {
                Remove(gadget);   // ours, but unbound or incomplete: start again from nothing
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new GadgetException($"cannot remove the incomplete gadget {name} before making it again: {e.Message}", e);
            }
        }
        string? holder = GadgetHolding(target);
        if (holder is not null)
            throw new GadgetException($"UDC {target} is in use by gadget '{holder}' ({paths.GadgetsDirectory}/{holder}/UDC)");

        var undo = new Stack<(string What, Action Action)>();
        string step = "";
        try
        {
            Create(gadget, target, undo, s => step = s);
            return GadgetUpOutcome.Created;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string left = Rollback(undo);
            string cause = e is UnauthorizedAccessException ? "permission denied (run as root)" : e.Message;
            throw new GadgetException($"cannot create gadget {name} ({step}): {cause}{left}", e);
        }
    }

    /// <summary>Removes the gadget if it is there and ours.</summary>
    /// <returns>false if there was no gadget to remove.</returns>
    /// <exception cref="GadgetException">It belongs to something else, or configfs refused a step.</exception>
    public bool Down()
    {
        string gadget = GadgetDirectory;
        if (!fs.DirectoryExists(gadget))
            return false;
        if (!IsOurs(gadget))
            throw new GadgetException($"{gadget} was not made by kvmpi-vnc; not removing it");
        try
        {
            Remove(gadget);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string cause = e is UnauthorizedAccessException ? "permission denied (run as root)" : e.Message;
            throw new GadgetException($"cannot remove gadget {name}: {cause}", e);
        }
        return true;
    }

    /// <summary>The gadget's UDC, its state and its devices; null if there is no gadget.</summary>
    public GadgetStatus? Status()
    {
        string gadget = GadgetDirectory;
        if (!fs.DirectoryExists(gadget))
            return null;
        string udc = ReadTrimmed(Path.Combine(gadget, "UDC"));
        string? state = udc.Length == 0 ? null : fs.ReadAttribute(Path.Combine(paths.UdcClassRoot, udc, "state"))?.Trim();

        var devices = new List<GadgetDevice>();
        foreach (string function in fs.List(Path.Combine(gadget, "functions")))
        {
            if (HidGadgetFunction.RoleOf(function) is not HidFunctionRole role)
                continue;
            string? number = fs.ReadAttribute(Path.Combine(gadget, "functions", function, "dev"))?.Trim();
            string? node = Devices.DeviceNode.TryParseDeviceNumber(number, out uint major, out uint minor)
                ? Devices.DeviceNode.FindCharDevice(paths.DeviceRoot, major, minor)
                : null;
            devices.Add(new GadgetDevice(role, node, string.IsNullOrEmpty(number) ? null : number));
        }
        devices.Sort((a, b) => a.Role.CompareTo(b.Role));
        return new GadgetStatus(name, udc.Length == 0 ? null : udc, state, devices);
    }

    private string ChooseUdc(string? requested)
    {
        IReadOnlyList<string> available = fs.List(paths.UdcClassRoot);
        if (requested is not null)
        {
            if (!available.Contains(requested))
                throw new GadgetException($"no USB device controller named '{requested}' in {paths.UdcClassRoot} (there: {(available.Count == 0 ? "none" : string.Join(", ", available))})");
            return requested;
        }
        if (available.Count == 0)
            throw new GadgetException($"no USB device controller in {paths.UdcClassRoot}: enable the OTG port (dtoverlay=dwc2 on a Raspberry Pi) or load a UDC driver");
        return available[0];
    }

    private bool IsOurs(string gadget) =>
        fs.ReadAttribute(Path.Combine(gadget, "strings", GadgetDefinition.Language, "manufacturer"))?.Trim() == GadgetDefinition.Manufacturer;

    /// <summary>Every function exists and is linked into the configuration.</summary>
    private bool IsComplete(string gadget)
    {
        string config = Path.Combine(gadget, "configs", GadgetDefinition.ConfigurationName);
        foreach (HidGadgetFunction f in GadgetDefinition.Functions)
        {
            if (!fs.DirectoryExists(Path.Combine(gadget, "functions", f.DirectoryName)) || !fs.IsLink(Path.Combine(config, f.DirectoryName)))
                return false;
        }
        return true;
    }

    private string? GadgetHolding(string udc)
    {
        foreach (string other in fs.List(paths.GadgetsDirectory))
        {
            if (other != name && ReadTrimmed(Path.Combine(paths.GadgetsDirectory, other, "UDC")) == udc)
                return other;
        }
        return null;
    }

    private void Create(string gadget, string udc, Stack<(string What, Action Action)> undo, Action<string> step)
    {
        void MakeDirectory(string path)
        {
            step("mkdir " + path);
            if (fs.DirectoryExists(path))
                return;   // a default group configfs made with its parent (functions/, configs/, strings/)
            fs.CreateDirectory(path);
            undo.Push(("rmdir " + path, () => fs.RemoveDirectory(path)));
        }
        void Write(string path, string value)
        {
            step("write " + path);
            fs.WriteAttribute(path, Encoding.ASCII.GetBytes(value));
        }
        string Hex(ushort value) => "0x" + value.ToString("x4", CultureInfo.InvariantCulture);

        MakeDirectory(gadget);
        Write(Path.Combine(gadget, "idVendor"), Hex(GadgetDefinition.VendorId));
        Write(Path.Combine(gadget, "idProduct"), Hex(GadgetDefinition.ProductId));
        Write(Path.Combine(gadget, "bcdDevice"), Hex(GadgetDefinition.DeviceRelease));
        Write(Path.Combine(gadget, "bcdUSB"), Hex(GadgetDefinition.UsbRelease));

        string strings = Path.Combine(gadget, "strings");
        MakeDirectory(strings);
        MakeDirectory(Path.Combine(strings, GadgetDefinition.Language));
        Write(Path.Combine(strings, GadgetDefinition.Language, "serialnumber"), GadgetDefinition.SerialNumber);
        Write(Path.Combine(strings, GadgetDefinition.Language, "product"), GadgetDefinition.Product);
        // Last of the strings: it marks the gadget as ours, so a half-made one is still recognised and cleaned up.
        Write(Path.Combine(strings, GadgetDefinition.Language, "manufacturer"), GadgetDefinition.Manufacturer);

        string functions = Path.Combine(gadget, "functions");
        MakeDirectory(functions);
        foreach (HidGadgetFunction f in GadgetDefinition.Functions)
        {
            string dir = Path.Combine(functions, f.DirectoryName);
            MakeDirectory(dir);
            Write(Path.Combine(dir, "protocol"), f.Protocol.ToString(CultureInfo.InvariantCulture));
            Write(Path.Combine(dir, "subclass"), f.Subclass.ToString(CultureInfo.InvariantCulture));
            Write(Path.Combine(dir, "report_length"), f.ReportLength.ToString(CultureInfo.InvariantCulture));
            step("write " + Path.Combine(dir, "report_desc"));
            fs.WriteAttribute(Path.Combine(dir, "report_desc"), f.ReportDescriptor);
            // Optional attributes, written only where this kernel has them.
            if (!f.HasOutputReport && fs.AttributeExists(Path.Combine(dir, "no_out_endpoint")))
                Write(Path.Combine(dir, "no_out_endpoint"), "1");
            if (fs.AttributeExists(Path.Combine(dir, "wakeup_on_write")))
                Write(Path.Combine(dir, "wakeup_on_write"), "1");
        }

        string configs = Path.Combine(gadget, "configs");
        MakeDirectory(configs);
        string config = Path.Combine(configs, GadgetDefinition.ConfigurationName);
        MakeDirectory(config);
        Write(Path.Combine(config, "MaxPower"), GadgetDefinition.MaxPowerMilliamps.ToString(CultureInfo.InvariantCulture));
        Write(Path.Combine(config, "bmAttributes"), "0x" + GadgetDefinition.ConfigAttributes.ToString("x2", CultureInfo.InvariantCulture));
        MakeDirectory(Path.Combine(config, "strings"));
        MakeDirectory(Path.Combine(config, "strings", GadgetDefinition.Language));
        Write(Path.Combine(config, "strings", GadgetDefinition.Language, "configuration"), GadgetDefinition.ConfigurationLabel);

        foreach (HidGadgetFunction f in GadgetDefinition.Functions)
        {
            string link = Path.Combine(config, f.DirectoryName);
            step("link " + link);
            fs.CreateLink(link, Path.Combine(functions, f.DirectoryName));
            undo.Push(("unlink " + link, () => fs.RemoveLink(link)));
        }

        string udcAttribute = Path.Combine(gadget, "UDC");
        step("bind to UDC " + udc);
        fs.WriteAttribute(udcAttribute, Encoding.ASCII.GetBytes(udc));
        undo.Push(("unbind", () => fs.WriteAttribute(udcAttribute, "\n"u8)));
    }

    /// <summary>Undoes, newest first. Returns "" if all went, else a note naming what is left.</summary>
    private static string Rollback(Stack<(string What, Action Action)> undo)
    {
        var failed = new List<string>();
        while (undo.TryPop(out var entry))
        {
            try
            {
                entry.Action();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failed.Add(entry.What);
            }
        }
        return failed.Count == 0 ? "" : "; could not undo: " + string.Join(", ", failed);
    }

    /// <summary>Takes a gadget apart in the order configfs requires (see the remarks).</summary>
    private void Remove(string gadget)
    {
        string udcAttribute = Path.Combine(gadget, "UDC");
        if (ReadTrimmed(udcAttribute).Length > 0)
            fs.WriteAttribute(udcAttribute, "\n"u8);   // an empty write would not reach the kernel's store()

        string configs = Path.Combine(gadget, "configs");
        foreach (string config in fs.List(configs))
        {
            string configDir = Path.Combine(configs, config);
            foreach (string entry in fs.List(configDir))
            {
                if (fs.IsLink(Path.Combine(configDir, entry)))
                    fs.RemoveLink(Path.Combine(configDir, entry));
            }
            RemoveChildren(Path.Combine(configDir, "strings"));
            fs.RemoveDirectory(configDir);
        }
        RemoveChildren(Path.Combine(gadget, "functions"));
        RemoveChildren(Path.Combine(gadget, "strings"));
        string osDesc = Path.Combine(gadget, "os_desc");
        foreach (string entry in fs.List(osDesc))
        {
            if (fs.IsLink(Path.Combine(osDesc, entry)))
                fs.RemoveLink(Path.Combine(osDesc, entry));
        }
        fs.RemoveDirectory(gadget);
    }

    private void RemoveChildren(string group)
    {
        foreach (string child in fs.List(group))
        {
            string path = Path.Combine(group, child);
            if (fs.DirectoryExists(path))
                fs.RemoveDirectory(path);
        }
    }

    private string ReadTrimmed(string path) => fs.ReadAttribute(path)?.Trim() ?? "";
}
