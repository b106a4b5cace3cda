/* bench/cholesky.h — what every Cholesky benchmark system shares: the tiled matrix, the
 * four tile kernels, the task priorities and the table each system binary fills in.
 *
 * Every system factors the same lower-triangular tiled matrix with the same right-looking
 * algorithm (except `openblas`, which calls the threaded LAPACKE_dpotrf on the full matrix):
 *
 *     for k:        POTRF(k,k)
 *       for m > k:  TRSM (k,k -> m,k)
 *       for n > k:  SYRK (n,k -> n,n);  for m > n: GEMM (m,k; n,k -> m,n)
 *
 * Only the way the tasks are handed to threads differs, so the kernels are here, written
 * once, and each runs on one thread (OpenBLAS's own threads are set to 1 around them).
 */
#ifndef PEL_BENCH_CHOLESKY_H
#define PEL_BENCH_CHOLESKY_H

#include <cblas.h>
#include <lapacke.h>

/* A symmetric N x N matrix cut into nt x nt tiles of nb x nb; only the tiles on and
 * below the diagonal exist. Each tile is contiguous and column-major (leading dimension
 * nb), so a task's data is one block of memory: one handle per tile. */
typedef struct chol_matrix {
    int n, nb, nt;
    double **tile; /* tile (m, k), m >= k, is tile[m * nt + k]; NULL above the diagonal */
} chol_matrix;

static inline double *chol_tile(const chol_matrix *a, int m, int k)
{
    return a->tile[m * a->nt + k];
}

/* ---- the tile kernels: each factors or updates one tile, on the calling thread ------- */

/* A(k,k) = L L^T, L overwriting the lower triangle. Returns LAPACK's info: 0, or > 0 when
 * the tile is not positive definite. (_work: LAPACKE_dpotrf would also scan for NaNs.) */
static inline int chol_potrf(double *akk, int nb)
{
    return (int)LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', nb, akk, nb);
}

/* A(m,k) = A(m,k) L(k,k)^-T. */
static inline void chol_trsm(const double *lkk, double *amk, int nb)
{
    cblas_dtrsm(CblasColMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, nb, nb, 1.0,
                lkk, nb, amk, nb);
}

/* A(n,n) -= L(n,k) L(n,k)^T (lower triangle). */
static inline void chol_syrk(const double *lnk, double *ann, int nb)
{
    cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, nb, nb, -1.0, lnk, nb, 1.0, ann, nb);
}

/* A(m,n) -= L(m,k) L(n,k)^T. */
static inline void chol_gemm(const double *lmk, const double *lnk, double *amn, int nb)
{
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, nb, nb, nb, -1.0, lmk, nb, lnk, nb, 1.0,
                amn, nb);
}

/* ---- priorities: the critical path first -------------------------------------------
 * A task's priority says how soon the factorization needs what it writes. POTRF(k) heads
 * step k; TRSM(k, m) feeds every update of step k; an update of tile (m, n) at step k is
 * next needed when step n factors column n, so updates of column k+1 (which POTRF(k+1) and
 * the TRSMs of step k+1 wait for) come before those of later columns ("lookahead").
 * Higher is more urgent; the values run from 0 to 3*nt + 2. */
static inline int chol_prio_potrf(int nt, int k)
{
    return 3 * (nt - k) + 2;
}

static inline int chol_prio_trsm(int nt, int k)
{
    return 3 * (nt - k) + 1;
}

static inline int chol_prio_update(int nt, int n) /* SYRK or GEMM writing column n */
{
    return 3 * (nt - n);
}

/* ---- the systems ------------------------------------------------------------------- */

/* What a Cholesky system binary provides (cholesky_harness.c is its main()). */
typedef struct chol_system {
    const char *name;
    /* "NAME=VALUE" the system's runtime reads when it loads (before main), or NULL. */
    const char *load_env;
    /* Start the system with `workers` threads; 0 on success. */
    int (*setup)(int workers);
    void (*teardown)(void);
    /* Factor the tiled matrix in place (tiled systems); 0 on success, else the LAPACK
     * info or the runtime's error. NULL for a system that works on the full matrix. */
    int (*factor_tiles)(chol_matrix *a);
    /* Factor the full column-major n x n matrix in place (lower); NULL for tiled ones. */
    int (*factor_full)(double *a, int n);
    /* Called just before and just after the timed factorization (not the warm-up), outside
     * the timing, or NULL: pel turns tracing on there for the trace group (trace_bench.h). */
    void (*timed_begin)(void);
    void (*timed_end)(void);
} chol_system;

extern const chol_system chol_system_impl;

/* chol_die: print "bench-cholesky-<system>: <message>" to stderr and exit with status 1. */
void chol_die(const char *msg);

#endif /* PEL_BENCH_CHOLESKY_H */
