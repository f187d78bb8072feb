// SPDX-License-Identifier: MIT
using System.Buffers;
using KvmPi.Vnc.Rfb.Encoding;
using KvmPi.Vnc.Rfb.Pixels;
using KvmPi.Vnc.Rfb.Updates;
using KvmPi.Vnc.Tests.Support;

namespace KvmPi.Vnc.Tests.Rfb.Encoding;

public class SharedEncodingCacheTests
{
    private static SharedPayloadKey Key(long version, SharedPayloadKind kind = SharedPayloadKind.Raw, PixelFormat? format = null, int quality = 0) =>
        new(version, new Rect(0, 64, 128, 64), kind, format ?? PixelFormat.Bgrx32, quality, 0);

    [Fact]
    public void TheFirstViewerEncodesAndTheOthersGetItsBytes()
    {
        var cache = new SharedEncodingCache();
        var first = new ArrayBufferWriter<byte>();
        Assert.Equal(SharedLookup.Claimed, cache.TryWrite(Key(1), first));
        Assert.Equal(0, first.WrittenCount);
        cache.Publish(Key(1), [1, 2, 3]);

        var second = new ArrayBufferWriter<byte>();
        Assert.Equal(SharedLookup.Hit, cache.TryWrite(Key(1), second));
        Assert.Equal(new byte[] { 1, 2, 3 }, second.WrittenSpan.ToArray());
        Assert.Equal(1, cache.Hits);
        Assert.Equal(1, cache.Published);
    }

    [Fact]
    public void WhatTheBytesDependOnIsPartOfTheKey()
    {
        var cache = new SharedEncodingCache();
        var sink = new ArrayBufferWriter<byte>();
        cache.TryWrite(Key(1), sink);
        cache.Publish(Key(1), [1]);
        var rgb565 = new PixelFormat(16, 16, false, true, 31, 63, 31, 11, 5, 0);
        Assert.Equal(SharedLookup.Claimed, cache.TryWrite(Key(1, format: rgb565), sink));
        Assert.Equal(SharedLookup.Claimed, cache.TryWrite(Key(1, SharedPayloadKind.Hextile), sink));
        Assert.Equal(SharedLookup.Claimed, cache.TryWrite(Key(1, SharedPayloadKind.Jpeg, quality: 80), sink));
        Assert.Equal(SharedLookup.Claimed, cache.TryWrite(Key(1, SharedPayloadKind.Jpeg, quality: 92), sink));
        Assert.Equal(SharedLookup.Claimed, cache.TryWrite(Key(1) with { Rect = new Rect(0, 0, 128, 64) }, sink));
        Assert.Equal(0, sink.WrittenCount);
    }

    [Fact]
    public void NewerContentsDropOlderEntriesAndOlderContentsAreNotCached()
    {
        var cache = new SharedEncodingCache();
        var sink = new ArrayBufferWriter<byte>();
        cache.TryWrite(Key(1), sink);
        cache.Publish(Key(1), [1]);
        Assert.Equal(SharedLookup.Claimed, cache.TryWrite(Key(2), sink));
        Assert.Equal(SharedLookup.Bypass, cache.TryWrite(Key(1), sink));   // a viewer still on the old frame encodes alone
        cache.Publish(Key(1), [9]);                                        // a late publish of old contents is ignored
        cache.Publish(Key(2), [2]);
        Assert.Equal(SharedLookup.Hit, cache.TryWrite(Key(2), sink));
        Assert.Equal(new byte[] { 2 }, sink.WrittenSpan.ToArray());
    }

    [Fact]
    public async Task AViewerAskingWhileAnotherEncodesWaitsForItsBytes()
    {
        var cache = new SharedEncodingCache();
        Assert.Equal(SharedLookup.Claimed, cache.TryWrite(Key(5), new ArrayBufferWriter<byte>()));
        var waiting = Task.Run(() =>
        {
            var sink = new ArrayBufferWriter<byte>();
            return (cache.TryWrite(Key(5), sink), sink.WrittenSpan.ToArray());
        });
        cache.Publish(Key(5), [7, 7]);
        var (lookup, bytes) = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(SharedLookup.Hit, lookup);
        Assert.Equal(new byte[] { 7, 7 }, bytes);
    }

    [Fact]
    public async Task AnAbandonedClaimPassesToTheNextViewer()
    {
        var cache = new SharedEncodingCache();
        Assert.Equal(SharedLookup.Claimed, cache.TryWrite(Key(5), new ArrayBufferWriter<byte>()));
        var waiting = Task.Run(() => cache.TryWrite(Key(5), new ArrayBufferWriter<byte>()));
        cache.Abandon(Key(5));
        Assert.Equal(SharedLookup.Claimed, await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void SteadyStateAllocatesNothing()
    {
        var cache = new SharedEncodingCache();
        var sink = new ArrayBufferWriter<byte>(1 << 20);
        byte[] payload = new byte[100_000];
        long version = 0, hits = 0;
        void Frame()
        {
            version++;
            for (int i = 0; i < 16; i++)
            {
                var key = new SharedPayloadKey(version, new Rect(i * 64, 0, 64, 64), SharedPayloadKind.Jpeg, default, 80, 2);
                sink.ResetWrittenCount();
                if (cache.TryWrite(key, sink) == SharedLookup.Claimed) cache.Publish(key, payload);
                sink.ResetWrittenCount();
                if (cache.TryWrite(key, sink) == SharedLookup.Hit) hits++;
            }
        }
        for (int i = 0; i < 3; i++) Frame();   // warm: entries and buffers exist
        Assert.Equal(0, Allocations.LeastOverRounds(Frame));
        Assert.Equal(16 * version, hits);
    }
}
