// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Server.DemoTarget;

/// <summary>
/// A generated bitmap font (tools/fontgen): static members, so drawing is generic over the font with no instance
/// and no virtual call per glyph.
/// </summary>
internal interface IBitmapFont
{
    static abstract int GlyphWidth { get; }
    static abstract int GlyphHeight { get; }
    static abstract int BytesPerRow { get; }
    static abstract char FirstChar { get; }
    static abstract char LastChar { get; }
    static abstract ReadOnlySpan<byte> Glyphs { get; }
}
