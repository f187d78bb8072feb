// SPDX-License-Identifier: MIT
/*
 * paced-viewers: the least CPU any server can spend on N request-paced pass-through viewers on this machine.
 *
 * A model of KvmPi.Vnc's pass-through path with nothing but system calls on one thread: every frame interval the
 * "server" reads a 256 KiB image from a file (the file source's read, the shared part), then writes a 20-byte update
 * header and the image to every viewer that has asked (send, as the server does), and in between waits in
 * epoll_wait for the viewers' 10-byte FramebufferUpdateRequests and reads them (what libvncclient sends after each
 * update). Each viewer is a child process that reads an update and asks for the next at once. It prints the server's
 * own CPU time (CLOCK_PROCESS_CPUTIME_ID) a second and per viewer and frame, for 1 viewer and for N, and their ratio:
 * what the goal "N viewers cost at most 1.5x the CPU of one" can be held against (docs/performance.md, "One refresh
 * clock for the server", "What any server would pay here").
 *
 * usage: paced-viewers IMAGE_FILE [N=8] [FPS=10] [SECONDS=10]
 *   IMAGE_FILE: any file; its first 256 KiB, read again every frame, stand for the frame (the load tool's MJPEG works)
 * build: gcc -O2 -o /tmp/paced-viewers Benchmarks/LoadTest/Native/paced-viewers.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_VIEWERS 64
#define IMAGE_BYTES (256 * 1024)

static double clock_seconds(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void viewer(struct sockaddr_in *addr)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(s, (struct sockaddr *)addr, sizeof *addr) != 0) _exit(1);
    int one = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char *buffer = malloc(IMAGE_BYTES + 20);
    char request[10] = { 3, 1 };
    for (;;) {
        if (write(s, request, sizeof request) != sizeof request) _exit(0);
        uint32_t length = 0;
        size_t got = 0;
        while (got < 20) {   // header: the image's length in its last 4 bytes
            ssize_t n = read(s, buffer + got, 20 - got);
            if (n <= 0) _exit(0);
            got += (size_t)n;
        }
        memcpy(&length, buffer + 16, 4);
        for (got = 0; got < length;) {
            ssize_t n = read(s, buffer, length - got < IMAGE_BYTES ? length - got : IMAGE_BYTES);
            if (n <= 0) _exit(0);
            got += (size_t)n;
        }
    }
}

/* Runs the model with `viewers` viewers; returns the server's CPU milliseconds a second. */
static double run(const char *path, int viewers, int fps, int seconds, double *per_viewer_frame_us)
{
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t length = sizeof addr;
    if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, MAX_VIEWERS) != 0
        || getsockname(listener, (struct sockaddr *)&addr, &length) != 0) {
        perror("listen");
        exit(1);
    }
    pid_t children[MAX_VIEWERS];
    int sockets[MAX_VIEWERS], asked[MAX_VIEWERS];
    int epoll = epoll_create1(0);
    for (int v = 0; v < viewers; v++) {
        if ((children[v] = fork()) == 0) viewer(&addr);
        sockets[v] = accept(listener, NULL, NULL);
        int one = 1;
        setsockopt(sockets[v], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct epoll_event e = { .events = EPOLLIN, .data.u32 = (uint32_t)v };
        epoll_ctl(epoll, EPOLL_CTL_ADD, sockets[v], &e);
        asked[v] = 0;
    }

    int file = open(path, O_RDONLY);
    char *image = malloc(IMAGE_BYTES);
    if (file < 0) {
        perror(path);
        exit(1);
    }
    char header[20] = { 0 };
    uint32_t image_length = IMAGE_BYTES;
    memcpy(header + 16, &image_length, 4);

    double interval = 1.0 / fps, next = clock_seconds(CLOCK_MONOTONIC) + interval;
    int frames = seconds * fps, warmup = fps, sent = 0;
    double cpu_start = 0, wall_start = 0;
    for (int f = 0; f < frames + warmup; f++) {
        if (f == warmup) {
            cpu_start = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
            wall_start = clock_seconds(CLOCK_MONOTONIC);
            sent = 0;
        }
        // Between frames: the viewers' requests, as they come.
        for (;;) {
            double left = next - clock_seconds(CLOCK_MONOTONIC);
            if (left <= 0) break;
            struct epoll_event events[MAX_VIEWERS];
            int n = epoll_wait(epoll, events, MAX_VIEWERS, (int)(left * 1000) + 1);
            for (int i = 0; i < n; i++) {
                int v = (int)events[i].data.u32;
                char request[64];
                while (recv(sockets[v], request, sizeof request, MSG_DONTWAIT) > 0) asked[v] = 1;
            }
        }
        next += interval;
        // The frame: read once, sent to everyone who asked.
        if (pread(file, image, IMAGE_BYTES, 0) <= 0) {
            perror("pread");
            exit(1);
        }
        for (int v = 0; v < viewers; v++) {
            if (!asked[v]) continue;
            asked[v] = 0;
            sent++;
            send(sockets[v], header, sizeof header, 0);
            for (size_t done = 0; done < IMAGE_BYTES;) {
                ssize_t n = send(sockets[v], image + done, IMAGE_BYTES - done, 0);
                if (n <= 0) {
                    perror("send");
                    exit(1);
                }
                done += (size_t)n;
            }
        }
    }
    double cpu = clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_start, wall = clock_seconds(CLOCK_MONOTONIC) - wall_start;
    for (int v = 0; v < viewers; v++) {
        close(sockets[v]);
        kill(children[v], SIGTERM);
        waitpid(children[v], NULL, 0);
    }
    close(epoll);
    close(listener);
    close(file);
    free(image);
    *per_viewer_frame_us = sent > 0 ? cpu / sent * 1e6 : 0;
    printf("%d viewer(s): %d of %d updates, %.2f ms of CPU a second, %.1f us per update\n", viewers, sent,
           viewers * frames, cpu * 1000 / wall, *per_viewer_frame_us);
    return cpu * 1000 / wall;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: paced-viewers IMAGE_FILE [N=8] [FPS=10] [SECONDS=10]\n");
        return 2;
    }
    int viewers = argc > 2 ? atoi(argv[2]) : 8, fps = argc > 3 ? atoi(argv[3]) : 10, seconds = argc > 4 ? atoi(argv[4]) : 10;
    if (viewers < 1 || viewers > MAX_VIEWERS || fps < 1 || seconds < 1) return 2;
    double us1, usn;
    double one = run(argv[1], 1, fps, seconds, &us1);
    double many = run(argv[1], viewers, fps, seconds, &usn);
    double extra = (many - one) / (viewers - 1) / fps * 1000;   // us per further viewer and frame
    printf("ratio %d/1: %.2fx; each further viewer %.1f us a frame\n", viewers, many / one, extra);
    return 0;
}
