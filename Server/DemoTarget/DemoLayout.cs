// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Server.DemoTarget;

/// <summary>Where everything sits on a demo screen of a given size. Pure arithmetic, computed once per mode.</summary>
internal readonly record struct DemoLayout(int Width, int Height)
{
    /// <summary>
    /// Console cells are the 16x32 glyphs of <see cref="LargeConsoleFont"/>, drawn 1:1: a font designed at that size
    /// reads back with tesseract from a full-frame screenshot where the 8x16 font scaled 2x did not ("123!" came
    /// back as "i1z3t").
    /// </summary>
    public static int CellWidth => LargeConsoleFont.GlyphWidth;
    public static int CellHeight => LargeConsoleFont.GlyphHeight;

    public const int TopBarHeight = 40;
    public const int StatusBarHeight = 24;
    public const int IconSize = 48;
    public const int IconLeft = 16;
    public const int IconPitch = 80; // icon plus its label below
    public const int WindowTitleHeight = 24;
    public const int ConsolePadding = 8;

    public int StatusBarTop => Height - StatusBarHeight;
    public int IconTop(int index) => TopBarHeight + 16 + index * IconPitch;

    public int WindowLeft => 88;
    public int WindowTop => TopBarHeight + 16;
    public int WindowRight => Width - 16;
    public int WindowBottom => StatusBarTop - 16;

    public int ConsoleTextLeft => WindowLeft + ConsolePadding;
    public int ConsoleTextTop => WindowTop + WindowTitleHeight + ConsolePadding;
    public int Columns => (WindowRight - WindowLeft - 2 * ConsolePadding) / CellWidth;
    public int Rows => (WindowBottom - WindowTop - WindowTitleHeight - 2 * ConsolePadding) / CellHeight;
}
