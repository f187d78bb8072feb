// SPDX-License-Identifier: MIT
using System.Globalization;

namespace KvmPi.Vnc.Server.DemoTarget;

/// <summary>Appends text and integers to a fixed char buffer without allocating; what does not fit is dropped.</summary>
internal ref struct SpanTextWriter(Span<char> buffer)
{
    private readonly Span<char> _buffer = buffer;
    private int _length;

    public readonly ReadOnlySpan<char> Written => _buffer[.._length];

    public void Append(ReadOnlySpan<char> text)
    {
        int n = Math.Min(text.Length, _buffer.Length - _length);
        text[..n].CopyTo(_buffer[_length..]);
        _length += n;
    }

    public void Append(char c)
    {
        if (_length < _buffer.Length)
            _buffer[_length++] = c;
    }

    public void Append(int value)
    {
        if (value.TryFormat(_buffer[_length..], out int written, provider: CultureInfo.InvariantCulture))
            _length += written;
    }
}
