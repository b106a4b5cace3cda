/* bench/cholesky_harness.c — the main() of every Cholesky system binary: one process
 * factors one matrix once.
 *
 *     bench-cholesky-<system> cholesky WORKERS N TILE
 *
 * (or `trace-cholesky`: the same, for the trace group, where bench-cholesky-pel traces the
 * timed factorization when PEL_BENCH_TRACE says so; see trace_bench.h)
 *
 * It generates a symmetric positive definite N x N matrix (N a multiple of TILE), starts
 * the system with WORKERS threads, warms it up on a small matrix, times one factorization
 * and checks the residual ||A - L L^T||_F / (||A||_F N eps) below CHOL_RESIDUAL_MAX. It
 * prints, like harness.c,
 *
 *     t=SECONDS
 *     check=ok residual=R tasks=T
 *
 * and exits 1 if the factorization fails or the residual is too large. Timed: everything
 * the system does to factor a matrix it is handed (pel and StarPU register their handles,
 * submit, wait and unregister); not timed: starting the threads, and for `openblas` copying
 * the tiles into one column-major array and back.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cholesky.h"
#include "common.h"

/* LAPACK's own tests call a factorization right when this ratio is below 30. */
#define CHOL_RESIDUAL_MAX 30.0
#define CHOL_SEED 0xC401E5Cull

void chol_die(const char *msg)
{
    fprintf(stderr, "bench-cholesky-%s: %s\n", chol_system_impl.name, msg);
    exit(1);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Element (i, j) of the test matrix: symmetric, off-diagonal entries uniform in
 * [-0.5, 0.5), diagonal n + something in [-0.5, 0.5): strictly diagonally dominant with a
 * positive diagonal, hence positive definite. Every system factors the same matrix. */
static double matrix_elem(int n, int i, int j)
{
    if (i < j) {
        int t = i;
        i = j;
        j = t;
    }
    double v = bench_unit(bench_mix64(CHOL_SEED ^ ((uint64_t)i << 32 | (uint64_t)j))) - 0.5;
    return i == j ? v + n : v;
}

/* A fresh tiled copy of the test matrix (diagonal tiles hold both triangles). */
static chol_matrix matrix_new(int n, int nb)
{
    chol_matrix a = {n, nb, n / nb, NULL};
    a.tile = calloc((size_t)a.nt * (size_t)a.nt, sizeof *a.tile);
    if (a.tile == NULL)
        chol_die("out of memory");
    size_t tile_bytes = (size_t)nb * (size_t)nb * sizeof(double);
    for (int m = 0; m < a.nt; m++)
        for (int k = 0; k <= m; k++) {
            double *t = aligned_alloc(64, tile_bytes);
            if (t == NULL)
                chol_die("out of memory");
            for (int c = 0; c < nb; c++)
                for (int r = 0; r < nb; r++) {
                    int i = m * nb + r, j = k * nb + c;
                    t[(size_t)c * nb + r] = matrix_elem(n, i, j);
                }
            a.tile[m * a.nt + k] = t;
        }
    return a;
}

static void matrix_free(chol_matrix *a)
{
    for (int i = 0; i < a->nt * a->nt; i++)
        free(a->tile[i]);
    free(a->tile);
}

/* Copy the lower triangle between the tiles and a full column-major array: to_full 1
 * fills `full` (zeros above the diagonal), 0 copies `full` back into the tiles. */
static void copy_full(chol_matrix *a, double *full, int to_full)
{
    int nb = a->nb;
    size_t n = (size_t)a->n;
    for (int m = 0; m < a->nt; m++)
        for (int k = 0; k <= m; k++)
            for (int c = 0; c < nb; c++)
                for (int r = 0; r < nb; r++) {
                    size_t i = (size_t)m * nb + r, j = (size_t)k * nb + c;
                    double *t = &chol_tile(a, m, k)[(size_t)c * nb + r];
                    if (to_full)
                        full[j * n + i] = i >= j ? *t : 0.0;
                    else if (i >= j)
                        *t = full[j * n + i];
                }
}

static double *full_alloc(int n)
{
    double *p = calloc((size_t)n * (size_t)n, sizeof *p);
    if (p == NULL)
        chol_die("out of memory");
    return p;
}

/* Factor `a` with the system; returns its status. */
static int factor(const chol_system *s, chol_matrix *a, double *seconds)
{
    if (s->factor_tiles) {
        double t0 = now_s();
        int rc = s->factor_tiles(a);
        *seconds = now_s() - t0;
        return rc;
    }
    double *full = full_alloc(a->n);
    copy_full(a, full, 1);
    double t0 = now_s();
    int rc = s->factor_full(full, a->n);
    *seconds = now_s() - t0;
    copy_full(a, full, 0);
    free(full);
    return rc;
}

/* ||A - L L^T||_F / (||A||_F n eps), exactly, with L from the factored tiles. One tile
 * column of the lower triangle at a time, R = A - L(rows below, :) L(column's rows, :)^T,
 * where only the first (j + 1) tiles of L's columns are non-zero: one threaded dgemm of
 * (n - j nb) x nb x (j + 1) nb per column, n^3/3 flops in all, like the factorization. */
static double residual(chol_matrix *a, int workers)
{
    int n = a->n, nb = a->nb;
    double *l = full_alloc(n), *r = malloc((size_t)n * (size_t)nb * sizeof *r);
    if (r == NULL)
        chol_die("out of memory");
    copy_full(a, l, 1);
    openblas_set_num_threads(workers);
    double anorm = 0, rnorm = 0;
    for (int j0 = 0; j0 < n; j0 += nb) {
        int rows = n - j0; /* R holds rows j0 .. n-1 of columns j0 .. j0+nb-1 */
        for (int c = 0; c < nb; c++)
            for (int i = 0; i < rows; i++)
                r[(size_t)c * rows + i] = matrix_elem(n, j0 + i, j0 + c);
        for (int c = 0; c < nb; c++)
            for (int i = c; i < rows; i++) {
                double v = r[(size_t)c * rows + i];
                anorm += (i == c ? 1.0 : 2.0) * v * v;
            }
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, rows, nb, j0 + nb, -1.0, l + j0, n,
                    l + j0, n, 1.0, r, rows);
        for (int c = 0; c < nb; c++)
            for (int i = c; i < rows; i++) {
                double v = r[(size_t)c * rows + i];
                rnorm += (i == c ? 1.0 : 2.0) * v * v;
            }
    }
    openblas_set_num_threads(1);
    free(l);
    free(r);
    return sqrt(rnorm) / (sqrt(anorm) * n * 0x1p-52);
}

static int arg_int(int argc, char **argv, int i)
{
    if (i >= argc)
        chol_die("usage: bench-cholesky-SYSTEM cholesky WORKERS N TILE");
    char *end;
    long v = strtol(argv[i], &end, 10);
    if (*end != '\0' || v < 1 || v > 1 << 20)
        chol_die("bad integer argument");
    return (int)v;
}

/* OpenBLAS starts its thread pool when it loads, sized by OPENBLAS_NUM_THREADS (else by
 * OMP_NUM_THREADS, which the driver sets to the worker count), and the pool's threads spin
 * for a while after they start: next to the system's own threads they would take a core
 * and halve the speed of the tiled systems. libgomp reads OMP_MAX_TASK_PRIORITY when it
 * loads, too. Both happen before main runs, so main sets them and runs the program again. */
static void set_load_time_env(const chol_system *s, char **argv)
{
    if (getenv("PEL_BENCH_CHOLESKY_ENV") != NULL)
        return;
    setenv("PEL_BENCH_CHOLESKY_ENV", "1", 1);
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    if (s->load_env != NULL && putenv(strdup(s->load_env)) != 0)
        chol_die("cannot set the environment");
    execv("/proc/self/exe", argv);
    chol_die("cannot run itself again through /proc/self/exe");
}

int main(int argc, char **argv)
{
    const chol_system *s = &chol_system_impl;
    if (argc < 2 || (strcmp(argv[1], "cholesky") != 0 && strcmp(argv[1], "trace-cholesky") != 0))
        return 3; /* harness.c's convention: no such benchmark here */
    set_load_time_env(s, argv);
    int workers = arg_int(argc, argv, 2), n = arg_int(argc, argv, 3), nb = arg_int(argc, argv, 4);
    if (n % nb != 0)
        chol_die("N must be a multiple of TILE");
    chol_matrix a = matrix_new(n, nb);
    if (s->setup(workers) != 0)
        chol_die("could not start the system");
    /* Warm-up: the same code on a small matrix starts the threads and loads the kernels. */
    int nwarm = n < 4 * nb ? n : 4 * nb;
    chol_matrix w = matrix_new(nwarm, nb);
    double seconds;
    if (factor(s, &w, &seconds) != 0)
        chol_die("the warm-up factorization failed");
    matrix_free(&w);

    if (s->timed_begin)
        s->timed_begin();
    int rc = factor(s, &a, &seconds);
    if (s->timed_end)
        s->timed_end();
    s->teardown();
    if (rc != 0) {
        fprintf(stderr, "bench-cholesky-%s: factorization failed: status %d\n", s->name, rc);
        return 1;
    }
    double res = residual(&a, workers);
    matrix_free(&a);
    if (!(res < CHOL_RESIDUAL_MAX)) {
        fprintf(stderr, "bench-cholesky-%s: residual %.3g is above %.0f: wrong factor\n",
                s->name, res, CHOL_RESIDUAL_MAX);
        return 1;
    }
    long nt = n / nb;
    printf("t=%.9g\n", seconds);
    printf("check=ok residual=%.3g tasks=%ld\n", res,
           s->factor_tiles ? nt + nt * (nt - 1) + nt * (nt - 1) * (nt - 2) / 6 : 0);
    return 0;
}
