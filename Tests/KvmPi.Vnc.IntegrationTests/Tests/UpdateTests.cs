// SPDX-License-Identifier: MIT
using KvmPi.Vnc.IntegrationTests.Support;

namespace KvmPi.Vnc.IntegrationTests.Tests;

/// <summary>Incremental updates carry only what changed; the demo target's mode command resizes the desktop.</summary>
public sealed class UpdateTests
{
    [SkippableFact]
    public async Task Idle_demo_sends_almost_nothing_and_one_typed_character_is_a_small_update()
    {
        using var server = await ServerProcess.StartAsync();
        var run = await RfbProbe.RunAsync(server.Port, new ProbeOptions
        {
            Encodings = "raw",
            Actions = ["s:500", "m:first", "s:3000", "m:idle", "K:61", "s:1500", "m:typed"],
            TailSeconds = 0.2,
        });
        Assert.True(run.Process.ExitCode == 0, "probe failed: " + run + server.Describe());
        var first = run.Marks["first"];
        var idle = run.Marks["idle"];
        var typed = run.Marks["typed"];
        long frame = (long)first.Width * first.Height;
        Assert.True(first.Full && first.Pixels >= frame, "no full first frame: " + run);

        long idlePixels = idle.Pixels - first.Pixels, idleBytes = idle.BytesReceived - first.BytesReceived;
        Assert.True(idlePixels <= frame / 50, $"an idle desktop sent {idlePixels} pixels ({idleBytes} bytes) in 3 s; a full frame is {frame}\n{run}");

        long typedPixels = typed.Pixels - idle.Pixels, typedBytes = typed.BytesReceived - idle.BytesReceived;
        Assert.True(typedPixels > 0, "typing a character produced no update: " + run);
        Assert.True(typedPixels <= frame / 20 && typedBytes < frame * 4 / 20,
            $"typing one character sent {typedPixels} pixels ({typedBytes} bytes), not a small update (full frame {frame} pixels)\n{run}");
    }

    [SkippableFact]
    public async Task Mode_command_resizes_the_desktop_for_the_client()
    {
        using var server = await ServerProcess.StartAsync();
        var run = await RfbProbe.RunAsync(server.Port, new ProbeOptions
        {
            Encodings = "zrle hextile raw",
            Actions = [.. RfbProbe.TypeText("mode 800x600"), "K:ff0d", "s:2000"],
            TailSeconds = 0.5,
        });
        Assert.True(run.Process.ExitCode == 0, "probe failed: " + run + server.Describe());
        Assert.True(run.Result!.Resizes >= 1, "no DesktopSize received: " + run);
        Assert.True((run.Result.Width, run.Result.Height) == (800, 600), "the final size is not 800x600: " + run);
        Assert.True(run.Result.Full, "no full frame after the resize: " + run);

        // A client connecting afterwards starts at the new size.
        var later = await RfbProbe.RunAsync(server.Port, new ProbeOptions { TailSeconds = 0.2 });
        Assert.True(later.Process.ExitCode == 0 && (later.Result!.Width, later.Result.Height) == (800, 600), "a new client does not see 800x600: " + later);
    }
}
