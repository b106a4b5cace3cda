/* bench/cholesky_openblas.c — the `openblas` system: no tiles and no task runtime, the
 * threaded LAPACKE_dpotrf of OpenBLAS on the whole column-major matrix, with as many
 * OpenBLAS threads as workers. What a user with a BLAS library gets for free. */
#include "cholesky.h"

/* The harness starts OpenBLAS with one thread (see set_load_time_env); this system
 * gives it all the workers. */
static int openblas_setup(int workers)
{
    openblas_set_num_threads(workers);
    return 0;
}

static void openblas_teardown(void)
{
}

static int openblas_factor(double *a, int n)
{
    return (int)LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', n, a, n);
}

const chol_system chol_system_impl = {
    .name = "openblas",
    .setup = openblas_setup,
    .teardown = openblas_teardown,
    .factor_full = openblas_factor,
};
