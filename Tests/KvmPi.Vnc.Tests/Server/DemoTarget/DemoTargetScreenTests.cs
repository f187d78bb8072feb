// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Server.DemoTarget;
using KvmPi.Vnc.Tests.Capture;
using static KvmPi.Vnc.Tests.Server.DemoTarget.DemoTargetInput;
using Target = KvmPi.Vnc.Server.DemoTarget.DemoTarget;
using KvmPi.Vnc.Tests.Support;

namespace KvmPi.Vnc.Tests.Server.DemoTarget;

public sealed class DemoTargetScreenTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task FirstFrameComesAtOnceAndNothingMoreWhileNothingChanges()
    {
        var target = new Target(800, 600);
        var sink = new RecordingFrameSink();
        using var cts = new CancellationTokenSource();
        Task run = target.RunAsync(sink, cts.Token);
        await sink.WaitForFramesAsync(1, Patience);
        Assert.Equal((800, 600), (sink.Frames[0].Width, sink.Frames[0].Height));
        await Task.Delay(150);
        Assert.Single(sink.Frames);
        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task ReportsThatChangeNothingVisibleProduceNoFrame()
    {
        var target = new Target();
        var sink = new RecordingFrameSink();
        using var cts = new CancellationTokenSource();
        Task run = target.RunAsync(sink, cts.Token);
        await sink.WaitForFramesAsync(1, Patience);
        target.Keyboard.Send(Keys(0));                                   // nothing pressed
        target.Keyboard.Send(Keys(0, 0x3A));                             // F1: types nothing
        target.Keyboard.Send(Keys(0));
        target.Mouse.Send(Pointer(100, 100, 1024, 768));
        await sink.WaitForFramesAsync(2, Patience);                      // the pointer appeared
        target.Mouse.Send(Pointer(100, 100, 1024, 768));                 // same place, same buttons
        await Task.Delay(150);
        Assert.Equal(2, sink.Frames.Count);
        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task LeftClickLeavesAMarkerWhereThePointerWas()
    {
        var target = new Target();
        var sink = new RecordingFrameSink();
        using var cts = new CancellationTokenSource();
        Task run = target.RunAsync(sink, cts.Token);
        await sink.WaitForFramesAsync(1, Patience);
        var red = (R: (byte)255, G: (byte)0, B: (byte)0);
        Assert.NotEqual(red, sink.Frames[0].PixelAt(412, 300));

        target.Mouse.Send(Pointer(412, 300, 1024, 768));
        target.Mouse.Send(Pointer(412, 300, 1024, 768, buttons: 1));
        target.Mouse.Send(Pointer(412, 300, 1024, 768));
        target.Mouse.Send(Pointer(40, 500, 1024, 768)); // move the arrow off the marker, onto the desktop

        // The arrow's tip is white, and the desktop there is not: that frame has seen every report.
        RecordedFrame frame = await WaitForFrameAsync(sink, f => f.PixelAt(40, 500) == (255, 255, 255));
        Assert.Equal(red, frame.PixelAt(412, 300));
        Assert.Equal(red, frame.PixelAt(409, 297)); // a 7x7 square around the click
        Assert.Equal(red, frame.PixelAt(415, 303));
        Assert.NotEqual(red, frame.PixelAt(412, 305));
        Assert.EndsWith("left click at 412,300", target.ReadStatusLine(), StringComparison.Ordinal);
        Assert.StartsWith("pointer 40,500  buttons ---", target.ReadStatusLine(), StringComparison.Ordinal);
        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task ModeCommandChangesTheDeliveredFrameSize()
    {
        var target = new Target();
        var sink = new RecordingFrameSink();
        using var cts = new CancellationTokenSource();
        Task run = target.RunAsync(sink, cts.Token);
        await sink.WaitForFramesAsync(1, Patience);
        Assert.Equal((1024, 768), (sink.Frames[0].Width, sink.Frames[0].Height));

        Type(target, "mode 800x600");
        Tap(target, Enter);
        RecordedFrame frame = await WaitForFrameAsync(sink, f => f.Width != 1024);
        Assert.Equal((800, 600), (frame.Width, frame.Height));
        Assert.Equal((800, 600), (target.Width, target.Height));
        Assert.Equal("mode 800x600", target.ReadConsole().Lines[^1]);
        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task SameInputGivesTheSamePixels()
    {
        byte[] first = await RenderAfterAsync(t => { Type(t, "echo abc"); Tap(t, Enter); t.Mouse.Send(Pointer(10, 10, 1024, 768, 1)); });
        byte[] second = await RenderAfterAsync(t => { Type(t, "echo abc"); Tap(t, Enter); t.Mouse.Send(Pointer(10, 10, 1024, 768, 1)); });
        Assert.Equal(first, second);
        byte[] other = await RenderAfterAsync(t => { Type(t, "echo abd"); Tap(t, Enter); t.Mouse.Send(Pointer(10, 10, 1024, 768, 1)); });
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void RenderingAllocatesNothing()
    {
        var console = new DemoConsole((_, _) => { });
        foreach (char c in "echo hello")
            console.Type(c);
        console.Enter();
        var pointer = new DemoPointer();
        pointer.Apply(Pointer(300, 200, 1024, 768, buttons: 1), 1024, 768, out _);
        var renderer = new DemoScreenRenderer();
        var canvas = new BgrxCanvas();
        var layout = new DemoLayout(1024, 768);
        for (int i = 0; i < 3; i++)
            renderer.Render(canvas, layout, console, pointer, capsLock: true); // warm-up: the canvas buffer is allocated here, code is jitted

        Assert.Equal(0, Allocations.LeastOverRounds(() =>
        {
            for (int i = 0; i < 5; i++)
                renderer.Render(canvas, layout, console, pointer, capsLock: true);
        }));
    }

    [Fact]
    public void LongOutputScrollsAndKeepsThePromptVisible()
    {
        var target = new Target(640, 480);
        for (int i = 0; i < 30; i++)
        {
            Type(target, "echo " + i);
            Tap(target, Enter);
        }
        Assert.Equal(60, target.ReadConsole().Lines.Count);
        var layout = new DemoLayout(640, 480);
        Assert.True(layout.Rows >= 8 && layout.Columns >= 30, $"{layout.Columns}x{layout.Rows} cells at 640x480");
    }

    [Fact]
    public void PointerReportUnitsMapToPixelsEndToEnd()
    {
        Assert.Equal(0, DemoPointer.ToPixel(0, 1024));
        Assert.Equal(1023, DemoPointer.ToPixel(32767, 1024));
        for (int x = 0; x < 1920; x += 7) // every pixel a KVM sends survives the round trip
            Assert.Equal(x, DemoPointer.ToPixel((int)Math.Round(x * 32767.0 / 1919), 1920));
    }

    private static async Task<byte[]> RenderAfterAsync(Action<Target> input)
    {
        var target = new Target();
        input(target);
        var sink = new RecordingFrameSink();
        using var cts = new CancellationTokenSource();
        Task run = target.RunAsync(sink, cts.Token);
        await sink.WaitForFramesAsync(1, Patience);
        await cts.CancelAsync();
        await run;
        return sink.Frames[0].Bgrx;
    }

    internal static async Task<RecordedFrame> WaitForFrameAsync(RecordingFrameSink sink, Func<RecordedFrame, bool> predicate)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            IReadOnlyList<RecordedFrame> frames = sink.Frames;
            if (frames.Count > 0 && predicate(frames[^1]))
                return frames[^1];
            await Task.Delay(10);
        }
        throw new TimeoutException("no matching frame");
    }
}
