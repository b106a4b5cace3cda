/* bench/cholesky_omp.c — the tiled algorithm with OpenMP tasks: one task per tile kernel,
 * `depend(in:)` on the tiles it reads and `depend(inout:)` on the tile it updates, the
 * priorities of cholesky.h in a `priority` clause. Built twice: gcc (libgomp) and clang
 * (LLVM libomp); CHOL_OMP_NAME names the binary's system.
 *
 * A tile's dependence object is its slot in a->tile: one address per tile, the same for
 * every task that touches it. */
#include <omp.h>

#include "cholesky.h"

#ifndef CHOL_OMP_NAME
#define CHOL_OMP_NAME "omp"
#endif

static int omp_setup(int workers)
{
    omp_set_num_threads(workers);
    return 0;
}

static void omp_teardown(void)
{
}

static int omp_factor(chol_matrix *a)
{
    int nt = a->nt, nb = a->nb, failed = 0;
    double **t = a->tile;
#pragma omp parallel
#pragma omp single
    for (int k = 0; k < nt; k++) {
#pragma omp task depend(inout : t[k * nt + k]) priority(chol_prio_potrf(nt, k))
        {
            if (chol_potrf(t[k * nt + k], nb) != 0) {
#pragma omp atomic write
                failed = 1;
            }
        }
        for (int m = k + 1; m < nt; m++) {
#pragma omp task depend(in : t[k * nt + k]) depend(inout : t[m * nt + k]) \
    priority(chol_prio_trsm(nt, k))
            chol_trsm(t[k * nt + k], t[m * nt + k], nb);
        }
        for (int n = k + 1; n < nt; n++) {
#pragma omp task depend(in : t[n * nt + k]) depend(inout : t[n * nt + n]) \
    priority(chol_prio_update(nt, n))
            chol_syrk(t[n * nt + k], t[n * nt + n], nb);
            for (int m = n + 1; m < nt; m++) {
#pragma omp task depend(in : t[m * nt + k], t[n * nt + k]) depend(inout : t[m * nt + n]) \
    priority(chol_prio_update(nt, n))
                chol_gemm(t[m * nt + k], t[n * nt + k], t[m * nt + n], nb);
            }
        }
    }
    return failed;
}

const chol_system chol_system_impl = {
    .name = CHOL_OMP_NAME,
    /* Priorities above this are clamped; the default, 0, would ignore them all. */
    .load_env = "OMP_MAX_TASK_PRIORITY=1000000",
    .setup = omp_setup,
    .teardown = omp_teardown,
    .factor_tiles = omp_factor,
};
