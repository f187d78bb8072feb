// SPDX-License-Identifier: MIT
/*
 * rfbprobe: a scriptable RFB client on libvncclient, used by the KvmPi.Vnc integration tests.
 *
 * usage: rfbprobe [options] HOST PORT [ACTION...]
 *   -e "ENCODINGS"  encodings to offer, e.g. "zrle hextile raw" or "tight copyrect raw" (default "raw")
 *   -Q LEVEL        JPEG quality level 0..9 to offer with Tight (default: none, i.e. JPEG off: lossless Tight)
 *   -C LEVEL        compression level 0..9 to offer (default: libvncclient's, 3)
 *   -t SECONDS      how long to keep receiving after the actions ran (default 1.0)
 *   -w SECONDS      how long to wait for the first full frame before the actions (default 10)
 *   -o FILE.ppm     dump the final framebuffer as a binary PPM (P6, maxval 255). For 32 bpp the channels are the
 *                   8-bit values; for narrower formats each byte is the RAW channel value (0..channel max), and a
 *                   comment line "# raw RMAX GMAX BMAX" says so.
 *   -p PASSWORD     password for VNC Authentication
 *   -f FORMAT       client pixel format: rgb888 (default, 32 bpp depth 24), rgb888be, rgb565, rgb565be, bgr233
 *   -q              quit abruptly after the actions: exit without cleanup (the socket is closed by the kernel)
 *   -P FILE         reference frames for PSNR: "KVMREF1\n" then "W H N STEP\n" then N frames of RGB (3 bytes a pixel),
 *                   each with rows 0, STEP, 2*STEP... only. After every update the picture (the same rows) is
 *                   compared with the frame it is closest to (the last match and the next 23, else all), and
 *                   its PSNR counted (from the first full frame on): MARK/RESULT lines then carry psnr_min,
 *                   psnr_avg (exact = 99 dB), psnr_n, exact_n and frames_shown (updates after which the picture is
 *                   closest to another frame than before) over the updates since the previous MARK.
 *   -u              print a line per update: "U t=SECONDS (CLOCK_MONOTONIC, when it was in) update=N bytes_rx=N copyrects=N pixels=N copied=N frame=I
 *                   psnr=DB|inf" (pixels: of all its rectangles, CopyRects included; copied: of its CopyRects)
 * ACTION:
 *   k:HEX:1 / k:HEX:0   KeyEvent down / up for keysym HEX
 *   K:HEX               KeyEvent down then up
 *   x:HEX:XT:1|0        QEMU ExtendedKeyEvent (keysym HEX, XT scancode HEX)
 *   p:X,Y,MASK          PointerEvent
 *   c:TEXT              ClientCutText with TEXT (the viewer's clipboard)
 *   s:MS                keep receiving for MS milliseconds
 *   m:LABEL             print "MARK LABEL <counters>" on stdout
 *   d:FILE.ppm          dump the framebuffer as it is now (same format as -o)
 * Output: a final line "RESULT <counters>" on stdout, where counters are
 *   updates=N rects=N pixels=N resizes=N bytes_rx=N size=WxH full=0|1 cpu_ms=N copyrects=N (and the PSNR figures of -P)
 *   (cpu_ms: CPU time this client has used so far, for load tools that must tell the viewers' cost from the server's)
 * Exit: 0 when a full frame arrived and the connection was alive until the end, 1 on connection failure/loss,
 *   2 on bad usage.
 */
#define _GNU_SOURCE
#include <rfb/rfbclient.h>
#include <linux/tcp.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long g_updates, g_rects, g_pixels, g_resizes, g_copyrects;
static GotCopyRectProc g_default_copyrect;
static int g_per_update;
/* PSNR against reference frames (-P). */
#define PSNR_LOOKAHEAD 24 /* frames searched from the last match on: a viewer of a 30 fps source at 1.25 updates/s */
static unsigned char *g_ref, *g_sample;
static int g_ref_w, g_ref_h, g_ref_n, g_ref_step, g_ref_rows, g_ref_last;
static double g_psnr_min = 1e9, g_psnr_sum;
static long long g_psnr_n, g_exact_n, g_shown_n;
static long long g_covered; /* pixels received since the last resize, to detect a full frame */
static int g_full, g_initialised;
static const char *g_password;
static MallocFrameBufferProc g_default_malloc;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void got_rect(rfbClient *client, int x, int y, int w, int h)
{
    (void)client; (void)x; (void)y;
    g_rects++;
    g_pixels += (long long)w * h;
    g_covered += (long long)w * h;
}

static long long g_copied; /* pixels moved by CopyRect */

static void got_copyrect(rfbClient *client, int src_x, int src_y, int w, int h, int dest_x, int dest_y)
{
    g_copyrects++;
    g_copied += (long long)w * h;
    g_default_copyrect(client, src_x, src_y, w, h, dest_x, dest_y);
}

static unsigned long read_pixel(rfbClient *client, const unsigned char *p);
static long long bytes_rx(rfbClient *client);
static double now_s(void);

/* Sum of squared differences between the sampled picture and reference frame k; stops (returning more than limit)
 * once a row takes it past limit, so frames far from the picture cost little to rule out. */
static double ref_sse(int k, double limit)
{
    const unsigned char *r = g_ref + (size_t)k * g_ref_rows * g_ref_w * 3;
    const unsigned char *s = g_sample;
    size_t row = (size_t)g_ref_w * 3;
    unsigned long long sse = 0;
    for (int y = 0; y < g_ref_rows; y++, r += row, s += row) {
        for (size_t i = 0; i < row; i++) {
            int d = (int)s[i] - (int)r[i];
            sse += (unsigned long long)(d * d);
        }
        if ((double)sse > limit)
            return (double)sse;
    }
    return (double)sse;
}

static void measure_psnr(rfbClient *client, double *psnr_out, int *frame_out)
{
    *psnr_out = -1;
    *frame_out = -1;
    if (!g_ref || !g_full || client->width != g_ref_w || client->height != g_ref_h)
        return;
    const rfbPixelFormat *pf = &client->format;
    int bpp = pf->bitsPerPixel / 8;
    unsigned char *out = g_sample;
    for (int y = 0; y < g_ref_h; y += g_ref_step) {
        const unsigned char *row = client->frameBuffer + (size_t)y * client->width * bpp;
        for (int x = 0; x < g_ref_w; x++) {
            unsigned long v = read_pixel(client, row + (size_t)x * bpp);
            *out++ = (unsigned char)((v >> pf->redShift) & pf->redMax);
            *out++ = (unsigned char)((v >> pf->greenShift) & pf->greenMax);
            *out++ = (unsigned char)((v >> pf->blueShift) & pf->blueMax);
        }
    }
    /* The viewer shows the frame it last showed or a later one. A slow viewer (or a loaded machine) skips frames, and
     * neighbouring frames of slow motion are alike (30-35 dB apart): looking only a few frames ahead then finds a
     * near miss and reports a low PSNR for a picture that is exactly a later frame. So look well ahead, and
     * everywhere when even the best of those is far off. */
    double best = 1e300;
    int best_k = -1;
    for (int i = 0; i < PSNR_LOOKAHEAD && i < g_ref_n; i++) {
        int k = (g_ref_last + i) % g_ref_n;
        double e = ref_sse(k, best);
        if (e < best) { best = e; best_k = k; }
    }
    double samples = (double)g_ref_rows * g_ref_w * 3;
    if (best > 0 && 10 * log10(255.0 * 255.0 * samples / best) < 25) {
        for (int k = 0; k < g_ref_n; k++) {
            double e = ref_sse(k, best);
            if (e < best) { best = e; best_k = k; }
        }
    }
    if (best_k != g_ref_last || g_psnr_n == 0) g_shown_n++;
    g_ref_last = best_k;
    *frame_out = best_k;
    *psnr_out = best == 0 ? 99.0 : 10 * log10(255.0 * 255.0 * samples / best);
    if (*psnr_out < g_psnr_min) g_psnr_min = *psnr_out;
    g_psnr_sum += *psnr_out;
    g_psnr_n++;
    if (best == 0) g_exact_n++;
}

static int load_reference(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char magic[8];
    if (fread(magic, 1, 8, f) != 8 || memcmp(magic, "KVMREF1\n", 8) != 0 ||
        fscanf(f, "%d %d %d %d", &g_ref_w, &g_ref_h, &g_ref_n, &g_ref_step) != 4 || fgetc(f) != '\n' ||
        g_ref_w <= 0 || g_ref_h <= 0 || g_ref_n <= 0 || g_ref_step <= 0 || g_ref_w > 8192 || g_ref_h > 8192) {
        fclose(f);
        return 0;
    }
    g_ref_rows = (g_ref_h + g_ref_step - 1) / g_ref_step;
    size_t frame = (size_t)g_ref_rows * g_ref_w * 3;
    g_ref = malloc(frame * g_ref_n);
    g_sample = malloc(frame);
    int ok = g_ref && g_sample && fread(g_ref, frame, (size_t)g_ref_n, f) == (size_t)g_ref_n;
    fclose(f);
    return ok;
}

static void finished_update(rfbClient *client)
{
    double t = now_s();   /* when the update was in, before the PSNR search below takes its time */
    g_updates++;
    if (g_covered >= (long long)client->width * client->height)
        g_full = 1;
    if (g_ref || g_per_update) {
        double psnr;
        int frame;
        measure_psnr(client, &psnr, &frame);
        if (g_per_update) {
            static long long pixels_before, copied_before;
            printf("U t=%.4f update=%lld bytes_rx=%lld copyrects=%lld pixels=%lld copied=%lld frame=%d ", t, g_updates,
                   bytes_rx(client), g_copyrects, g_pixels - pixels_before, g_copied - copied_before, frame);
            if (psnr >= 99.0)
                printf("psnr=inf\n");
            else
                printf("psnr=%.2f\n", psnr);
            fflush(stdout);
            pixels_before = g_pixels;
            copied_before = g_copied;
        }
    }
}

static rfbBool malloc_fb(rfbClient *client)
{
    if (g_initialised) {
        g_resizes++;
        g_covered = 0;
        g_full = 0;
    }
    return g_default_malloc(client);
}

static char *get_password(rfbClient *client)
{
    (void)client;
    return strdup(g_password ? g_password : "");
}

static long long bytes_rx(rfbClient *client)
{
    struct tcp_info info;
    socklen_t len = sizeof info;
    memset(&info, 0, sizeof info);
    if (getsockopt(client->sock, IPPROTO_TCP, TCP_INFO, &info, &len) != 0)
        return -1;
    return (long long)info.tcpi_bytes_received;
}

static long long cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void print_counters(rfbClient *client, const char *prefix, const char *label)
{
    printf("%s%s%s updates=%lld rects=%lld pixels=%lld resizes=%lld bytes_rx=%lld size=%dx%d full=%d cpu_ms=%lld copyrects=%lld",
           prefix, label ? " " : "", label ? label : "", g_updates, g_rects, g_pixels, g_resizes, bytes_rx(client),
           client->width, client->height, g_full, cpu_ms(), g_copyrects);
    if (g_ref)
        printf(" psnr_min=%.2f psnr_avg=%.2f psnr_n=%lld exact_n=%lld frames_shown=%lld", g_psnr_n ? g_psnr_min : 0.0,
               g_psnr_n ? g_psnr_sum / g_psnr_n : 0.0, g_psnr_n, g_exact_n, g_shown_n);
    printf("\n");
    fflush(stdout);
    g_psnr_min = 1e9;
    g_psnr_sum = 0;
    g_psnr_n = g_exact_n = g_shown_n = 0;
}

/* Receives until the deadline; returns 0 when the connection is lost. */
static int pump_until(rfbClient *client, double deadline, int stop_on_full)
{
    while (now_s() < deadline) {
        if (stop_on_full && g_full)
            return 1;
        int n = WaitForMessage(client, 50000);
        if (n < 0)
            return 0;
        if (n > 0 && !HandleRFBServerMessage(client))
            return 0;
    }
    return 1;
}

static int set_format(rfbClient **out, const char *fmt)
{
    rfbClient *c;
    if (strcmp(fmt, "rgb888") == 0 || strcmp(fmt, "rgb888be") == 0) {
        c = rfbGetClient(8, 3, 4);
        c->format.bigEndian = strcmp(fmt, "rgb888be") == 0;
    } else if (strcmp(fmt, "rgb565") == 0 || strcmp(fmt, "rgb565be") == 0) {
        c = rfbGetClient(5, 3, 2);
        c->format.depth = 16;
        c->format.redMax = 31; c->format.greenMax = 63; c->format.blueMax = 31;
        c->format.redShift = 11; c->format.greenShift = 5; c->format.blueShift = 0;
        c->format.bigEndian = strcmp(fmt, "rgb565be") == 0;
    } else if (strcmp(fmt, "bgr233") == 0) {
        c = rfbGetClient(2, 3, 1);
        c->format.depth = 8;
        c->format.redMax = 7; c->format.greenMax = 7; c->format.blueMax = 3;
        c->format.redShift = 0; c->format.greenShift = 3; c->format.blueShift = 6;
        c->format.bigEndian = 0;
    } else {
        return 0;
    }
    c->format.trueColour = 1;
    *out = c;
    return 1;
}

static unsigned long read_pixel(rfbClient *client, const unsigned char *p)
{
    int bpp = client->format.bitsPerPixel / 8;
    unsigned long v = 0;
    if (client->format.bigEndian)
        for (int i = 0; i < bpp; i++) v = (v << 8) | p[i];
    else
        for (int i = bpp - 1; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static int dump_ppm(rfbClient *client, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    int w = client->width, h = client->height, bpp = client->format.bitsPerPixel / 8;
    const rfbPixelFormat *pf = &client->format;
    int raw = !(pf->redMax == 255 && pf->greenMax == 255 && pf->blueMax == 255);
    fprintf(f, "P6\n");
    if (raw)
        fprintf(f, "# raw %d %d %d\n", pf->redMax, pf->greenMax, pf->blueMax);
    fprintf(f, "%d %d\n255\n", w, h);
    unsigned char *row = malloc((size_t)w * 3);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            unsigned long v = read_pixel(client, client->frameBuffer + ((size_t)y * w + x) * bpp);
            row[x * 3 + 0] = (unsigned char)((v >> pf->redShift) & pf->redMax);
            row[x * 3 + 1] = (unsigned char)((v >> pf->greenShift) & pf->greenMax);
            row[x * 3 + 2] = (unsigned char)((v >> pf->blueShift) & pf->blueMax);
        }
        fwrite(row, 1, (size_t)w * 3, f);
    }
    free(row);
    return fclose(f) == 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: rfbprobe [-e ENCODINGS] [-Q QUALITY] [-C COMPRESS] [-t SECONDS] [-w SECONDS] [-o OUT.ppm] [-p PASSWORD] "
                    "[-f rgb888|rgb888be|rgb565|rgb565be|bgr233] [-q] HOST PORT [ACTION...]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *encodings = "raw", *out = NULL, *fmt = "rgb888";
    double tail = 1.0, first_wait = 10.0;
    int quit_abruptly = 0, opt, quality = -1, compress = -1;
    while ((opt = getopt(argc, argv, "+e:t:w:o:p:f:qQ:C:P:u")) != -1) {
        switch (opt) {
        case 'e': encodings = optarg; break;
        case 't': tail = atof(optarg); break;
        case 'w': first_wait = atof(optarg); break;
        case 'o': out = optarg; break;
        case 'p': g_password = optarg; break;
        case 'f': fmt = optarg; break;
        case 'q': quit_abruptly = 1; break;
        case 'Q': quality = atoi(optarg); break;
        case 'C': compress = atoi(optarg); break;
        case 'P':
            if (!load_reference(optarg)) {
                fprintf(stderr, "rfbprobe: cannot read reference frames %s\n", optarg);
                return 2;
            }
            break;
        case 'u': g_per_update = 1; break;
        default: usage();
        }
    }
    if (argc - optind < 2)
        usage();
    const char *host = argv[optind], *port = argv[optind + 1];
    int first_action = optind + 2;

    rfbClient *client;
    if (!set_format(&client, fmt))
        usage();
    client->serverHost = strdup(host);
    client->serverPort = atoi(port);
    client->appData.encodingsString = encodings;
    client->appData.useRemoteCursor = FALSE;
    /* libvncclient offers a quality level (which enables Tight JPEG) only with enableJPEG. */
    client->appData.enableJPEG = quality >= 0 ? TRUE : FALSE;
    client->appData.qualityLevel = quality >= 0 ? quality : 5;
    if (compress >= 0)
        client->appData.compressLevel = compress;
    client->canHandleNewFBSize = TRUE;
    client->GotFrameBufferUpdate = got_rect;
    client->FinishedFrameBufferUpdate = finished_update;
    g_default_copyrect = client->GotCopyRect;
    client->GotCopyRect = got_copyrect;
    client->GetPassword = get_password;
    g_default_malloc = client->MallocFrameBuffer;
    client->MallocFrameBuffer = malloc_fb;

    int fake_argc = 1;
    char *fake_argv[] = {"rfbprobe", NULL};
    if (!rfbInitClient(client, &fake_argc, fake_argv)) {
        printf("RESULT connect_failed=1\n");
        return 1;
    }
    g_initialised = 1;
    printf("CONNECTED name=%s size=%dx%d\n", client->desktopName ? client->desktopName : "", client->width,
           client->height);
    fflush(stdout);

    int alive = pump_until(client, now_s() + first_wait, 1);
    for (int i = first_action; alive && i < argc; i++) {
        const char *a = argv[i];
        unsigned int sym, xt, down;
        int x, y, mask, ms;
        if (sscanf(a, "k:%x:%u", &sym, &down) == 2) {
            SendKeyEvent(client, sym, down ? TRUE : FALSE);
        } else if (sscanf(a, "K:%x", &sym) == 1) {
            SendKeyEvent(client, sym, TRUE);
            SendKeyEvent(client, sym, FALSE);
        } else if (sscanf(a, "x:%x:%x:%u", &sym, &xt, &down) == 3) {
            SendExtendedKeyEvent(client, sym, xt, down ? TRUE : FALSE);
        } else if (sscanf(a, "p:%d,%d,%d", &x, &y, &mask) == 3) {
            SendPointerEvent(client, x, y, mask);
        } else if (strncmp(a, "c:", 2) == 0) {
            SendClientCutText(client, (char *)(a + 2), (int)strlen(a + 2));
        } else if (sscanf(a, "s:%d", &ms) == 1) {
            alive = pump_until(client, now_s() + ms / 1000.0, 0);
        } else if (strncmp(a, "d:", 2) == 0) {
            if (!dump_ppm(client, a + 2)) {
                fprintf(stderr, "rfbprobe: cannot write %s\n", a + 2);
                return 1;
            }
        } else if (strncmp(a, "m:", 2) == 0) {
            print_counters(client, "MARK", a + 2);
        } else {
            fprintf(stderr, "rfbprobe: bad action '%s'\n", a);
            return 2;
        }
    }
    if (quit_abruptly) {
        print_counters(client, "RESULT", NULL);
        _exit(g_full ? 0 : 1);
    }
    if (alive)
        alive = pump_until(client, now_s() + tail, 0);
    print_counters(client, "RESULT", alive ? NULL : "lost=1");
    if (out && !dump_ppm(client, out)) {
        fprintf(stderr, "rfbprobe: cannot write %s\n", out);
        return 1;
    }
    int ok = alive && g_full;
    rfbClientCleanup(client);
    return ok ? 0 : 1;
}
