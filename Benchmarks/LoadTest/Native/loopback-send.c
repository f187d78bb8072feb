// SPDX-License-Identifier: MIT
/*
 * loopback-send: what it costs the sending process to write one pass-through image to a viewer on the same machine,
 * with send() from memory against sendfile() from a memfd (the "send from one place" idea for many pass-through
 * viewers, docs/performance.md "Why 1.5x is out of reach"). A child process reads and discards; the parent sends
 * COUNT images of SIZE bytes over loopback TCP (TCP_NODELAY, as the server) and prints its own CPU time per image.
 *
 * usage: loopback-send send|sendfile [SIZE=180224] [COUNT=2000]
 * build: gcc -O2 -o /tmp/loopback-send Benchmarks/LoadTest/Native/loopback-send.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "send") != 0 && strcmp(argv[1], "sendfile") != 0)) {
        fprintf(stderr, "usage: loopback-send send|sendfile [SIZE] [COUNT]\n");
        return 2;
    }
    int use_sendfile = strcmp(argv[1], "sendfile") == 0;
    size_t size = argc > 2 ? (size_t)atol(argv[2]) : 176 * 1024;
    int count = argc > 3 ? atoi(argv[3]) : 2000;

    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t length = sizeof addr;
    if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 1) != 0
        || getsockname(listener, (struct sockaddr *)&addr, &length) != 0) {
        perror("listen");
        return 1;
    }
    if (fork() == 0) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(s, (struct sockaddr *)&addr, sizeof addr) != 0) _exit(1);
        char *sink = malloc(1 << 20);
        while (read(s, sink, 1 << 20) > 0) { }
        _exit(0);
    }
    int s = accept(listener, NULL, NULL);
    int one = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    char *image = malloc(size);
    for (size_t i = 0; i < size; i++) image[i] = (char)rand();
    int fd = memfd_create("image", 0);
    if (fd < 0 || write(fd, image, size) != (ssize_t)size) {
        perror("memfd");
        return 1;
    }

    double start = cpu_seconds();
    for (int k = 0; k < count; k++) {
        size_t done = 0;
        off_t offset = 0;
        while (done < size) {
            ssize_t n = use_sendfile ? sendfile(s, fd, &offset, size - done) : send(s, image + done, size - done, 0);
            if (n <= 0) {
                perror("send");
                return 1;
            }
            done += (size_t)n;
        }
    }
    double spent = cpu_seconds() - start;
    printf("%s: %.1f us of the sender's CPU per %zu-byte image (%d images)\n", argv[1], spent / count * 1e6, size, count);
    close(s);
    wait(NULL);
    return 0;
}
