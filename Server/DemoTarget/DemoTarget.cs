// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Capture;
using KvmPi.Vnc.Hid;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvmPi.Vnc.Server.DemoTarget;

/// <summary>
/// A fake target computer for demos and end-to-end tests: it receives the same keyboard and mouse HID reports that
/// /dev/hidg0 and /dev/hidg1 would get, interprets them as a US-layout PC would, and shows the result on its screen,
/// which it delivers as frames. So a demo exercises keysym → HID report → target → frame → encoder → viewer.
/// </summary>
/// <remarks>
/// The screen: a top bar, a few desktop icons, a console window with a <c>demo$ </c> prompt (commands <c>help</c>,
/// <c>clear</c>, <c>echo TEXT</c>, <c>mode WxH</c>), a status line with the pointer state and the last click, red
/// markers where the left button was clicked, and the pointer. Output is deterministic (no clock, no blinking).
/// Reports may arrive on any thread; all state is guarded by one lock. Frames are rendered only when something
/// changed, at most 60 a second, into one reused buffer.
/// </remarks>
public sealed class DemoTarget : IFrameSource
{
    /// <summary>At most 60 frames a second: a burst of reports within one interval becomes one frame.</summary>
    public static readonly TimeSpan MinFrameInterval = TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60);

    private readonly Lock _gate = new();
    private readonly ILogger _logger;
    private readonly DemoConsole _console;
    private readonly DemoKeyboard _keyboard;
    private readonly DemoPointer _pointer = new();
    private readonly DemoScreenRenderer _renderer = new();
    private readonly BgrxCanvas _canvas = new();
    private readonly SemaphoreSlim _changed = new(0, 1); // a wake-up, not a counter: many changes, one signal
    private DemoLayout _layout;
    private bool _dirty = true;
    private int _running;

    /// <summary>Creates the target with its screen at <paramref name="width"/>x<paramref name="height"/>
    /// (640x480..1920x1200).</summary>
    public DemoTarget(int width = 1024, int height = 768, ILogger? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, DemoConsole.MinWidth);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, DemoConsole.MaxWidth);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, DemoConsole.MinHeight);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, DemoConsole.MaxHeight);
        _logger = logger ?? NullLogger.Instance;
        _layout = new DemoLayout(width, height);
        _console = new DemoConsole(ChangeModeUnsynchronized);
        _keyboard = new DemoKeyboard(_console);
        Keyboard = new DemoReportSink(OnKeyboardReport);
        Mouse = new DemoReportSink(OnMouseReport);
    }

    /// <summary>Where keyboard reports go (8 bytes: modifiers, reserved, six usages), in place of /dev/hidg0.</summary>
    public IHidReportSink Keyboard { get; }

    /// <summary>Where absolute mouse reports go (7 bytes: buttons, X, Y, wheel, pan), in place of /dev/hidg1.</summary>
    public IHidReportSink Mouse { get; }

    public string Description => "demo target";

    /// <summary>Current screen size; changes with the console's <c>mode</c> command.</summary>
    public int Width { get { lock (_gate) return _layout.Width; } }

    /// <inheritdoc cref="Width"/>
    public int Height { get { lock (_gate) return _layout.Height; } }

    /// <summary>
    /// Delivers the screen at once, then again whenever it changed, at most every <see cref="MinFrameInterval"/>.
    /// Sleeps while nothing changes. Returns (without throwing) when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async Task RunAsync(IFrameSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (Interlocked.Exchange(ref _running, 1) != 0)
            throw new InvalidOperationException("the demo target is already running");
        try
        {
            long lastFrame = Environment.TickCount64;
            RenderAndDeliver(sink, force: true);
            while (true)
            {
                await _changed.WaitAsync(cancellationToken).ConfigureAwait(false);
                // Coalesce: whatever else arrives before the next frame slot goes into the same frame.
                long wait = (long)MinFrameInterval.TotalMilliseconds - (Environment.TickCount64 - lastFrame);
                if (wait > 0)
                    await Task.Delay(TimeSpan.FromMilliseconds(wait), cancellationToken).ConfigureAwait(false);
                lastFrame = Environment.TickCount64;
                RenderAndDeliver(sink, force: false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancellation is how the target normally stops.
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>For tests: the console as it stands, copied under the lock.</summary>
    internal DemoConsoleSnapshot ReadConsole()
    {
        lock (_gate)
            return new DemoConsoleSnapshot([.. _console.Lines], new string(_console.Input), _keyboard.CapsLock);
    }

    /// <summary>For tests: the status line of the last rendered frame.</summary>
    internal string ReadStatusLine()
    {
        lock (_gate)
            return _renderer.StatusText;
    }

    private void RenderAndDeliver(IFrameSink sink, bool force)
    {
        lock (_gate)
        {
            if (!_dirty && !force)
                return;
            _dirty = false;
            _renderer.Render(_canvas, _layout, _console, _pointer, _keyboard.CapsLock);
        }
        // Outside the lock: a slow sink must not hold up input. The canvas is only touched by this loop.
        sink.OnFrame(_canvas.Bytes, _canvas.Width, _canvas.Height, _canvas.Width * 4);
    }

    private void OnKeyboardReport(ReadOnlySpan<byte> report)
    {
        lock (_gate)
        {
            int version = _console.Version;
            bool capsLock = _keyboard.CapsLock;
            if (!_keyboard.Apply(report))
                DemoTargetLog.ReportIgnored(_logger, report.Length, "keyboard");
            else if (_console.Version != version || _keyboard.CapsLock != capsLock)
                MarkChangedUnsynchronized(); // key releases and unmapped keys change nothing on screen
        }
    }

    private void OnMouseReport(ReadOnlySpan<byte> report)
    {
        lock (_gate)
        {
            if (!_pointer.Apply(report, _layout.Width, _layout.Height, out bool changed))
                DemoTargetLog.ReportIgnored(_logger, report.Length, "mouse");
            else if (changed)
                MarkChangedUnsynchronized();
        }
    }

    /// <summary>The console's <c>mode</c> command; runs under the lock, inside a keyboard report.</summary>
    private void ChangeModeUnsynchronized(int width, int height)
    {
        _layout = new DemoLayout(width, height);
        _pointer.ForgetClicks();
        DemoTargetLog.ModeChanged(_logger, width, height);
    }

    private void MarkChangedUnsynchronized()
    {
        _dirty = true;
        // Producers are serialised by the lock and the consumer only takes, so this Release never overflows.
        if (_changed.CurrentCount == 0)
            _changed.Release();
    }
}
