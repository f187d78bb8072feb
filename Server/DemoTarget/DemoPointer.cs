// SPDX-License-Identifier: MIT
using System.Buffers.Binary;

namespace KvmPi.Vnc.Server.DemoTarget;

/// <summary>
/// The demo target's mouse: interprets 7-byte absolute mouse reports as a PC would and remembers what the screen
/// shows about them (pointer, buttons, last click and the click markers). Not thread-safe: used under the target's lock.
/// </summary>
/// <remarks>
/// Report layout (field-notes §3.2, as PiKVM and TinyPilot send it):
/// <code>
/// +---------+---------+---------+----------+--------+
/// | U8 btns | U16LE X | U16LE Y | S8 wheel | S8 pan |   btns: bit0 left, bit1 right, bit2 middle
/// +---------+---------+---------+----------+--------+   X, Y: 0..32767 across the whole screen
/// </code>
/// </remarks>
internal sealed class DemoPointer
{
    public const int MaxCoordinate = 32767;
    public const int ReportLengthWithoutPan = 6;

    /// <summary>Markers of the most recent clicks; older ones disappear so the screen never fills with them.</summary>
    public const int MaxClickMarkers = 16;

    private readonly (int X, int Y)[] _markers = new (int, int)[MaxClickMarkers];
    private int _markerCount;
    private int _markerNext;

    /// <summary>Position in report units (0..32767), kept unscaled so a mode change keeps it on the same spot.</summary>
    public int RawX { get; private set; }
    public int RawY { get; private set; }
    public byte Buttons { get; private set; }
    /// <summary>Sum of all wheel and pan steps: shown instead of the last value, which is almost always 0.</summary>
    public int WheelTotal { get; private set; }
    public int PanTotal { get; private set; }
    public bool HasMoved { get; private set; }

    /// <summary>"left", "right" or "middle", or null before the first click.</summary>
    public string? LastClickButton { get; private set; }
    public int LastClickX { get; private set; }
    public int LastClickY { get; private set; }

    public int MarkerCount => _markerCount;
    public (int X, int Y) Marker(int index) => _markers[index];

    /// <summary>Applies one report; returns false (and changes nothing) for a report too short to be one.</summary>
    /// <param name="changed">Whether anything the screen shows changed (a repeated report changes nothing).</param>
    public bool Apply(ReadOnlySpan<byte> report, int screenWidth, int screenHeight, out bool changed)
    {
        changed = false;
        if (report.Length < ReportLengthWithoutPan)
            return false;
        byte buttons = report[0];
        int x = Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(report[1..]), (ushort)MaxCoordinate);
        int y = Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(report[3..]), (ushort)MaxCoordinate);
        int wheel = (sbyte)report[5];
        int pan = report.Length > 6 ? (sbyte)report[6] : 0;
        changed = !HasMoved || x != RawX || y != RawY || buttons != Buttons || wheel != 0 || pan != 0;
        RawX = x;
        RawY = y;
        WheelTotal += wheel;
        PanTotal += pan;
        HasMoved = true;

        byte pressed = (byte)(buttons & ~Buttons);
        Buttons = buttons;
        if (pressed == 0)
            return true;
        LastClickButton = (pressed & 1) != 0 ? "left" : (pressed & 2) != 0 ? "right" : "middle";
        LastClickX = ToPixel(RawX, screenWidth);
        LastClickY = ToPixel(RawY, screenHeight);
        if ((pressed & 1) != 0)
        {
            _markers[_markerNext] = (LastClickX, LastClickY);
            _markerNext = (_markerNext + 1) % MaxClickMarkers;
            _markerCount = Math.Min(_markerCount + 1, MaxClickMarkers);
        }
        return true;
    }

    /// <summary>After a mode change the old click positions mean nothing on the new screen.</summary>
    public void ForgetClicks()
    {
        _markerCount = _markerNext = 0;
        LastClickButton = null;
    }

    /// <summary>0 → 0 and 32767 → size - 1, rounded to nearest: the inverse of how a KVM scales pixels to report units.</summary>
    public static int ToPixel(int raw, int size) => (int)(((long)raw * (size - 1) + MaxCoordinate / 2) / MaxCoordinate);
}
