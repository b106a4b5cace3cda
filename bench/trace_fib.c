/* bench/trace_fib.c — the main() of bench-trace-pel: the `fib` benchmark's pel kernel
 * (sys_pel.c, the same code bench-pel runs) with tracing off or on, for the `trace`
 * group (issue 4). One process runs one sample:
 *
 *     bench-trace-pel trace-fib WORKERS N
 *
 * PEL_BENCH_TRACE=off|adaptive|full picks the variant (trace_bench.h). As in harness.c's
 * fib: start the runtime, warm up on fib(N-5) with tracing off, then time fib(N); tracing
 * starts just before the timed call and stops just after it, and the trace, when asked
 * for (PEL_BENCH_TRACE_WRITE), is written once the runtime is destroyed. Prints
 * harness.c's lines:
 *
 *     t=SECONDS
 *     check=FIB tasks=TASKS
 *
 * plus trace_bench.c's `trace ...` line. The same source, built against the library of
 * the commit before tracing existed, is bench-trace-pel-9325ad4 (bench/run builds it). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "trace_bench.h"

#define PROG "bench-trace-pel"

/* What harness.c gives the system files. */
double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void bench_die(const char *msg)
{
    fprintf(stderr, PROG ": %s\n", msg);
    exit(1);
}

static long arg_long(int argc, char **argv, int i)
{
    if (i >= argc)
        bench_die("usage: " PROG " trace-fib WORKERS N");
    char *end;
    long v = strtol(argv[i], &end, 10);
    if (*end != '\0' || v < 0 || v > 60)
        bench_die("bad integer argument");
    return v;
}

int main(int argc, char **argv)
{
    const bench_system *s = &bench_system_impl;
    if (argc < 2 || strcmp(argv[1], "trace-fib") != 0)
        return 3; /* harness.c's convention: no such benchmark here */
    int workers = (int)arg_long(argc, argv, 2), n = (int)arg_long(argc, argv, 3);
    if (workers < 1)
        bench_die("need at least one worker");
    int mode = bench_trace_mode(PROG);
    if (s->setup(workers) != 0)
        bench_die("could not start the system");
    s->fib(n > 10 ? n - 5 : n); /* warm-up, untraced: as harness.c */

    bench_trace_begin(PROG, mode);
    double t0 = bench_now();
    long r = s->fib(n);
    double seconds = bench_now() - t0;
    bench_trace_end(PROG, mode);

    printf("t=%.9g\n", seconds);
    long a = 0, b = 1; /* fib(n+1) - 1 calls spawn a task */
    for (int i = 0; i < n + 1; i++) {
        long c = a + b;
        a = b;
        b = c;
    }
    printf("check=%ld tasks=%ld\n", r, a - 1);
    s->teardown();
    bench_trace_write(PROG, mode); /* not timed; after the workers have stopped */
    fflush(stdout);
    return 0;
}
