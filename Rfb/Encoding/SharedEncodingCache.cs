// SPDX-License-Identifier: MIT
using System.Buffers;
using System.Numerics;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Rfb.Updates;

namespace KvmPi.Vnc.Rfb.Encoding;

/// <summary>What a shared payload is: stateless encodings only, whose bytes depend on nothing but the pixels.</summary>
public enum SharedPayloadKind
{
    Raw,
    Hextile,
    /// <summary>The JPEG image of a Tight JPEG rectangle (without its Tight header): quality and subsampling matter, the client's pixel format does not.</summary>
    Jpeg,
}

/// <summary>
/// Identifies an encoded rectangle: the framebuffer contents (<see cref="Framebuffer.Version"/>), the rectangle,
/// the encoding and what else its bytes depend on (pixel format for Raw/Hextile, quality and subsampling for JPEG;
/// pass defaults for what does not apply).
/// </summary>
public readonly record struct SharedPayloadKey(long Version, Rect Rect, SharedPayloadKind Kind, PixelFormat Format, int Quality, int Subsampling);

/// <summary>Outcome of <see cref="SharedEncodingCache.TryWrite"/>.</summary>
public enum SharedLookup
{
    /// <summary>The payload was written to the output.</summary>
    Hit,
    /// <summary>Nobody has it: the caller encodes it and must then call <see cref="SharedEncodingCache.Publish"/> or <see cref="SharedEncodingCache.Abandon"/>.</summary>
    Claimed,
    /// <summary>Not cacheable now (older contents, or the cache is full): the caller encodes for itself.</summary>
    Bypass,
}

/// <summary>
/// Per-frame cache of stateless encoded rectangles, shared by every viewer of one server: viewers with the same
/// pixel format that are sent the same rectangle of the same contents in the same stateless encoding (Raw,
/// Hextile, JPEG at the same quality and subsampling) get bytes encoded once and copied to each. The first viewer
/// to ask encodes ("claims"); viewers asking meanwhile wait for its bytes instead of encoding the same again.
/// </summary>
/// <remarks>
/// Only the newest contents are kept: the first key of a newer <see cref="Framebuffer.Version"/> drops every
/// entry, so memory is bounded by one frame's encodings (and <see cref="MaxBytes"/>). Buffers stay with their
/// entries, which are recycled, so the steady state allocates nothing. Zlib-based encodings (ZRLE, Tight basic) carry
/// per-viewer stream state and are never shared.
/// </remarks>
public sealed class SharedEncodingCache
{
    /// <summary>Bytes held at most; beyond that, viewers encode for themselves.</summary>
    public const long MaxBytes = 64L * 1024 * 1024;

    /// <summary>Longest a viewer waits for another's encoding before doing it itself (a safety net; encoding one rectangle takes milliseconds).</summary>
    private static readonly TimeSpan ClaimWait = TimeSpan.FromSeconds(1);

    private sealed class Entry
    {
        public byte[] Buffer = [];
        public int Length;
        public bool Ready;
    }

    private readonly object _gate = new();
    private readonly Dictionary<SharedPayloadKey, Entry> _entries = new(256);
    private readonly Stack<Entry> _free = new();
    private long _version = long.MinValue;
    private long _bytes;

    /// <summary>Payloads written from the cache so far (for tests and load tools).</summary>
    public long Hits { get; private set; }

    /// <summary>Payloads encoded and published so far.</summary>
    public long Published { get; private set; }

    /// <summary>
    /// Writes the payload for <paramref name="key"/> to <paramref name="output"/> if it is cached, waiting for it if
    /// another viewer is encoding it right now; otherwise claims it for the caller.
    /// </summary>
    public SharedLookup TryWrite(in SharedPayloadKey key, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        lock (_gate)
        {
            if (key.Version < _version) return SharedLookup.Bypass;
            if (key.Version > _version) ResetLocked(key.Version);
            while (_entries.TryGetValue(key, out Entry? entry))
            {
                if (entry.Ready)
                {
                    output.Write(entry.Buffer.AsSpan(0, entry.Length));
                    Hits++;
                    return SharedLookup.Hit;
                }
                // Another viewer is encoding it: wait for Publish, Abandon or a newer version.
                if (!Monitor.Wait(_gate, ClaimWait) || key.Version != _version) return SharedLookup.Bypass;
            }
            if (_bytes >= MaxBytes) return SharedLookup.Bypass;
            Entry claimed = _free.Count > 0 ? _free.Pop() : new Entry();
            claimed.Ready = false;
            claimed.Length = 0;
            _entries.Add(key, claimed);
            return SharedLookup.Claimed;
        }
    }

    /// <summary>Stores the payload the caller claimed and wakes viewers waiting for it.</summary>
    public void Publish(in SharedPayloadKey key, ReadOnlySpan<byte> payload)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out Entry? entry) && !entry.Ready)
            {
                // Grown, never swapped through the shared array pool: viewers publish from whichever pool thread runs
                // their update, and that pool's per-thread caches then miss and allocate anyway. Recycled entries reach
                // the sizes the frames need after a few frames; then nothing is allocated.
                if (entry.Buffer.Length < payload.Length)
                    entry.Buffer = new byte[Math.Max(4096, (int)Math.Min(BitOperations.RoundUpToPowerOf2((uint)payload.Length), (uint)Array.MaxLength))];
                payload.CopyTo(entry.Buffer);
                entry.Length = payload.Length;
                entry.Ready = true;
                _bytes += payload.Length;
                Published++;
            }
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Gives up a claim (the caller could not encode it as keyed); a waiting viewer then claims it.</summary>
    public void Abandon(in SharedPayloadKey key)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out Entry? entry) && !entry.Ready)
            {
                _entries.Remove(key);
                _free.Push(entry);
            }
            Monitor.PulseAll(_gate);
        }
    }

    private void ResetLocked(long version)
    {
        foreach (Entry e in _entries.Values)
        {
            // Buffers stay with their entries (pooled by reuse); only very large ones are let go.
            if (e.Buffer.Length > 1024 * 1024) e.Buffer = [];
            _free.Push(e);
        }
        _entries.Clear();
        _bytes = 0;
        _version = version;
        Monitor.PulseAll(_gate);
    }
}
