// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Devices;

/// <summary>
/// A bounded FIFO of fixed-size reports in one preallocated array. Overflow policy: drop the oldest, keep the newest.
/// A HID report is the device's full state, so the newest report is always right and an old one is only history;
/// losing history is better than blocking a viewer or growing without bound.
/// </summary>
/// <remarks>Not thread-safe: <see cref="HidDeviceWriter"/> guards it with its lock.</remarks>
internal sealed class ReportRing
{
    private readonly byte[] _slots;
    private readonly int _reportLength;
    private readonly int _capacity;
    private int _head;  // index of the oldest report
    private int _count;

    public ReportRing(int capacity, int reportLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(reportLength);
        _capacity = capacity;
        _reportLength = reportLength;
        _slots = new byte[capacity * reportLength];
    }

    public int Count => _count;

    /// <summary>Copies <paramref name="report"/> in as the newest entry.</summary>
    /// <returns>true if the ring was full and the oldest report was dropped to make room.</returns>
    public bool Enqueue(ReadOnlySpan<byte> report)
    {
        bool dropped = false;
        if (_count == _capacity)
        {
            _head = (_head + 1) % _capacity;
            _count--;
            dropped = true;
        }
        int tail = (_head + _count) % _capacity;
        report.CopyTo(Slot(tail));
        _count++;
        return dropped;
    }

    /// <summary>Moves the oldest report into <paramref name="destination"/>.</summary>
    public bool TryDequeue(Span<byte> destination)
    {
        if (_count == 0)
            return false;
        Slot(_head).CopyTo(destination);
        _head = (_head + 1) % _capacity;
        _count--;
        return true;
    }

    /// <summary>Moves the newest report into <paramref name="destination"/> and discards all older ones.</summary>
    /// <returns>How many reports were discarded, the newest included; 0 if the ring was empty.</returns>
    public int TakeNewest(Span<byte> destination)
    {
        int taken = _count;
        if (taken == 0)
            return 0;
        Slot((_head + _count - 1) % _capacity).CopyTo(destination);
        _head = 0;
        _count = 0;
        return taken;
    }

    private Span<byte> Slot(int index) => _slots.AsSpan(index * _reportLength, _reportLength);
}
