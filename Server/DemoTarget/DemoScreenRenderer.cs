// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Server.DemoTarget;

/// <summary>
/// Draws the demo target's whole screen from its state: top bar, desktop icons, the console window, the status line,
/// click markers and the pointer. Deterministic (no clock, no blinking), so tests can compare pixels exactly, and
/// allocation-free, so it can run at 60 fps. Not thread-safe.
/// </summary>
internal sealed class DemoScreenRenderer
{
    public const string Title = "KvmPi.Vnc demo target";
    private const int ClickMarkerRadius = 3;
    private const int PointerHeight = 19;
    private const int PointerWidth = 12;

    private static readonly string[] IconLabels = ["files", "mail", "trash"];
    private static readonly uint[] IconColours = [DemoPalette.IconRed, DemoPalette.IconYellow, DemoPalette.IconGreen];

    private readonly char[] _status = new char[160]; // formatted in place each frame instead of building strings
    private int _statusLength;

    /// <summary>The status line as last drawn, for tests.</summary>
    public string StatusText => new(_status, 0, _statusLength);

    public void Render(BgrxCanvas canvas, DemoLayout layout, DemoConsole console, DemoPointer pointer, bool capsLock)
    {
        canvas.Resize(layout.Width, layout.Height);
        canvas.FillRectangle(0, 0, layout.Width, layout.Height, DemoPalette.Desktop);
        DrawTopBar(canvas, layout);
        DrawIcons(canvas, layout);
        DrawConsoleWindow(canvas, layout, console);
        DrawStatusBar(canvas, layout, pointer, capsLock);
        for (int i = 0; i < pointer.MarkerCount; i++)
            DrawClickMarker(canvas, pointer.Marker(i));
        if (pointer.HasMoved)
            DrawPointer(canvas, DemoPointer.ToPixel(pointer.RawX, layout.Width), DemoPointer.ToPixel(pointer.RawY, layout.Height));
    }

    private static void DrawTopBar(BgrxCanvas canvas, DemoLayout layout)
    {
        canvas.FillRectangle(0, 0, layout.Width, DemoLayout.TopBarHeight, DemoPalette.TopBar);
        canvas.DrawText<LargeConsoleFont>(12, (DemoLayout.TopBarHeight - DemoLayout.CellHeight) / 2, Title, DemoPalette.TopBarText);
    }

    private static void DrawIcons(BgrxCanvas canvas, DemoLayout layout)
    {
        for (int i = 0; i < IconLabels.Length; i++)
        {
            int top = layout.IconTop(i);
            canvas.FillRectangle(DemoLayout.IconLeft - 2, top - 2, DemoLayout.IconSize + 4, DemoLayout.IconSize + 4, DemoPalette.IconBorder);
            canvas.FillRectangle(DemoLayout.IconLeft, top, DemoLayout.IconSize, DemoLayout.IconSize, IconColours[i]);
            int labelWidth = IconLabels[i].Length * ConsoleFont.GlyphWidth;
            canvas.DrawText<ConsoleFont>(DemoLayout.IconLeft + (DemoLayout.IconSize - labelWidth) / 2, top + DemoLayout.IconSize + 4,
                IconLabels[i], DemoPalette.IconBorder);
        }
    }

    private static void DrawConsoleWindow(BgrxCanvas canvas, DemoLayout layout, DemoConsole console)
    {
        int left = layout.WindowLeft, top = layout.WindowTop;
        int width = layout.WindowRight - left, height = layout.WindowBottom - top;
        canvas.FillRectangle(left, top, width, height, DemoPalette.WindowFrame);
        canvas.DrawText<ConsoleFont>(left + 8, top + (DemoLayout.WindowTitleHeight - ConsoleFont.GlyphHeight) / 2, "console", DemoPalette.WindowTitleText);
        canvas.FillRectangle(left + 2, top + DemoLayout.WindowTitleHeight, width - 4, height - DemoLayout.WindowTitleHeight - 2,
            DemoPalette.ConsoleBackground);

        // Show the newest lines that fit, the prompt line last. Lines longer than the window wrap.
        int columns = Math.Max(layout.Columns, 1), rows = layout.Rows;
        ReadOnlySpan<char> input = console.Input;
        int promptLineRows = RowsFor(DemoConsole.Prompt.Length + input.Length + 1, columns); // + 1: the cursor's cell
        int used = Math.Min(promptLineRows, rows);
        int first = console.Lines.Count;
        while (first > 0 && used + RowsFor(console.Lines[first - 1].Length, columns) <= rows)
            used += RowsFor(console.Lines[--first].Length, columns);

        int row = 0;
        for (int i = first; i < console.Lines.Count; i++)
            row = DrawWrapped(canvas, layout, row, 0, console.Lines[i], [], columns);
        int skip = promptLineRows - Math.Min(promptLineRows, rows); // a prompt line taller than the window shows its end
        DrawWrapped(canvas, layout, row, skip, DemoConsole.Prompt, input, columns);

        // The cursor: a solid bar under the next cell, not a block, so OCR does not read it as a character.
        int cursorIndex = DemoConsole.Prompt.Length + input.Length;
        int x = layout.ConsoleTextLeft + cursorIndex % columns * DemoLayout.CellWidth;
        int y = layout.ConsoleTextTop + (row + cursorIndex / columns - skip) * DemoLayout.CellHeight;
        canvas.FillRectangle(x + 1, y + DemoLayout.CellHeight - 4, DemoLayout.CellWidth - 2, 3, DemoPalette.ConsoleText);
    }

    /// <summary>Draws <paramref name="a"/> then <paramref name="b"/> as one line wrapped at <paramref name="columns"/>,
    /// leaving out its first <paramref name="skipRows"/> rows; returns the row after it.</summary>
    private static int DrawWrapped(BgrxCanvas canvas, DemoLayout layout, int row, int skipRows,
        ReadOnlySpan<char> a, ReadOnlySpan<char> b, int columns)
    {
        int length = a.Length + b.Length;
        int lineRows = RowsFor(length, columns);
        for (int k = skipRows * columns; k < length; k++)
        {
            char c = k < a.Length ? a[k] : b[k - a.Length];
            int x = layout.ConsoleTextLeft + k % columns * DemoLayout.CellWidth;
            int y = layout.ConsoleTextTop + (row + k / columns - skipRows) * DemoLayout.CellHeight;
            canvas.DrawGlyph<LargeConsoleFont>(x, y, c, DemoPalette.ConsoleText);
        }
        return row + lineRows - skipRows;
    }

    private static int RowsFor(int length, int columns) => Math.Max(1, (length + columns - 1) / columns);

    private void DrawStatusBar(BgrxCanvas canvas, DemoLayout layout, DemoPointer pointer, bool capsLock)
    {
        canvas.FillRectangle(0, layout.StatusBarTop, layout.Width, DemoLayout.StatusBarHeight, DemoPalette.StatusBar);
        int x = DemoPointer.ToPixel(pointer.RawX, layout.Width), y = DemoPointer.ToPixel(pointer.RawY, layout.Height);
        char left = (pointer.Buttons & 1) != 0 ? 'L' : '-';
        char middle = (pointer.Buttons & 4) != 0 ? 'M' : '-';
        char right = (pointer.Buttons & 2) != 0 ? 'R' : '-';
        // Formatted by hand into a reused buffer: interpolated TryWrite allocates (48 bytes a call, measured on .NET 10).
        var text = new SpanTextWriter(_status);
        text.Append("pointer ");
        text.Append(x);
        text.Append(',');
        text.Append(y);
        text.Append("  buttons ");
        text.Append(left);
        text.Append(middle);
        text.Append(right);
        text.Append("  wheel ");
        text.Append(pointer.WheelTotal);
        text.Append("  pan ");
        text.Append(pointer.PanTotal);
        if (capsLock)
            text.Append("  CAPS");
        if (pointer.LastClickButton is not null)
        {
            text.Append("  |  ");
            text.Append(pointer.LastClickButton);
            text.Append(" click at ");
            text.Append(pointer.LastClickX);
            text.Append(',');
            text.Append(pointer.LastClickY);
        }
        ReadOnlySpan<char> written = text.Written;
        _statusLength = written.Length;
        canvas.DrawText<ConsoleFont>(8, layout.StatusBarTop + (DemoLayout.StatusBarHeight - ConsoleFont.GlyphHeight) / 2,
            written, DemoPalette.StatusText);
    }

    private static void DrawClickMarker(BgrxCanvas canvas, (int X, int Y) at)
    {
        int r = ClickMarkerRadius;
        canvas.FillRectangle(at.X - r - 1, at.Y - r - 1, 2 * r + 3, 2 * r + 3, DemoPalette.ClickMarkerOutline);
        canvas.FillRectangle(at.X - r, at.Y - r, 2 * r + 1, 2 * r + 1, DemoPalette.ClickMarker);
    }

    /// <summary>An arrow with its tip at (x, y): white inside, outlined in black so it shows on any background.</summary>
    private static void DrawPointer(BgrxCanvas canvas, int x, int y)
    {
        for (int dy = -1; dy <= PointerHeight; dy++)
            for (int dx = -1; dx <= PointerWidth; dx++)
            {
                if (InArrow(dx, dy))
                    canvas.SetPixel(x + dx, y + dy, DemoPalette.PointerFill);
                else if (InArrow(dx - 1, dy) || InArrow(dx + 1, dy) || InArrow(dx, dy - 1) || InArrow(dx, dy + 1))
                    canvas.SetPixel(x + dx, y + dy, DemoPalette.PointerOutline);
            }
    }

    private static bool InArrow(int dx, int dy)
    {
        if (dx < 0 || dy < 0)
            return false;
        bool head = dy <= 12 && dx <= dy * 2 / 3;
        int stemLeft = 2 + (dy - 9) / 2;
        bool stem = dy is >= 9 and <= 17 && dx >= stemLeft && dx <= stemLeft + 2;
        return head || stem;
    }
}
