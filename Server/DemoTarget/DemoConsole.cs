// SPDX-License-Identifier: MIT
using System.Globalization;

namespace KvmPi.Vnc.Server.DemoTarget;

/// <summary>
/// The demo target's shell: a prompt, the line being typed, the lines above it, and four commands. Knows nothing of
/// HID or pixels; <see cref="DemoTarget"/> feeds it characters and edit keys and draws what it holds.
/// Not thread-safe: the target calls it under its lock.
/// </summary>
internal sealed class DemoConsole(Action<int, int> changeMode)
{
    public const string Prompt = "demo$ ";
    public const int MinWidth = 640, MinHeight = 480, MaxWidth = 1920, MaxHeight = 1200;

    /// <summary>Longest input line; further characters are ignored, like a full line buffer.</summary>
    public const int MaxInputLength = 256;

    /// <summary>Lines kept above the prompt. The screen shows the newest that fit; older ones are forgotten.</summary>
    public const int MaxLines = 200;

    private readonly List<string> _lines = [];
    private readonly char[] _input = new char[MaxInputLength];
    private int _inputLength;

    /// <summary>Lines above the prompt, oldest first (commands as typed, with the prompt, and their output).</summary>
    public IReadOnlyList<string> Lines => _lines;

    /// <summary>Goes up by one on every change of what the console shows, so the target renders only real changes.</summary>
    public int Version { get; private set; }

    /// <summary>What has been typed on the prompt line so far.</summary>
    public ReadOnlySpan<char> Input => _input.AsSpan(0, _inputLength);

    public void Type(char c)
    {
        if (_inputLength < MaxInputLength)
        {
            _input[_inputLength++] = c;
            Version++;
        }
    }

    /// <summary>Tab moves to the next multiple of 8 columns of the whole line, as a terminal's tab stops do.</summary>
    public void Tab()
    {
        do Type(' ');
        while ((Prompt.Length + _inputLength) % 8 != 0 && _inputLength < MaxInputLength);
    }

    public void Backspace()
    {
        if (_inputLength > 0)
        {
            _inputLength--;
            Version++;
        }
    }

    /// <summary>Ctrl+L: clears the screen but keeps the line being typed, as bash does.</summary>
    public void ClearScreen()
    {
        _lines.Clear();
        Version++;
    }

    /// <summary>Ctrl+C: abandons the line, which stays visible with "^C" after it.</summary>
    public void Interrupt()
    {
        AddLine(string.Concat(Prompt, Input, "^C"));
        _inputLength = 0;
    }

    /// <summary>Return: the line moves up and runs.</summary>
    public void Enter()
    {
        string line = new(Input);
        _inputLength = 0;
        Version++;
        AddLine(Prompt + line);
        Execute(line.Trim());
    }

    private void Execute(string command)
    {
        int space = command.IndexOf(' ');
        string name = space < 0 ? command : command[..space];
        string argument = space < 0 ? "" : command[(space + 1)..];
        switch (name)
        {
            case "":
                break;
            case "help":
                // Short lines: the console is 32 columns wide at 640x480.
                AddLine("commands: help, clear,");
                AddLine("echo TEXT, mode WxH");
                AddLine($"(WxH: {MinWidth}x{MinHeight}..{MaxWidth}x{MaxHeight})");
                break;
            case "clear":
                ClearScreen();
                break;
            case "echo":
                AddLine(argument.TrimStart());
                break;
            case "mode":
                if (TryParseMode(argument.Trim(), out int width, out int height))
                {
                    AddLine($"mode {width}x{height}");
                    changeMode(width, height);
                }
                else
                    AddLine($"usage: mode WxH, {MinWidth}x{MinHeight}..{MaxWidth}x{MaxHeight}");
                break;
            default:
                AddLine("unknown command: " + name);
                break;
        }
    }

    private static bool TryParseMode(string text, out int width, out int height)
    {
        height = 0;
        int x = text.IndexOf('x');
        return int.TryParse(text.AsSpan(0, Math.Max(x, 0)), NumberStyles.None, CultureInfo.InvariantCulture, out width)
            && int.TryParse(text.AsSpan(x + 1), NumberStyles.None, CultureInfo.InvariantCulture, out height)
            && width is >= MinWidth and <= MaxWidth
            && height is >= MinHeight and <= MaxHeight;
    }

    private void AddLine(string line)
    {
        if (_lines.Count == MaxLines)
            _lines.RemoveAt(0);
        _lines.Add(line);
        Version++;
    }
}
