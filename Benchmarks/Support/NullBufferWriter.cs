// SPDX-License-Identifier: MIT
using System.Buffers;

namespace KvmPi.Vnc.Benchmarks.Support;

/// <summary>
/// An IBufferWriter that discards what is written and only counts it, so benchmarks measure the encoder, not a
/// socket or pipe (cf. Kestrel's perf/Microbenchmarks/Mocks/NullPipeWriter.cs).
/// </summary>
public sealed class NullBufferWriter : IBufferWriter<byte>
{
    private byte[] _buffer = new byte[64 * 1024];

    public long Written { get; private set; }

    public void Advance(int count) => Written += count;

    public Memory<byte> GetMemory(int sizeHint = 0) => Grow(sizeHint);

    public Span<byte> GetSpan(int sizeHint = 0) => Grow(sizeHint).Span;

    private Memory<byte> Grow(int sizeHint)
    {
        if (sizeHint > _buffer.Length) _buffer = new byte[sizeHint];
        return _buffer;
    }
}
