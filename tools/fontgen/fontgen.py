#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Converts a Linux console font (PSF1 or PSF2, optionally gzipped, 8 or 16 pixels wide) into a C# byte table
for the demo target's screen: Server/DemoTarget/ConsoleFont.g.cs (small labels) and LargeConsoleFont.g.cs
(the console text, sized for OCR).

Only printable ASCII (U+0020..U+007E) is extracted, found through the font's Unicode table so that fonts whose
glyph order is not ASCII (Lat15-*, Uni2-*) work too. Standard library only; see README.md for usage.
"""
import argparse
import gzip
import os
import re
import struct
import sys

FIRST, LAST = 0x20, 0x7E

PSF1_MAGIC = b"\x36\x04"
PSF1_MODE512, PSF1_MODEHASTAB = 0x01, 0x02
PSF2_MAGIC = b"\x72\xb5\x4a\x86"
PSF2_HAS_UNICODE_TABLE = 0x01


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data


def parse_psf1(data):
    mode, height = data[2], data[3]
    count = 512 if mode & PSF1_MODE512 else 256
    glyphs = [data[4 + i * height: 4 + (i + 1) * height] for i in range(count)]
    mapping = {}
    if mode & PSF1_MODEHASTAB:
        pos, glyph = 4 + count * height, 0
        while glyph < count and pos + 1 < len(data):
            (value,) = struct.unpack_from("<H", data, pos)
            pos += 2
            if value == 0xFFFF:
                glyph += 1
            elif value == 0xFFFE:
                # Sequences (combining characters) follow until 0xFFFF; none are printable ASCII, skip them.
                while pos + 1 < len(data) and struct.unpack_from("<H", data, pos)[0] != 0xFFFF:
                    pos += 2
            else:
                mapping.setdefault(value, glyph)
    else:
        mapping = {c: c for c in range(count)}
    return 8, height, glyphs, mapping


def parse_psf2(data):
    _, version, header_size, flags, count, charsize, height, width = struct.unpack_from("<4sIIIIIII", data, 0)
    glyphs = [data[header_size + i * charsize: header_size + (i + 1) * charsize] for i in range(count)]
    mapping = {}
    if flags & PSF2_HAS_UNICODE_TABLE:
        table, glyph, pos = data[header_size + count * charsize:], 0, 0
        while glyph < count and pos < len(table):
            end = table.index(b"\xff", pos)
            entry = table[pos:end].split(b"\xfe")[0]  # the part before 0xFE is single code points (UTF-8)
            for ch in entry.decode("utf-8", errors="ignore"):
                mapping.setdefault(ord(ch), glyph)
            glyph, pos = glyph + 1, end + 1
    else:
        mapping = {c: c for c in range(count)}
    return width, height, glyphs, mapping


def read_licence(path, section):
    """The text of section '== ...section...' of a Debian copyright file, as C# comment lines. A section header
    may continue over several lines (a list of BDF files) up to the first blank line."""
    text = load(path).decode("utf-8")
    blocks = re.split(r"^== ", text, flags=re.MULTILINE)
    for block in blocks[1:]:
        header, _, body = block.partition("\n\n")
        if section in header.replace(",", " ").split():
            return "\n".join(("// " + line).rstrip() for line in body.strip().splitlines())
    sys.exit(f"{path}: no section for {section}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--font", default="/usr/share/consolefonts/Lat15-VGA16.psf.gz")
    parser.add_argument("--package", default="console-setup-linux",
                        help="Debian package the font comes from (named in the generated header)")
    parser.add_argument("--licence-file", default="/usr/share/doc/console-setup-linux/copyright.fonts.gz",
                        help="Debian copyright file that holds the font's licence")
    parser.add_argument("--licence-section", default="u_vga16.bdf",
                        help="the '== NAME' section of --licence-file for the BDF source of --font")
    parser.add_argument("--class-name", default="ConsoleFont", help="the generated C# class (and file) name")
    parser.add_argument("--output", help="default: Server/DemoTarget/CLASS-NAME.g.cs")
    args = parser.parse_args()
    if args.output is None:
        args.output = os.path.join(here, "..", "..", "Server", "DemoTarget", args.class_name + ".g.cs")

    licence = read_licence(args.licence_file, args.licence_section)
    data = load(args.font)
    if data[:2] == PSF1_MAGIC:
        width, height, glyphs, mapping = parse_psf1(data)
    elif data[:4] == PSF2_MAGIC:
        width, height, glyphs, mapping = parse_psf2(data)
    else:
        sys.exit(f"{args.font}: not a PSF1 or PSF2 font")
    if width not in (8, 16):
        sys.exit(f"{args.font}: glyphs are {width} pixels wide; only 8 and 16 (one or two bytes a row) are supported")
    row_bytes = width // 8
    missing = [chr(c) for c in range(FIRST, LAST + 1) if c not in mapping]
    if missing:
        sys.exit(f"{args.font}: no glyph for {''.join(missing)!r}")

    lines = []
    for code in range(FIRST, LAST + 1):
        rows = glyphs[mapping[code]][:height * row_bytes]
        shown = "space" if code == 0x20 else chr(code)
        lines.append("        " + ", ".join(f"0x{b:02X}" for b in rows) + f", // U+{code:04X} {shown}")

    font_name = os.path.basename(args.font)
    text = f"""// SPDX-License-Identifier: MIT
// <auto-generated>
// Generated by tools/fontgen/fontgen.py from {font_name} (Debian package {args.package}). Do not edit;
// re-run the generator instead (see tools/fontgen/README.md).
// Debian's {os.path.basename(args.licence_file)} states: "All console fonts are public domain by nature."
// The glyphs come from the BDF font {args.licence_section}, whose licence, as quoted there, is:
//
{licence}
// </auto-generated>
namespace KvmPi.Vnc.Server.DemoTarget;

/// <summary>
/// Bitmaps of printable ASCII from a {width}x{height} console font: {row_bytes} byte(s) a row, most significant bit leftmost.
/// </summary>
internal sealed class {args.class_name} : IBitmapFont
{{
    public static int GlyphWidth => {width};
    public static int GlyphHeight => {height};
    public static int BytesPerRow => {row_bytes};
    public static char FirstChar => '\\u{FIRST:04X}';
    public static char LastChar => '\\u{LAST:04X}';

    /// <summary>Glyph <c>c</c> is <c>GlyphHeight × BytesPerRow</c> bytes at <c>(c - FirstChar) × GlyphHeight × BytesPerRow</c>.</summary>
    public static ReadOnlySpan<byte> Glyphs =>
    [
{os.linesep.join(lines)}
    ];
}}
"""
    with open(args.output, "w", newline="\n") as f:
        f.write(text)
    print(f"wrote {os.path.normpath(args.output)}: {LAST - FIRST + 1} glyphs of {width}x{height} from {args.font}")


if __name__ == "__main__":
    main()
