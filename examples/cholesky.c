/* cholesky.c — dataflow: a tiled Cholesky factorization A = L L^T.
 *
 * The matrix is cut into nt x nt tiles of nb x nb (only those on and below the diagonal
 * are kept), each registered as one pel_data handle. The right-looking algorithm
 *
 *     for k:        POTRF  L(k,k) = chol(A(k,k))
 *       for m > k:  TRSM   A(m,k) = A(m,k) L(k,k)^-T
 *       for n > k:  SYRK   A(n,n) -= L(n,k) L(n,k)^T;  for m > n: GEMM A(m,n) -= L(m,k) L(n,k)^T
 *
 * is submitted in that order as tasks that declare which tiles they read and which they
 * update; pel derives the dependencies and runs independent tasks in parallel, the result
 * being the same as running them one after another. Priorities favour the critical path:
 * POTRF, then TRSM, then the updates of the next column. The kernels are one-threaded
 * OpenBLAS and LAPACKE calls. The residual ||A - L L^T||_F / (||A||_F n eps) is checked.
 *
 *     usage: pel_example_cholesky [n [tile]]      (default 2048 256; n a multiple of tile)
 */
#include <pel.h>

#include <cblas.h>
#include <lapacke.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct matrix {
    int n, nb, nt;
    double **tile; /* tile (m, k), m >= k, at tile[m * nt + k]: nb x nb, column-major */
};

/* Element (i, j) of a symmetric matrix with entries in [-0.5, 0.5) and n added on the
 * diagonal: strictly diagonally dominant with a positive diagonal, so positive definite. */
static double elem(int n, int i, int j)
{
    if (i < j) { int t = i; i = j; j = t; }
    uint64_t z = ((uint64_t)i << 32 | (uint64_t)j) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 31)) * 0xBF58476D1CE4E5B9ull;
    double v = (double)((z ^ (z >> 29)) >> 11) * 0x1p-53 - 0.5;
    return i == j ? v + n : v;
}

static double *tile_of(const struct matrix *a, int m, int k) { return a->tile[m * a->nt + k]; }

/* The tasks. Their argument is the tile size (copied by pel); their tiles come from
 * pel_flow_data, in the order of the task's declared accesses. */
static int potrf(pel_flow_task *t, void *arg)
{
    int nb = *(const int *)arg; /* LAPACK's info: > 0 if the tile is not positive definite */
    return (int)LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', nb, pel_flow_data(t, 0), nb);
}

static int trsm(pel_flow_task *t, void *arg)
{
    int nb = *(const int *)arg;
    cblas_dtrsm(CblasColMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, nb, nb, 1.0,
                pel_flow_data(t, 0), nb, pel_flow_data(t, 1), nb);
    return 0;
}

static int syrk(pel_flow_task *t, void *arg)
{
    int nb = *(const int *)arg;
    cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, nb, nb, -1.0, pel_flow_data(t, 0), nb,
                1.0, pel_flow_data(t, 1), nb);
    return 0;
}

static int gemm(pel_flow_task *t, void *arg)
{
    int nb = *(const int *)arg;
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, nb, nb, nb, -1.0, pel_flow_data(t, 0),
                nb, pel_flow_data(t, 1), nb, 1.0, pel_flow_data(t, 2), nb);
    return 0;
}

static int submit(pel_flow *f, pel_flow_fn fn, const char *name, int *nb, int priority,
                  const pel_access *acc, unsigned nacc)
{
    pel_task_desc d = {.fn = fn, .arg = nb, .arg_size = sizeof *nb, .access = acc,
                       .naccess = nacc, .priority = priority, .name = name};
    return pel_submit(f, &d);
}

/* Submit every task of the factorization. A task's priority says how soon its output is
 * needed: POTRF(k) heads step k, TRSM(k, .) feeds all of step k's updates, and an update
 * of column n is next needed at step n, so column k+1 goes first. */
static int submit_factorization(pel_flow *f, const pel_data *h, int nt, int nb)
{
    int rc = PEL_OK;
    for (int k = 0; k < nt && rc == PEL_OK; k++) {
        pel_access a_potrf[] = {{h[k * nt + k], PEL_READWRITE}};
        rc = submit(f, potrf, "potrf", &nb, 3 * (nt - k) + 2, a_potrf, 1);
        for (int m = k + 1; m < nt && rc == PEL_OK; m++) {
            pel_access a_trsm[] = {{h[k * nt + k], PEL_READ}, {h[m * nt + k], PEL_READWRITE}};
            rc = submit(f, trsm, "trsm", &nb, 3 * (nt - k) + 1, a_trsm, 2);
        }
        for (int n = k + 1; n < nt && rc == PEL_OK; n++) {
            pel_access a_syrk[] = {{h[n * nt + k], PEL_READ}, {h[n * nt + n], PEL_READWRITE}};
            rc = submit(f, syrk, "syrk", &nb, 3 * (nt - n), a_syrk, 2);
            for (int m = n + 1; m < nt && rc == PEL_OK; m++) {
                pel_access a_gemm[] = {{h[m * nt + k], PEL_READ}, {h[n * nt + k], PEL_READ},
                                       {h[m * nt + n], PEL_READWRITE}};
                rc = submit(f, gemm, "gemm", &nb, 3 * (nt - n), a_gemm, 3);
            }
        }
    }
    return rc;
}

/* Factor `a` in place on the default runtime: a flow, a handle per tile, the tasks, wait. */
static int factor(struct matrix *a)
{
    int nt = a->nt;
    pel_data *h = calloc((size_t)nt * (size_t)nt, sizeof *h);
    if (h == NULL) return PEL_ENOMEM;
    pel_flow *f;
    int rc = pel_flow_create(NULL, NULL, &f);
    if (rc != PEL_OK) { free(h); return rc; }
    size_t bytes = (size_t)a->nb * (size_t)a->nb * sizeof(double);
    for (int m = 0; m < nt && rc == PEL_OK; m++)
        for (int k = 0; k <= m && rc == PEL_OK; k++)
            rc = pel_data_register(f, tile_of(a, m, k), bytes, &h[m * nt + k]);
    if (rc == PEL_OK) rc = submit_factorization(f, h, nt, a->nb);
    int rc_wait = pel_flow_wait(f); /* the first failed task's own code, or PEL_OK */
    if (rc == PEL_OK) rc = rc_wait;
    pel_failure why;
    if (rc != PEL_OK && pel_flow_failure(f, &why) == PEL_OK && why.error != 0)
        fprintf(stderr, "cholesky: task %s (id %llu) failed with %d\n", why.name,
                (unsigned long long)why.task_id, why.error);
    pel_flow_destroy(f); /* also forgets the handles; the tiles stay ours */
    free(h);
    return rc;
}

/* ||A - L L^T||_F / (||A||_F n eps), tile by tile: R(m,n) = A(m,n) - sum_k L(m,k) L(n,k)^T. */
static double residual(struct matrix *a)
{
    int nb = a->nb, nt = a->nt;
    for (int k = 0; k < nt; k++) /* L(k,k) is the lower triangle; clear what is above */
        for (int c = 1; c < nb; c++)
            for (int r = 0; r < c; r++) tile_of(a, k, k)[(size_t)c * nb + r] = 0;
    double *r = malloc((size_t)nb * (size_t)nb * sizeof *r), rnorm = 0, anorm = 0;
    if (r == NULL) return INFINITY;
    for (int m = 0; m < nt; m++)
        for (int n = 0; n <= m; n++) {
            for (int c = 0; c < nb; c++)
                for (int i = 0; i < nb; i++) r[(size_t)c * nb + i] = elem(a->n, m * nb + i, n * nb + c);
            double w = m == n ? 1.0 : 2.0; /* a tile below the diagonal stands for two */
            for (size_t i = 0; i < (size_t)nb * nb; i++) anorm += w * r[i] * r[i];
            for (int k = 0; k <= n; k++)
                cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, nb, nb, nb, -1.0,
                            tile_of(a, m, k), nb, tile_of(a, n, k), nb, 1.0, r, nb);
            for (size_t i = 0; i < (size_t)nb * nb; i++) rnorm += w * r[i] * r[i];
        }
    free(r);
    return sqrt(rnorm) / (sqrt(anorm) * a->n * 0x1p-52);
}

static double now(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC); /* C11; fine for timing a demonstration */
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2048, nb = argc > 2 ? atoi(argv[2]) : 256;
    if (n < 1 || nb < 1 || n % nb != 0) {
        fprintf(stderr, "usage: %s [n [tile]]  (n a multiple of tile)\n", argv[0]);
        return 2;
    }
    openblas_set_num_threads(1); /* pel runs the tiles in parallel; each kernel on one thread */

    struct matrix a = {n, nb, n / nb, NULL};
    a.tile = calloc((size_t)a.nt * (size_t)a.nt, sizeof *a.tile);
    if (a.tile == NULL) return 1;
    for (int m = 0; m < a.nt; m++)
        for (int k = 0; k <= m; k++) {
            double *t = malloc((size_t)nb * (size_t)nb * sizeof *t);
            if (t == NULL) return 1;
            for (int c = 0; c < nb; c++)
                for (int i = 0; i < nb; i++) t[(size_t)c * nb + i] = elem(n, m * nb + i, k * nb + c);
            a.tile[m * a.nt + k] = t;
        }

    double t0 = now();
    int rc = factor(&a);
    double seconds = now() - t0;
    if (rc != PEL_OK) {
        fprintf(stderr, "cholesky: the factorization failed: %d (%s)\n", rc,
                rc < 0 ? pel_strerror(rc) : "LAPACK info");
        return 1;
    }
    double res = residual(&a);
    int ok = res < 30.0; /* LAPACK's own tests accept below 30 */
    printf("cholesky n=%d tile=%d: %.3f s, %.1f GFLOP/s on %d workers, residual %.2g: %s\n", n,
           nb, seconds, (double)n * n * n / 3.0 / seconds * 1e-9, pel_runtime_num_workers(NULL),
           res, ok ? "ok" : "WRONG");
    for (int i = 0; i < a.nt * a.nt; i++) free(a.tile[i]);
    free(a.tile);
    return ok ? 0 : 1;
}
