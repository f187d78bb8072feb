// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;
using static KvmPi.Vnc.Capture.V4l2.V4l2Native;

namespace KvmPi.Vnc.Capture.V4l2;

/// <summary>
/// MMAP streaming on one device: the driver fills a ring of kernel buffers mapped into our memory, we dequeue a
/// filled one, read it in place (no copy), and queue it back.
/// </summary>
/// <remarks>
/// Latest frame wins: <see cref="TryDequeueLatest"/> takes every filled buffer there is and hands back only the
/// newest, queueing the older ones straight back (counted in <see cref="Dropped"/>). A slow consumer therefore
/// never works through a backlog: it always gets the most recent picture. With at least 3 buffers the driver
/// always has one to fill while we hold one and another waits.
/// </remarks>
internal sealed unsafe class V4l2MmapStream : IDisposable
{
    /// <summary>Buffers requested: 4, so one can be held, one waits, and two are in the driver's hands.</summary>
    public const int RequestedBuffers = 4;
    public const int MinimumBuffers = 3;

    private readonly V4l2Device _device;
    private readonly (nint Address, nuint Length)[] _maps;
    private bool _streaming;
    private int _held = -1;

    public V4l2MmapStream(V4l2Device device)
    {
        _device = device;
        var request = new V4l2RequestBuffers { Count = RequestedBuffers, Type = BufTypeVideoCapture, Memory = MemoryMmap };
        device.IoctlOrThrow(VIDIOC_REQBUFS, &request, "VIDIOC_REQBUFS");
        if (request.Count < MinimumBuffers)
        {
            FreeBuffers();
            throw new V4l2Exception($"VIDIOC_REQBUFS on {device.Path} gave {request.Count} buffers, need {MinimumBuffers}", ENOMEM);
        }
        _maps = new (nint, nuint)[request.Count];
        try
        {
            for (uint i = 0; i < request.Count; i++)
            {
                var b = new V4l2Buffer { Index = i, Type = BufTypeVideoCapture, Memory = MemoryMmap };
                device.IoctlOrThrow(VIDIOC_QUERYBUF, &b, "VIDIOC_QUERYBUF");
                nint address = Mmap(0, b.Length, PROT_READ | PROT_WRITE, MAP_SHARED, device.Fd, (nint)b.M.Offset);
                if (address == MapFailed) throw new V4l2Exception($"mmap buffer {i} of {device.Path}", Marshal.GetLastPInvokeError());
                _maps[i] = (address, b.Length);
                device.IoctlOrThrow(VIDIOC_QBUF, &b, "VIDIOC_QBUF");
            }
            int type = (int)BufTypeVideoCapture;
            device.IoctlOrThrow(VIDIOC_STREAMON, &type, "VIDIOC_STREAMON");
            _streaming = true;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private const int ENOMEM = 12;

    public int BufferCount => _maps.Length;

    /// <summary>Frames the driver filled that were never looked at because a newer one was already there.</summary>
    public long Dropped { get; private set; }

    /// <summary>Frames the driver flagged as damaged (V4L2_BUF_FLAG_ERROR), skipped.</summary>
    public long Errored { get; private set; }

    /// <summary>
    /// Takes the newest filled buffer, returning the older ones to the driver. False when none is ready. The span
    /// stays valid until <see cref="Release"/>; the previous one must have been released.
    /// </summary>
    public bool TryDequeueLatest(out ReadOnlySpan<byte> frame, out uint sequence)
    {
        frame = default;
        sequence = 0;
        if (_held >= 0) throw new InvalidOperationException("release the previous frame first");
        V4l2Buffer newest = default;
        bool any = false;
        while (true)
        {
            var b = new V4l2Buffer { Type = BufTypeVideoCapture, Memory = MemoryMmap };
            int errno = _device.TryIoctl(VIDIOC_DQBUF, &b);
            if (errno == EAGAIN) break;
            if (errno != 0) throw new V4l2Exception($"VIDIOC_DQBUF on {_device.Path}", errno);
            if (b.Index >= _maps.Length) throw new V4l2Exception($"VIDIOC_DQBUF on {_device.Path} returned buffer {b.Index}", EINVAL);
            if ((b.Flags & BufFlagError) != 0 || b.BytesUsed == 0)
            {
                Errored++;
                Queue(b.Index);
                continue;
            }
            if (any)
            {
                Dropped++;
                Queue(newest.Index);
            }
            newest = b;
            any = true;
        }
        if (!any) return false;
        _held = (int)newest.Index;
        (nint address, nuint length) = _maps[_held];
        frame = new ReadOnlySpan<byte>((void*)address, (int)Math.Min(newest.BytesUsed, (uint)length));
        sequence = newest.Sequence;
        return true;
    }

    /// <summary>Gives the held buffer back to the driver.</summary>
    public void Release()
    {
        if (_held < 0) return;
        int index = _held;
        _held = -1;
        Queue((uint)index);
    }

    private void Queue(uint index)
    {
        var b = new V4l2Buffer { Index = index, Type = BufTypeVideoCapture, Memory = MemoryMmap };
        _device.IoctlOrThrow(VIDIOC_QBUF, &b, "VIDIOC_QBUF");
    }

    public void Dispose()
    {
        if (_streaming)
        {
            int type = (int)BufTypeVideoCapture;
            _device.TryIoctl(VIDIOC_STREAMOFF, &type);
            _streaming = false;
        }
        if (_maps is not null)
            for (int i = 0; i < _maps.Length; i++)
                if (_maps[i].Address != 0)
                {
                    Munmap(_maps[i].Address, _maps[i].Length);
                    _maps[i] = default;
                }
        FreeBuffers();
    }

    /// <summary>REQBUFS 0: the driver frees its buffers, so the format or the DV timings can change again.</summary>
    private void FreeBuffers()
    {
        var request = new V4l2RequestBuffers { Count = 0, Type = BufTypeVideoCapture, Memory = MemoryMmap };
        _device.TryIoctl(VIDIOC_REQBUFS, &request);
    }
}
