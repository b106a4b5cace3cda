/* bench/sys_pel.c — the kernels written with pel: fork-join groups for fib, nqueens and
 * uts (one spawn per child, no cutoff), pel_parallel_for / pel_parallel_reduce with
 * automatic grain for the loops, pel_parallel_sort / pel_parallel_stable_sort with a
 * comparator function for the sorts.
 *
 * The recursive kernels start with one root task so that all the work runs on pel's
 * workers; the calling (main) thread only waits, as a non-worker thread does. */
#include <stdio.h>
#include <stdlib.h>

#include <pel.h>

#include "common.h"

static pel_runtime *rt;

static void check(int rc, const char *what)
{
    if (__builtin_expect(rc != 0, 0)) {
        fprintf(stderr, "bench-pel: %s: %s\n", what, pel_strerror(rc));
        exit(1);
    }
}

static int pel_setup(int workers)
{
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = workers;
    check(pel_runtime_create(&cfg, &rt), "pel_runtime_create");
    if (pel_runtime_num_workers(rt) != workers)
        bench_die("the runtime did not start the requested number of workers");
    return 0;
}

static void pel_teardown(void)
{
    check(pel_runtime_destroy(rt), "pel_runtime_destroy");
}

/* Run `fn(arg)` as one task on the workers and wait for it. */
static void run_root(pel_task_fn fn, void *arg)
{
    pel_group g;
    check(pel_group_init(&g, rt), "pel_group_init");
    check(pel_group_spawn(&g, fn, arg), "pel_group_spawn");
    check(pel_group_wait(&g), "pel_group_wait");
}

static int nothing(size_t lo, size_t hi, void *ctx)
{
    (void)lo;
    (void)hi;
    (void)ctx;
    return 0;
}

static void pel_touch(void)
{
    check(pel_parallel_for(rt, 0, 4096, 1, nothing, NULL), "pel_parallel_for");
}

/* ---- fib ---- */

typedef struct fib_frame {
    int n;
    long result;
} fib_frame;

static long fib_rec(int n);

static int fib_task(void *arg)
{
    fib_frame *f = arg;
    f->result = fib_rec(f->n);
    return 0;
}

static long fib_rec(int n)
{
    if (n < 2)
        return n;
    fib_frame child = {n - 1, 0};
    pel_group g;
    check(pel_group_init(&g, rt), "pel_group_init");
    check(pel_group_spawn(&g, fib_task, &child), "pel_group_spawn");
    long y = fib_rec(n - 2);
    check(pel_group_wait(&g), "pel_group_wait");
    return child.result + y;
}

static long pel_fib(int n)
{
    fib_frame root = {n, 0};
    run_root(fib_task, &root);
    return root.result;
}

/* ---- nqueens ---- */

typedef struct nq_frame {
    int n, row;
    uint32_t cols, d1, d2;
    long result;
} nq_frame;

static int nq_task(void *arg)
{
    nq_frame *f = arg;
    if (f->row == f->n) {
        f->result = 1;
        return 0;
    }
    nq_frame kids[BENCH_NQUEENS_MAX];
    int k = 0;
    pel_group g;
    check(pel_group_init(&g, rt), "pel_group_init");
    for (uint32_t free_ = bench_nqueens_free(f->n, f->cols, f->d1, f->d2); free_ != 0;
         free_ &= free_ - 1) {
        nq_frame *kid = &kids[k++];
        *kid = (nq_frame){f->n, f->row + 1, f->cols, f->d1, f->d2, 0};
        bench_nqueens_place(free_ & (0u - free_), &kid->cols, &kid->d1, &kid->d2);
        check(pel_group_spawn(&g, nq_task, kid), "pel_group_spawn");
    }
    check(pel_group_wait(&g), "pel_group_wait");
    long total = 0;
    for (int i = 0; i < k; i++)
        total += kids[i].result;
    f->result = total;
    return 0;
}

static long pel_nqueens(int n)
{
    nq_frame root = {n, 0, 0, 0, 0, 0};
    run_root(nq_task, &root);
    return root.result;
}

/* ---- uts ---- */

typedef struct uts_frame {
    const bench_uts_params *p;
    uint64_t id;
    long result;
} uts_frame;

static int uts_task(void *arg)
{
    uts_frame *f = arg;
    int nc = bench_uts_children(f->p, f->id);
    long total = 1;
    if (nc > 0) {
        uts_frame kids[BENCH_UTS_MAX_M];
        pel_group g;
        check(pel_group_init(&g, rt), "pel_group_init");
        for (int i = 0; i < nc; i++) {
            kids[i] = (uts_frame){f->p, bench_uts_child(f->id, i), 0};
            check(pel_group_spawn(&g, uts_task, &kids[i]), "pel_group_spawn");
        }
        check(pel_group_wait(&g), "pel_group_wait");
        for (int i = 0; i < nc; i++)
            total += kids[i].result;
    }
    f->result = total;
    return 0;
}

/* The root: b0 children, spawned from a task like every other node. */
static int uts_root_task(void *arg)
{
    uts_frame *f = arg;
    int b0 = f->p->b0;
    uts_frame *kids = malloc((size_t)b0 * sizeof *kids);
    if (kids == NULL)
        bench_die("out of memory");
    pel_group g;
    check(pel_group_init(&g, rt), "pel_group_init");
    for (int i = 0; i < b0; i++) {
        kids[i] = (uts_frame){f->p, bench_uts_child(f->id, i), 0};
        check(pel_group_spawn(&g, uts_task, &kids[i]), "pel_group_spawn");
    }
    check(pel_group_wait(&g), "pel_group_wait");
    long total = 1;
    for (int i = 0; i < b0; i++)
        total += kids[i].result;
    free(kids);
    f->result = total;
    return 0;
}

static long pel_uts(const bench_uts_params *p)
{
    uts_frame root = {p, p->seed, 0};
    run_root(uts_root_task, &root);
    return root.result;
}

/* ---- for / reduce ---- */

typedef struct loop_ctx {
    double *out;
    const double *in1, *in2;
    double s;
} loop_ctx;

static int compute_body(size_t lo, size_t hi, void *arg)
{
    loop_ctx *c = arg;
    for (size_t i = lo; i < hi; i++)
        c->out[i] = bench_compute_elem(c->in1[i]);
    return 0;
}

static void pel_for_compute(double *y, const double *x, size_t n)
{
    loop_ctx c = {y, x, NULL, 0};
    check(pel_parallel_for(rt, 0, n, 0, compute_body, &c), "pel_parallel_for");
}

static int triad_body(size_t lo, size_t hi, void *arg)
{
    loop_ctx *c = arg;
    double *a = c->out, s = c->s;
    const double *b = c->in1, *cc = c->in2;
    for (size_t i = lo; i < hi; i++)
        a[i] = b[i] + s * cc[i];
    return 0;
}

static void pel_for_memory(double *a, const double *b, const double *c, double s, size_t n)
{
    loop_ctx ctx = {a, b, c, s};
    check(pel_parallel_for(rt, 0, n, 0, triad_body, &ctx), "pel_parallel_for");
}

static int sum_body(size_t lo, size_t hi, void *acc, void *ctx)
{
    *(double *)acc += bench_sum_range(ctx, lo, hi);
    return 0;
}

static void sum_combine(void *acc, const void *other, void *ctx)
{
    (void)ctx;
    *(double *)acc += *(const double *)other;
}

static double pel_reduce_sum(const double *x, size_t n)
{
    double result = 0, zero = 0;
    check(pel_parallel_reduce(rt, 0, n, 0, &result, &zero, sizeof result, sum_body, sum_combine,
                              (void *)x),
          "pel_parallel_reduce");
    return result;
}

/* ---- sort ---- */

static int compare_int32(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static void pel_sort_int(int32_t *a, size_t n)
{
    check(pel_parallel_sort(rt, a, n, sizeof *a, compare_int32, NULL), "pel_parallel_sort");
}

static int compare_kv_key(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    uint32_t x = ((const bench_kv *)a)->key, y = ((const bench_kv *)b)->key;
    return (x > y) - (x < y);
}

static void pel_stable_sort_kv(bench_kv *a, size_t n)
{
    check(pel_parallel_stable_sort(rt, a, n, sizeof *a, compare_kv_key, NULL),
          "pel_parallel_stable_sort");
}

/* ---- wake ---- */

static int record_start(void *arg)
{
    *(double *)arg = bench_now();
    return 0;
}

static double pel_wake_trial(double *started)
{
    pel_group g;
    check(pel_group_init(&g, rt), "pel_group_init");
    double t0 = bench_now();
    check(pel_group_spawn(&g, record_start, started), "pel_group_spawn");
    check(pel_group_wait(&g), "pel_group_wait");
    return t0;
}

const bench_system bench_system_impl = {
    .name = "pel",
    .setup = pel_setup,
    .teardown = pel_teardown,
    .touch = pel_touch,
    .fib = pel_fib,
    .nqueens = pel_nqueens,
    .uts = pel_uts,
    .for_compute = pel_for_compute,
    .for_memory = pel_for_memory,
    .reduce_sum = pel_reduce_sum,
    .sort_int = pel_sort_int,
    .stable_sort_kv = pel_stable_sort_kv,
    .wake_trial = pel_wake_trial,
};
