// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Capture.V4l2;

/// <summary>What <c>kvmpi-vnc devices</c> shows of one video node.</summary>
public sealed record V4l2DeviceInfo(
    string Path,
    string? Error,
    string Driver,
    string Card,
    string BusInfo,
    bool CanCapture,
    string? InputName,
    IReadOnlyList<string> InputStatus,
    string? CurrentDvTimings,
    string? DetectedDvTimings,
    string? DvTimingsError,
    string? CurrentFormat,
    IReadOnlyList<V4l2FormatInfo> Formats)
{
    /// <summary>Reads everything from the node. Never throws for a device problem: <see cref="Error"/> says what failed.</summary>
    public static V4l2DeviceInfo Read(string path)
    {
        V4l2Device device;
        try
        {
            device = V4l2Device.Open(path);
        }
        catch (V4l2Exception e)
        {
            return Failed(path, e.Message);
        }
        using (device)
        {
            V4l2Capability cap;
            try
            {
                cap = device.QueryCapabilities();
            }
            catch (V4l2Exception e)
            {
                return Failed(path, e.Message);
            }
            string driver, card, bus;
            unsafe
            {
                driver = V4l2Strings.Read(cap.Driver, 16);
                card = V4l2Strings.Read(cap.Card, 32);
                bus = V4l2Strings.Read(cap.BusInfo, 32);
            }
            bool canCapture = V4l2Device.CanCapture(cap);
            if (!canCapture)
                return new V4l2DeviceInfo(path, null, driver, card, bus, false, null, [], null, null, null, null, []);

            string? inputName = null;
            var status = new List<string>();
            if (device.TryGetInput(out V4l2Input input))
            {
                unsafe { inputName = V4l2Strings.Read(input.Name, 32); }
                status.AddRange(SignalStatus.Describe(input.Status));
            }

            string? current = device.TryGetDvTimings(out V4l2DvTimings currentTimings) ? currentTimings.Describe() : null;
            string? detected = null, timingsError = null;
            int errno = device.QueryDvTimings(out V4l2DvTimings detectedTimings);
            if (errno == 0) detected = detectedTimings.Describe();
            else if (current is not null || !SignalStatus.IsUnsupported(errno)) timingsError = SignalStatus.DescribeDvTimingsError(errno);

            string? currentFormat = null;
            try
            {
                V4l2PixFormat f = device.GetFormat();
                currentFormat = $"{FourCc.ToText(f.PixelFormat)} {f.Width}x{f.Height}";
            }
            catch (V4l2Exception)
            {
            }

            var formats = new List<V4l2FormatInfo>();
            foreach (V4l2FormatDescription d in device.EnumerateFormats())
            {
                var sizes = new List<V4l2SizeInfo>();
                foreach ((uint w, uint h) in device.EnumerateSizes(d.PixelFormat))
                    sizes.Add(new V4l2SizeInfo((int)w, (int)h, device.EnumerateFrameRates(d.PixelFormat, w, h)));
                string description;
                unsafe { description = V4l2Strings.Read(d.Description, 32); }
                formats.Add(new V4l2FormatInfo(FourCc.ToText(d.PixelFormat), d.PixelFormat, description,
                    (d.Flags & V4l2Native.FmtFlagCompressed) != 0, sizes));
            }
            return new V4l2DeviceInfo(path, null, driver, card, bus, true, inputName, status, current, detected, timingsError,
                currentFormat, formats);
        }
    }

    private static V4l2DeviceInfo Failed(string path, string error) =>
        new(path, error, "", "", "", false, null, [], null, null, null, null, []);
}

/// <summary>One pixel format of a device; <see cref="Code"/> is always printable (see <see cref="FourCc.ToText"/>).</summary>
public sealed record V4l2FormatInfo(string Code, uint RawCode, string Description, bool Compressed, IReadOnlyList<V4l2SizeInfo> Sizes);

/// <summary>A frame size and the frame rates offered at it (empty when the driver does not enumerate them).</summary>
public sealed record V4l2SizeInfo(int Width, int Height, IReadOnlyList<double> FramesPerSecond);
