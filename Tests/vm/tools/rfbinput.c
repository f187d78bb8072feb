/*
 * rfbinput - a minimal RFB client for the test VM: connects without a password,
 * announces the LED State pseudo-encodings, keeps one small update request
 * outstanding, sends key and pointer events, and prints every LED state the
 * server sends. Static, no libraries: the VM has none.
 *
 * Usage: rfbinput [-v] HOST PORT [ACTION]...
 *   -v          announce VMware LED State (0x574D5668) instead of QEMU's (-261)
 * Actions, run in order while server messages keep being read:
 *   k:HEX       key press and release (X11 keysym, hex)
 *   d:HEX       key down            u:HEX   key up
 *   p:X,Y,MASK  pointer event (MASK decimal: 1 left, 8/16 wheel up/down); a negative X or Y counts from the
 *               right or bottom edge (-1,-1 is the bottom-right pixel)
 *   s:MS        sleep MS milliseconds (still reading)
 *   f:PATH      wait (up to 300 s) until PATH exists
 *   l:N,MS      wait up to MS for LED state N (decimal: 1 Scroll, 2 Num, 4 Caps); exit 3 if it does not come
 * Output lines:
 *   connected WIDTHxHEIGHT "NAME"
 *   led N                           (each LED State rectangle: N is its value)
 *   done
 *
 * Build: gcc -O2 -Wall -static -o rfbinput rfbinput.c
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int sock;
static int width, height;
static int vmware;
static int led = -1;

static void die(const char *what)
{
    fprintf(stderr, "rfbinput: %s\n", what);
    exit(2);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void send_all(const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t w = write(sock, b, n);
        if (w <= 0) die("write failed");
        b += w;
        n -= (size_t)w;
    }
}

static void recv_all(void *p, size_t n)
{
    uint8_t *b = p;
    while (n > 0) {
        ssize_t r = read(sock, b, n);
        if (r <= 0) die("connection closed during the handshake");
        b += r;
        n -= (size_t)r;
    }
}

static uint32_t be32(const uint8_t *b) { return (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]; }
static uint16_t be16(const uint8_t *b) { return (uint16_t)(b[0] << 8 | b[1]); }

static void request_update(int incremental)
{
    /* 1x1 at the origin: pixels stay cheap; pseudo-rectangles come regardless */
    uint8_t m[10] = { 3, (uint8_t)incremental, 0, 0, 0, 0, 0, 1, 0, 1 };
    send_all(m, sizeof m);
}

/* Streaming parser of server messages: what is being read, and how many bytes remain for it. */
enum { MSG, UPDATE, RECT, SKIP, LED, CUT };
static int state = MSG, rects, bpp = 4;
static uint8_t acc[16];
static size_t need = 1, have;
static int32_t rect_enc;
static uint64_t skip;

static void expect(int s, size_t n) { state = s; need = n; have = 0; }

static void after_rect(void)
{
    if (--rects > 0) expect(RECT, 12);
    else { request_update(1); expect(MSG, 1); }
}

static void feed(const uint8_t *b, size_t n)
{
    while (n > 0) {
        if (state == SKIP) {
            size_t k = skip < n ? (size_t)skip : n;
            skip -= k; b += k; n -= k;
            if (skip == 0) after_rect();
            continue;
        }
        size_t k = need - have < n ? need - have : n;
        memcpy(acc + have, b, k);
        have += k; b += k; n -= k;
        if (have < need) break;
        switch (state) {
        case MSG:
            if (acc[0] == 0) expect(UPDATE, 3);
            else if (acc[0] == 2) expect(MSG, 1);          /* Bell */
            else if (acc[0] == 3) expect(CUT, 7);          /* ServerCutText */
            else { fprintf(stderr, "rfbinput: unexpected message type %d\n", acc[0]); exit(2); }
            break;
        case UPDATE:
            rects = be16(acc + 1);
            if (rects == 0) { request_update(1); expect(MSG, 1); }
            else expect(RECT, 12);
            break;
        case RECT: {
            uint32_t w = be16(acc + 4), h = be16(acc + 6);
            rect_enc = (int32_t)be32(acc + 8);
            if (rect_enc == 0 && w * h > 0) { skip = (uint64_t)w * h * bpp; state = SKIP; }
            else if (rect_enc == -261) expect(LED, 1);
            else if (rect_enc == 0x574D5668) expect(LED, 4);
            else if (rect_enc == 0 || rect_enc == -223) after_rect();
            else { fprintf(stderr, "rfbinput: unexpected encoding %d\n", rect_enc); exit(2); }
            break;
        }
        case LED:
            led = need == 1 ? acc[0] : (int)be32(acc);
            printf("led %d\n", led);
            fflush(stdout);
            after_rect();
            break;
        case CUT:
            skip = be32(acc + 3);
            if (skip == 0) expect(MSG, 1);
            else { state = SKIP; rects = 1; } /* after_rect on a 1-rect count re-requests: harmless */
            break;
        }
    }
}

/* Reads what the server sends for up to ms milliseconds (or until stop() holds). */
static void pump(double ms, int (*stop)(void))
{
    double end = now() + ms / 1000.0;
    uint8_t buf[65536];
    for (;;) {
        if (stop && stop()) return;
        double left = end - now();
        if (left <= 0) return;
        struct pollfd p = { sock, POLLIN, 0 };
        if (poll(&p, 1, (int)(left * 1000) + 1) > 0) {
            ssize_t r = read(sock, buf, sizeof buf);
            if (r <= 0) die("server closed the connection");
            feed(buf, (size_t)r);
        }
    }
}

static int wanted_led;
static int led_is_wanted(void) { return led == wanted_led; }
static const char *wanted_path;
static int path_exists(void) { struct stat st; return stat(wanted_path, &st) == 0; }

static void key(uint32_t keysym, int down)
{
    uint8_t m[8] = { 4, (uint8_t)down, 0, 0, keysym >> 24, keysym >> 16, keysym >> 8, keysym };
    send_all(m, sizeof m);
}

int main(int argc, char **argv)
{
    int a = 1;
    if (a < argc && strcmp(argv[a], "-v") == 0) { vmware = 1; a++; }
    if (argc - a < 2) { fprintf(stderr, "usage: rfbinput [-v] HOST PORT [ACTION]...\n"); return 2; }
    setvbuf(stdout, NULL, _IOLBF, 0);

    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[a + 1])) };
    if (inet_pton(AF_INET, argv[a], &sa.sin_addr) != 1) die("HOST must be an IPv4 address");
    sock = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(sock, (struct sockaddr *)&sa, sizeof sa) != 0) die("cannot connect");

    uint8_t b[64];
    recv_all(b, 12);
    send_all("RFB 003.008\n", 12);
    recv_all(b, 1);
    int ntypes = b[0], none = 0;
    if (ntypes == 0) die("server refused the connection");
    recv_all(b, ntypes);
    for (int i = 0; i < ntypes; i++) none |= b[i] == 1;
    if (!none) die("server wants a password");
    send_all("\x01", 1);
    recv_all(b, 4);
    if (be32(b) != 0) die("security handshake failed");
    send_all("\x01", 1);                                  /* ClientInit: shared */
    recv_all(b, 24);
    width = be16(b);
    height = be16(b + 2);
    bpp = b[4] / 8;
    uint32_t namelen = be32(b + 20);
    char name[256] = "";
    for (uint32_t i = 0; i < namelen; i++) {
        uint8_t c;
        recv_all(&c, 1);
        if (i < sizeof name - 1) name[i] = (char)c;
    }
    printf("connected %dx%d \"%s\"\n", width, height, name);

    int32_t encodings[] = { 0, -223, vmware ? 0x574D5668 : -261 };
    uint8_t se[4 + 4 * 3] = { 2, 0, 0, 3 };
    for (int i = 0; i < 3; i++) {
        uint32_t e = (uint32_t)encodings[i];
        se[4 + 4 * i] = e >> 24; se[5 + 4 * i] = e >> 16; se[6 + 4 * i] = e >> 8; se[7 + 4 * i] = e;
    }
    send_all(se, sizeof se);
    request_update(0);
    pump(300, NULL);

    for (a += 2; a < argc; a++) {
        const char *act = argv[a];
        if (act[0] == 'k' && act[1] == ':') {
            uint32_t k = (uint32_t)strtoul(act + 2, NULL, 16);
            key(k, 1); pump(20, NULL); key(k, 0); pump(20, NULL);
        } else if (act[0] == 'd' && act[1] == ':') {
            key((uint32_t)strtoul(act + 2, NULL, 16), 1); pump(20, NULL);
        } else if (act[0] == 'u' && act[1] == ':') {
            key((uint32_t)strtoul(act + 2, NULL, 16), 0); pump(20, NULL);
        } else if (act[0] == 'p' && act[1] == ':') {
            int x, y, mask;
            if (sscanf(act + 2, "%d,%d,%d", &x, &y, &mask) != 3) die("bad p: action");
            if (x < 0) x += width;
            if (y < 0) y += height;
            uint8_t m[6] = { 5, (uint8_t)mask, x >> 8, x, y >> 8, y };
            send_all(m, sizeof m);
            pump(20, NULL);
        } else if (act[0] == 's' && act[1] == ':') {
            pump(atof(act + 2), NULL);
        } else if (act[0] == 'f' && act[1] == ':') {
            wanted_path = act + 2;
            pump(300000, path_exists);
            if (!path_exists()) { fprintf(stderr, "rfbinput: %s never appeared\n", wanted_path); return 3; }
        } else if (act[0] == 'l' && act[1] == ':') {
            int ms;
            if (sscanf(act + 2, "%d,%d", &wanted_led, &ms) != 2) die("bad l: action");
            pump(ms, led_is_wanted);
            if (led != wanted_led) { printf("led-timeout wanted %d have %d\n", wanted_led, led); return 3; }
        } else {
            fprintf(stderr, "rfbinput: unknown action %s\n", act);
            return 2;
        }
    }
    printf("done\n");
    close(sock);
    return 0;
}
