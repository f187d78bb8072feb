// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Server;

/// <summary>Settings and limits of an <see cref="RfbServer"/>. Every limit states its default and why.</summary>
public sealed class RfbServerOptions
{
    /// <summary>The name sent in ServerInit. Default "KvmPi.Vnc".</summary>
    public string DesktopName { get; init; } = "KvmPi.Vnc";

    /// <summary>The VNC Authentication password; null offers security type None. Only the first 8 bytes count (DES key).</summary>
    public string? Password { get; init; }

    /// <summary>
    /// Time a client has from connecting to finishing ClientInit. Default 10 s: real viewers need well under a
    /// second unless a person types a password, and TigerVNC's viewer asks for it before connecting.
    /// </summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest a client may leave a message half-sent before it is dropped. Default 10 s.</summary>
    public TimeSpan PartialMessageTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Longest one update may wait for the client to read it before the client is dropped. Default 30 s: enough
    /// for a full raw 1080p frame (8 MB) over a 3 Mbit/s link.
    /// </summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest ClientCutText kept, in bytes. Default 256 KiB (as TigerVNC's MaxCutText); longer text is skipped unbuffered.</summary>
    public int MaxClientCutTextBytes { get; init; } = 256 * 1024;

    /// <summary>
    /// Connections served at once; more are closed at accept. Default 256: high enough that a client holding
    /// unfinished handshakes open (each costs a few tens of KiB until its handshake timeout) cannot lock viewers out.
    /// </summary>
    public int MaxConnections { get; init; } = 256;

    /// <summary>Frame size before the first frame is published. Default 640×480.</summary>
    public int InitialWidth { get; init; } = 640;

    public int InitialHeight { get; init; } = 480;

    /// <summary>What a viewer that cannot resize sees after the desktop changed size; null: the part of the frame that fits.</summary>
    public IResizeNotice? ResizeNotice { get; init; }

    /// <summary>
    /// MJPEG pass-through: whether viewers that take Tight JPEG may be sent a Motion-JPEG capture's own images — a
    /// frame that changed almost everywhere, and, when every viewer takes them, frames that changed much without
    /// decoding them at all (<see cref="RfbServer.TryPublishJpegOnly"/>). Default true; false decodes every frame and
    /// re-encodes it at each viewer's own settings.
    /// </summary>
    public bool JpegPassThrough { get; init; } = true;

    /// <summary>
    /// How long an update that needs pixels waits for them while the capture's image is ahead of them (frames went
    /// undecoded, e.g. while nobody watched) before it is sent the older pixels after all: a capture delivers the
    /// next frame within its frame time, so only one that stalled takes this long. Default 1 s; tests set others.
    /// </summary>
    internal TimeSpan PixelWait { get; init; } = TimeSpan.FromSeconds(1);
}
