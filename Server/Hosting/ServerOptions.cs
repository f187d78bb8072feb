// SPDX-License-Identifier: MIT
using System.Net;
using KvmPi.Vnc.Hid.Keyboard;

namespace KvmPi.Vnc.Server.Hosting;

/// <summary>The command line, parsed and validated. Defaults are the documented ones (see <see cref="CommandLine.Usage"/>).</summary>
internal sealed record ServerOptions
{
    public IPEndPoint Listen { get; init; } = new(IPAddress.Loopback, 5900);

    /// <summary>Where the browser console and RFB over WebSocket are served; null when <c>--http off</c>.</summary>
    public IPEndPoint? Http { get; init; } = new(IPAddress.Loopback, 8080);
    public string? VideoFile { get; init; }
    public int FramesPerSecond { get; init; } = 30;
    public bool FramesPerSecondGiven { get; init; }
    public string? DevicePath { get; init; }
    public KvmPi.Vnc.Capture.V4l2.CaptureFormat Format { get; init; }
    public int CaptureWidth { get; init; }
    public int CaptureHeight { get; init; }
    public bool Demo { get; init; }
    public string? KeyboardPath { get; init; }
    public string? MousePath { get; init; }

    /// <summary>--mouse-mode relative: a boot mouse fed with movements instead of the absolute pointer.</summary>
    public bool RelativeMouse { get; init; }
    public string? PasswordFile { get; init; }
    public bool NoAuth { get; init; }
    public string Name { get; init; } = "KvmPi.Vnc";
    public string LogLevel { get; init; } = "info";
    public bool ShowHelp { get; init; }
    public KeyboardLayout Layout { get; init; } = KeyboardLayout.Us;
    public PasteChord? PasteChord { get; init; } = PasteChord.Default;
    public int PasteRate { get; init; } = new KeyboardOptions().PasteRate;

    /// <summary>--jpeg-passthrough: viewers that take Tight JPEG may get a Motion-JPEG capture's own images.</summary>
    public bool JpegPassThrough { get; init; } = true;

    /// <summary>Where keyboard reports go when --video is used and --keyboard is not given: the USB gadget's first HID function.</summary>
    public const string DefaultKeyboardDevice = "/dev/hidg0";

    public const string DefaultMouseDevice = "/dev/hidg1";

    /// <summary>The relative mouse when no gadget says otherwise: the third function of 'kvmpi-vnc gadget up'.</summary>
    public const string DefaultRelativeMouseDevice = "/dev/hidg2";
}
