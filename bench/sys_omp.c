/* bench/sys_omp.c — the kernels written with OpenMP: tasks with taskwait for fib, nqueens
 * and uts (one task per child, no cutoff), `parallel for schedule(static)` for the loops
 * and a `parallel` region with a reduction clause for the sums.
 *
 * The same source is built twice: with gcc -fopenmp (libgomp) as bench-omp-gomp and with
 * clang -fopenmp=libomp (LLVM's libomp) as bench-omp-libomp. BENCH_OMP_NAME says which. */
#include <omp.h>
#include <stdlib.h>

#include "common.h"

#ifndef BENCH_OMP_NAME
#error "BENCH_OMP_NAME must name the OpenMP runtime (omp-gomp or omp-libomp)"
#endif

static int omp_setup(int workers)
{
    omp_set_dynamic(0);
    omp_set_num_threads(workers);
    return 0;
}

static void omp_teardown(void)
{
}

static void omp_touch(void)
{
    int started = 0;
#pragma omp parallel reduction(+ : started)
    started += 1;
    if (started != omp_get_max_threads())
        bench_die("the parallel region did not get every thread");
}

/* ---- fib ---- */

static long fib_rec(int n)
{
    if (n < 2)
        return n;
    long x, y;
#pragma omp task shared(x) firstprivate(n)
    x = fib_rec(n - 1);
    y = fib_rec(n - 2);
#pragma omp taskwait
    return x + y;
}

static long omp_fib(int n)
{
    long r = 0;
#pragma omp parallel shared(r)
#pragma omp single
    r = fib_rec(n);
    return r;
}

/* ---- nqueens ---- */

static long nq_rec(int n, int row, uint32_t cols, uint32_t d1, uint32_t d2)
{
    if (row == n)
        return 1;
    long res[BENCH_NQUEENS_MAX];
    int k = 0;
    for (uint32_t free_ = bench_nqueens_free(n, cols, d1, d2); free_ != 0; free_ &= free_ - 1) {
        uint32_t c = cols, a = d1, b = d2;
        bench_nqueens_place(free_ & (0u - free_), &c, &a, &b);
#pragma omp task shared(res) firstprivate(k, c, a, b, n, row)
        res[k] = nq_rec(n, row + 1, c, a, b);
        k++;
    }
#pragma omp taskwait
    long total = 0;
    for (int i = 0; i < k; i++)
        total += res[i];
    return total;
}

static long omp_nqueens(int n)
{
    long r = 0;
#pragma omp parallel shared(r)
#pragma omp single
    r = nq_rec(n, 0, 0, 0, 0);
    return r;
}

/* ---- uts ---- */

static long uts_rec(const bench_uts_params *p, uint64_t id)
{
    int nc = bench_uts_children(p, id);
    long total = 1;
    if (nc > 0) {
        long res[BENCH_UTS_MAX_M];
        for (int i = 0; i < nc; i++) {
#pragma omp task shared(res) firstprivate(i, p, id)
            res[i] = uts_rec(p, bench_uts_child(id, i));
        }
#pragma omp taskwait
        for (int i = 0; i < nc; i++)
            total += res[i];
    }
    return total;
}

static long uts_root(const bench_uts_params *p)
{
    long *res = malloc((size_t)p->b0 * sizeof *res);
    if (res == NULL)
        bench_die("out of memory");
    for (int i = 0; i < p->b0; i++) {
#pragma omp task shared(res) firstprivate(i, p)
        res[i] = uts_rec(p, bench_uts_child(p->seed, i));
    }
#pragma omp taskwait
    long total = 1;
    for (int i = 0; i < p->b0; i++)
        total += res[i];
    free(res);
    return total;
}

static long omp_uts(const bench_uts_params *p)
{
    long r = 0;
#pragma omp parallel shared(r)
#pragma omp single
    r = uts_root(p);
    return r;
}

/* ---- for / reduce ---- */

static void omp_for_compute(double *y, const double *x, size_t n)
{
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++)
        y[i] = bench_compute_elem(x[i]);
}

static void omp_for_memory(double *a, const double *b, const double *c, double s, size_t n)
{
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++)
        a[i] = b[i] + s * c[i];
}

/* Each thread sums its static block with the shared kernel; the reduction clause adds
 * up the per-thread sums. */
static double omp_reduce_sum(const double *x, size_t n)
{
    double sum = 0;
#pragma omp parallel reduction(+ : sum)
    {
        size_t t = (size_t)omp_get_thread_num(), nt = (size_t)omp_get_num_threads();
        sum += bench_sum_range(x, n * t / nt, n * (t + 1) / nt);
    }
    return sum;
}

/* ---- wake: the latency of starting a parallel region on threads that have gone idle;
 * what is recorded is the start of thread 1 (thread 0 is the caller itself). */

static double omp_wake_trial(double *started)
{
    double t0 = bench_now(), when = 0;
#pragma omp parallel shared(when)
    {
        if (omp_get_thread_num() == (omp_get_num_threads() > 1 ? 1 : 0))
            when = bench_now();
    }
    *started = when;
    return t0;
}

const bench_system bench_system_impl = {
    .name = BENCH_OMP_NAME,
    .setup = omp_setup,
    .teardown = omp_teardown,
    .touch = omp_touch,
    .fib = omp_fib,
    .nqueens = omp_nqueens,
    .uts = omp_uts,
    .for_compute = omp_for_compute,
    .for_memory = omp_for_memory,
    .reduce_sum = omp_reduce_sum,
    .wake_trial = omp_wake_trial,
};
