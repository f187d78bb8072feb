// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.IntegrationTests.Support;

/// <summary>
/// Finds the external tools the tests drive. A test whose tool is missing is skipped with a message naming the
/// package (test.sh installs all of them, so in CI nothing is skipped).
/// </summary>
public static class Tools
{
    private static readonly Dictionary<string, string> Packages = new()
    {
        ["gcc"] = "gcc",
        ["pkg-config"] = "pkg-config",
        ["gvnccapture"] = "gvncviewer",
        ["vncsnapshot"] = "vncsnapshot",
        ["vnccapture"] = "libnet-vnc-perl",
        ["xtightvncviewer"] = "xtightvncviewer",
        ["Xvfb"] = "xvfb",
        ["xtigervncviewer"] = "tigervnc-viewer",
        ["xdotool"] = "xdotool",
        ["import"] = "imagemagick",
        ["convert"] = "imagemagick",
        ["tesseract"] = "tesseract-ocr",
        ["qemu-system-x86_64"] = "qemu-system-x86",
        ["cpio"] = "cpio",
        ["clang"] = "clang",
        ["aarch64-linux-gnu-gcc"] = "gcc-aarch64-linux-gnu",
        ["qemu-aarch64-static"] = "qemu-user-static",
        ["debootstrap"] = "debootstrap",
        ["chroot"] = "coreutils",
        ["systemd-analyze"] = "systemd",
        ["ansible-playbook"] = "ansible",
        ["git"] = "git",
    };

    public static string? Find(string tool)
    {
        string path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        foreach (string dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    /// <summary>Skips the current test unless every tool is on PATH.</summary>
    public static void Require(params string[] tools)
    {
        foreach (string tool in tools)
        {
            if (Find(tool) == null)
            {
                string package = Packages.TryGetValue(tool, out string? p) ? p : tool;
                Skip.If(true, $"'{tool}' is not installed (Debian package {package}; ./test.sh installs it)");
            }
        }
    }

    /// <summary>Skips the current test unless libvncclient's development files are installed.</summary>
    public static void RequireLibVncClient()
    {
        Require("gcc", "pkg-config");
        var r = ProcessRunner.RunAsync("pkg-config", ["--exists", "libvncclient"], TimeSpan.FromSeconds(20)).GetAwaiter().GetResult();
        Skip.If(r.ExitCode != 0, "libvncclient is not installed (Debian package libvncserver-dev; ./test.sh installs it)");
    }

    public static void RequireTurboJpeg()
    {
        Skip.IfNot(TurboJpeg.IsAvailable, "libturbojpeg.so.0 is not installed (Debian package libturbojpeg0; ./test.sh installs it)");
    }
}
