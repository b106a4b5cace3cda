/* bench/cholesky_starpu.c — the tiled algorithm on StarPU 1.3: one matrix handle per
 * tile, starpu_task_insert with STARPU_R on the tiles a kernel reads and STARPU_RW on the
 * one it updates, STARPU_PRIORITY from cholesky.h scaled into the scheduler's range.
 *
 * CPU workers only (STARPU_NCPU = workers, no CUDA or OpenCL device), no performance
 * model calibration and no messages. The scheduler is CHOL_STARPU_SCHED unless the
 * environment's STARPU_SCHED overrides it (see bench/README.md for why this one). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <starpu.h>

#include "cholesky.h"

#ifndef CHOL_STARPU_SCHED
#define CHOL_STARPU_SCHED "lws"
#endif

static int tile_nb; /* the kernels' tile size; set before any task is submitted */

static void potrf_cpu(void *buffers[], void *arg)
{
    (void)arg;
    double *akk = (double *)STARPU_MATRIX_GET_PTR(buffers[0]);
    /* A StarPU kernel cannot fail: a tile that is not positive definite leaves NaNs,
     * which the harness's residual check catches. */
    if (chol_potrf(akk, tile_nb) != 0)
        akk[0] = 0.0 / 0.0;
}

static void trsm_cpu(void *buffers[], void *arg)
{
    (void)arg;
    chol_trsm((const double *)STARPU_MATRIX_GET_PTR(buffers[0]),
              (double *)STARPU_MATRIX_GET_PTR(buffers[1]), tile_nb);
}

static void syrk_cpu(void *buffers[], void *arg)
{
    (void)arg;
    chol_syrk((const double *)STARPU_MATRIX_GET_PTR(buffers[0]),
              (double *)STARPU_MATRIX_GET_PTR(buffers[1]), tile_nb);
}

static void gemm_cpu(void *buffers[], void *arg)
{
    (void)arg;
    chol_gemm((const double *)STARPU_MATRIX_GET_PTR(buffers[0]),
              (const double *)STARPU_MATRIX_GET_PTR(buffers[1]),
              (double *)STARPU_MATRIX_GET_PTR(buffers[2]), tile_nb);
}

static struct starpu_codelet potrf_cl = {
    .cpu_funcs = {potrf_cpu}, .nbuffers = 1, .modes = {STARPU_RW}, .name = "potrf"};
static struct starpu_codelet trsm_cl = {
    .cpu_funcs = {trsm_cpu}, .nbuffers = 2, .modes = {STARPU_R, STARPU_RW}, .name = "trsm"};
static struct starpu_codelet syrk_cl = {
    .cpu_funcs = {syrk_cpu}, .nbuffers = 2, .modes = {STARPU_R, STARPU_RW}, .name = "syrk"};
static struct starpu_codelet gemm_cl = {.cpu_funcs = {gemm_cpu},
                                        .nbuffers = 3,
                                        .modes = {STARPU_R, STARPU_R, STARPU_RW},
                                        .name = "gemm"};

/* StarPU keeps its bus and codelet samples in $STARPU_HOME/.starpu (default: $HOME):
 * unless told otherwise, keep them next to the binary, in the build tree. */
static void set_starpu_home(void)
{
    char dir[4096];
    ssize_t len = readlink("/proc/self/exe", dir, sizeof dir - 1);
    if (getenv("STARPU_HOME") != NULL || len <= 0)
        return;
    dir[len] = '\0';
    char *slash = strrchr(dir, '/');
    if (slash != NULL) {
        *slash = '\0';
        setenv("STARPU_HOME", dir, 1);
    }
}

static int starpu_setup(int workers)
{
    set_starpu_home();
    char ncpu[16];
    snprintf(ncpu, sizeof ncpu, "%d", workers);
    setenv("STARPU_NCPU", ncpu, 1);
    setenv("STARPU_NCUDA", "0", 1);
    setenv("STARPU_NOPENCL", "0", 1);
    setenv("STARPU_SILENT", "1", 1);    /* no banner, no calibration messages */
    setenv("STARPU_CALIBRATE", "0", 1); /* no history-based models to calibrate */
    struct starpu_conf conf;
    starpu_conf_init(&conf);
    conf.ncpus = workers;
    conf.ncuda = 0;
    conf.nopencl = 0;
    if (getenv("STARPU_SCHED") == NULL)
        conf.sched_policy_name = CHOL_STARPU_SCHED;
    return starpu_init(&conf) == 0 ? 0 : -1;
}

static void starpu_teardown(void)
{
    starpu_shutdown();
}

/* cholesky.h's priority (0 .. 3 nt + 2) scaled into the scheduler's [min, max]. */
static int starpu_prio(int p, int nt)
{
    int lo = starpu_sched_get_min_priority(), hi = starpu_sched_get_max_priority();
    return lo + (int)((long)p * (hi - lo) / (3 * nt + 2));
}

static int insert(int rc, const char *what)
{
    if (rc != 0) {
        fprintf(stderr, "bench-cholesky-starpu: starpu_task_insert(%s): %d\n", what, rc);
        exit(1);
    }
    return rc;
}

static int starpu_factor(chol_matrix *a)
{
    int nt = a->nt, nb = a->nb;
    tile_nb = nb;
    starpu_data_handle_t *h = calloc((size_t)nt * (size_t)nt, sizeof *h);
    if (h == NULL)
        return -1;
    for (int m = 0; m < nt; m++)
        for (int k = 0; k <= m; k++)
            starpu_matrix_data_register(&h[m * nt + k], STARPU_MAIN_RAM,
                                        (uintptr_t)chol_tile(a, m, k), (uint32_t)nb,
                                        (uint32_t)nb, (uint32_t)nb, sizeof(double));
    for (int k = 0; k < nt; k++) {
        insert(starpu_task_insert(&potrf_cl, STARPU_RW, h[k * nt + k], STARPU_PRIORITY,
                                  starpu_prio(chol_prio_potrf(nt, k), nt), 0),
               "potrf");
        for (int m = k + 1; m < nt; m++)
            insert(starpu_task_insert(&trsm_cl, STARPU_R, h[k * nt + k], STARPU_RW, h[m * nt + k],
                                      STARPU_PRIORITY, starpu_prio(chol_prio_trsm(nt, k), nt), 0),
                   "trsm");
        for (int n = k + 1; n < nt; n++) {
            int prio = starpu_prio(chol_prio_update(nt, n), nt);
            insert(starpu_task_insert(&syrk_cl, STARPU_R, h[n * nt + k], STARPU_RW, h[n * nt + n],
                                      STARPU_PRIORITY, prio, 0),
                   "syrk");
            for (int m = n + 1; m < nt; m++)
                insert(starpu_task_insert(&gemm_cl, STARPU_R, h[m * nt + k], STARPU_R,
                                          h[n * nt + k], STARPU_RW, h[m * nt + n],
                                          STARPU_PRIORITY, prio, 0),
                       "gemm");
        }
    }
    int rc = starpu_task_wait_for_all();
    for (int m = 0; m < nt; m++)
        for (int k = 0; k <= m; k++)
            starpu_data_unregister(h[m * nt + k]);
    free(h);
    return rc;
}

const chol_system chol_system_impl = {
    .name = "starpu",
    .setup = starpu_setup,
    .teardown = starpu_teardown,
    .factor_tiles = starpu_factor,
};
