// SPDX-License-Identifier: MIT
using System.Text;
using KvmPi.Vnc.Hid.Gadget;

namespace KvmPi.Vnc.Tests.Hid.Gadget;

/// <summary>
/// A temporary directory that behaves like configfs' usb_gadget tree as far as the gadget commands can tell: mkdir
/// makes an item with its attribute files and default groups; rmdir refuses an item that still has child items,
/// links, or a link pointing at it, and refuses a bound gadget; attributes cannot be created; UDC takes only a
/// controller that exists and that no other gadget holds. The real file operations are the production
/// <see cref="ConfigFs"/>'s. <see cref="FailOn"/> makes one step fail, to exercise the rollback.
/// </summary>
internal sealed class EmulatedConfigFs : IConfigFs, IDisposable
{
    private static readonly string[] GadgetAttributes = ["UDC", "idVendor", "idProduct", "bcdDevice", "bcdUSB"];
    private static readonly string[] GadgetGroups = ["functions", "configs", "strings", "os_desc"];
    private readonly ConfigFs _real = ConfigFs.Instance;
    private int _nextMinor;

    public EmulatedConfigFs(bool configFs = true, params string[] udcs)
    {
        Root = Path.Combine(Path.GetTempPath(), "kvmpi-configfs-" + Guid.NewGuid().ToString("N"));
        Paths = new GadgetPaths(Path.Combine(Root, "config"), Path.Combine(Root, "udc"), "/dev");
        Directory.CreateDirectory(Paths.UdcClassRoot);
        if (configFs)
            Directory.CreateDirectory(Paths.GadgetsDirectory);
        foreach (string udc in udcs)
        {
            Directory.CreateDirectory(Path.Combine(Paths.UdcClassRoot, udc));
            File.WriteAllText(Path.Combine(Paths.UdcClassRoot, udc, "state"), "not attached\n");
        }
    }

    public string Root { get; }
    public GadgetPaths Paths { get; }

    /// <summary>Device numbers the kernel gives each new function, by directory name (default 240:0, 240:1...).</summary>
    public Dictionary<string, string> DeviceNumbers { get; } = [];

    /// <summary>Whether functions offer the optional no_out_endpoint attribute (kernel 5.19 and later).</summary>
    public bool OffersNoOutEndpoint { get; init; } = true;

    /// <summary>Called with ("mkdir"|"rmdir"|"write"|"link"|"unlink", path) before each operation; throw to fail it.</summary>
    public Func<string, string, bool>? FailOn { get; set; }

    /// <summary>Every mutating operation, in order ("rmdir functions/hid.keyboard", relative to the gadgets directory).</summary>
    public List<string> Log { get; } = [];

    public void Dispose() => Directory.Delete(Root, recursive: true);

    private void Enter(string op, string path)
    {
        if (FailOn?.Invoke(op, path) == true)
            throw new IOException($"injected failure: {op} {path}");
        if (op != "read")
            Log.Add(op + " " + Path.GetRelativePath(Paths.GadgetsDirectory, path));
    }

    private string Kind(string path)
    {
        string rel = Path.GetRelativePath(Paths.GadgetsDirectory, path);
        string[] p = rel.Split('/');
        return p.Length switch
        {
            1 => "gadget",
            3 when p[1] == "functions" => "function",
            3 when p[1] == "strings" => "strings",
            3 when p[1] == "configs" => "config",
            5 when p[1] == "configs" && p[3] == "strings" => "config-strings",
            _ => "other",
        };
    }

    public bool DirectoryExists(string path) => _real.DirectoryExists(path);

    public void CreateDirectory(string path)
    {
        Enter("mkdir", path);
        if (Directory.Exists(path))
            throw new IOException($"mkdir {path}: File exists");
        _real.CreateDirectory(path);
        void Attr(string name, string value = "") => File.WriteAllText(Path.Combine(path, name), value);
        switch (Kind(path))
        {
            case "gadget":
                foreach (string a in GadgetAttributes) Attr(a);
                foreach (string g in GadgetGroups) Directory.CreateDirectory(Path.Combine(path, g));
                break;
            case "function":
                foreach (string a in (string[])["protocol", "subclass", "report_length", "report_desc"]) Attr(a);
                if (OffersNoOutEndpoint) Attr("no_out_endpoint", "0\n");
                string name = Path.GetFileName(path);
                Attr("dev", (DeviceNumbers.TryGetValue(name, out string? number) ? number : $"240:{_nextMinor++}") + "\n");
                break;
            case "strings":
                foreach (string a in (string[])["serialnumber", "product", "manufacturer"]) Attr(a);
                break;
            case "config":
                Attr("MaxPower");
                Attr("bmAttributes");
                Directory.CreateDirectory(Path.Combine(path, "strings"));
                break;
            case "config-strings":
                Attr("configuration");
                break;
            default:
                throw new IOException($"mkdir {path}: Operation not permitted (not a configfs group)");
        }
    }

    public void RemoveDirectory(string path)
    {
        Enter("rmdir", path);
        string kind = Kind(path);
        if (kind == "other")
            throw new IOException($"rmdir {path}: Operation not permitted (a default group)");
        foreach (string entry in Directory.EnumerateFileSystemEntries(path))
        {
            bool isDefaultGroup = Directory.Exists(entry) && new FileInfo(entry).LinkTarget is null &&
                ((kind == "gadget" && GadgetGroups.Contains(Path.GetFileName(entry))) || (kind == "config" && Path.GetFileName(entry) == "strings"));
            if (new FileInfo(entry).LinkTarget is not null || (Directory.Exists(entry) && !isDefaultGroup)
                || (isDefaultGroup && Directory.EnumerateFileSystemEntries(entry).Any()))
                throw new IOException($"rmdir {path}: Directory not empty ({Path.GetFileName(entry)})");
        }
        if (kind == "gadget" && File.ReadAllText(Path.Combine(path, "UDC")).Trim().Length > 0)
            throw new IOException($"rmdir {path}: Device or resource busy (bound)");
        if (kind == "function" && LinksTo(path))
            throw new IOException($"rmdir {path}: Device or resource busy (linked)");
        Directory.Delete(path, recursive: true);
    }

    private bool LinksTo(string target)
    {
        foreach (string link in Directory.EnumerateFileSystemEntries(Paths.GadgetsDirectory, "*", SearchOption.AllDirectories))
        {
            string? t = new FileInfo(link).LinkTarget;
            if (t is not null && Path.GetFullPath(t, Path.GetDirectoryName(link)!) == target)
                return true;
        }
        return false;
    }

    public string? ReadAttribute(string path) => _real.ReadAttribute(path);

    public bool AttributeExists(string path) => _real.AttributeExists(path);

    public void WriteAttribute(string path, ReadOnlySpan<byte> value)
    {
        Enter("write", path);
        if (Path.GetFileName(path) == "UDC" && Kind(Path.GetDirectoryName(path)!) == "gadget")
        {
            string udc = Encoding.ASCII.GetString(value).Trim();
            if (udc.Length > 0)
            {
                if (!Directory.Exists(Path.Combine(Paths.UdcClassRoot, udc)))
                    throw new IOException($"write {path}: No such device");
                foreach (string other in Directory.EnumerateDirectories(Paths.GadgetsDirectory))
                    if (File.ReadAllText(Path.Combine(other, "UDC")).Trim() == udc)
                        throw new IOException($"write {path}: Device or resource busy");
                File.WriteAllText(Path.Combine(Paths.UdcClassRoot, udc, "state"), "configured\n");
            }
            else
            {
                string bound = File.ReadAllText(path).Trim();
                if (bound.Length > 0)
                    File.WriteAllText(Path.Combine(Paths.UdcClassRoot, bound, "state"), "not attached\n");
            }
            File.WriteAllText(path, udc.Length > 0 ? udc + "\n" : "");
            return;
        }
        // Replace the content (configfs attributes hold one value, not a stream).
        using (new FileStream(path, FileMode.Open)) { }   // must exist: attributes are never created
        File.WriteAllBytes(path, value.ToArray());
    }

    public void CreateLink(string link, string target)
    {
        Enter("link", link);
        _real.CreateLink(link, target);
    }

    public void RemoveLink(string link)
    {
        Enter("unlink", link);
        _real.RemoveLink(link);
    }

    public bool IsLink(string path) => _real.IsLink(path);

    public IReadOnlyList<string> List(string directory) => _real.List(directory);

    /// <summary>Every path under the gadgets directory, relative, sorted: to prove a tree unchanged or empty.</summary>
    public string[] Tree() => Directory.Exists(Paths.GadgetsDirectory)
        ? [.. Directory.EnumerateFileSystemEntries(Paths.GadgetsDirectory, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Paths.GadgetsDirectory, p)).Order(StringComparer.Ordinal)]
        : [];
}
