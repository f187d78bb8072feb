// SPDX-License-Identifier: MIT
using BenchmarkDotNet.Attributes;
using KvmPi.Vnc.Hid.Devices;
using KvmPi.Vnc.Hid.Keyboard;
using KvmPi.Vnc.Hid.Mouse;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvmPi.Vnc.Benchmarks.Hid;

/// <summary>
/// The input hot path from keysym or pointer event to a finished HID report, and the cost Send adds to a viewer's
/// receive loop. Every method must show 0 B allocated.
/// </summary>
[MemoryDiagnoser]
public class HidBenchmarks
{
    private const uint ShiftL = 0xFFE1;

    private readonly NullReportSink _sink = new();
    private Keyboard _keyboard = null!;
    private AbsoluteMouse _mouse = null!;
    private HidDeviceWriter _devNull = null!;
    private readonly byte[] _report = new byte[BootKeyboardReport.Length];
    private int _x;

    [GlobalSetup]
    public void Setup()
    {
        _keyboard = new Keyboard(_sink, NullLogger.Instance);
        _mouse = new AbsoluteMouse(_sink);
        _devNull = new HidDeviceWriter("/dev/null", BootKeyboardReport.Length, NullLogger.Instance);
    }

    [GlobalCleanup]
    public void Cleanup() => _devNull.Dispose();

    /// <summary>'a' down + up: table lookup, two reports.</summary>
    [Benchmark(Baseline = true)]
    public void KeyEvent_LowercasePair()
    {
        _keyboard.KeyEvent('a', true);
        _keyboard.KeyEvent('a', false);
    }

    /// <summary>'!' down + up with no Shift held: Shift added for the key only.</summary>
    [Benchmark]
    public void KeyEvent_ShiftedPair()
    {
        _keyboard.KeyEvent('!', true);
        _keyboard.KeyEvent('!', false);
    }

    /// <summary>Shift_L, '1' down + up, Shift_L up: the lift-and-restore path, four reports.</summary>
    [Benchmark]
    public void KeyEvent_ShiftOverrideSequence()
    {
        _keyboard.KeyEvent(ShiftL, true);
        _keyboard.KeyEvent('1', true);
        _keyboard.KeyEvent('1', false);
        _keyboard.KeyEvent(ShiftL, false);
    }

    /// <summary>Return down + up: the switch-based function-key lookup.</summary>
    [Benchmark]
    public void KeyEvent_ReturnPair()
    {
        _keyboard.KeyEvent(0xFF0D, true);
        _keyboard.KeyEvent(0xFF0D, false);
    }

    /// <summary>A pointer move across a 1080p frame with the left button held: scaling plus one report.</summary>
    [Benchmark]
    public void PointerEvent_Move()
    {
        _x = (_x + 7) % 1920;
        _mouse.PointerEvent(_x, 540, 1920, 1080, 0x01);
    }

    /// <summary>HidDeviceWriter.Send: copy into the ring and wake the writer thread (which writes to /dev/null).</summary>
    [Benchmark]
    public void DeviceWriter_Send()
    {
        _report[2] = (byte)(_report[2] + 1);
        _devNull.Send(_report);
    }
}
