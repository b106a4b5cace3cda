/* bench/trace_bench.c — tracing on or off around a benchmark's timed region (see
 * trace_bench.h). Compiles against a pel without tracing too (no pel/trace.h: the commit
 * before tracing existed), where only `off` is accepted. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pel.h>

#include "trace_bench.h"

static void die(const char *prog, const char *what, const char *detail)
{
    fprintf(stderr, "%s: %s%s%s\n", prog, what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

int bench_trace_mode(const char *prog)
{
    const char *v = getenv("PEL_BENCH_TRACE");
    if (v == NULL || *v == '\0' || strcmp(v, "off") == 0)
        return BENCH_TRACE_OFF;
#ifdef PEL_TRACE_H
    if (strcmp(v, "adaptive") == 0)
        return PEL_TRACE_ADAPTIVE;
    if (strcmp(v, "full") == 0)
        return PEL_TRACE_FULL;
    die(prog, "PEL_BENCH_TRACE must be off, adaptive or full, not", v);
#else
    die(prog, "this build's pel has no tracing; PEL_BENCH_TRACE must be off, not", v);
#endif
    return BENCH_TRACE_OFF;
}

#ifdef PEL_TRACE_H

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void bench_trace_begin(const char *prog, int mode)
{
    if (mode == BENCH_TRACE_OFF)
        return;
    pel_trace_config cfg = {(pel_trace_detail)mode, 0};
    int rc = pel_trace_start(&cfg);
    if (rc != PEL_OK)
        die(prog, "pel_trace_start", pel_strerror(rc));
}

/* What the trace file holds. It is written one event per line, each line starting with
 * {"ph":"; task slices have "cat":"task", and "inlined":N when they counted inlined tasks;
 * otherData has "dropped":N. */
typedef struct trace_facts {
    long events, slices, inlined, dropped;
} trace_facts;

static const char *find(const char *p, const char *end, const char *what)
{
    return memmem(p, (size_t)(end - p), what, strlen(what));
}

static trace_facts count(const char *text, size_t size)
{
    trace_facts f = {0, 0, 0, -1};
    const char *end = text + size;
    for (const char *line = text; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *stop = nl ? nl : end;
        if (stop - line > 7 && memcmp(line, "{\"ph\":\"", 7) == 0) {
            f.events++;
            if (find(line, stop, "\"cat\":\"task\"")) {
                f.slices++;
                const char *in = find(line, stop, "\"inlined\":");
                if (in)
                    f.inlined += strtol(in + 10, NULL, 10);
            }
        }
        const char *d = find(line, stop, "\"dropped\":");
        if (d)
            f.dropped = strtol(d + 10, NULL, 10);
        line = stop + 1;
    }
    return f;
}

void bench_trace_end(const char *prog, int mode)
{
    if (mode == BENCH_TRACE_OFF)
        return;
    int rc = pel_trace_stop();
    if (rc != PEL_OK)
        die(prog, "pel_trace_stop", pel_strerror(rc));
}

void bench_trace_write(const char *prog, int mode)
{
    if (mode == BENCH_TRACE_OFF)
        return;
    const char *dir = getenv("PEL_BENCH_TRACE_WRITE");
    if (dir == NULL || *dir == '\0')
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s/pel-bench-trace-XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0)
        die(prog, "cannot create a temporary file in", dir);
    close(fd);
    double t0 = now_s();
    int rc = pel_trace_write(path);
    double write_s = now_s() - t0;
    if (rc != PEL_OK) {
        unlink(path);
        die(prog, "pel_trace_write", pel_strerror(rc));
    }
    fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0) {
        unlink(path);
        die(prog, "cannot read the trace back", path);
    }
    char *text = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (text == MAP_FAILED) {
        unlink(path);
        die(prog, "cannot map the trace", path);
    }
    trace_facts f = count(text, (size_t)st.st_size);
    munmap(text, (size_t)st.st_size);
    close(fd);
    const char *keep = getenv("PEL_BENCH_TRACE_KEEP");
    if (keep && *keep && strcmp(keep, "0") != 0)
        fprintf(stderr, "%s: trace kept in %s\n", prog, path);
    else
        unlink(path);
    printf("trace bytes=%lld events=%ld task_slices=%ld inlined=%ld dropped=%ld write_s=%.4f\n",
           (long long)st.st_size, f.events, f.slices, f.inlined, f.dropped, write_s);
}

#else /* a pel without tracing: only `off` gets here */

void bench_trace_begin(const char *prog, int mode)
{
    (void)prog;
    (void)mode;
}

void bench_trace_end(const char *prog, int mode)
{
    (void)prog;
    (void)mode;
}

void bench_trace_write(const char *prog, int mode)
{
    (void)prog;
    (void)mode;
}

#endif
