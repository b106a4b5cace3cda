/* bench/harness.c — the main() of every system binary: one process runs one benchmark
 * configuration once.
 *
 *     bench-<system> BENCH WORKERS ARG...
 *
 * It builds the input, starts the system with WORKERS threads, runs a warm-up, times the
 * kernel, checks the answer and prints, on stdout:
 *
 *     t=SECONDS            one line per timed sample (most benchmarks have one)
 *     check=VALUE ...      the answer (identical for every system) and extra facts
 *
 * bench/driver.c starts these processes interleaved (system A, B, C, A, B, C, ...) and
 * turns their samples into JSON lines. One process per sample keeps the systems from
 * disturbing each other: no thread pool of one system is alive, spinning, while another
 * system is being timed. Exit status: 0 ok, 1 failure, 3 this system has no such
 * benchmark (std only sorts, futex only wakes).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "common.h"

#define INPUT_SEED 0x5EEDull

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void bench_die(const char *msg)
{
    fprintf(stderr, "bench-%s: %s\n", bench_system_impl.name, msg);
    exit(1);
}

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (p == NULL)
        bench_die("out of memory");
    return p;
}

static void sleep_seconds(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* Keeps the compiler from assuming that memory reachable from `p` is unchanged, so a
 * repeated call on the same input cannot be hoisted out of a loop. */
static inline void clobber(const void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

static void print_sample(double seconds)
{
    printf("t=%.9g\n", seconds);
}

static long arg_long(int argc, char **argv, int i)
{
    if (i >= argc)
        bench_die("missing argument");
    char *end;
    long v = strtol(argv[i], &end, 10);
    if (*end != '\0' || v < 0)
        bench_die("bad integer argument");
    return v;
}

/* ---- the benchmarks: each returns 0, and prints its samples and its check line ------ */

static int run_fib(const bench_system *s, int argc, char **argv)
{
    int n = (int)arg_long(argc, argv, 3);
    s->fib(n > 10 ? n - 5 : n); /* warm-up: about 1/11 of the work */
    double t0 = bench_now();
    long r = s->fib(n);
    print_sample(bench_now() - t0);
    long a = 0, b = 1; /* fib(n+1) - 1 calls spawn a task */
    for (int i = 0; i < n + 1; i++) {
        long c = a + b;
        a = b;
        b = c;
    }
    printf("check=%ld tasks=%ld\n", r, a - 1);
    return 0;
}

static int run_nqueens(const bench_system *s, int argc, char **argv)
{
    int n = (int)arg_long(argc, argv, 3);
    if (n < 1 || n > BENCH_NQUEENS_MAX)
        bench_die("nqueens: n out of range");
    s->nqueens(n > 6 ? n - 2 : n);
    double t0 = bench_now();
    long r = s->nqueens(n);
    print_sample(bench_now() - t0);
    printf("check=%ld", r);
    if (strcmp(s->name, "serial") == 0) { /* the serial binary counts the tasks */
        long nodes = 0;
        bench_nqueens_serial(n, 0, 0, 0, 0, &nodes);
        printf(" tasks=%ld", nodes);
    }
    printf("\n");
    return 0;
}

static int run_uts(const bench_system *s, int argc, char **argv)
{
    if (argc < 7)
        bench_die("uts: need B0 M Q SEED");
    bench_uts_params p;
    p.b0 = (int)arg_long(argc, argv, 3);
    p.m = (int)arg_long(argc, argv, 4);
    p.q = atof(argv[5]);
    p.seed = (uint64_t)strtoull(argv[6], NULL, 0);
    if (p.m < 1 || p.m > BENCH_UTS_MAX_M || p.b0 < 1)
        bench_die("uts: bad parameters");
    bench_uts_params warm = p;
    warm.b0 = p.b0 / 10 > 0 ? p.b0 / 10 : 1;
    s->uts(&warm);
    double t0 = bench_now();
    long nodes = s->uts(&p);
    print_sample(bench_now() - t0);
    printf("check=%ld tasks=%ld\n", nodes, nodes - 1);
    return 0;
}

static double *exact_array(size_t n, uint64_t seed)
{
    double *x = xmalloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = bench_exact_value(seed, i);
    return x;
}

/* An exact sum (see bench_exact_value), printed as the integer sum * 8. */
static void print_exact_check(const double *x, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    printf("check=%.0f\n", sum * 8.0);
}

static int run_for_compute(const bench_system *s, int argc, char **argv)
{
    size_t n = (size_t)arg_long(argc, argv, 3);
    double *x = xmalloc(n * sizeof *x), *y = xmalloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        x[i] = 100.0 * bench_unit(bench_mix64(INPUT_SEED + i));
        y[i] = 0;
    }
    s->for_compute(y, x, n);
    double t0 = bench_now();
    s->for_compute(y, x, n);
    print_sample(bench_now() - t0);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += y[i];
    printf("checkf=%.17g\n", sum);
    free(x);
    free(y);
    return 0;
}

/* CALLS (optional, default 1): how many back-to-back calls one sample times; the sample
 * is the time per call. Memory-bound kernels are short, so they repeat a few times. */
static long arg_calls(int argc, char **argv, int i)
{
    long calls = i < argc ? arg_long(argc, argv, i) : 1;
    if (calls < 1)
        bench_die("need at least one call");
    return calls;
}

static int run_for_memory(const bench_system *s, int argc, char **argv)
{
    size_t n = (size_t)arg_long(argc, argv, 3);
    long calls = arg_calls(argc, argv, 4);
    double *a = exact_array(n, 1), *b = exact_array(n, 2), *c = exact_array(n, 3);
    s->for_memory(a, b, c, 3.0, n);
    memset(a, 0, n * sizeof *a);
    double t0 = bench_now();
    for (long k = 0; k < calls; k++) {
        clobber(a);
        s->for_memory(a, b, c, 3.0, n);
    }
    print_sample((bench_now() - t0) / (double)calls);
    print_exact_check(a, n);
    free(a);
    free(b);
    free(c);
    return 0;
}

static int run_reduce_sum(const bench_system *s, int argc, char **argv)
{
    size_t n = (size_t)arg_long(argc, argv, 3);
    long calls = arg_calls(argc, argv, 4);
    double *x = exact_array(n, 4);
    double r = s->reduce_sum(x, n);
    double t0 = bench_now();
    for (long k = 0; k < calls; k++) {
        clobber(x);
        double rk = s->reduce_sum(x, n);
        if (k > 0 && rk != r)
            bench_die("reduce-sum: two calls gave different sums");
        r = rk;
    }
    print_sample((bench_now() - t0) / (double)calls);
    printf("check=%.0f\n", r * 8.0);
    free(x);
    return 0;
}

/* Many calls of a tiny reduction: the sample is the time per call. */
static int run_reduce_tiny(const bench_system *s, int argc, char **argv)
{
    size_t n = (size_t)arg_long(argc, argv, 3);
    long calls = arg_calls(argc, argv, 4);
    double *x = exact_array(n, 5);
    double total = 0;
    for (long k = 0; k < calls / 10 + 1; k++) {
        clobber(x);
        total += s->reduce_sum(x, n);
    }
    total = 0;
    double t0 = bench_now();
    for (long k = 0; k < calls; k++) {
        clobber(x);
        total += s->reduce_sum(x, n);
    }
    print_sample((bench_now() - t0) / (double)calls);
    printf("check=%.0f\n", total * 8.0);
    free(x);
    return 0;
}

/* A checksum of a multiset of 64-bit values: independent of their order. */
static uint64_t multiset_hash(uint64_t acc, uint64_t v)
{
    return acc + bench_mix64(v ^ 0xC0FFEEull);
}

static int run_sort(const bench_system *s, int argc, char **argv)
{
    size_t n = (size_t)arg_long(argc, argv, 3);
    int32_t *orig = xmalloc(n * sizeof *orig), *a = xmalloc(n * sizeof *a);
    uint64_t before = 0, after = 0;
    for (size_t i = 0; i < n; i++) {
        orig[i] = (int32_t)(uint32_t)bench_mix64(INPUT_SEED ^ i);
        before = multiset_hash(before, (uint32_t)orig[i]);
    }
    memcpy(a, orig, n * sizeof *a);
    s->sort_int(a, n);
    memcpy(a, orig, n * sizeof *a);
    double t0 = bench_now();
    s->sort_int(a, n);
    print_sample(bench_now() - t0);
    int sorted = 1;
    for (size_t i = 0; i < n; i++) {
        after = multiset_hash(after, (uint32_t)a[i]);
        if (i > 0 && a[i - 1] > a[i])
            sorted = 0;
    }
    if (!sorted)
        printf("check=NOT_SORTED\n");
    else if (after != before)
        printf("check=ELEMENTS_CHANGED\n");
    else
        printf("check=%" PRIu64 "\n", before);
    free(orig);
    free(a);
    return 0;
}

static int run_stable_sort(const bench_system *s, int argc, char **argv)
{
    size_t n = (size_t)arg_long(argc, argv, 3);
    bench_kv *orig = xmalloc(n * sizeof *orig), *a = xmalloc(n * sizeof *a);
    uint64_t before = 0, after = 0;
    for (size_t i = 0; i < n; i++) {
        orig[i].key = (uint32_t)(bench_mix64(INPUT_SEED + 7 * i) % 1000u);
        orig[i].idx = (uint32_t)i;
        before = multiset_hash(before, ((uint64_t)orig[i].key << 32) | orig[i].idx);
    }
    memcpy(a, orig, n * sizeof *a);
    s->stable_sort_kv(a, n);
    memcpy(a, orig, n * sizeof *a);
    double t0 = bench_now();
    s->stable_sort_kv(a, n);
    print_sample(bench_now() - t0);
    const char *verdict = NULL;
    for (size_t i = 0; i < n; i++) {
        after = multiset_hash(after, ((uint64_t)a[i].key << 32) | a[i].idx);
        if (i > 0 && a[i - 1].key > a[i].key)
            verdict = "NOT_SORTED";
        else if (i > 0 && a[i - 1].key == a[i].key && a[i - 1].idx > a[i].idx && !verdict)
            verdict = "NOT_STABLE";
    }
    if (verdict == NULL && after != before)
        verdict = "ELEMENTS_CHANGED";
    if (verdict)
        printf("check=%s\n", verdict);
    else
        printf("check=%" PRIu64 "\n", before);
    free(orig);
    free(a);
    return 0;
}

/* CPU time the whole process uses while the system sits idle for WINDOW_MS. */
static int run_idle(const bench_system *s, int argc, char **argv)
{
    double window = (double)arg_long(argc, argv, 3) * 1e-3;
    s->touch();
    double c0 = cpu_seconds(), t0 = bench_now();
    sleep_seconds(window);
    double c1 = cpu_seconds(), t1 = bench_now();
    print_sample(c1 - c0);
    printf("check=idle wall=%.6f\n", t1 - t0);
    return 0;
}

/* TRIALS times: let the workers park for SLEEP_MS, then time how long a new task takes
 * to start on a worker. */
static int run_wake(const bench_system *s, int argc, char **argv)
{
    long trials = arg_long(argc, argv, 3);
    double pause = (double)arg_long(argc, argv, 4) * 1e-3;
    s->touch();
    for (long k = 0; k < trials; k++) {
        sleep_seconds(pause);
        double started = 0;
        double t0 = s->wake_trial(&started);
        print_sample(started - t0);
    }
    printf("check=wake\n");
    return 0;
}

typedef struct bench_entry {
    const char *name;
    int (*run)(const bench_system *s, int argc, char **argv);
} bench_entry;

static const bench_entry entries[] = {
    {"fib", run_fib},
    {"nqueens", run_nqueens},
    {"uts", run_uts},
    {"for-compute", run_for_compute},
    {"for-memory", run_for_memory},
    {"reduce-sum", run_reduce_sum},
    {"reduce-tiny", run_reduce_tiny},
    {"sort", run_sort},
    {"stable-sort", run_stable_sort},
    {"idle", run_idle},
    {"wake", run_wake},
};

/* Whether system `s` implements benchmark `e`. */
static int implemented(const bench_system *s, const bench_entry *e)
{
    if (e->run == run_fib)
        return s->fib != NULL;
    if (e->run == run_nqueens)
        return s->nqueens != NULL;
    if (e->run == run_uts)
        return s->uts != NULL;
    if (e->run == run_for_compute)
        return s->for_compute != NULL;
    if (e->run == run_for_memory)
        return s->for_memory != NULL;
    if (e->run == run_reduce_sum || e->run == run_reduce_tiny)
        return s->reduce_sum != NULL;
    if (e->run == run_sort)
        return s->sort_int != NULL;
    if (e->run == run_stable_sort)
        return s->stable_sort_kv != NULL;
    if (e->run == run_idle)
        return s->touch != NULL;
    return s->wake_trial != NULL && s->touch != NULL;
}

int main(int argc, char **argv)
{
    const bench_system *s = &bench_system_impl;
    if (argc < 3) {
        fprintf(stderr, "usage: bench-%s BENCH WORKERS ARG...\n", s->name);
        return 1;
    }
    const bench_entry *e = NULL;
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++)
        if (strcmp(entries[i].name, argv[1]) == 0)
            e = &entries[i];
    if (e == NULL)
        bench_die("unknown benchmark");
    if (!implemented(s, e))
        return 3;
    int workers = (int)arg_long(argc, argv, 2);
    if (workers < 1)
        bench_die("need at least one worker");
    if (s->setup(workers) != 0)
        bench_die("could not start the system");
    int rc = e->run(s, argc, argv);
    fflush(stdout);
    s->teardown();
    return rc;
}
