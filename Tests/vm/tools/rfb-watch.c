/*
 * rfb-watch - a tiny RFB viewer for checks inside the test VM (no X, no libraries): connects with security
 * None, asks for 32-bit BGRX pixels in Raw, keeps requesting updates, follows DesktopSize (-223) and
 * ExtendedDesktopSize (-308) if told to list them, and runs a list of steps against what it sees.
 *
 * Usage: rfb-watch [-e raw|raw,ds|raw,eds|raw,ds,eds] HOST PORT STEP...
 *   size WxH SECONDS   wait until the framebuffer is WxH and a whole frame at that size has arrived
 *   bars SECONDS       wait until the picture shows 75% colour bars (vivid's default test pattern):
 *                      8 vertical bars, sampled at mid-height; limited-range YUV converted right gives
 *                      191/0 per channel (tolerance 10)
 *   flat PCT SECONDS   wait until at least PCT % of the pixels have the most common colour
 *   save FILE          write the current picture as PPM
 *   mark FILE          create FILE (tells the test script how far we got)
 *   wait FILE SECONDS  keep receiving updates until FILE exists
 * Prints one line per resize ("resize WxH via DesktopSize|ExtendedDesktopSize reason R status S") and per
 * step; exits 1 with a reason when a step times out or the server closes the connection.
 *
 * Build: gcc -O2 -Wall -static -o rfb-watch rfb-watch.c
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int sock = -1;
static int fbw, fbh;
static uint32_t *fb;
static int whole_frames;        /* complete non-resize updates received at the current size */
static int want_ds, want_eds;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *m)
{
    printf("rfb-watch: FAIL: %s\n", m);
    fflush(stdout);
    exit(1);
}

static void read_exact(void *p, size_t n)
{
    uint8_t *b = p;
    while (n) {
        ssize_t r = read(sock, b, n);
        if (r == 0) die("server closed the connection");
        if (r < 0) { if (errno == EINTR) continue; die(strerror(errno)); }
        b += r;
        n -= (size_t)r;
    }
}

static void write_all(const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t r = write(sock, b, n);
        if (r < 0) { if (errno == EINTR) continue; die(strerror(errno)); }
        b += r;
        n -= (size_t)r;
    }
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static void resize(int w, int h)
{
    fbw = w;
    fbh = h;
    free(fb);
    fb = calloc((size_t)w * h, 4);
    if (!fb) die("out of memory");
    whole_frames = 0;
}

static void request(int incremental)
{
    uint8_t m[10] = { 3, (uint8_t)incremental, 0, 0, 0, 0, (uint8_t)(fbw >> 8), (uint8_t)fbw, (uint8_t)(fbh >> 8), (uint8_t)fbh };
    write_all(m, sizeof m);
}

static void handshake(void)
{
    char version[12];
    read_exact(version, 12);
    write_all("RFB 003.008\n", 12);
    uint8_t n;
    read_exact(&n, 1);
    if (n == 0) die("server refused the connection");
    uint8_t types[256];
    read_exact(types, n);
    int none = 0;
    for (int i = 0; i < n; i++) if (types[i] == 1) none = 1;
    if (!none) die("server wants a password");
    uint8_t one = 1;
    write_all(&one, 1);
    uint8_t result[4];
    read_exact(result, 4);
    if (be32(result) != 0) die("security handshake failed");
    write_all(&one, 1);            /* ClientInit: shared */
    uint8_t init[24];
    read_exact(init, 24);
    uint32_t name_len = be32(init + 20);
    char name[256];
    while (name_len) {
        uint32_t k = name_len > sizeof name ? sizeof name : name_len;
        read_exact(name, k);
        name_len -= k;
    }
    resize(be16(init), be16(init + 2));
    printf("connected: %dx%d\n", fbw, fbh);
    /* SetPixelFormat: 32 bpp, depth 24, little-endian, true colour, max 255, shifts R16 G8 B0 (BGRX in memory) */
    uint8_t pf[20] = { 0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0 };
    write_all(pf, sizeof pf);
    uint8_t enc[4 + 4 * 3] = { 2, 0, 0, 0 };
    int count = 0;
    int32_t list[3];
    list[count++] = 0;
    if (want_ds) list[count++] = -223;
    if (want_eds) list[count++] = -308;
    enc[3] = (uint8_t)count;
    for (int i = 0; i < count; i++) {
        uint32_t v = (uint32_t)list[i];
        enc[4 + 4 * i] = v >> 24; enc[5 + 4 * i] = v >> 16; enc[6 + 4 * i] = v >> 8; enc[7 + 4 * i] = v;
    }
    write_all(enc, 4 + 4 * (size_t)count);
    request(0);
}

/* Reads one server message; returns 1 after a FramebufferUpdate. */
static int read_message(void)
{
    uint8_t type;
    read_exact(&type, 1);
    if (type == 2) return 0;                        /* Bell */
    if (type == 3) {                                /* ServerCutText */
        uint8_t h[7];
        read_exact(h, 7);
        uint32_t n = be32(h + 3);
        char skip[512];
        while (n) { uint32_t k = n > sizeof skip ? sizeof skip : n; read_exact(skip, k); n -= k; }
        return 0;
    }
    if (type != 0) { char m[64]; snprintf(m, sizeof m, "unexpected server message type %d", type); die(m); }
    uint8_t h[3];
    read_exact(h, 3);
    int rects = be16(h + 1), resized = 0, pixels = 0;
    for (int i = 0; i < rects; i++) {
        uint8_t r[12];
        read_exact(r, 12);
        int x = be16(r), y = be16(r + 2), w = be16(r + 4), hh = be16(r + 6);
        int32_t enc = (int32_t)be32(r + 8);
        if (enc == -223) {
            printf("resize %dx%d via DesktopSize\n", w, hh);
            resize(w, hh);
            resized = 1;
        } else if (enc == -308) {
            uint8_t s[4];
            read_exact(s, 4);
            for (int k = 0; k < s[0]; k++) { uint8_t scr[16]; read_exact(scr, 16); }
            printf("resize %dx%d via ExtendedDesktopSize reason %d status %d\n", w, hh, x, y);
            if (w != fbw || hh != fbh) { resize(w, hh); resized = 1; }
        } else if (enc == 0) {
            if (x + w > fbw || y + hh > fbh) die("rectangle outside the framebuffer");
            for (int row = 0; row < hh; row++) read_exact(fb + (size_t)(y + row) * fbw + x, (size_t)w * 4);
            pixels += w * hh;
        } else {
            char m[64];
            snprintf(m, sizeof m, "unexpected encoding %d", enc);
            die(m);
        }
    }
    if (resized) request(0);
    else {
        if (pixels) whole_frames++;
        request(1);
    }
    fflush(stdout);
    return 1;
}

/* Receives until cond() holds or the time is up; returns cond(). */
static int pump_until(int (*cond)(void *), void *arg, double seconds)
{
    double end = now() + seconds;
    while (!cond(arg)) {
        int left = (int)((end - now()) * 1000);
        if (left <= 0) return 0;
        struct pollfd p = { .fd = sock, .events = POLLIN };
        if (poll(&p, 1, left > 200 ? 200 : left) > 0) read_message();
    }
    return 1;
}

static int want_w, want_h;
static int size_ok(void *a) { (void)a; return fbw == want_w && fbh == want_h && whole_frames >= 1; }

static uint8_t chan(uint32_t px, int shift) { return (uint8_t)(px >> shift); }

static int bars_ok(void *a)
{
    (void)a;
    if (whole_frames < 1) return 0;
    /* 75% bars: white yellow cyan green magenta red blue black */
    static const int expect[8][3] = { {191,191,191}, {191,191,0}, {0,191,191}, {0,191,0}, {191,0,191}, {191,0,0}, {0,0,191}, {0,0,0} };
    int y = fbh / 2;
    for (int i = 0; i < 8; i++) {
        int x = (2 * i + 1) * fbw / 16;
        uint32_t px = fb[(size_t)y * fbw + x];
        int r = chan(px, 16), g = chan(px, 8), b = chan(px, 0);
        if (abs(r - expect[i][0]) > 10 || abs(g - expect[i][1]) > 10 || abs(b - expect[i][2]) > 10) return 0;
    }
    return 1;
}

static void print_bars(void)
{
    int y = fbh / 2;
    printf("bars at y=%d:", y);
    for (int i = 0; i < 8; i++) {
        uint32_t px = fb[(size_t)y * fbw + (2 * i + 1) * fbw / 16];
        printf(" (%d,%d,%d)", chan(px, 16), chan(px, 8), chan(px, 0));
    }
    printf("\n");
}

static double flat_share(void)
{
    /* the most common colour, estimated from a sample grid, then counted exactly */
    size_t n = (size_t)fbw * fbh;
    if (!n) return 0;
    uint32_t best = fb[0];
    int best_count = 0;
    for (int s = 0; s < 64; s++) {
        uint32_t c = fb[(size_t)(s * 7919) % n] & 0xFFFFFF;
        int k = 0;
        for (int t = 0; t < 64; t++) if ((fb[(size_t)(t * 7919) % n] & 0xFFFFFF) == c) k++;
        if (k > best_count) { best_count = k; best = c; }
    }
    size_t same = 0;
    for (size_t i = 0; i < n; i++) if ((fb[i] & 0xFFFFFF) == best) same++;
    return 100.0 * same / n;
}

static double flat_pct;
static int flat_ok(void *a) { (void)a; return whole_frames >= 1 && flat_share() >= flat_pct; }

static int file_exists(void *a) { struct stat st; return stat((const char *)a, &st) == 0; }

static void save(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f) die("cannot write the picture");
    fprintf(f, "P6\n%d %d\n255\n", fbw, fbh);
    for (size_t i = 0; i < (size_t)fbw * fbh; i++) {
        uint8_t rgb[3] = { chan(fb[i], 16), chan(fb[i], 8), chan(fb[i], 0) };
        fwrite(rgb, 1, 3, f);
    }
    if (fclose(f) != 0) die("cannot write the picture");
}

int main(int argc, char **argv)
{
    int a = 1;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (a + 1 < argc && strcmp(argv[a], "-e") == 0) {
        want_ds = strstr(argv[a + 1], "ds") != NULL && strstr(argv[a + 1], ",ds") != NULL;
        want_eds = strstr(argv[a + 1], "eds") != NULL;
        a += 2;
    }
    if (argc - a < 2) { fprintf(stderr, "usage: rfb-watch [-e raw|raw,ds|raw,eds|raw,ds,eds] HOST PORT STEP...\n"); return 2; }
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[a + 1])) };
    if (inet_pton(AF_INET, argv[a], &addr.sin_addr) != 1) { fprintf(stderr, "bad address\n"); return 2; }
    a += 2;
    /* the server may still be starting: retry for 60 s */
    double give_up = now() + 60;
    for (;;) {
        sock = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(sock, (struct sockaddr *)&addr, sizeof addr) == 0) break;
        close(sock);
        if (now() > give_up) die("cannot connect");
        usleep(200000);
    }
    int one = 1;
    setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    handshake();
    while (a < argc) {
        const char *s = argv[a++];
        if (!strcmp(s, "size") && a + 1 < argc) {
            if (sscanf(argv[a], "%dx%d", &want_w, &want_h) != 2) die("bad size");
            double t = atof(argv[a + 1]);
            a += 2;
            if (!pump_until(size_ok, NULL, t)) { printf("size is %dx%d\n", fbw, fbh); die("size not reached in time"); }
            printf("ok: size %dx%d\n", fbw, fbh);
        } else if (!strcmp(s, "bars") && a < argc) {
            double t = atof(argv[a++]);
            int ok = pump_until(bars_ok, NULL, t);
            print_bars();
            if (!ok) die("no colour bars in time");
            printf("ok: colour bars at %dx%d\n", fbw, fbh);
        } else if (!strcmp(s, "flat") && a + 1 < argc) {
            flat_pct = atof(argv[a]);
            double t = atof(argv[a + 1]);
            a += 2;
            int ok = pump_until(flat_ok, NULL, t);
            printf("flat: %.1f%% of %dx%d in one colour\n", flat_share(), fbw, fbh);
            if (!ok) die("picture did not turn flat in time");
            printf("ok: flat at %dx%d\n", fbw, fbh);
        } else if (!strcmp(s, "save") && a < argc) {
            save(argv[a++]);
            printf("ok: saved %dx%d to %s\n", fbw, fbh, argv[a - 1]);
        } else if (!strcmp(s, "mark") && a < argc) {
            FILE *f = fopen(argv[a++], "w");
            if (!f) die("cannot create mark");
            fclose(f);
        } else if (!strcmp(s, "wait") && a + 1 < argc) {
            const char *path = argv[a];
            double t = atof(argv[a + 1]);
            a += 2;
            if (!pump_until(file_exists, (void *)path, t)) die("waited in vain for the test script");
        } else {
            fprintf(stderr, "bad step '%s'\n", s);
            return 2;
        }
    }
    printf("ok: all steps done, still connected\n");
    close(sock);
    return 0;
}
