// SPDX-License-Identifier: MIT
using System.Text.Json.Nodes;
using Xunit.Abstractions;
using KvmPi.Vnc.IntegrationTests.Support;

namespace KvmPi.Vnc.IntegrationTests.Tests;

/// <summary>
/// TightPNG (−260) as noVNC decodes it: noVNC lists Tight before TightPNG, so the server normally sends it Tight. Here
/// the page's WebSocket asks for TightPNG in Tight's place (a test shim in the page, noVNC itself untouched), and the
/// console's canvas, drawn by noVNC's TightPNG decoder through the browser's own PNG decoder, must end up exactly the
/// frame a TCP viewer is served (Raw). Chromium's PNG decoder does not check the zlib stream's Adler-32 (tried: a
/// wrong one still shows); the unit tests do (PngWriterTests, PixelDeflaterFinishTests).
/// </summary>
public sealed class NoVncTightPngTests(ITestOutputHelper output)
{
    /// <summary>
    /// Installed in the page: every WebSocket send that carries noVNC's SetEncodings (…, Tight 7, TightPNG −260, …)
    /// lists TightPNG twice instead; PNG images the page decodes are counted (noVNC hands them to an Image as a
    /// data: URL); the socket is kept so the test can drop the connection and let the console reconnect.
    /// </summary>
    private const string ShimJs = """
        (() => {
          if (window.__png) return true;
          const state = window.__png = { asked: 0, images: 0, socket: null };
          const send = WebSocket.prototype.send;
          WebSocket.prototype.send = function (data) {
            state.socket = this;
            if (data instanceof Uint8Array) {
              for (let i = 0; i + 8 <= data.length; i++) {
                if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 0 && data[i + 3] === 7
                    && data[i + 4] === 0xFF && data[i + 5] === 0xFF && data[i + 6] === 0xFE && data[i + 7] === 0xFC) {
                  data = data.slice();
                  data.set([0xFF, 0xFF, 0xFE, 0xFC], i);
                  state.asked++;
                  break;
                }
              }
            }
            return send.call(this, data);
          };
          const src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, 'src');
          Object.defineProperty(HTMLImageElement.prototype, 'src', {
            get() { return src.get.call(this); },
            set(v) {
              if (typeof v === 'string' && v.replace(/\s/g, '').startsWith('data:image/png')) state.images++;
              src.set.call(this, v);
            },
          });
          return true;
        })()
        """;

    [SkippableFact]
    public async Task NoVnc_decodes_TightPNG_to_the_exact_frame()
    {
        Skip.IfNot(File.Exists(Browser.ChromiumPath), "chromium is missing (./test.sh installs it)");
        using var dir = new TempDir("novnc-tightpng");
        int http = FreePort.Get();
        using var server = await ServerProcess.StartAsync("--http", $"127.0.0.1:{http}", "--name", "tightpng");
        await using var browser = await Browser.OpenAsync($"http://127.0.0.1:{http}/", 1280, 1000);
        Assert.True(await browser.WaitForAsync("document.body.dataset.state === 'connected'", TimeSpan.FromSeconds(15)),
            "the console did not connect:\n" + await browser.ConsoleAsync() + "\n" + server.Describe());

        // The first connection listed Tight: send something (a pointer move) so the shim sees the socket, drop it,
        // and the console reconnects by itself, this time asking for TightPNG.
        await browser.EvalAsync(ShimJs);
        await browser.EvalAsync("document.querySelector('canvas').dispatchEvent(new MouseEvent('mousemove', { clientX: 20, clientY: 20, bubbles: true }))");
        Assert.True(await browser.WaitForAsync("window.__png.socket !== null", TimeSpan.FromSeconds(10)), "noVNC sent nothing after a pointer move");
        await browser.EvalAsync("window.__png.socket.close()");
        Assert.True(await browser.WaitForAsync("document.body.dataset.state !== 'connected'", TimeSpan.FromSeconds(10)),
            "the console did not notice the dropped connection:\n" + await browser.ConsoleAsync());
        Assert.True(await browser.WaitForAsync("document.body.dataset.state === 'connected' && window.__png.asked > 0", TimeSpan.FromSeconds(20)),
            "the console did not reconnect asking for TightPNG:\n" + await browser.ConsoleAsync() + "\n" + server.Describe());

        // noVNC's default quality level (6) allows JPEG; the lossless refresh makes the picture exact within seconds.
        string canvasPng = dir.File("canvas.png");
        RgbImage served = await ServedFrame.ReadAsync(server.Port);
        var waiting = System.Diagnostics.Stopwatch.StartNew();
        await browser.CanvasPngAsync(canvasPng);
        while (RgbImage.Compare(served, await RgbImage.LoadAsync(canvasPng)).Count > 0 && waiting.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(500);
            served = await ServedFrame.ReadAsync(server.Port);
            await browser.CanvasPngAsync(canvasPng);
        }

        JsonNode? images = await browser.EvalAsync("window.__png.images");
        output.WriteLine($"PNG images decoded by the page: {images}; exact after {waiting.Elapsed.TotalSeconds:F1} s");
        Assert.True(images!.GetValue<int>() > 0, "the page decoded no PNG image: the server did not send TightPNG\n" + server.Describe());
        await RgbImage.AssertEqualAsync(served, await RgbImage.LoadAsync(canvasPng), "noVNC's canvas (TightPNG) against the served frame", dir);
    }
}
