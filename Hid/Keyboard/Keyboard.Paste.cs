// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Keyboard;

/// <summary>
/// Paste as keystrokes: the viewer's clipboard is typed into the target only when the user asks, with the paste
/// chord (<see cref="KeyboardOptions.PasteChord"/>) or through <see cref="TypeText"/> — never on its own when a
/// viewer connects or its clipboard changes (field-notes §5.4: auto-typed clipboards are a top complaint).
/// </summary>
/// <remarks>
/// Typing goes at <see cref="KeyboardOptions.PasteRate"/> characters per second in the target's layout (dead keys
/// included), one press and one release report per character. Any key a viewer presses stops it at once. Characters
/// the layout cannot type are skipped; one log line per paste says how many were typed and skipped.
/// </remarks>
public sealed partial class Keyboard
{
    private readonly int _pasteRate;

    // Guarded by _lock.
    private string _clipboard = "";
    private long _typingGeneration;          // bumped to stop the paste in progress
    private CancellationTokenSource? _typingStop;

    /// <summary>Remembers the viewer's clipboard text (from ClientCutText) for the paste chord. Nothing is typed.</summary>
    /// <remarks>Longer than <see cref="KeyboardOptions.MaxPasteCharacters"/> is cut there, with a log line.</remarks>
    public void SetClipboard(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > KeyboardOptions.MaxPasteCharacters)
        {
            HidLog.PasteTruncated(_logger, text.Length, KeyboardOptions.MaxPasteCharacters);
            text = text[..KeyboardOptions.MaxPasteCharacters];
        }
        lock (_lock) _clipboard = text;
    }

    /// <summary>
    /// Types <paramref name="text"/> into the target as keystrokes, in its layout, at the paste rate; stops a paste
    /// already in progress first. Returns at once; the task completes when the text is typed or the paste stopped
    /// (a key pressed, <see cref="ReleaseAll"/>). '\n' (or "\r\n") is Return, '\t' is Tab; at most
    /// <see cref="KeyboardOptions.MaxPasteCharacters"/> characters are typed.
    /// </summary>
    /// <returns>How many characters were typed and skipped, and whether it ran to the end.</returns>
    public Task<PasteResult> TypeText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > KeyboardOptions.MaxPasteCharacters)
        {
            HidLog.PasteTruncated(_logger, text.Length, KeyboardOptions.MaxPasteCharacters);
            text = text[..KeyboardOptions.MaxPasteCharacters];
        }
        lock (_lock) return StartTypingUnsynchronized(text);
    }

    private Task<PasteResult> StartTypingUnsynchronized(string text)
    {
        StopTypingUnsynchronized();
        long generation = ++_typingGeneration;
        var stop = new CancellationTokenSource();
        _typingStop = stop;
        // The chord's own modifiers (or whatever a viewer holds) must not turn the text into shortcuts.
        _clientModifiers = 0;
        SendIfChangedUnsynchronized();
        return Task.Run(() => TypeAsync(text, generation, stop));
    }

    private void StopTypingUnsynchronized()
    {
        if (_typingStop is null) return;
        _typingGeneration++;
        _typingStop.Cancel();
        _typingStop = null;
    }

    /// <summary>A viewer pressed a key: it stops a paste; the paste chord starts one. True when the key is the
    /// chord (swallowed: it never reaches the target).</summary>
    private bool UserPressUnsynchronized(uint keysym)
    {
        StopTypingUnsynchronized();
        if (_pasteChord is null || keysym == 0 || !_pasteChord.Matches(_clientModifiers, keysym))
            return false;
        _swallowRelease = Keysym.CaseFolded(keysym);
        if (_clipboard.Length == 0)
            HidLog.PasteEmpty(_logger);
        else
            _ = StartTypingUnsynchronized(_clipboard);
        return true;
    }

    private bool IsSwallowedReleaseUnsynchronized(uint keysym)
    {
        if (_swallowRelease == 0 || Keysym.CaseFolded(keysym) != _swallowRelease) return false;
        _swallowRelease = 0;
        return true;
    }

    private async Task<PasteResult> TypeAsync(string text, long generation, CancellationTokenSource stop)
    {
        TimeSpan interval = TimeSpan.FromSeconds(1.0 / _pasteRate);
        int typed = 0, skipped = 0;
        bool completed = true;
        try
        {
            for (int i = 0; i < text.Length; i++)
            {
                uint keysym = KeysymAt(text, ref i);
                if (keysym == SkipSilently) continue;
                bool ok;
                lock (_lock)
                {
                    if (generation != _typingGeneration)
                    {
                        completed = false;
                        break;
                    }
                    ok = keysym != Untypeable && TypeOneUnsynchronized(keysym);
                }
                if (!ok)
                {
                    skipped++;
                    continue;
                }
                typed++;
                await Task.Delay(interval, stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            completed = false;
        }
        finally
        {
            lock (_lock)
            {
                if (_typingStop == stop) _typingStop = null;
            }
            stop.Dispose();
        }
        HidLog.PasteFinished(_logger, typed, skipped, _layout.Name, completed ? "done" : "stopped by a key press");
        return new PasteResult(typed, skipped, completed);
    }

    private const uint SkipSilently = 0xFFFF_FFFF, Untypeable = 0;

    /// <summary>The keysym for the character at <paramref name="i"/> (advancing over surrogate pairs and "\r\n").</summary>
    private static uint KeysymAt(string text, ref int i)
    {
        char c = text[i];
        switch (c)
        {
            case '\r':
                return i + 1 < text.Length && text[i + 1] == '\n' ? SkipSilently : Keysym.Return;
            case '\n':
                return Keysym.Return;
            case '\t':
                return Keysym.Tab;
        }
        if (c < 0x20 || c is >= '\u007F' and < '\u00A0')
            return Untypeable;
        if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            return Keysym.UnicodeOffset + (uint)char.ConvertToUtf32(c, text[++i]);
        if (char.IsSurrogate(c))
            return Untypeable;
        return c <= 0xFF ? c : Keysym.UnicodeOffset + c;   // Latin-1 keysyms are their code points
    }

    /// <summary>Types one character: (dead key,) press, release. False when the layout cannot type it.</summary>
    private bool TypeOneUnsynchronized(uint keysym)
    {
        if (!ResolveUnsynchronized(keysym, out byte usage, out LevelModifiers levels, out LayoutKey deadKey, out bool viaDeadKey))
            return false;
        if (viaDeadKey)
            TapUnsynchronized(deadKey.Usage, SelectLevels(deadKey));
        TapUnsynchronized(usage, levels);   // taps Caps Lock around it when the character needs that
        return true;
    }
}

/// <summary>The outcome of a paste: characters typed, characters the layout could not type, and whether it ran to the end.</summary>
public readonly record struct PasteResult(int Typed, int Skipped, bool Completed);
