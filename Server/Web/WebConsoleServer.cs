// SPDX-License-Identifier: MIT
using System.Net;
using System.Net.WebSockets;
using KvmPi.Vnc.Rfb.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;

namespace KvmPi.Vnc.Server.Web;

/// <summary>
/// The browser console: Kestrel (from the shared framework, minimal and AOT-compatible: no MVC, no routing) serving
/// the console page and noVNC's own ES modules from <c>wwwroot/</c> next to the executable, and RFB over WebSocket at
/// <c>/websockify</c> on the same port, fed into the same <see cref="RfbServer"/> as the TCP listener: same sessions,
/// limits and authentication, so a browser and a native viewer see the target at once.
/// </summary>
internal sealed class WebConsoleServer : IAsyncDisposable
{
    /// <summary>The WebSocket path, as websockify and noVNC's own app name it.</summary>
    public const string WebSocketPath = "/websockify";

    /// <summary>
    /// Largest WebSocket message accepted. RFB clients send small messages; the largest is ClientCutText, whose text
    /// the RFB server keeps up to 256 KiB and skips beyond. 4 MiB leaves room for a big clipboard while refusing
    /// the gigabyte-sized messages a frame header can announce.
    /// </summary>
    public const int MaxMessageBytes = 4 * 1024 * 1024;

    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private int _disposed;

    private WebConsoleServer(WebApplication app) => _app = app;

    public IPEndPoint? LocalEndPoint { get; private set; }

    /// <summary>Binds and starts serving. Throws IOException (address in use, not available) for the caller to report.</summary>
    public static async Task<WebConsoleServer> StartAsync(IPEndPoint endPoint, RfbServer rfb, ILoggerFactory loggerFactory)
    {
        string webRoot = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        ILogger log = loggerFactory.CreateLogger("KvmPi.Vnc.Web");
        if (!File.Exists(Path.Combine(webRoot, "novnc", "core", "rfb.js")))
            WebLog.NoVncMissing(log, Path.Combine(webRoot, "novnc"));

        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentUpgradedConnections = rfb.Options.MaxConnections;
            kestrel.Limits.MaxConcurrentConnections = rfb.Options.MaxConnections + 64;
            kestrel.Limits.MaxRequestBodySize = 64 * 1024;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            kestrel.Listen(endPoint, listen => listen.Protocols = HttpProtocols.Http1);
        });

        WebApplication app = builder.Build();
        var server = new WebConsoleServer(app);
        bool loopbackOnly = IPAddress.IsLoopback(endPoint.Address);
        // Without its files (a bare binary copied somewhere) the console is unavailable, never the RFB service.
        bool haveFiles = Directory.Exists(webRoot);
        IFileProvider files = haveFiles ? new PhysicalFileProvider(webRoot) : new NullFileProvider();

        app.Use((context, next) =>
        {
            string? host = context.Request.Headers.Host;
            if (!OriginPolicy.IsHostAllowed(host, loopbackOnly))
            {
                WebLog.ForeignHost(log, Remote(context), host);
                context.Response.StatusCode = StatusCodes.Status421MisdirectedRequest;
                return Task.CompletedTask;
            }
            IHeaderDictionary headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; " +
                                            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
            // The page and modules change with each release; revalidate (ETag) rather than run a stale console.
            headers.CacheControl = "no-cache";
            return next(context);
        });
        app.UseWebSockets();
        app.Use((context, next) =>
        {
            if (context.Request.Path.Equals(WebSocketPath, StringComparison.Ordinal))
                return server.ServeWebSocketAsync(context, rfb, log);
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                return Task.CompletedTask;
            }
            if (context.Request.Path == "/") context.Request.Path = "/index.html";
            if (context.Request.Path == "/ping")
            {
                // The page's latency indicator: one round trip, nothing else.
                context.Response.Headers.CacheControl = "no-store";
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                return Task.CompletedTask;
            }
            if (context.Request.Path == "/config.json")
            {
                // Whether to ask for a password before connecting; nothing else is told before authentication.
                context.Response.Headers.CacheControl = "no-store";
                context.Response.ContentType = "application/json";
                return context.Response.WriteAsync(rfb.Options.Password is null ? """{"passwordRequired":false}""" : """{"passwordRequired":true}""");
            }
            return next(context);
        });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        app.Run(context =>
        {
            if (context.Request.Path == "/index.html")
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return context.Response.WriteAsync("The browser console's files are not installed next to kvmpi-vnc (wwwroot/); see README.\n");
            }
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });

        await app.StartAsync().ConfigureAwait(false);
        server.LocalEndPoint = endPoint.Port != 0 ? endPoint : ResolveBoundEndPoint(app, endPoint);
        WebLog.Serving(log, server.LocalEndPoint);
        return server;
    }

    private async Task ServeWebSocketAsync(HttpContext context, RfbServer rfb, ILogger log)
    {
        string remote = Remote(context);
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("WebSocket upgrade expected (RFB over WebSocket)\n").ConfigureAwait(false);
            return;
        }
        string? origin = context.Request.Headers.Origin;
        string? host = context.Request.Headers.Host;
        if (!OriginPolicy.IsOriginAllowed(origin, host))
        {
            WebLog.ForeignOrigin(log, remote, origin, host);
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }
        // As websockify: echo "binary" when offered; a client that offers only other protocols (the old "base64")
        // cannot be served. No subprotocol at all means binary too.
        IList<string> offered = context.WebSockets.WebSocketRequestedProtocols;
        string? subProtocol = null;
        if (offered.Count > 0)
        {
            if (!offered.Contains("binary"))
            {
                WebLog.NoBinaryProtocol(log, remote, string.Join(", ", offered));
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }
            subProtocol = "binary";
        }

        WebSocket socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = subProtocol,
            DangerousEnableCompression = false,
            // Pings find a browser that vanished (suspended laptop, lost Wi-Fi) so its held keys are released.
            KeepAliveInterval = TimeSpan.FromSeconds(10),
            KeepAliveTimeout = TimeSpan.FromSeconds(20),
        }).ConfigureAwait(false);
        EndPoint? remoteEndPoint = context.Connection.RemoteIpAddress is { } ip ? new IPEndPoint(ip, context.Connection.RemotePort) : null;
        var stream = new WebSocketRfbStream(socket, MaxMessageBytes, log, remote);
        await rfb.RunConnectionAsync(stream, remoteEndPoint, _stopping.Token).ConfigureAwait(false);
    }

    private static string Remote(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } ip ? new IPEndPoint(ip, context.Connection.RemotePort).ToString() : "?";

    private static IPEndPoint ResolveBoundEndPoint(WebApplication app, IPEndPoint requested)
    {
        foreach (string url in app.Urls)
            if (Uri.TryCreate(url, UriKind.Absolute, out Uri? uri))
                return new IPEndPoint(requested.Address, uri.Port);
        return requested;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await _app.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }
}
