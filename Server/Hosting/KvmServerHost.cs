// SPDX-License-Identifier: MIT
using System.Net.Sockets;
using System.Runtime.InteropServices;
using KvmPi.Vnc.Capture;
using KvmPi.Vnc.Capture.Mjpeg;
using KvmPi.Vnc.Capture.V4l2;
using KvmPi.Vnc.Hid;
using KvmPi.Vnc.Hid.Devices;
using KvmPi.Vnc.Hid.Gadget;
using KvmPi.Vnc.Hid.Keyboard;
using KvmPi.Vnc.Hid.Mouse;
using KvmPi.Vnc.Rfb.Server;
using KvmPi.Vnc.Server.Adapters;
using KvmPi.Vnc.Server.Transport;
using KvmPi.Vnc.Server.Web;
using Microsoft.Extensions.Logging;

namespace KvmPi.Vnc.Server.Hosting;

/// <summary>
/// The composition root: the only code that sees Capture, Hid and Rfb together. Picks the frame source (a video
/// file or the demo target) and the HID sinks (devices, files, FIFOs, or the demo target), starts the listener,
/// and shuts everything down on SIGINT/SIGTERM, releasing every key on the way out.
/// </summary>
internal static class KvmServerHost
{
    public static async Task<int> RunAsync(ServerOptions options)
    {
        using ILoggerFactory loggerFactory = Logging.Create(options.LogLevel);
        ILogger log = loggerFactory.CreateLogger("KvmPi.Vnc.Server");

        string? password = null;
        if (options.PasswordFile is not null)
        {
            password = ReadPassword(options.PasswordFile, out string? error);
            if (password is null) return Fail(error!);
        }
        if (!System.Net.IPAddress.IsLoopback(options.Listen.Address)
            && password is null && !options.NoAuth)
            return Fail($"refusing to listen on {options.Listen} without a password: give --password-file, or --no-auth to allow anyone on the network");
        if (options.Http is not null && !System.Net.IPAddress.IsLoopback(options.Http.Address)
            && password is null && !options.NoAuth)
            return Fail($"refusing to serve the browser console on {options.Http} without a password: give --password-file, or --no-auth to allow anyone on the network (or --http off)");

        var disposables = new List<IDisposable>();
        try
        {
            IFrameSource source;
            IHidReportSink keyboardSink, mouseSink;
            string? keyboardDevice;   // where the target's LED reports may be read
            HidReportFormat mouseFormat = options.RelativeMouse ? HidReportFormat.RelativeMouse : HidReportFormat.AbsoluteMouse;
            int width, height;
            if (options.VideoFile is null && UseCaptureDevice(options, log))
            {
                var device = new V4l2FrameSource(new V4l2CaptureSettings(options.DevicePath, options.Format,
                    options.CaptureWidth, options.CaptureHeight, options.FramesPerSecondGiven ? options.FramesPerSecond : 0),
                    loggerFactory.CreateLogger("KvmPi.Vnc.Capture"));
                disposables.Add(device);
                source = device;
                (width, height) = (0, 0);   // known at the first frame (or no-signal screen)
                OpenGadgetDevices(out keyboardDevice, out keyboardSink, out mouseSink);
            }
            else if (options.VideoFile is not null)
            {
                MjpegFileSource video;
                try
                {
                    video = new MjpegFileSource(options.VideoFile, options.FramesPerSecond, loggerFactory.CreateLogger("KvmPi.Vnc.Capture"));
                }
                catch (FrameSourceException e)
                {
                    return Fail(e.Message);
                }
                disposables.Add(video);
                source = video;
                (width, height) = (video.Width, video.Height);
                OpenGadgetDevices(out keyboardDevice, out keyboardSink, out mouseSink);
            }
            else
            {
                var demo = new DemoTarget.DemoTarget(logger: loggerFactory.CreateLogger("KvmPi.Vnc.DemoTarget"));
                source = demo;
                (width, height) = (demo.Width, demo.Height);
                keyboardDevice = options.KeyboardPath;
                keyboardSink = options.KeyboardPath is null ? demo.Keyboard : OpenDevice(options.KeyboardPath, HidReportFormat.BootKeyboard, loggerFactory, disposables);
                mouseSink = options.MousePath is null ? demo.Mouse : OpenDevice(options.MousePath, mouseFormat, loggerFactory, disposables);
            }

            var keyboard = new Keyboard(keyboardSink, loggerFactory.CreateLogger("KvmPi.Vnc.Hid"), new KeyboardOptions
            {
                Layout = options.Layout,
                PasteChord = options.PasteChord,
                PasteRate = options.PasteRate,
            });
            IPointerDevice mouse = options.RelativeMouse ? new RelativeMouse(mouseSink) : new AbsoluteMouse(mouseSink);
            var rfb = new RfbServer(new RfbServerOptions
            {
                DesktopName = options.Name,
                Password = password,
                InitialWidth = width > 0 ? width : 1280,
                InitialHeight = height > 0 ? height : 720,
                ResizeNotice = new Screens.ResizeNotice(),
                JpegPassThrough = options.JpegPassThrough,
            }, new HidDesktopAdapter(keyboard, mouse), loggerFactory);
            var publisher = new FramePublisher(rfb);
            if (keyboardDevice is not null)
            {
                var leds = new LedStateForwarder(keyboard, rfb);
                disposables.Add(new KeyboardLedReader(keyboardDevice, leds.OnLeds, loggerFactory.CreateLogger("KvmPi.Vnc.Hid")));
            }

            using var stop = new CancellationTokenSource();
            Task capture = RunSourceAsync(source, publisher, log, stop.Token);
            if (width == 0)
            {
                // A live device: let the first picture (or the no-signal screen) set the size viewers start with,
                // so a viewer that cannot resize does not start at a placeholder size. Capped: start-up never hangs.
                await Task.WhenAny(publisher.FirstPicture, Task.Delay(TimeSpan.FromSeconds(3))).ConfigureAwait(false);
                (width, height) = (rfb.Width, rfb.Height);
            }

            // The console first: once the RFB port accepts, the console answers too (tests and scripts wait for it).
            WebConsoleServer? web = null;
            if (options.Http is not null)
            {
                try
                {
                    web = await WebConsoleServer.StartAsync(options.Http, rfb, loggerFactory).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or InvalidOperationException or SocketException)
                {
                    return Fail($"cannot serve the browser console on {options.Http}: {(e.InnerException ?? e).Message}");
                }
            }
            await using WebConsoleServer? webToStop = web;
            await using var listener = new TcpRfbListener(rfb, log);
            try
            {
                listener.Start(options.Listen);
            }
            catch (SocketException e)
            {
                await stop.CancelAsync().ConfigureAwait(false);
                await capture.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                return Fail($"cannot listen on {options.Listen}: {e.Message}");
            }

            using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
            using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });

            log.LogInformation("serving {Source} ({Width}x{Height}) to VNC viewers on {Endpoint}, {Security}",
                source.Description, width, height, listener.LocalEndPoint, password is null ? "no password" : "VNC password");
            await listener.AcceptLoopAsync(stop.Token).ConfigureAwait(false);

            log.LogInformation("stopping");
            if (web is not null) await web.DisposeAsync().ConfigureAwait(false);   // its sessions end (and release input) first
            await capture.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            keyboard.ReleaseAll();   // sessions release their own input too; this covers a session killed mid-write
            mouse.ReleaseAll();
            return ExitCodes.Ok;
        }
        finally
        {
            foreach (IDisposable d in disposables) d.Dispose();
        }

        // A real target (capture device or video file): the gadget's devices, found as `gadget status` finds them.
        void OpenGadgetDevices(out string? keyboardDevice, out IHidReportSink keyboardSink, out IHidReportSink mouseSink)
        {
            HidDevicePaths.Choice devices = HidDevicePaths.Resolve(options,
                () => new GadgetManager(ConfigFs.Instance, GadgetPaths.System).Status());
            log.LogInformation("HID devices ({From}): keyboard {Keyboard}, {Mode} mouse {Mouse}", devices.From, devices.Keyboard,
                options.RelativeMouse ? "relative" : "absolute", devices.Mouse);
            keyboardDevice = devices.Keyboard;
            keyboardSink = OpenDevice(devices.Keyboard, HidReportFormat.BootKeyboard, loggerFactory, disposables);
            mouseSink = OpenDevice(devices.Mouse, options.RelativeMouse ? HidReportFormat.RelativeMouse : HidReportFormat.AbsoluteMouse, loggerFactory, disposables);
        }

        int Fail(string message)
        {
            log.LogCritical("{Message}", message);
            Console.Error.Flush();
            return ExitCodes.StartupFailed;
        }
    }

    /// <summary>--device given, or (without --video and --demo) a capture-capable device present.</summary>
    private static bool UseCaptureDevice(ServerOptions options, ILogger log)
    {
        if (options.DevicePath is not null) return true;
        if (options.Demo) return false;
        if (V4l2DeviceScanner.FindFirstCaptureDevice(out string whyNone) is not null) return true;
        log.LogInformation("no V4L2 capture device ({Why}); serving the demo target", whyNone);
        return false;
    }

    private static async Task RunSourceAsync(IFrameSource source, IFrameSink sink, ILogger log, CancellationToken ct)
    {
        try
        {
            await source.RunAsync(sink, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // Viewers keep the last frame and their input keeps working; the log says why the picture froze.
            log.LogError(e, "frame source {Source} stopped", source.Description);
        }
    }

    private static HidDeviceWriter OpenDevice(string path, HidReportFormat format, ILoggerFactory loggerFactory, List<IDisposable> disposables)
    {
        var writer = new HidDeviceWriter(path, format, loggerFactory.CreateLogger("KvmPi.Vnc.Hid"));
        disposables.Add(writer);
        return writer;
    }

    /// <summary>The first line of the password file. Null with a one-line error when it cannot be used.</summary>
    private static string? ReadPassword(string path, out string? error)
    {
        error = null;
        string? line;
        try
        {
            using var reader = new StreamReader(path);
            line = reader.ReadLine();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"cannot read password file '{path}': {e.Message}";
            return null;
        }
        if (string.IsNullOrEmpty(line))
        {
            error = $"password file '{path}' has no password on its first line";
            return null;
        }
        return line;
    }
}
