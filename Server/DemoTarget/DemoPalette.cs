// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Server.DemoTarget;

/// <summary>The demo screen's colours. High contrast where text must be machine-readable (console: black on white).</summary>
internal static class DemoPalette
{
    public static readonly uint TopBar = BgrxCanvas.Colour(28, 52, 110);
    public static readonly uint TopBarText = BgrxCanvas.Colour(255, 255, 255);
    public static readonly uint Desktop = BgrxCanvas.Colour(32, 100, 112);
    public static readonly uint StatusBar = BgrxCanvas.Colour(36, 36, 36);
    public static readonly uint StatusText = BgrxCanvas.Colour(230, 230, 230);
    public static readonly uint IconBorder = BgrxCanvas.Colour(240, 240, 240);
    public static readonly uint IconRed = BgrxCanvas.Colour(200, 48, 48);
    public static readonly uint IconYellow = BgrxCanvas.Colour(230, 190, 40);
    public static readonly uint IconGreen = BgrxCanvas.Colour(60, 170, 80);
    public static readonly uint WindowFrame = BgrxCanvas.Colour(70, 72, 96);
    public static readonly uint WindowTitleText = BgrxCanvas.Colour(255, 255, 255);
    public static readonly uint ConsoleBackground = BgrxCanvas.Colour(255, 255, 255);
    public static readonly uint ConsoleText = BgrxCanvas.Colour(0, 0, 0);
    public static readonly uint ClickMarker = BgrxCanvas.Colour(255, 0, 0);
    public static readonly uint ClickMarkerOutline = BgrxCanvas.Colour(0, 0, 0);
    public static readonly uint PointerFill = BgrxCanvas.Colour(255, 255, 255);
    public static readonly uint PointerOutline = BgrxCanvas.Colour(0, 0, 0);
}
