// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Keyboard;

/// <summary>How a <see cref="Keyboard"/> types: the target's layout and the paste settings.</summary>
public sealed record KeyboardOptions
{
    /// <summary>The layout the target is set to (--layout). Default us.</summary>
    public KeyboardLayout Layout { get; init; } = KeyboardLayout.Us;

    /// <summary>The key chord that types the viewer's clipboard (--paste-chord); null disables it. Default Ctrl+Alt+Shift+V.</summary>
    public PasteChord? PasteChord { get; init; } = global::KvmPi.Vnc.Hid.Keyboard.PasteChord.Default;

    /// <summary>
    /// Characters per second when pasting (--paste-rate, 1..1000). Default 40 (25 ms a character): between PiKVM's
    /// slow mode (20 ms) and NanoKVM (30 ms), slow enough for a BIOS or a busy target that drops fast key reports.
    /// </summary>
    public int PasteRate { get; init; } = 40;

    /// <summary>Longest text pasted, in characters; longer text is cut with a log line. 64 Ki.</summary>
    public const int MaxPasteCharacters = 64 * 1024;
}
