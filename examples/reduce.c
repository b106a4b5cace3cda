/* reduce.c — parallel reductions with a struct accumulator.
 *
 * Over n pseudo-random values, each computed from its index: the sum, the minimum and
 * maximum, and the index of the first occurrence of the minimum. "First occurrence" needs the combine step to see
 * partial results in index order, which pel_parallel_reduce guarantees: `other` always
 * covers iterations after those of `acc`. Everything is checked against a serial loop.
 *
 *     usage: pel_example_reduce [n]      (default 50000000)
 */
#include <pel.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct stats {
    uint64_t sum;
    uint32_t min, max;
    size_t argmin; /* first index holding min; SIZE_MAX while empty */
};

static const struct stats stats_empty = {0, UINT32_MAX, 0, SIZE_MAX};

static void stats_add(struct stats *s, size_t i, uint32_t v)
{
    s->sum += v;
    if (v < s->min || s->argmin == SIZE_MAX) {
        s->min = v;
        s->argmin = i;
    }
    if (v > s->max) s->max = v;
}

/* The value at index i: splitmix64 of i, in [1000, 1001000), so the minimum recurs. */
static uint32_t value_at(size_t i)
{
    uint64_t z = ((uint64_t)i + 1) * 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (uint32_t)((z ^ (z >> 31)) % 1000000) + 1000;
}

static int stats_fold(size_t lo, size_t hi, void *acc, void *ctx)
{
    (void)ctx;
    for (size_t i = lo; i < hi; i++) stats_add(acc, i, value_at(i));
    return 0;
}

static void stats_combine(void *acc_, const void *other_, void *ctx)
{
    (void)ctx;
    struct stats *acc = acc_;
    const struct stats *other = other_;
    acc->sum += other->sum;
    /* `other` comes later in index order: on a tie, keep acc's (earlier) index. */
    if (other->argmin != SIZE_MAX && (acc->argmin == SIZE_MAX || other->min < acc->min)) {
        acc->min = other->min;
        acc->argmin = other->argmin;
    }
    if (other->max > acc->max) acc->max = other->max;
}

static double now(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC); /* C11; fine for timing a demonstration */
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    long n_arg = argc > 1 ? atol(argv[1]) : 50000000;
    if (n_arg < 0) {
        fprintf(stderr, "usage: %s [n], n >= 0\n", argv[0]);
        return 2;
    }
    size_t n = (size_t)n_arg;

    if (!pel_runtime_default()) { /* start the workers now, outside the timed parts */
        fprintf(stderr, "pel: %s\n", pel_strerror(pel_runtime_default_error()));
        return 1;
    }
    struct stats serial = stats_empty;
    double t0 = now();
    stats_fold(0, n, &serial, NULL);
    double t_serial = now() - t0;

    struct stats par;
    t0 = now();
    int rc = pel_parallel_reduce(NULL, 0, n, 0, &par, &stats_empty, sizeof par, stats_fold,
                                 stats_combine, NULL);
    double t_par = now() - t0;
    if (rc != PEL_OK) {
        fprintf(stderr, "reduce: %s\n", pel_strerror(rc));
        return 1;
    }
    printf("reduce over %zu values on %d workers: sum %llu, min %u (first at %zu), max %u\n",
           n, pel_runtime_num_workers(NULL), (unsigned long long)par.sum, par.min, par.argmin,
           par.max);
    printf("  serial %.3f s, parallel %.3f s\n", t_serial, t_par);
    if (par.sum != serial.sum || par.min != serial.min || par.max != serial.max ||
        par.argmin != serial.argmin) {
        fprintf(stderr, "reduce: mismatch, serial gives sum %llu, min %u at %zu, max %u\n",
                (unsigned long long)serial.sum, serial.min, serial.argmin, serial.max);
        return 1;
    }
    return 0;
}
