/* bench/cholesky_pel.c — the tiled algorithm on pel's dataflow: one pel_data handle per
 * tile, each kernel a task that declares PEL_READ on the tiles it reads and
 * PEL_READWRITE on the one it updates, with the priorities of cholesky.h; pel derives
 * the order. The same code as examples/cholesky.c, inside the benchmark harness.
 *
 * The flow is created, filled and waited for by one root task on a worker, as the
 * OpenMP version does in its `single` region, so the workers are the only threads that
 * run tiles: a thread outside the runtime that waits in pel_flow_wait helps run tasks,
 * and next to as many workers as cores it would be one thread more than cores (measured
 * on 2 cores, N=2048 tile 512: 0.032 s from the main thread, 0.029 s from a root task). */
#include <stdio.h>
#include <stdlib.h>

#include <pel.h>

#include "cholesky.h"
#include "trace_bench.h"

static pel_runtime *rt;
static int trace_mode = BENCH_TRACE_OFF; /* the trace group: see the end of this file */

static int check(int rc, const char *what)
{
    if (rc != PEL_OK)
        fprintf(stderr, "bench-cholesky-pel: %s: %s\n", what, pel_strerror(rc));
    return rc;
}

static int pel_setup(int workers)
{
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = workers;
    return check(pel_runtime_create(&cfg, &rt), "pel_runtime_create");
}

static void pel_teardown(void)
{
    check(pel_runtime_destroy(rt), "pel_runtime_destroy");
    bench_trace_write("bench-cholesky-pel", trace_mode); /* when tracing: see trace_bench.h */
}

/* The tasks: the tile size is their argument (copied by pel), the tiles their data. */
static int potrf_task(pel_flow_task *t, void *arg)
{
    return chol_potrf(pel_flow_data(t, 0), *(const int *)arg);
}

static int trsm_task(pel_flow_task *t, void *arg)
{
    chol_trsm(pel_flow_data(t, 0), pel_flow_data(t, 1), *(const int *)arg);
    return 0;
}

static int syrk_task(pel_flow_task *t, void *arg)
{
    chol_syrk(pel_flow_data(t, 0), pel_flow_data(t, 1), *(const int *)arg);
    return 0;
}

static int gemm_task(pel_flow_task *t, void *arg)
{
    chol_gemm(pel_flow_data(t, 0), pel_flow_data(t, 1), pel_flow_data(t, 2), *(const int *)arg);
    return 0;
}

static int submit(pel_flow *f, pel_flow_fn fn, const char *name, int *nb, int prio,
                  const pel_access *acc, unsigned nacc)
{
    pel_task_desc d = {.fn = fn, .arg = nb, .arg_size = sizeof *nb, .access = acc,
                       .naccess = nacc, .priority = prio, .name = name};
    return pel_submit(f, &d);
}

/* Submit the whole factorization; stops at the first error. */
static int submit_all(pel_flow *f, const pel_data *h, int nt, int nb)
{
    int rc = PEL_OK;
    for (int k = 0; k < nt && rc == PEL_OK; k++) {
        pel_access potrf[] = {{h[k * nt + k], PEL_READWRITE}};
        rc = submit(f, potrf_task, "potrf", &nb, chol_prio_potrf(nt, k), potrf, 1);
        for (int m = k + 1; m < nt && rc == PEL_OK; m++) {
            pel_access trsm[] = {{h[k * nt + k], PEL_READ}, {h[m * nt + k], PEL_READWRITE}};
            rc = submit(f, trsm_task, "trsm", &nb, chol_prio_trsm(nt, k), trsm, 2);
        }
        for (int n = k + 1; n < nt && rc == PEL_OK; n++) {
            int prio = chol_prio_update(nt, n);
            pel_access syrk[] = {{h[n * nt + k], PEL_READ}, {h[n * nt + n], PEL_READWRITE}};
            rc = submit(f, syrk_task, "syrk", &nb, prio, syrk, 2);
            for (int m = n + 1; m < nt && rc == PEL_OK; m++) {
                pel_access gemm[] = {{h[m * nt + k], PEL_READ},
                                     {h[n * nt + k], PEL_READ},
                                     {h[m * nt + n], PEL_READWRITE}};
                rc = submit(f, gemm_task, "gemm", &nb, prio, gemm, 3);
            }
        }
    }
    return check(rc, "pel_submit");
}

static int factor_flow(chol_matrix *a)
{
    int nt = a->nt, nb = a->nb;
    size_t tile_bytes = (size_t)nb * (size_t)nb * sizeof(double);
    pel_data *h = calloc((size_t)nt * (size_t)nt, sizeof *h);
    pel_flow *f;
    if (h == NULL || check(pel_flow_create(rt, NULL, &f), "pel_flow_create") != PEL_OK) {
        free(h);
        return -1;
    }
    int rc = PEL_OK;
    for (int m = 0; m < nt && rc == PEL_OK; m++)
        for (int k = 0; k <= m && rc == PEL_OK; k++)
            rc = check(pel_data_register(f, chol_tile(a, m, k), tile_bytes, &h[m * nt + k]),
                       "pel_data_register");
    if (rc == PEL_OK)
        rc = submit_all(f, h, nt, nb);
    int rc_wait = pel_flow_wait(f); /* the first failed task's code: LAPACK's info */
    if (rc == PEL_OK)
        rc = rc_wait;
    if (check(pel_flow_destroy(f), "pel_flow_destroy") != PEL_OK && rc == PEL_OK)
        rc = -1;
    free(h);
    return rc;
}

typedef struct root {
    chol_matrix *a;
    int rc;
} root;

static int root_task(void *arg)
{
    root *r = arg;
    r->rc = factor_flow(r->a);
    return 0;
}

static int pel_factor(chol_matrix *a)
{
    root r = {a, PEL_OK};
    pel_group g;
    int rc = check(pel_group_init(&g, rt), "pel_group_init");
    if (rc == PEL_OK)
        rc = check(pel_group_spawn(&g, root_task, &r), "pel_group_spawn");
    int rc_wait = pel_group_wait(&g); /* the main thread only waits */
    if (rc == PEL_OK)
        rc = check(rc_wait, "pel_group_wait");
    return rc == PEL_OK ? r.rc : rc;
}

/* The trace group: PEL_BENCH_TRACE=adaptive|full traces the timed factorization (every
 * Cholesky task is long, so adaptive detail records each one); the trace is written after
 * the runtime is destroyed (pel_teardown). See trace_bench.h. */
static void pel_timed_begin(void)
{
    trace_mode = bench_trace_mode("bench-cholesky-pel");
    bench_trace_begin("bench-cholesky-pel", trace_mode);
}

static void pel_timed_end(void)
{
    bench_trace_end("bench-cholesky-pel", trace_mode);
}

const chol_system chol_system_impl = {
    .name = "pel",
    .setup = pel_setup,
    .teardown = pel_teardown,
    .factor_tiles = pel_factor,
    .timed_begin = pel_timed_begin,
    .timed_end = pel_timed_end,
};
