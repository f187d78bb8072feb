// SPDX-License-Identifier: MIT
using System.Globalization;
using System.Text;
using System.Text.Json;
using KvmPi.Vnc.Capture.V4l2;
using KvmPi.Vnc.Hid.Gadget;
using KvmPi.Vnc.Server.Hosting;

namespace KvmPi.Vnc.Server.Commands;

/// <summary>
/// <c>kvmpi-vnc devices [--json]</c>: every V4L2 video node (driver, card, formats, sizes as WIDTHxHEIGHT, frame
/// rates, input status, DV timings) and the USB HID gadget's state (as <c>gadget status</c> reads it). JSON is written with Utf8JsonWriter (no
/// reflection, Native-AOT safe); every string in it comes from printable ASCII or is escaped by the writer.
/// </summary>
internal static class DevicesCommand
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        bool json = false;
        foreach (string arg in args)
        {
            if (arg == "--json") json = true;
            else
            {
                error.WriteLine($"kvmpi-vnc devices: unknown option '{arg}' (usage: kvmpi-vnc devices [--json])");
                return ExitCodes.Usage;
            }
        }
        var devices = new List<V4l2DeviceInfo>();
        foreach (string path in V4l2DeviceScanner.VideoNodes()) devices.Add(V4l2DeviceInfo.Read(path));
        GadgetStatus? gadget;
        string? gadgetError = null;
        try
        {
            gadget = new GadgetManager(ConfigFs.Instance, GadgetPaths.System).Status();
        }
        catch (Exception e) when (e is GadgetException or IOException or UnauthorizedAccessException)
        {
            gadget = null;
            gadgetError = e.Message;
        }
        output.Write(json ? ToJson(devices, gadget, gadgetError) : ToText(devices, gadget, gadgetError));
        output.Flush();
        return ExitCodes.Ok;
    }

    internal static string ToText(IReadOnlyList<V4l2DeviceInfo> devices, GadgetStatus? gadget, string? gadgetError)
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        if (devices.Count == 0) text.AppendLine("video: no /dev/video* devices");
        foreach (V4l2DeviceInfo d in devices)
        {
            if (d.Error is not null)
            {
                text.AppendLine(inv, $"{d.Path}: error: {d.Error}");
                continue;
            }
            text.AppendLine(inv, $"{d.Path}: driver {d.Driver}, card \"{d.Card}\", bus {d.BusInfo}{(d.CanCapture ? "" : " (not a capture node)")}");
            if (!d.CanCapture) continue;
            if (d.InputName is not null) text.AppendLine(inv, $"  input: \"{d.InputName}\" status {string.Join(',', d.InputStatus)}");
            if (d.CurrentDvTimings is not null || d.DetectedDvTimings is not null || d.DvTimingsError is not null)
                text.AppendLine(inv, $"  dv-timings: current {d.CurrentDvTimings ?? "none"}, detected {d.DetectedDvTimings ?? d.DvTimingsError ?? "none"}");
            if (d.CurrentFormat is not null) text.AppendLine(inv, $"  current format: {d.CurrentFormat}");
            foreach (V4l2FormatInfo f in d.Formats)
            {
                text.AppendLine(inv, $"  format {f.Code} \"{f.Description}\"{(f.Compressed ? " (compressed)" : "")}");
                foreach (V4l2SizeInfo s in f.Sizes)
                    text.AppendLine(inv, $"    {s.Width}x{s.Height}{(s.FramesPerSecond.Count == 0 ? "" : " @ " + string.Join(", ", s.FramesPerSecond.Select(r => r.ToString("0.##", inv))) + " fps")}");
            }
        }
        if (gadgetError is not null) text.AppendLine(inv, $"hid: {gadgetError}");
        else if (gadget is null) text.AppendLine("hid: no gadget (sudo kvmpi-vnc gadget up creates it)");
        else
            foreach (string line in gadget.Describe()) text.AppendLine(inv, $"hid: {line}");
        return text.ToString();
    }

    internal static string ToJson(IReadOnlyList<V4l2DeviceInfo> devices, GadgetStatus? gadget, string? gadgetError)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("video");
            foreach (V4l2DeviceInfo d in devices)
            {
                w.WriteStartObject();
                w.WriteString("path", d.Path);
                if (d.Error is not null) w.WriteString("error", d.Error);
                else
                {
                    w.WriteString("driver", d.Driver);
                    w.WriteString("card", d.Card);
                    w.WriteString("bus", d.BusInfo);
                    w.WriteBoolean("capture", d.CanCapture);
                    if (d.InputName is not null)
                    {
                        w.WriteString("input", d.InputName);
                        w.WriteStartArray("inputStatus");
                        foreach (string s in d.InputStatus) w.WriteStringValue(s);
                        w.WriteEndArray();
                    }
                    WriteOptional(w, "dvTimingsCurrent", d.CurrentDvTimings);
                    WriteOptional(w, "dvTimingsDetected", d.DetectedDvTimings);
                    WriteOptional(w, "dvTimingsError", d.DvTimingsError);
                    WriteOptional(w, "currentFormat", d.CurrentFormat);
                    w.WriteStartArray("formats");
                    foreach (V4l2FormatInfo f in d.Formats)
                    {
                        w.WriteStartObject();
                        w.WriteString("fourcc", f.Code);
                        w.WriteNumber("code", f.RawCode);
                        w.WriteString("description", f.Description);
                        w.WriteBoolean("compressed", f.Compressed);
                        w.WriteStartArray("sizes");
                        foreach (V4l2SizeInfo s in f.Sizes)
                        {
                            w.WriteStartObject();
                            w.WriteString("size", string.Create(CultureInfo.InvariantCulture, $"{s.Width}x{s.Height}"));
                            w.WriteNumber("width", s.Width);
                            w.WriteNumber("height", s.Height);
                            w.WriteStartArray("fps");
                            foreach (double r in s.FramesPerSecond) w.WriteNumberValue(Math.Round(r, 3));
                            w.WriteEndArray();
                            w.WriteEndObject();
                        }
                        w.WriteEndArray();
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (gadgetError is not null) w.WriteString("hidError", gadgetError);
            if (gadget is null) w.WriteNull("hid");
            else
            {
                w.WriteStartObject("hid");
                w.WriteString("gadget", gadget.Name);
                if (gadget.Udc is null) w.WriteNull("udc"); else w.WriteString("udc", gadget.Udc);
                if (gadget.UdcState is null) w.WriteNull("udcState"); else w.WriteString("udcState", gadget.UdcState);
                w.WriteStartArray("devices");
                foreach (GadgetDevice d in gadget.Devices)
                {
                    w.WriteStartObject();
                    w.WriteString("role", d.Role.Describe());
                    if (d.DevicePath is null) w.WriteNull("path"); else w.WriteString("path", d.DevicePath);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null) w.WriteString(name, value);
    }
}
