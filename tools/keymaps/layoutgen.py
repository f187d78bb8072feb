#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generates the keysym -> key tables of Hid/Keyboard/Layouts/ from xkeyboard-config, through libxkbcommon.

    apt-get install libxkbcommon0 xkb-data x11-common   # x11-common/libx11-data: the en_US.UTF-8 Compose file
    python3 tools/keymaps/layoutgen.py Hid/Keyboard/Layouts            # the layouts in LAYOUTS below
    python3 tools/keymaps/layoutgen.py Hid/Keyboard/Layouts us 'de(nodeadkeys)'   # or name them

For each layout, a host set to it is simulated exactly as the target would be: the keymap is compiled with
rules evdev / model pc105, each HID usage is turned into the key the Linux kernel reports for it (the kernel's
hid_keyboard[] table in drivers/hid/hid-input.c, reproduced below), and the modifier *keys* are pressed in an
xkb_state (Left Shift; the key whose first level is ISO_Level3_Shift, normally Right Alt; the one with
ISO_Level5_Shift, if any) with Caps Lock off and on. What each key then produces is recorded:

* direct entries: keysym -> (usage, modifiers with Caps Lock off, modifiers with Caps Lock on). The cheapest way
  wins: fewest modifiers; the ISO 102nd key (usage 0x64) and the Japanese/Korean keys count 2 extra, because an
  ANSI keyboard has no 102nd key and Windows' US layout reads it as backslash where xkb's pc105 says less-than.
* compose entries: characters that only a dead key reaches (dead key, then a base key, per libxkbcommon's
  en_US.UTF-8 Compose table) -> (index of the dead key's entry, index of the base key's entry).

Keys are canonical: a character's Unicode code point (so 'EuroSign' 0x20AC and 'U+20AC' 0x010020AC meet), or
0x40000000 | keysym for keysyms that are no character (dead keys). Also written: LegacyKeysyms.g.cs, the legacy
keysym -> code point table (xkb_keysym_to_utf32) that turns a viewer's legacy keysym into that canonical key.
"""
import ctypes
import ctypes.util
import os
import sys

LAYOUTS = ["us", "gb", "de", "fr", "es", "it", "ch(fr)", "se", "no", "dk", "fi", "pl", "pt", "br", "be", "cz", "hu",
           "tr", "jp", "ru", "ua", "us(intl)", "ch", "ca", "latam", "nl", "lt", "gr", "il", "us(dvorak)"]

# drivers/hid/hid-input.c hid_keyboard[]: HID usage (index) -> Linux evdev keycode, usages 0x00..0xE7.
HID_TO_EVDEV = [
    0, 0, 0, 0, 30, 48, 46, 32, 18, 33, 34, 35, 23, 36, 37, 38,
    50, 49, 24, 25, 16, 19, 31, 20, 22, 47, 17, 45, 21, 44, 2, 3,
    4, 5, 6, 7, 8, 9, 10, 11, 28, 1, 14, 15, 57, 12, 13, 26,
    27, 43, 43, 39, 40, 41, 51, 52, 53, 58, 59, 60, 61, 62, 63, 64,
    65, 66, 67, 68, 87, 88, 99, 70, 119, 110, 102, 104, 111, 107, 109, 106,
    105, 108, 103, 69, 98, 55, 74, 78, 96, 79, 80, 81, 75, 76, 77, 71,
    72, 73, 82, 83, 86, 127, 116, 117, 183, 184, 185, 186, 187, 188, 189, 190,
    191, 192, 193, 194, 134, 138, 130, 132, 128, 129, 131, 137, 133, 135, 136, 113,
    115, 114, 0, 0, 0, 121, 0, 89, 93, 124, 92, 94, 95, 0, 0, 0,
    122, 123, 90, 91, 85, 0, 0, 0, 0, 0, 0, 0, 111, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 179, 180, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    29, 42, 56, 125, 97, 54, 100, 126,
]

# Keys that type characters: letters, digits, Space and punctuation (0x32 "Non-US #" is skipped: the kernel maps
# it to the same key as 0x31, and the lowest usage is what keyboards send), the ISO 102nd key, the Japanese
# Ro and Yen keys, and the keypad (some layouts put characters such as U+2212 on its AltGr level).
KEYPAD_USAGES = list(range(0x54, 0x64)) + [0x67, 0x85]
CHARACTER_USAGES = list(range(0x04, 0x28)) + [0x2C, 0x2D, 0x2E, 0x2F, 0x30, 0x31, 0x33, 0x34, 0x35, 0x36, 0x37,
                                             0x38, 0x64, 0x87, 0x89] + KEYPAD_USAGES
EXTRA_COST = {0x64: 2, 0x87: 2, 0x89: 2, **{u: 3 for u in KEYPAD_USAGES}}
# Where the level 3/5 shift keys may be, most usual first: modifier keys only, so that they are bits of the report
# modifier byte (a layout with its AltGr on a character key gets no level 3 entries).
LEVEL_KEY_SEARCH = [0xE6, 0xE4, 0xE7, 0xE3, 0xE2]

SHIFT, LEVEL3, LEVEL5 = 1, 2, 4
# The key types the same keysym with and without Shift (Space): the viewer's Shift is left alone, so Shift+Space
# stays Shift+Space. Never set together with SHIFT, so 0xF (unreachable) cannot be mistaken for it.
SHIFT_ANY = 8
USAGE_LEFT_SHIFT, USAGE_CAPS_LOCK = 0xE1, 0x39
XKB_KEY_ISO_Level3_Shift, XKB_KEY_ISO_Level5_Shift = 0xFE03, 0xFE11
NON_CHARACTER_FLAG = 0x4000_0000

lib = ctypes.CDLL(ctypes.util.find_library("xkbcommon") or "libxkbcommon.so.0")


class RuleNames(ctypes.Structure):
    _fields_ = [("rules", ctypes.c_char_p), ("model", ctypes.c_char_p), ("layout", ctypes.c_char_p),
                ("variant", ctypes.c_char_p), ("options", ctypes.c_char_p)]


vp, u32, i32 = ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int
for name, res, args in [
    ("xkb_context_new", vp, [i32]),
    ("xkb_keymap_new_from_names", vp, [vp, ctypes.POINTER(RuleNames), i32]),
    ("xkb_keymap_unref", None, [vp]),
    ("xkb_state_new", vp, [vp]),
    ("xkb_state_unref", None, [vp]),
    ("xkb_state_update_key", i32, [vp, u32, i32]),
    ("xkb_state_key_get_one_sym", u32, [vp, u32]),
    ("xkb_keysym_to_utf32", u32, [u32]),
    ("xkb_keysym_get_name", i32, [u32, ctypes.c_char_p, ctypes.c_size_t]),
    ("xkb_compose_table_new_from_locale", vp, [vp, ctypes.c_char_p, i32]),
    ("xkb_compose_state_new", vp, [vp, i32]),
    ("xkb_compose_state_feed", i32, [vp, u32]),
    ("xkb_compose_state_reset", None, [vp]),
    ("xkb_compose_state_get_status", i32, [vp]),
    ("xkb_compose_state_get_utf8", i32, [vp, ctypes.c_char_p, ctypes.c_size_t]),
    ("xkb_compose_state_get_one_sym", u32, [vp]),
]:
    f = getattr(lib, name)
    f.restype, f.argtypes = res, args

XKB_KEY_UP, XKB_KEY_DOWN = 0, 1
XKB_COMPOSE_COMPOSED = 2

CONTEXT = lib.xkb_context_new(0)
COMPOSE = lib.xkb_compose_state_new(lib.xkb_compose_table_new_from_locale(CONTEXT, b"en_US.UTF-8", 0), 0)
if not COMPOSE:
    sys.exit("layoutgen: no en_US.UTF-8 Compose table (install libx11-data)")


def xkb_keycode(usage):
    return HID_TO_EVDEV[usage] + 8


def keysym_name(ks):
    buf = ctypes.create_string_buffer(64)
    lib.xkb_keysym_get_name(ks, buf, 64)
    return buf.value.decode()


def canonical(ks):
    """The table key of a keysym: its code point when it is a printable character, else flag | keysym."""
    if 0xFF00 <= ks <= 0xFFFF:   # keypad, function and editing keysyms: the keyboard handles them by keysym
        return NON_CHARACTER_FLAG | ks
    cp = lib.xkb_keysym_to_utf32(ks)
    if cp >= 0x20 and cp != 0x7F and not 0xD800 <= cp <= 0xDFFF:
        return cp
    return NON_CHARACTER_FLAG | ks


def split(spec):
    if "(" in spec:
        name, variant = spec[:-1].split("(")
        return name, variant
    return spec, ""


def compile_keymap(spec):
    layout, variant = split(spec)
    names = RuleNames(b"evdev", b"pc105", layout.encode(), variant.encode(), b"")
    keymap = lib.xkb_keymap_new_from_names(CONTEXT, ctypes.byref(names), 0)
    if not keymap:
        sys.exit(f"layoutgen: xkbcommon cannot compile layout '{spec}'")
    return keymap


def sym_with(keymap, usage, press_usages, caps):
    state = lib.xkb_state_new(keymap)
    try:
        if caps:
            lib.xkb_state_update_key(state, xkb_keycode(USAGE_CAPS_LOCK), XKB_KEY_DOWN)
            lib.xkb_state_update_key(state, xkb_keycode(USAGE_CAPS_LOCK), XKB_KEY_UP)
        for m in press_usages:
            lib.xkb_state_update_key(state, xkb_keycode(m), XKB_KEY_DOWN)
        return lib.xkb_state_key_get_one_sym(state, xkb_keycode(usage))
    finally:
        lib.xkb_state_unref(state)


def find_level_key(keymap, keysym):
    for usage in LEVEL_KEY_SEARCH:
        if sym_with(keymap, usage, [], False) == keysym:
            return usage
    return 0


def popcount(x):
    return bin(x).count("1")


def generate(spec):
    keymap = compile_keymap(spec)
    level3 = find_level_key(keymap, XKB_KEY_ISO_Level3_Shift)
    level5 = find_level_key(keymap, XKB_KEY_ISO_Level5_Shift)
    mod_keys = {SHIFT: USAGE_LEFT_SHIFT, LEVEL3: level3, LEVEL5: level5}
    modsets = [m for m in range(8) if all(mod_keys[b] for b in (SHIFT, LEVEL3, LEVEL5) if m & b)]

    # produced[caps][(usage, mods)] = keysym
    produced = {False: {}, True: {}}
    for caps in (False, True):
        for mods in modsets:
            press = [mod_keys[b] for b in (SHIFT, LEVEL3, LEVEL5) if mods & b]
            for usage in CHARACTER_USAGES:
                ks = sym_with(keymap, usage, press, caps)
                if ks and not (0xFE01 <= ks <= 0xFE0F or 0xFE11 <= ks <= 0xFE13 or 0xFF00 <= ks <= 0xFFFF):
                    produced[caps][(usage, mods)] = ks

    def cost(usage, mods):
        return (popcount(mods) + EXTRA_COST.get(usage, 0), mods, usage)

    best = {}   # canonical -> (cost, usage, mods, keysym)
    for (usage, mods), ks in produced[False].items():
        key = canonical(ks)
        c = cost(usage, mods)
        if key not in best or c < best[key][0]:
            best[key] = (c, usage, mods, ks)

    def shift_any(caps, usage, mods):
        if mods & SHIFT:
            return mods
        shifted = produced[caps].get((usage, mods | SHIFT))
        return mods | SHIFT_ANY if shifted is not None and shifted == produced[caps].get((usage, mods)) else mods

    direct = []
    for key, (c, usage, mods, ks) in best.items():
        caps_mods = 0xF
        options = sorted((cost(usage, m), m) for (u, m), s in produced[True].items() if u == usage and canonical(s) == key)
        if options:
            caps_mods = shift_any(True, usage, options[0][1])
        direct.append((key, usage, shift_any(False, usage, mods), caps_mods, ks))
    direct.sort()
    index = {d[0]: i for i, d in enumerate(direct)}

    compose = {}   # canonical result -> (cost, dead index, base index)
    dead = [d for d in direct if keysym_name(d[4]).startswith("dead_")]
    for d in dead:
        for b in direct:
            lib.xkb_compose_state_reset(COMPOSE)
            lib.xkb_compose_state_feed(COMPOSE, d[4])
            lib.xkb_compose_state_feed(COMPOSE, b[4])
            if lib.xkb_compose_state_get_status(COMPOSE) != XKB_COMPOSE_COMPOSED:
                continue
            buf = ctypes.create_string_buffer(64)
            lib.xkb_compose_state_get_utf8(COMPOSE, buf, 64)
            text = buf.value.decode("utf-8")
            if len(text) != 1 or ord(text) < 0x20 or ord(text) == 0x7F:
                continue
            key = ord(text)
            if key in index:
                continue   # typed directly
            c = (cost(d[1], d[2] & 7), cost(b[1], b[2] & 7))
            if key not in compose or c < compose[key][0]:
                compose[key] = (c, index[d[0]], index[b[0]])
    lib.xkb_keymap_unref(keymap)
    return level3, level5, direct, sorted((k, v[1], v[2]) for k, v in compose.items())


def describe(key):
    if key & NON_CHARACTER_FLAG:
        return keysym_name(key & ~NON_CHARACTER_FLAG)
    ch = chr(key)
    return ch if ch.isprintable() and ch not in "\\" else f"U+{key:04X}"


def identifier(spec):
    return "".join(p.capitalize() for p in spec.replace("(", "_").replace(")", "").split("_"))


def le32(v):
    return [v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF, (v >> 24) & 0xFF]


def write_layout(outdir, spec, level3, level5, direct, compose):
    ident = identifier(spec)
    lines = [
        "// SPDX-License-Identifier: MIT",
        f"// <auto-generated> by tools/keymaps/layoutgen.py from xkeyboard-config '{spec}' (evdev, pc105) and",
        "// libxkbcommon's en_US.UTF-8 Compose table; do not edit. </auto-generated>",
        "namespace KvmPi.Vnc.Hid.Keyboard.Layouts;",
        "",
        "internal static partial class GeneratedLayouts",
        "{",
        f"    /// <summary>'{spec}': {len(direct)} keysyms on one key, {len(compose)} more through a dead key.",
        "    /// Entries: key (U32 LE), usage, modifiers (low nibble Caps Lock off, high nibble on; 1 Shift, 2 level 3, 4 level 5,",
        "    /// 8 Shift does not matter; F unreachable).</summary>",
        f"    private static ReadOnlySpan<byte> {ident}Keys =>",
        "    [",
    ]
    for i in range(0, len(direct), 4):
        chunk = direct[i:i + 4]
        cells = []
        for key, usage, mods, caps_mods, _ in chunk:
            cells.append(", ".join(f"0x{b:02X}" for b in le32(key) + [usage, mods | (caps_mods << 4)]))
        lines.append("        " + ", ".join(cells) + ",  // " + " ".join(describe(d[0]) for d in chunk))
    lines.append("    ];")
    lines.append("")
    lines.append(f"    /// <summary>'{spec}' dead-key characters: key (U32 LE), dead key entry (U16 LE), base key entry (U16 LE).</summary>")
    lines.append(f"    private static ReadOnlySpan<byte> {ident}Compose =>")
    lines.append("    [")
    for i in range(0, len(compose), 4):
        chunk = compose[i:i + 4]
        cells = []
        for key, d, b in chunk:
            cells.append(", ".join(f"0x{x:02X}" for x in le32(key) + [d & 0xFF, d >> 8, b & 0xFF, b >> 8]))
        lines.append("        " + ", ".join(cells) + ",  // " + " ".join(describe(c[0]) for c in chunk))
    lines.append("    ];")
    lines.append("}")
    with open(os.path.join(outdir, f"Layout.{spec.replace('(', '_').replace(')', '')}.g.cs"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return ident


def write_index(outdir, entries):
    lines = [
        "// SPDX-License-Identifier: MIT",
        "// <auto-generated> by tools/keymaps/layoutgen.py; do not edit. </auto-generated>",
        "namespace KvmPi.Vnc.Hid.Keyboard.Layouts;",
        "",
        "internal static partial class GeneratedLayouts",
        "{",
        "    /// <summary>The generated layouts' names, as --layout takes them.</summary>",
        "    public static readonly string[] Names = [" + ", ".join(f'"{spec}"' for spec, *_ in entries) + "];",
        "",
        "    /// <summary>Index into <see cref=\"Names\"/>, or -1.</summary>",
        "    public static int IndexOf(string name) => name switch",
        "    {",
    ]
    for i, (spec, *_rest) in enumerate(entries):
        lines.append(f'        "{spec}" => {i},')
    lines += ["        _ => -1,", "    };", "",
              "    /// <summary>The usage of the key that is ISO_Level3_Shift (AltGr), 0 when the layout has none.</summary>",
              "    public static byte Level3Usage(int layout) => layout switch", "    {"]
    for i, (spec, ident, l3, l5) in enumerate(entries):
        lines.append(f"        {i} => 0x{l3:02X},")
    lines += ["        _ => 0,", "    };", "",
              "    /// <summary>The usage of the key that is ISO_Level5_Shift, 0 when the layout has none.</summary>",
              "    public static byte Level5Usage(int layout) => layout switch", "    {"]
    for i, (spec, ident, l3, l5) in enumerate(entries):
        if l5:
            lines.append(f"        {i} => 0x{l5:02X},")
    lines += ["        _ => 0,", "    };", "", "    public static ReadOnlySpan<byte> Keys(int layout) => layout switch", "    {"]
    for i, (spec, ident, l3, l5) in enumerate(entries):
        lines.append(f"        {i} => {ident}Keys,")
    lines += ["        _ => [],", "    };", "", "    public static ReadOnlySpan<byte> Compose(int layout) => layout switch", "    {"]
    for i, (spec, ident, l3, l5) in enumerate(entries):
        lines.append(f"        {i} => {ident}Compose,")
    lines += ["        _ => [],", "    };", "}"]
    with open(os.path.join(outdir, "GeneratedLayouts.g.cs"), "w") as f:
        f.write("\n".join(lines) + "\n")


def write_legacy_keysyms(outdir):
    """Legacy (pre-Unicode) keysyms with a character: Latin-2..4, Katakana, Arabic, Cyrillic, Greek, Technical,
    Special, Publishing, APL, Hebrew, Thai, Korean, Latin-9, currency (keysymdef.h 0x100..0x20FF). Latin-1
    (0x20..0xFF) is its own code point and is not listed."""
    rows = []
    for ks in range(0x100, 0x2100):
        cp = lib.xkb_keysym_to_utf32(ks)
        if cp >= 0x20 and cp != 0x7F:
            assert cp <= 0xFFFF
            rows.append((ks, cp))
    lines = [
        "// SPDX-License-Identifier: MIT",
        "// <auto-generated> by tools/keymaps/layoutgen.py from libxkbcommon's xkb_keysym_to_utf32; do not edit. </auto-generated>",
        "namespace KvmPi.Vnc.Hid.Keyboard.Layouts;",
        "",
        "/// <summary>Legacy keysyms 0x100..0x20FF that name a character → that character's code point.</summary>",
        "internal static class LegacyKeysyms",
        "{",
        f"    public const int Count = {len(rows)};",
        "",
        "    /// <summary>Sorted by keysym; entries: keysym (U16 LE), code point (U16 LE).</summary>",
        "    public static ReadOnlySpan<byte> Table =>",
        "    [",
    ]
    for i in range(0, len(rows), 8):
        chunk = rows[i:i + 8]
        lines.append("        " + ", ".join(
            f"0x{ks & 0xFF:02X}, 0x{ks >> 8:02X}, 0x{cp & 0xFF:02X}, 0x{cp >> 8:02X}" for ks, cp in chunk) + ",")
    lines += ["    ];", "}"]
    with open(os.path.join(outdir, "LegacyKeysyms.g.cs"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    outdir = sys.argv[1]
    specs = sys.argv[2:] or LAYOUTS
    os.makedirs(outdir, exist_ok=True)
    for name in os.listdir(outdir):
        if name.startswith("Layout.") and name.endswith(".g.cs"):
            os.remove(os.path.join(outdir, name))
    entries = []
    for spec in specs:
        level3, level5, direct, compose = generate(spec)
        ident = write_layout(outdir, spec, level3, level5, direct, compose)
        entries.append((spec, ident, level3, level5))
        print(f"{spec:12} level3=0x{level3:02X} level5=0x{level5:02X} direct={len(direct)} dead-key={len(compose)}",
              file=sys.stderr)
    write_index(outdir, entries)
    write_legacy_keysyms(outdir)


if __name__ == "__main__":
    main()
