// SPDX-License-Identifier: MIT
/*
 * lvs-mjpeg: the libvncserver side of the side-by-side comparison (Benchmarks/LoadTest). It does what a typical
 * libvncserver-based KVM does with a Motion-JPEG capture: at a fixed rate it takes the next JPEG, skips it when
 * its bytes equal the previous one, otherwise decodes it with TurboJPEG, compares it with the framebuffer in
 * 64x64 tiles, copies the changed tiles in and marks them modified; libvncserver encodes whatever its clients ask.
 *
 * usage: lvs-mjpeg FILE.mjpeg FPS PORT
 * Prints "READY WxH" on stdout once listening. Single-threaded: rfbProcessEvents between frames.
 *
 * Built by the load tool with: gcc -O2 lvs-mjpeg.c $(pkg-config --cflags --libs libvncserver) -ldl
 * TurboJPEG is loaded with dlopen: libvncserver carries its own copy of some tj* functions (for Tight), so linking
 * libturbojpeg.so.0 too would mix the two copies' handles. Its 2.x prototypes are declared here (no -dev package).
 */
#include <rfb/rfb.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void *tjhandle;
static tjhandle (*tj_init_decompress)(void);
static int (*tj_decompress_header3)(tjhandle h, const unsigned char *jpeg, unsigned long size, int *width, int *height,
                                    int *subsamp, int *colorspace);
static int (*tj_decompress2)(tjhandle h, const unsigned char *jpeg, unsigned long size, unsigned char *dst, int width,
                             int pitch, int height, int pixelFormat, int flags);

static void load_turbojpeg(void)
{
    void *lib = dlopen("libturbojpeg.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!lib) { fprintf(stderr, "%s\n", dlerror()); exit(1); }
    tj_init_decompress = (tjhandle (*)(void))dlsym(lib, "tjInitDecompress");
    tj_decompress_header3 = (int (*)(tjhandle, const unsigned char *, unsigned long, int *, int *, int *, int *))dlsym(lib, "tjDecompressHeader3");
    tj_decompress2 = (int (*)(tjhandle, const unsigned char *, unsigned long, unsigned char *, int, int, int, int, int))dlsym(lib, "tjDecompress2");
    if (!tj_init_decompress || !tj_decompress_header3 || !tj_decompress2) { fprintf(stderr, "libturbojpeg.so.0 lacks the 2.x API\n"); exit(1); }
}
#define TJPF_RGBX 2
#define TJFLAG_FASTUPSAMPLE 256
#define TJFLAG_FASTDCT 2048
#define TILE 64

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Length of the JPEG image starting at data (SOI), or 0: marker segments are skipped by their lengths (APPn may
   hold FF D9, e.g. in a thumbnail), entropy-coded data is scanned for a marker that is neither stuffing nor RSTn. */
static size_t image_length(const unsigned char *data, size_t size)
{
    size_t i = 2;
    while (i + 2 <= size) {
        if (data[i] != 0xFF) return 0;
        unsigned char m = data[i + 1];
        if (m == 0xD9) return i + 2;
        if (m == 0xFF) { i++; continue; }
        if (i + 4 > size) return 0;
        size_t len = ((size_t)data[i + 2] << 8) | data[i + 3];
        i += 2 + len;
        if (m == 0xDA) { /* SOS: entropy-coded data follows */
            while (i + 1 < size && !(data[i] == 0xFF && data[i + 1] != 0 && (data[i + 1] < 0xD0 || data[i + 1] > 0xD7))) i++;
        }
    }
    return 0;
}

/* Splits the file into JPEG images. */
static int split(const unsigned char *data, size_t size, size_t **starts, size_t **lengths)
{
    int n = 0, cap = 64;
    *starts = malloc(cap * sizeof(size_t));
    *lengths = malloc(cap * sizeof(size_t));
    size_t i = 0;
    while (i + 1 < size) {
        size_t len;
        if (data[i] == 0xFF && data[i + 1] == 0xD8 && (len = image_length(data + i, size - i)) > 0) {
            if (n == cap) {
                cap *= 2;
                *starts = realloc(*starts, cap * sizeof(size_t));
                *lengths = realloc(*lengths, cap * sizeof(size_t));
            }
            (*starts)[n] = i;
            (*lengths)[n] = len;
            n++;
            i += len;
        } else {
            i++;
        }
    }
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: lvs-mjpeg FILE.mjpeg FPS PORT\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 1; }
    fseek(f, 0, SEEK_END);
    size_t size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc(size);
    if (fread(data, 1, size, f) != size) { perror("read"); return 1; }
    fclose(f);
    size_t *starts, *lengths;
    int frames = split(data, size, &starts, &lengths);
    if (frames == 0) { fprintf(stderr, "no JPEG frames\n"); return 1; }
    double fps = atof(argv[2]);

    load_turbojpeg();
    tjhandle tj = tj_init_decompress();
    int w, h, ss, cs;
    if (tj_decompress_header3(tj, data + starts[0], lengths[0], &w, &h, &ss, &cs) != 0) { fprintf(stderr, "bad JPEG\n"); return 1; }

    int one = 1;
    char *fake[] = {"lvs-mjpeg", NULL};
    rfbScreenInfoPtr screen = rfbGetScreen(&one, fake, w, h, 8, 3, 4);
    screen->frameBuffer = calloc((size_t)w * h, 4);
    screen->port = atoi(argv[3]);
    screen->ipv6port = 0;
    screen->listenInterface = htonl(INADDR_LOOPBACK);
    screen->alwaysShared = TRUE;
    screen->desktopName = "lvs-mjpeg";
    rfbLogEnable(0);
    rfbInitServer(screen);
    printf("READY %dx%d\n", w, h);
    fflush(stdout);

    unsigned char *decoded = malloc((size_t)w * h * 4);
    int stride = w * 4, last = -1;
    double next = now_s();
    for (long tick = 0;; tick++) {
        int i = (int)(tick % frames);
        if (last < 0 || lengths[i] != lengths[last] || memcmp(data + starts[i], data + starts[last], lengths[i]) != 0) {
            if (tj_decompress2(tj, data + starts[i], lengths[i], decoded, w, stride, h, TJPF_RGBX,
                              TJFLAG_FASTDCT | TJFLAG_FASTUPSAMPLE) == 0) {
                unsigned char *fb = (unsigned char *)screen->frameBuffer;
                for (int ty = 0; ty < h; ty += TILE) {
                    int th = h - ty < TILE ? h - ty : TILE;
                    for (int tx = 0; tx < w; tx += TILE) {
                        int tw = w - tx < TILE ? w - tx : TILE, changed = 0;
                        for (int y = ty; y < ty + th && !changed; y++)
                            changed = memcmp(decoded + (size_t)y * stride + tx * 4, fb + (size_t)y * stride + tx * 4, (size_t)tw * 4) != 0;
                        if (!changed) continue;
                        for (int y = ty; y < ty + th; y++)
                            memcpy(fb + (size_t)y * stride + tx * 4, decoded + (size_t)y * stride + tx * 4, (size_t)tw * 4);
                        rfbMarkRectAsModified(screen, tx, ty, tx + tw, ty + th);
                    }
                }
            }
            last = i;
        }
        next += 1.0 / fps;
        for (double t = now_s(); t < next; t = now_s())
            rfbProcessEvents(screen, (long)((next - t) * 1e6));
    }
}
