// SPDX-License-Identifier: MIT
/*
 * xkboracle: a Linux host set to an xkeyboard-config layout, as the tests' oracle (libxkbcommon; testing.md §6).
 *
 *   xkboracle list LAYOUT          every printable character one key plus Shift / AltGr (level 3) types, then every
 *                                  character a dead key and one more key compose (libxkbcommon's en_US.UTF-8 Compose
 *                                  table); one line each: "D|C keysym-hex codepoint-hex level" (level: 0 base,
 *                                  1 Shift, 2 AltGr, 3 Shift+AltGr; for C lines, the base key's level).
 *   xkboracle type LAYOUT REPORTS [caps] [numlock]
 *                                  reads 8-byte boot keyboard reports from the file REPORTS and writes the UTF-8 text that host
 *                                  types, as a compositor would: a report's usages become evdev key events through
 *                                  the kernel's HID table (modifiers first, then releases, then presses, as
 *                                  hid-input.c does), each press is looked up before the state is updated, and dead
 *                                  keys go through xkb_compose. "caps"/"numlock" start with that lock on.
 *
 * LAYOUT is NAME or NAME(VARIANT); the keymap is rules evdev, model pc105. Build:
 *   gcc -O2 -Wall -o xkboracle xkboracle.c $(pkg-config --cflags --libs xkbcommon)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xkbcommon/xkbcommon.h>
#include <xkbcommon/xkbcommon-compose.h>

/* drivers/hid/hid-input.c hid_keyboard[]: HID Keyboard/Keypad usage -> evdev keycode (0 = none), 0x00..0xE7. */
static const unsigned char hid_keyboard[0xE8] = {
      0,  0,  0,  0, 30, 48, 46, 32, 18, 33, 34, 35, 23, 36, 37, 38,
     50, 49, 24, 25, 16, 19, 31, 20, 22, 47, 17, 45, 21, 44,  2,  3,
      4,  5,  6,  7,  8,  9, 10, 11, 28,  1, 14, 15, 57, 12, 13, 26,
     27, 43, 43, 39, 40, 41, 51, 52, 53, 58, 59, 60, 61, 62, 63, 64,
     65, 66, 67, 68, 87, 88, 99, 70,119,110,102,104,111,107,109,106,
    105,108,103, 69, 98, 55, 74, 78, 96, 79, 80, 81, 75, 76, 77, 71,
     72, 73, 82, 83, 86,127,116,117,183,184,185,186,187,188,189,190,
    191,192,193,194,134,138,130,132,128,129,131,137,133,135,136,113,
    115,114,  0,  0,  0,121,  0, 89, 93,124, 92, 94, 95,  0,  0,  0,
    122,123, 90, 91, 85,  0,  0,  0,  0,  0,  0,  0,111,  0,  0,  0,
      0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
      0,  0,  0,  0,  0,  0,179,180,  0,  0,  0,  0,  0,  0,  0,  0,
      0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
      0,  0,  0,  0,  0,  0,  0,  0,111,  0,  0,  0,  0,  0,  0,  0,
     29, 42, 56,125, 97, 54,100,126,
};

#define EVDEV_LEFTSHIFT 42
#define EVDEV_CAPSLOCK 58
#define EVDEV_NUMLOCK 69

static struct xkb_context *ctx;
static struct xkb_keymap *keymap;

static void die(const char *m) { fprintf(stderr, "xkboracle: %s\n", m); exit(2); }

static void compile(const char *spec)
{
    char layout[64] = "", variant[64] = "";
    const char *paren = strchr(spec, '(');
    if (paren) {
        snprintf(layout, sizeof layout, "%.*s", (int)(paren - spec), spec);
        snprintf(variant, sizeof variant, "%.*s", (int)strcspn(paren + 1, ")"), paren + 1);
    } else {
        snprintf(layout, sizeof layout, "%s", spec);
    }
    struct xkb_rule_names names = { "evdev", "pc105", layout, variant, "" };
    ctx = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
    if (!ctx) die("no xkb context");
    keymap = xkb_keymap_new_from_names(ctx, &names, XKB_KEYMAP_COMPILE_NO_FLAGS);
    if (!keymap) die("cannot compile the layout");
}

static void tap(struct xkb_state *s, int evdev)
{
    xkb_state_update_key(s, evdev + 8, XKB_KEY_DOWN);
    xkb_state_update_key(s, evdev + 8, XKB_KEY_UP);
}

/* A printable character: a code point >= 0x20, not DEL, and not a keypad keysym (those are keypad keys). */
static unsigned printable(xkb_keysym_t ks)
{
    if (ks >= 0xff80 && ks <= 0xffbd) return 0;
    unsigned cp = xkb_keysym_to_utf32(ks);
    return cp >= 0x20 && cp != 0x7f ? cp : 0;
}

/* ---- list ---- */

#define MAXCP 0x110000
static signed char direct_level[MAXCP];   /* -1: not typed by one key */
static xkb_keysym_t direct_sym[MAXCP];

static xkb_keysym_t sym_at(int evdev, int level3_evdev, int level)
{
    struct xkb_state *s = xkb_state_new(keymap);
    if (level & 1) xkb_state_update_key(s, EVDEV_LEFTSHIFT + 8, XKB_KEY_DOWN);
    if (level & 2) xkb_state_update_key(s, level3_evdev + 8, XKB_KEY_DOWN);
    xkb_keysym_t ks = xkb_state_key_get_one_sym(s, evdev + 8);
    xkb_state_unref(s);
    return ks;
}

static int list(void)
{
    /* The level 3 key: whichever key's first level is ISO_Level3_Shift (Right Alt on every listed layout). */
    int level3 = 0;
    for (int u = 0xE0; u <= 0xE7 && !level3; u++)
        if (sym_at(hid_keyboard[u], 0, 0) == XKB_KEY_ISO_Level3_Shift) level3 = hid_keyboard[u];
    memset(direct_level, -1, sizeof direct_level);

    /* Every key the HID table reaches, once (several usages share a key). */
    unsigned char seen[256] = {0};
    xkb_keysym_t dead[64]; int ndead = 0;
    xkb_keysym_t bases[1024]; int base_level[1024], nbases = 0;
    for (int u = 0; u < 0xE0; u++) {
        int e = hid_keyboard[u];
        if (!e || seen[e]) continue;
        seen[e] = 1;
        for (int level = 0; level < (level3 ? 4 : 2); level++) {
            xkb_keysym_t ks = sym_at(e, level3, level);
            if (ks == XKB_KEY_NoSymbol) continue;
            char name[64];
            xkb_keysym_get_name(ks, name, sizeof name);
            if (!strncmp(name, "dead_", 5)) {
                int known = 0;
                for (int i = 0; i < ndead; i++) known |= dead[i] == ks;
                if (!known && ndead < 64) dead[ndead++] = ks;
            }
            unsigned cp = printable(ks);
            if (!cp && strncmp(name, "dead_", 5)) continue;
            if (nbases < 1024) { bases[nbases] = ks; base_level[nbases++] = level; }
            if (cp && (direct_level[cp] < 0 || level < direct_level[cp])) {
                direct_level[cp] = (signed char)level;
                direct_sym[cp] = ks;
            }
        }
    }
    for (unsigned cp = 0; cp < MAXCP; cp++)
        if (direct_level[cp] >= 0) printf("D %x %x %d\n", direct_sym[cp], cp, direct_level[cp]);

    struct xkb_compose_table *table = xkb_compose_table_new_from_locale(ctx, "en_US.UTF-8", XKB_COMPOSE_COMPILE_NO_FLAGS);
    if (!table) die("no en_US.UTF-8 Compose table");
    struct xkb_compose_state *cs = xkb_compose_state_new(table, XKB_COMPOSE_STATE_NO_FLAGS);
    static unsigned char composed_seen[MAXCP];
    for (int d = 0; d < ndead; d++) {
        for (int b = 0; b < nbases; b++) {
            xkb_compose_state_reset(cs);
            xkb_compose_state_feed(cs, dead[d]);
            xkb_compose_state_feed(cs, bases[b]);
            if (xkb_compose_state_get_status(cs) != XKB_COMPOSE_COMPOSED) continue;
            char utf8[16];
            int n = xkb_compose_state_get_utf8(cs, utf8, sizeof utf8);
            if (n <= 0) continue;
            /* one code point only */
            unsigned cp; int len;
            unsigned char c0 = (unsigned char)utf8[0];
            if (c0 < 0x80) { cp = c0; len = 1; }
            else if ((c0 & 0xE0) == 0xC0) { cp = c0 & 0x1F; len = 2; }
            else if ((c0 & 0xF0) == 0xE0) { cp = c0 & 0x0F; len = 3; }
            else { cp = c0 & 0x07; len = 4; }
            if (len != n) continue;
            for (int i = 1; i < len; i++) cp = (cp << 6) | ((unsigned char)utf8[i] & 0x3F);
            if (cp < 0x20 || cp == 0x7f || cp >= MAXCP || direct_level[cp] >= 0 || composed_seen[cp]) continue;
            composed_seen[cp] = 1;
            xkb_keysym_t result = xkb_compose_state_get_one_sym(cs);
            printf("C %x %x %d\n", result, cp, base_level[b]);
        }
    }
    return 0;
}

/* ---- type ---- */

static void put_utf8(const char *s) { fputs(s, stdout); }

static void key(struct xkb_state *s, struct xkb_compose_state *cs, int evdev, int down)
{
    if (!evdev) return;
    xkb_keycode_t kc = evdev + 8;
    if (down) {
        xkb_keysym_t ks = xkb_state_key_get_one_sym(s, kc);
        char utf8[64] = "";
        xkb_state_key_get_utf8(s, kc, utf8, sizeof utf8);
        if (cs && xkb_compose_state_feed(cs, ks) == XKB_COMPOSE_FEED_ACCEPTED) {
            switch (xkb_compose_state_get_status(cs)) {
            case XKB_COMPOSE_COMPOSING:
                break;
            case XKB_COMPOSE_COMPOSED: {
                char composed[64] = "";
                xkb_compose_state_get_utf8(cs, composed, sizeof composed);
                put_utf8(composed);
                xkb_compose_state_reset(cs);
                break;
            }
            case XKB_COMPOSE_CANCELLED:
                xkb_compose_state_reset(cs);
                break;
            default:
                put_utf8(utf8);
            }
        } else {
            put_utf8(utf8);
        }
    }
    xkb_state_update_key(s, kc, down ? XKB_KEY_DOWN : XKB_KEY_UP);
}

static int type(const char *path, int caps, int numlock)
{
    FILE *in = fopen(path, "rb");
    if (!in) die("cannot open the reports file");
    struct xkb_state *s = xkb_state_new(keymap);
    if (caps) tap(s, EVDEV_CAPSLOCK);
    if (numlock) tap(s, EVDEV_NUMLOCK);
    struct xkb_compose_table *table = xkb_compose_table_new_from_locale(ctx, "en_US.UTF-8", XKB_COMPOSE_COMPILE_NO_FLAGS);
    struct xkb_compose_state *cs = table ? xkb_compose_state_new(table, XKB_COMPOSE_STATE_NO_FLAGS) : NULL;

    unsigned char prev[8] = {0}, r[8];
    while (fread(r, 1, 8, in) == 8) {
        for (int bit = 0; bit < 8; bit++) {
            int was = prev[0] >> bit & 1, is = r[0] >> bit & 1;
            if (was != is) key(s, cs, hid_keyboard[0xE0 + bit], is);
        }
        int rollover = 0;
        for (int i = 2; i < 8; i++) rollover |= r[i] == 0x01;
        if (!rollover) {
            for (int i = 2; i < 8; i++) {
                if (prev[i] <= 0x01 || memchr(r + 2, prev[i], 6)) continue;
                key(s, cs, prev[i] < 0xE0 ? hid_keyboard[prev[i]] : 0, 0);
            }
            for (int i = 2; i < 8; i++) {
                if (r[i] <= 0x01 || memchr(prev + 2, r[i], 6)) continue;
                key(s, cs, r[i] < 0xE0 ? hid_keyboard[r[i]] : 0, 1);
            }
            memcpy(prev + 2, r + 2, 6);
        }
        prev[0] = r[0];
    }
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) die("usage: xkboracle list LAYOUT | xkboracle type LAYOUT REPORTS [caps] [numlock]");
    compile(argv[2]);
    if (!strcmp(argv[1], "list")) return list();
    if (!strcmp(argv[1], "type") && argc >= 4) {
        int caps = 0, numlock = 0;
        for (int i = 4; i < argc; i++) {
            caps |= !strcmp(argv[i], "caps");
            numlock |= !strcmp(argv[i], "numlock");
        }
        return type(argv[3], caps, numlock);
    }
    die("unknown command");
    return 2;
}
