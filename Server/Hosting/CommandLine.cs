// SPDX-License-Identifier: MIT
using System.Globalization;
using System.Net;
using KvmPi.Vnc.Hid.Keyboard;

namespace KvmPi.Vnc.Server.Hosting;

/// <summary>
/// Parses kvmpi-vnc's flags. Hand-written rather than a library: ten flags, exact error lines the tests and
/// users rely on (exit code 2, one line, no stack trace), and nothing reflection-based for Native AOT.
/// </summary>
internal static class CommandLine
{
    public const string Usage = """
        Usage: kvmpi-vnc [options]
               kvmpi-vnc devices [--json]
               kvmpi-vnc snapshot [--device /dev/videoN] [--format F] [--resolution WxH] -o FILE.png|FILE.jpg

        Serves a target computer to VNC viewers: its screen from an HDMI capture (or a Motion-JPEG file, or the
        built-in demo target), its keyboard and mouse as USB HID reports.

        Options:
          --listen ADDR:PORT    Address and TCP port for VNC viewers (default 127.0.0.1:5900). IPv6 as [::1]:5900.
                                A non-loopback address needs --password-file or an explicit --no-auth.
          --http ADDR:PORT      Address and TCP port of the browser console (a web page built on noVNC) and of
                                RFB over WebSocket (default 127.0.0.1:8080); "off" disables it. Same rule as
                                --listen: a non-loopback address needs --password-file or --no-auth.
          --device /dev/videoN  Capture this V4L2 device (an HDMI-to-USB dongle, a CSI HDMI bridge). Default: the
                                first device that can capture; without any, the built-in demo target.
          --format F            auto (default), mjpeg, yuyv, uyvy or nv12.
          --resolution WxH      Capture size for devices that scale (USB dongles); HDMI bridges follow the source.
          --video FILE          Serve this Motion-JPEG file (JPEG images back to back, as an HDMI dongle sends
                                them), played in a loop.
          --demo                Serve the built-in demo target even when a capture device is present.
          --fps N               Frames per second for --video (1-240, default 30), or asked of the device.
          --keyboard PATH       Where 8-byte boot keyboard reports are written: the gadget's /dev/hidgN, a file or
                                a FIFO (default with --video: the keyboard of the 'kvmpi-vnc gadget up' gadget,
                                else /dev/hidg0; the demo target without --video). LED state is read back from it
                                when it is a character device.
          --mouse PATH          Where mouse reports are written: 7-byte absolute reports, or 4-byte relative ones
                                with --mouse-mode relative (with --video the default is the gadget's device of
                                that mode, else /dev/hidg1 or /dev/hidg2; the demo target without --video).
          --mouse-mode MODE     absolute (default: the pointer lands where you click) or relative (a boot mouse
                                for BIOS/UEFI screens that ignore absolute pointers; 1 pixel = 1 count).
          --layout NAME         Keyboard layout the target is set to, as xkeyboard-config names it: us (default),
                                gb, de, fr, es, it, ch(fr), se, no, dk, fi, pl, pt, br, be, cz, hu, tr, jp, ru,
                                ua, us(intl), ch, ca, latam, nl, lt, gr, il, us(dvorak).
          --paste-chord CHORD   Key chord that types the viewer's clipboard into the target (default
                                ctrl+alt+shift+v; "none" disables it). The chord's key never reaches the target.
          --paste-rate N        Characters per second when pasting (1-1000, default 40).
          --jpeg-passthrough on|off
                                With a Motion-JPEG capture, send viewers that take Tight JPEG (at about the
                                capture's quality or better) its own images when the picture changes much, without
                                decoding them when every viewer does (default on); off re-encodes every frame.
          --password-file PATH  File whose first line is the VNC password (VNC Authentication; 8 characters count).
          --no-auth             Allow viewers without a password on a non-loopback address.
          --name NAME           Desktop name shown by viewers (default "KvmPi.Vnc").
          --log-level LEVEL     trace, debug, info, warn or error (default info).
          --config FILE         Read flags from FILE first: one "key = value" per line, the key being a flag
                                without its dashes (listen = 0.0.0.0:5900; no-auth = true). Flags given here win.
          --help                Show this help and exit.
        """;

    /// <summary>Parses <paramref name="args"/>; on a usage error returns null and sets <paramref name="error"/> to one line.</summary>
    public static ServerOptions? Parse(string[] args, out string? error)
    {
        error = null;
        var options = new ServerOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string name = arg;
            string? inlineValue = null;
            int eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 2)
            {
                name = arg[..eq];
                inlineValue = arg[(eq + 1)..];
            }

            switch (name)
            {
                case "--help" or "-h":
                    options = options with { ShowHelp = true };
                    continue;
                case "--no-auth":
                    options = options with { NoAuth = true };
                    continue;
                case "--demo":
                    options = options with { Demo = true };
                    continue;
            }

            if (!IsValued(name))
            {
                error = $"unknown option '{arg}'";
                return null;
            }
            string? value = inlineValue ?? (i + 1 < args.Length ? args[++i] : null);
            if (value is null)
            {
                error = $"option '{name}' needs a value";
                return null;
            }

            switch (name)
            {
                case "--listen":
                    if (!TryParseEndPoint(value, out IPEndPoint? endPoint))
                    {
                        error = $"invalid --listen '{value}': expected ADDR:PORT, e.g. 127.0.0.1:5900 or [::1]:5900";
                        return null;
                    }
                    options = options with { Listen = endPoint };
                    break;
                case "--http":
                    if (value == "off")
                    {
                        options = options with { Http = null };
                        break;
                    }
                    if (!TryParseEndPoint(value, out IPEndPoint? httpEndPoint))
                    {
                        error = $"invalid --http '{value}': expected ADDR:PORT, e.g. 127.0.0.1:8080 or [::1]:8080, or off";
                        return null;
                    }
                    options = options with { Http = httpEndPoint };
                    break;
                case "--video":
                    options = options with { VideoFile = value };
                    break;
                case "--fps":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int fps) || fps is < 1 or > 240)
                    {
                        error = $"invalid --fps '{value}': expected a whole number from 1 to 240";
                        return null;
                    }
                    options = options with { FramesPerSecond = fps, FramesPerSecondGiven = true };
                    break;
                case "--device":
                    options = options with { DevicePath = NonEmpty(value, name, ref error) };
                    break;
                case "--format":
                    if (!TryParseFormat(value, out KvmPi.Vnc.Capture.V4l2.CaptureFormat format))
                    {
                        error = $"invalid --format '{value}': expected auto, mjpeg, yuyv, uyvy or nv12";
                        return null;
                    }
                    options = options with { Format = format };
                    break;
                case "--resolution":
                    if (!TryParseResolution(value, out int width, out int height))
                    {
                        error = $"invalid --resolution '{value}': expected WIDTHxHEIGHT, e.g. 1920x1080";
                        return null;
                    }
                    options = options with { CaptureWidth = width, CaptureHeight = height };
                    break;
                case "--keyboard":
                    options = options with { KeyboardPath = NonEmpty(value, name, ref error) };
                    break;
                case "--mouse":
                    options = options with { MousePath = NonEmpty(value, name, ref error) };
                    break;
                case "--mouse-mode":
                    if (value is not ("absolute" or "relative"))
                    {
                        error = $"invalid --mouse-mode '{value}': expected absolute or relative";
                        return null;
                    }
                    options = options with { RelativeMouse = value == "relative" };
                    break;
                case "--password-file":
                    options = options with { PasswordFile = NonEmpty(value, name, ref error) };
                    break;
                case "--layout":
                    if (!KeyboardLayout.TryGet(value, out KeyboardLayout layout))
                    {
                        error = $"unknown --layout '{value}': expected one of {string.Join(' ', KeyboardLayout.Names)}";
                        return null;
                    }
                    options = options with { Layout = layout };
                    break;
                case "--paste-chord":
                    if (value == "none")
                    {
                        options = options with { PasteChord = null };
                        break;
                    }
                    PasteChord? chord = PasteChord.Parse(value);
                    if (chord is null)
                    {
                        error = $"invalid --paste-chord '{value}': expected modifiers and a key, e.g. ctrl+alt+shift+v or ctrl+alt+f9, or none";
                        return null;
                    }
                    options = options with { PasteChord = chord };
                    break;
                case "--paste-rate":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int rate) || rate is < 1 or > 1000)
                    {
                        error = $"invalid --paste-rate '{value}': expected characters per second from 1 to 1000";
                        return null;
                    }
                    options = options with { PasteRate = rate };
                    break;
                case "--name":
                    options = options with { Name = value };
                    break;
                case "--jpeg-passthrough":
                    if (value is not ("on" or "off"))
                    {
                        error = $"invalid --jpeg-passthrough '{value}': expected on or off";
                        return null;
                    }
                    options = options with { JpegPassThrough = value == "on" };
                    break;
                case "--log-level":
                    if (value is not ("trace" or "debug" or "info" or "warn" or "error"))
                    {
                        error = $"invalid --log-level '{value}': expected trace, debug, info, warn or error";
                        return null;
                    }
                    options = options with { LogLevel = value };
                    break;
            }
            if (error is not null) return null;
        }
        if (options.RelativeMouse && options.VideoFile is null && options.MousePath is null)
        {
            error = "--mouse-mode relative needs --mouse PATH (or --video): the demo target takes an absolute mouse";
            return null;
        }
        return options;
    }

    /// <summary>Flags without a value. The config file (<see cref="ConfigFile"/>) accepts each as a true/false key.</summary>
    internal static bool IsSwitch(string name) => name is "--no-auth" or "--demo";

    /// <summary>Flags with a value. The config file accepts each as a key.</summary>
    internal static bool IsValued(string name) => name is "--listen" or "--http" or "--video" or "--fps" or "--keyboard" or "--mouse" or "--mouse-mode"
        or "--password-file" or "--name" or "--log-level" or "--layout" or "--paste-chord" or "--paste-rate"
        or "--device" or "--format" or "--resolution" or "--jpeg-passthrough";

    /// <summary>Lowercase names only, as documented.</summary>
    internal static bool TryParseFormat(string value, out KvmPi.Vnc.Capture.V4l2.CaptureFormat format)
    {
        format = value switch
        {
            "auto" => KvmPi.Vnc.Capture.V4l2.CaptureFormat.Auto,
            "mjpeg" => KvmPi.Vnc.Capture.V4l2.CaptureFormat.Mjpeg,
            "yuyv" => KvmPi.Vnc.Capture.V4l2.CaptureFormat.Yuyv,
            "uyvy" => KvmPi.Vnc.Capture.V4l2.CaptureFormat.Uyvy,
            "nv12" => KvmPi.Vnc.Capture.V4l2.CaptureFormat.Nv12,
            _ => (KvmPi.Vnc.Capture.V4l2.CaptureFormat)(-1),
        };
        return (int)format >= 0;
    }

    /// <summary>WIDTHxHEIGHT, each 16..8192.</summary>
    internal static bool TryParseResolution(string value, out int width, out int height)
    {
        width = height = 0;
        int x = value.IndexOf('x', StringComparison.Ordinal);
        return x > 0
            && int.TryParse(value.AsSpan(0, x), NumberStyles.None, CultureInfo.InvariantCulture, out width)
            && int.TryParse(value.AsSpan(x + 1), NumberStyles.None, CultureInfo.InvariantCulture, out height)
            && width is >= 16 and <= 8192 && height is >= 16 and <= 8192;
    }

    private static string? NonEmpty(string value, string name, ref string? error)
    {
        if (value.Length == 0) error = $"option '{name}' needs a non-empty value";
        return value;
    }

    /// <summary>ADDR:PORT with an IPv4 address, a bracketed IPv6 address, or "localhost".</summary>
    internal static bool TryParseEndPoint(string value, out IPEndPoint endPoint)
    {
        endPoint = null!;
        int colon = value.LastIndexOf(':');
        if (colon <= 0 || colon == value.Length - 1) return false;
        string host = value[..colon], port = value[(colon + 1)..];
        if (!ushort.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out ushort portNumber)) return false;
        IPAddress? address;
        if (host == "localhost") address = IPAddress.Loopback;
        else if (host.StartsWith('[') && host.EndsWith(']')) { if (!IPAddress.TryParse(host[1..^1], out address)) return false; }
        else if (host.Contains(':', StringComparison.Ordinal) || !IPAddress.TryParse(host, out address)) return false;
        endPoint = new IPEndPoint(address, portNumber);
        return true;
    }
}
