/* bench/cholesky_report.c — the cholesky group's summary. Each (N, tile) configuration is
 * a benchmark of its own (see driver.c); here every system's best GFLOP/s over the tile
 * sizes is kept per N, printed as a table and as "cholesky-best" JSON lines, and the
 * floor of issue 3 is judged on it: at each N, pel's best at least StarPU's and OpenMP's
 * best and at least 90% of OpenBLAS's threaded dpotrf. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

#define CHOL_MAX_SIZES 8
#define CHOL_MAX_SYSTEMS 8

typedef struct chol_best {
    char system[32]; /* a copy: the configuration's name does not outlive its benchmark */
    int tile, workers, runs;
    double gflops, median, min, max;
} chol_best;

typedef struct chol_size {
    long n;
    chol_best best[CHOL_MAX_SYSTEMS];
    int nbest;
} chol_size;

static chol_size sizes[CHOL_MAX_SIZES];
static int nsizes;

static chol_best *best_of(long n, const char *system)
{
    int i = 0;
    while (i < nsizes && sizes[i].n != n)
        i++;
    if (i == nsizes) {
        if (nsizes == CHOL_MAX_SIZES)
            return NULL;
        sizes[nsizes++] = (chol_size){.n = n};
    }
    chol_size *s = &sizes[i];
    for (int j = 0; j < s->nbest; j++)
        if (strcmp(s->best[j].system, system) == 0)
            return &s->best[j];
    if (s->nbest == CHOL_MAX_SYSTEMS)
        return NULL;
    chol_best *b = &s->best[s->nbest++];
    *b = (chol_best){.gflops = -1};
    snprintf(b->system, sizeof b->system, "%s", system);
    return b;
}

double cholesky_note(const bench_def *b, const options *o, const config *c)
{
    long n = 0, tile = 0;
    sscanf(o->quick ? b->quick_args : b->full_args, "%ld %ld", &n, &tile);
    double gflops = (double)n * (double)n * (double)n / 3.0 / c->median * 1e-9;
    chol_best *best = best_of(n, c->system);
    if (best != NULL && gflops > best->gflops) {
        best->tile = (int)tile;
        best->workers = c->workers;
        best->runs = c->nsamples;
        best->gflops = gflops;
        best->median = c->median;
        best->min = c->min;
        best->max = c->max;
    }
    return gflops;
}

static const chol_best *find_best(const chol_size *s, const char *system)
{
    for (int j = 0; j < s->nbest; j++)
        if (strcmp(s->best[j].system, system) == 0)
            return &s->best[j];
    return NULL;
}

/* pel's best against the best of `others` (scaled by `share`): a verdict line. */
static void floor_verdict(const chol_size *s, const char *what, const char *const *others,
                          int nothers, double share)
{
    const chol_best *pel = find_best(s, "pel");
    double target = -1;
    for (int i = 0; i < nothers; i++) {
        const chol_best *o = find_best(s, others[i]);
        if (o != NULL && o->gflops * share > target)
            target = o->gflops * share;
    }
    char line[160];
    snprintf(line, sizeof line, "cholesky n=%ld: pel best >= %s", s->n, what);
    if (pel == NULL || target < 0) {
        fprintf(stderr, "  %-62s not measured\n", line);
        if (md)
            fprintf(md, "| %s | – | not measured |\n", line);
        return;
    }
    int ok = pel->gflops >= target;
    fprintf(stderr, "  %-62s %.1f vs %.1f GFLOP/s %s\n", line, pel->gflops, target,
            ok ? "MET" : "MISSED");
    if (md)
        fprintf(md, "| %s | %.1f vs %.1f GFLOP/s | %s |\n", line, pel->gflops, target,
                ok ? "met" : "**missed**");
}

void cholesky_print_best(void)
{
    if (nsizes == 0)
        return;
    fprintf(stderr, "\ncholesky: best GFLOP/s per N over the tile sizes (flops = N^3/3)\n");
    if (md)
        fprintf(md, "\n### cholesky — best GFLOP/s per N over the tile sizes\n\n"
                    "| N | system | workers | best tile | median (s) | GFLOP/s |\n"
                    "|--:|---|--:|--:|--:|--:|\n");
    for (int i = 0; i < nsizes; i++)
        for (int j = 0; j < sizes[i].nbest; j++) {
            const chol_best *b = &sizes[i].best[j];
            printf("{\"bench\":\"cholesky-best\",\"params\":\"n=%ld tile=%d\",\"system\":\"%s\","
                   "\"workers\":%d,\"runs\":%d,\"median_s\":%.6g,\"min_s\":%.6g,\"max_s\":%.6g,"
                   "\"n\":%ld,\"tile\":%d,\"gflops\":%.6g}\n",
                   sizes[i].n, b->tile, b->system, b->workers, b->runs, b->median, b->min,
                   b->max, sizes[i].n, b->tile, b->gflops);
            fprintf(stderr, "  n=%-6ld %-11s %3d workers  tile %-4d %9.4g s %8.1f GFLOP/s\n",
                    sizes[i].n, b->system, b->workers, b->tile, b->median, b->gflops);
            if (md)
                fprintf(md, "| %ld | %s | %d | %d | %.4g | %.1f |\n", sizes[i].n, b->system,
                        b->workers, b->tile, b->median, b->gflops);
        }
    fflush(stdout);
    fprintf(stderr, "\nFloors (issue 3, cholesky, judged on this run):\n");
    if (md)
        fprintf(md, "\n### Floors (issue 3, cholesky), judged on this run\n\n"
                    "| floor | pel vs the others' best | verdict |\n|---|---|---|\n");
    static const char *const runtimes[] = {"starpu", "omp-gomp", "omp-libomp"};
    static const char *const blas[] = {"openblas"};
    for (int i = 0; i < nsizes; i++) {
        floor_verdict(&sizes[i], "StarPU's and OpenMP's best", runtimes, 3, 1.0);
        floor_verdict(&sizes[i], "90% of OpenBLAS dpotrf", blas, 1, 0.9);
    }
}
