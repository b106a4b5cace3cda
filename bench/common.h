/* bench/common.h — what every benchmark system shares: the problem definitions, the
 * per-element kernels, the serial reference kernels, and the table of entry points
 * each system binary provides.
 *
 * One benchmark binary per system (serial, pel, omp-gomp, omp-libomp, tbb, std) is
 * built from harness.c plus one sys_*.c / sys_*.cpp file that fills a bench_system
 * table. harness.c generates the inputs, does the warm-up, times the kernels and checks
 * the answers, so the only thing that differs between systems is how the work is split
 * among threads. This header is valid C11 and C++17: the C++ baselines include it too.
 */
#ifndef PEL_BENCH_COMMON_H
#define PEL_BENCH_COMMON_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Deterministic pseudo-random numbers ---------------------------------------- */

/* bench_mix64: the splitmix64 finaliser, a bijective 64-bit mixing function. Every input
 * array and the UTS tree are derived from it, so every system sees identical data. */
static inline uint64_t bench_mix64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* bench_unit: a double in [0, 1) from the top 53 bits of a hash. */
static inline double bench_unit(uint64_t h)
{
    return (double)(h >> 11) * (1.0 / 9007199254740992.0);
}

/* bench_exact_value: element i of the "exact" arrays used by the memory-bound loop and
 * the reductions: a multiple of 1/8 in [0, 128). Every partial sum of up to 2^40 such
 * values is exactly representable in a double, so sums are independent of the order
 * of summation and every system must produce bit-identical answers. */
static inline double bench_exact_value(uint64_t seed, size_t i)
{
    return (double)(bench_mix64(seed ^ (uint64_t)i) & 1023u) * 0.125;
}

/* ---- fib ------------------------------------------------------------------------- */

/* fib(n) by naive recursion. In the parallel versions every call with n >= 2 spawns
 * fib(n-1) as a task, runs fib(n-2) inline and waits: fib(n+1) - 1 spawns in all. */
static inline long bench_fib_serial(int n)
{
    return n < 2 ? n : bench_fib_serial(n - 1) + bench_fib_serial(n - 2);
}

/* ---- nqueens ----------------------------------------------------------------------
 * Count the placements of n non-attacking queens, one row at a time. A partial board is
 * three bit masks: the columns taken, and the squares of the next row attacked along
 * each diagonal. Every legal queen in the next row is one task (no cutoff): the number
 * of tasks is the number of nodes of the search tree below the root. */
#define BENCH_NQUEENS_MAX 20

/* The squares of the next row that are free, given the current masks. */
static inline uint32_t bench_nqueens_free(int n, uint32_t cols, uint32_t d1, uint32_t d2)
{
    return ~(cols | d1 | d2) & ((1u << n) - 1u);
}

/* Place a queen on `bit` (one bit of the free mask): the masks for the row below. */
static inline void bench_nqueens_place(uint32_t bit, uint32_t *cols, uint32_t *d1, uint32_t *d2)
{
    *cols |= bit;
    *d1 = (*d1 | bit) << 1;
    *d2 = (*d2 | bit) >> 1;
}

/* Solutions below a partial board at `row`; *nodes counts the placements visited. */
static inline long bench_nqueens_serial(int n, int row, uint32_t cols, uint32_t d1, uint32_t d2,
                                        long *nodes)
{
    if (row == n)
        return 1;
    long total = 0;
    for (uint32_t free_ = bench_nqueens_free(n, cols, d1, d2); free_ != 0; free_ &= free_ - 1) {
        uint32_t c = cols, a = d1, b = d2;
        bench_nqueens_place(free_ & (0u - free_), &c, &a, &b);
        ++*nodes;
        total += bench_nqueens_serial(n, row + 1, c, a, b, nodes);
    }
    return total;
}

/* ---- uts: an unbalanced tree search in the style of UTS (Olivier et al., LCPC 2006) --
 * A binomial tree: the root has b0 children; any other node has m children with
 * probability q, otherwise none. With m*q just under 1 the expected subtree is large
 * (1 / (1 - m*q) nodes) but its size varies wildly, so the work cannot be divided up
 * in advance. A node is identified by a 64-bit value; child i of node `id` is
 * bench_mix64(id + (i+1) * golden), and whether a node has children is decided by the
 * top bits of its own id, so the tree is a deterministic function of (seed, b0, m, q).
 * Every node except the root is one task. */
typedef struct bench_uts_params {
    uint64_t seed; /* the root's id */
    int b0;        /* the root's children */
    int m;         /* children of a non-leaf node (at most BENCH_UTS_MAX_M) */
    double q;      /* probability that a non-root node has m children */
} bench_uts_params;

#define BENCH_UTS_MAX_M 16

static inline uint64_t bench_uts_child(uint64_t id, int i)
{
    return bench_mix64(id + (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ull);
}

/* The number of children of a non-root node. */
static inline int bench_uts_children(const bench_uts_params *p, uint64_t id)
{
    return bench_unit(id) < p->q ? p->m : 0;
}

/* The number of nodes of the subtree below (and including) a non-root node. */
static inline long bench_uts_serial(const bench_uts_params *p, uint64_t id)
{
    long total = 1;
    int nc = bench_uts_children(p, id);
    for (int i = 0; i < nc; i++)
        total += bench_uts_serial(p, bench_uts_child(id, i));
    return total;
}

/* ---- for / reduce ---------------------------------------------------------------- */

/* The compute-bound loop's work per element: some sin, cos and sqrt, about 50 ns. */
static inline double bench_compute_elem(double x)
{
    return sqrt(x) * sin(x) + cos(0.5 * x) * sqrt(x + 1.0);
}

/* The sum of x[lo, hi): four independent accumulators, so the loop is not bound by
 * the latency of one chain of additions. Every system's reduction uses it on its
 * sub-ranges (the inputs are exact, see bench_exact_value, so the order of additions
 * does not change the answer). */
static inline double bench_sum_range(const double *x, size_t lo, size_t hi)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = lo;
    for (; i + 4 <= hi; i += 4) {
        s0 += x[i];
        s1 += x[i + 1];
        s2 += x[i + 2];
        s3 += x[i + 3];
    }
    for (; i < hi; i++)
        s0 += x[i];
    return (s0 + s1) + (s2 + s3);
}

/* ---- sort ------------------------------------------------------------------------ */

/* The stable sort's element: sorted by key only; idx is the original position, used to
 * check stability. */
typedef struct bench_kv {
    uint32_t key;
    uint32_t idx;
} bench_kv;

/* ---- The systems ------------------------------------------------------------------ */

/* What a system binary provides. A NULL entry means the system does not implement that
 * benchmark. Kernels must produce exactly the serial answer (up to rounding for the
 * compute-bound loop's checksum, which harness.c compares with a tolerance). */
typedef struct bench_system {
    const char *name;
    /* Start the system with `workers` threads; 0 on success. */
    int (*setup)(int workers);
    /* Stop it (joining its threads where the system allows). */
    void (*teardown)(void);
    /* Run something trivial in parallel so that every worker thread has started. */
    void (*touch)(void);
    long (*fib)(int n);
    long (*nqueens)(int n);
    long (*uts)(const bench_uts_params *p); /* returns the number of nodes */
    void (*for_compute)(double *y, const double *x, size_t n); /* y[i] = compute(x[i]) */
    void (*for_memory)(double *a, const double *b, const double *c, double s, size_t n);
    double (*reduce_sum)(const double *x, size_t n);
    void (*sort_int)(int32_t *a, size_t n);
    void (*stable_sort_kv)(bench_kv *a, size_t n);
    /* One wake-up trial on an idle system: start a task (or parallel region) at t0 and
     * return when it has run; *started gets the CLOCK_MONOTONIC time (seconds) at which
     * it began on a worker thread other than the caller. Returns t0. */
    double (*wake_trial)(double *started);
} bench_system;

/* Each system binary defines this table. */
extern const bench_system bench_system_impl;

/* bench_now: CLOCK_MONOTONIC in seconds. */
double bench_now(void);

/* bench_die: print "bench-<system>: <message>" to stderr and exit with status 1. */
void bench_die(const char *msg);

#ifdef __cplusplus
}
#endif

#endif /* PEL_BENCH_COMMON_H */
