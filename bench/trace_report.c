/* bench/trace_report.c — the trace group (issue 4): what tracing costs.
 *
 * Its systems are variants of pel, run interleaved in one benchmark:
 *
 *     pel             tracing off (PEL_BENCH_TRACE=off)
 *     pel-trace       pel_trace_start with the default configuration (adaptive detail)
 *     pel-trace-full  full detail (reported; no floor)
 *     pel-9325ad4     the same program built against the library of commit 9325ad4, the
 *                     one before tracing existed (trace-fib only; bench/run builds it)
 *     pel-copy        tracing off, run from a byte-identical copy of the program (trace-fib
 *                     only): two files of one program can differ by a few per cent here (the
 *                     physical pages their code lands on), which bounds what a comparison
 *                     with pel-9325ad4, another file, can resolve
 *
 * trace-fib runs bench-trace-pel (trace_fib.c: the `fib` benchmark's pel kernel),
 * trace-cholesky runs bench-cholesky-pel. Here: the programs and environment of each
 * variant, the overhead keys of the JSON lines, the instruction counts of the fib variants
 * (callgrind), a summary table, and the floors: adaptive tracing costs at most 10% on
 * fib(30) and at most 2% on tiled Cholesky (each configuration, and the best tile per N),
 * and tracing off costs nothing measurable, taken as: wall time within 2% of the library
 * before tracing, and instructions per task within 1% of it. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

#define TRACE_BEFORE "pel-9325ad4"
#define TRACE_FIB_FLOOR 0.10
#define TRACE_CHOL_FLOOR 0.02
#define TRACE_OFF_NOISE 0.02
#define TRACE_OFF_INSTRUCTIONS 0.01
#define TRACE_COPY "pel-copy"

int trace_group(const bench_def *b)
{
    return strcmp(b->group, "trace") == 0;
}

const char *trace_variant(const char *system)
{
    if (strcmp(system, "pel-trace") == 0)
        return "adaptive";
    if (strcmp(system, "pel-trace-full") == 0)
        return "full";
    return "off";
}

void trace_binary(const bench_def *b, const options *o, const char *system, char *out,
                  size_t size)
{
    if (strcmp(b->name, "trace-cholesky") == 0)
        snprintf(out, size, "%s/bench-cholesky-pel", o->bindir);
    else if (strcmp(system, TRACE_BEFORE) == 0 || strcmp(system, TRACE_COPY) == 0)
        snprintf(out, size, "%s/bench-trace-%s", o->bindir, system);
    else
        snprintf(out, size, "%s/bench-trace-pel", o->bindir);
}

int trace_rounds(const bench_def *b, const options *o)
{
    int least = o->quick ? 7 : strcmp(b->name, "trace-fib") == 0 ? 15 : 11;
    return o->reps > least ? o->reps : least;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static config *off_of(config *cs, int n, int workers)
{
    for (int i = 0; i < n; i++)
        if (strcmp(cs[i].system, "pel") == 0 && cs[i].workers == workers && !cs[i].failed &&
            cs[i].nsamples > 0)
            return &cs[i];
    return NULL;
}

void trace_pair(config *cs, int n)
{
    for (int i = 0; i < n; i++) {
        config *c = &cs[i], *off = off_of(cs, n, c->workers);
        if (off == NULL || c == off || c->failed || c->nsamples == 0)
            continue;
        int k = c->nsamples < off->nsamples ? c->nsamples : off->nsamples;
        double *r = xrealloc(NULL, (size_t)k * sizeof *r);
        for (int j = 0; j < k; j++) /* sample j of each ran in round j */
            r[j] = c->samples[j] / off->samples[j];
        qsort(r, (size_t)k, sizeof *r, cmp_double);
        c->paired_ratio = k % 2 ? r[k / 2] : 0.5 * (r[k / 2 - 1] + r[k / 2]);
        c->have_paired = 1;
        free(r);
    }
}

/* ---- the figures, remembered for the summary ----------------------------------------- */

typedef struct trace_row {
    char bench[24], params[64], system[24];
    int workers, runs;
    long n, tile;
    double median, figure; /* figure: ns per task (fib) or GFLOP/s (cholesky) */
    double ratio, paired;  /* this ÷ tracing off: of the medians, median of the rounds' */
    int have_trace;
    long bytes, events, slices, inlined, dropped;
    double write_s;
} trace_row;

#define TRACE_MAX_ROWS 64
static trace_row rows[TRACE_MAX_ROWS];
static int nrows;

static void json_num(const char *key, double v)
{
    if (isfinite(v))
        printf(",\"%s\":%.6g", key, v);
}

void trace_note(const bench_def *b, const char *params, const config *c, const config *off,
                double figure)
{
    int is_off = strcmp(c->system, "pel") == 0;
    double ratio = off && !is_off ? c->median / off->median : NAN;
    double paired = c->have_paired ? c->paired_ratio : NAN;
    if (strcmp(c->system, TRACE_BEFORE) == 0) {
        /* What the tracing code costs while off: tracing off ÷ the library before it. */
        json_num("off_cost_pct", (1 / ratio - 1) * 100);
        json_num("off_cost_paired_pct", (1 / paired - 1) * 100);
    } else if (strcmp(c->system, TRACE_COPY) == 0) {
        json_num("vs_off_pct", (ratio - 1) * 100);
        json_num("vs_off_paired_pct", (paired - 1) * 100);
    } else if (!is_off) {
        json_num("overhead_pct", (ratio - 1) * 100);
        json_num("overhead_paired_pct", (paired - 1) * 100);
    }
    if (c->have_trace)
        printf(",\"trace_bytes\":%ld,\"trace_events\":%ld,\"trace_task_slices\":%ld,"
               "\"trace_inlined\":%ld,\"trace_dropped\":%ld,\"trace_write_s\":%.4g",
               c->trace_bytes, c->trace_events, c->trace_slices, c->trace_inlined,
               c->trace_dropped, c->trace_write_s);
    if (nrows == TRACE_MAX_ROWS)
        return;
    trace_row *r = &rows[nrows++];
    *r = (trace_row){.workers = c->workers, .runs = c->nsamples, .median = c->median,
                     .figure = figure, .ratio = ratio, .paired = paired,
                     .have_trace = c->have_trace, .bytes = c->trace_bytes,
                     .events = c->trace_events, .slices = c->trace_slices,
                     .inlined = c->trace_inlined, .dropped = c->trace_dropped,
                     .write_s = c->trace_write_s};
    snprintf(r->bench, sizeof r->bench, "%s", b->name);
    snprintf(r->params, sizeof r->params, "%s", params);
    snprintf(r->system, sizeof r->system, "%s", c->system);
    sscanf(params, "n=%ld tile=%ld", &r->n, &r->tile);
}

static const trace_row *row_of(const char *bench, const char *params, const char *system,
                               int workers)
{
    for (int i = 0; i < nrows; i++)
        if (strcmp(rows[i].bench, bench) == 0 && strcmp(rows[i].params, params) == 0 &&
            strcmp(rows[i].system, system) == 0 && rows[i].workers == workers)
            return &rows[i];
    return NULL;
}

/* ---- instructions per task (callgrind) ---------------------------------------------------
 * Wall time cannot tell apart differences of a few per cent between two programs here (see
 * pel-copy), instruction counts can (shared/docs/measuring.md). Each fib variant runs under
 * valgrind --tool=callgrind on 1 worker at n = TRACE_CG_LO and TRACE_CG_HI; the difference
 * of the whole process's instructions ÷ the difference of the tasks (warm-ups included) is
 * its instructions per task, start-up and the rest cancelling out. */
#define TRACE_CG_LO 20
#define TRACE_CG_HI 23

typedef struct trace_insn {
    char system[24];
    double per_task;
} trace_insn;

static trace_insn insns[8];
static int ninsns;

static long fib_tasks(int n) /* tasks of one bench-trace-pel run: warm-up and timed fib */
{
    long total = 0;
    for (int m = n - 5; m <= n; m += 5) {
        long a = 0, b = 1; /* fib(m+1) - 1 spawns, plus the root task */
        for (int i = 0; i < m + 1; i++) {
            long c = a + b;
            a = b;
            b = c;
        }
        total += a;
    }
    return total;
}

/* Instructions of one run of `path` under callgrind; NAN if it failed. */
static double callgrind(const char *path, const char *variant, int n)
{
    char cmd[4608];
    if (strchr(path, '\'') != NULL)
        return NAN;
    snprintf(cmd, sizeof cmd,
             "PEL_BENCH_TRACE=%s PEL_NUM_WORKERS=1 OMP_NUM_THREADS=1 valgrind --tool=callgrind "
             "--callgrind-out-file=/dev/null '%s' trace-fib 1 %d 2>&1 >/dev/null",
             variant, path, n);
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return NAN;
    char line[512];
    double v = NAN;
    while (fgets(line, sizeof line, p)) {
        const char *at = strstr(line, "Collected :");
        if (at)
            v = atof(at + 11);
    }
    return pclose(p) == 0 ? v : NAN;
}

static const trace_insn *insn_of(const char *system)
{
    for (int i = 0; i < ninsns; i++)
        if (strcmp(insns[i].system, system) == 0)
            return &insns[i];
    return NULL;
}

void trace_instructions(const bench_def *b, const options *o, const config *cs, int n)
{
    if (strcmp(b->name, "trace-fib") != 0)
        return;
    if (system("valgrind --version >/dev/null 2>&1") != 0) {
        fprintf(stderr, "bench: trace-fib: valgrind not found (Debian: valgrind): no "
                        "instruction counts\n");
        return;
    }
    fprintf(stderr, "bench: trace-fib: instructions per task under callgrind, 1 worker, "
                    "n=%d and %d\n", TRACE_CG_LO, TRACE_CG_HI);
    double tasks = (double)(fib_tasks(TRACE_CG_HI) - fib_tasks(TRACE_CG_LO));
    for (int i = 0; i < n && ninsns < (int)(sizeof insns / sizeof insns[0]); i++) {
        const config *c = &cs[i];
        if (c->workers != 1 || c->failed || strcmp(c->system, TRACE_COPY) == 0)
            continue; /* the copy runs the same instructions */
        char path[4096];
        trace_binary(b, o, c->system, path, sizeof path);
        const char *variant = trace_variant(c->system);
        double lo = callgrind(path, variant, TRACE_CG_LO), hi = callgrind(path, variant, TRACE_CG_HI);
        if (!isfinite(lo) || !isfinite(hi)) {
            fail("trace-fib: %s under callgrind failed", c->system);
            continue;
        }
        trace_insn *r = &insns[ninsns++];
        snprintf(r->system, sizeof r->system, "%s", c->system);
        r->per_task = (hi - lo) / tasks;
    }
    const trace_insn *off = insn_of("pel");
    for (int i = 0; i < ninsns; i++) {
        const trace_insn *r = &insns[i];
        double ratio = off ? r->per_task / off->per_task : NAN;
        printf("{\"bench\":\"trace-fib-instructions\",\"params\":\"n=%d..%d callgrind\","
               "\"system\":\"%s\",\"workers\":1,\"runs\":1,\"median_s\":null,\"min_s\":null,"
               "\"max_s\":null,\"instructions_per_task\":%.1f",
               TRACE_CG_LO, TRACE_CG_HI, r->system, r->per_task);
        json_num("ratio_vs_pel", ratio);
        if (strcmp(r->system, TRACE_BEFORE) == 0)
            json_num("off_cost_pct", (1 / ratio - 1) * 100);
        else if (strcmp(r->system, "pel") != 0)
            json_num("overhead_pct", (ratio - 1) * 100);
        printf("}\n");
    }
    fflush(stdout);
}

/* ---- the summary ------------------------------------------------------------------------ */

static void pct(char *out, size_t size, double ratio)
{
    if (isfinite(ratio))
        snprintf(out, size, "%+.1f%%", (ratio - 1) * 100);
    else
        snprintf(out, size, "–");
}

static void verdict(const char *what, double ratio, double limit, const char *detail)
{
    char val[32];
    pct(val, sizeof val, ratio);
    int ok = isfinite(ratio) && ratio - 1 <= limit;
    if (!isfinite(ratio)) {
        fprintf(stderr, "  %-66s not measured\n", what);
        if (md)
            fprintf(md, "| %s | – | not measured |\n", what);
        return;
    }
    fprintf(stderr, "  %-66s %-7s %s %s\n", what, val, detail, ok ? "MET" : "MISSED");
    if (md)
        fprintf(md, "| %s | %s %s | %s |\n", what, val, detail, ok ? "met" : "**missed**");
}

/* Summary order: each benchmark and its parameters in the order run, then the worker
 * count, then the systems in the order of the benchmark's list. */
static int row_order(const void *a, const void *b)
{
    const trace_row *x = &rows[*(const int *)a], *y = &rows[*(const int *)b];
    int same = strcmp(x->bench, y->bench) == 0 && strcmp(x->params, y->params) == 0;
    if (same && x->workers != y->workers)
        return x->workers - y->workers;
    return *(const int *)a - *(const int *)b;
}

static void summary_table(void)
{
    int order[TRACE_MAX_ROWS];
    for (int i = 0; i < nrows; i++)
        order[i] = i;
    qsort(order, (size_t)nrows, sizeof *order, row_order);
    fprintf(stderr, "\ntrace: what tracing costs (vs off: this median / tracing off's median - 1; "
                    "paired: the median over the rounds of this / tracing off in the same round "
                    "- 1)\n  %-15s %-16s %-14s %3s %5s %10s %14s %8s %8s\n",
            "bench", "params", "system", "w", "runs", "median_s", "figure", "vs off", "paired");
    if (md)
        fprintf(md, "\n### trace — what tracing costs\n\n"
                    "| bench | params | system | workers | runs | median (s) | figure | "
                    "this ÷ off − 1 | paired | trace file (first traced sample) |\n"
                    "|---|---|---|--:|--:|--:|--:|--:|--:|---|\n");
    for (int i = 0; i < nrows; i++) {
        const trace_row *r = &rows[order[i]];
        int fib = strcmp(r->bench, "trace-fib") == 0;
        char fig[32], vs[16], pr[16], file[160] = "";
        snprintf(fig, sizeof fig, fib ? "%.2f ns/task" : "%.1f GFLOP/s", r->figure);
        pct(vs, sizeof vs, r->ratio);
        pct(pr, sizeof pr, r->paired);
        if (r->have_trace)
            snprintf(file, sizeof file,
                     "%.3g MB, %ld events, %ld task slices, %ld tasks inlined, %ld dropped, "
                     "written in %.3g s",
                     (double)r->bytes * 1e-6, r->events, r->slices, r->inlined, r->dropped,
                     r->write_s);
        fprintf(stderr, "  %-15s %-16s %-14s %3d %5d %10.4g %14s %8s %8s\n", r->bench,
                r->params, r->system, r->workers, r->runs, r->median, fig, vs, pr);
        if (*file)
            fprintf(stderr, "  %-15s trace file: %s\n", "", file);
        if (md)
            fprintf(md, "| %s | %s | %s | %d | %d | %.4g | %s | %s | %s | %s |\n", r->bench,
                    r->params, r->system, r->workers, r->runs, r->median, fig, vs, pr,
                    *file ? file : "–");
    }
}

static void fib_floors(void)
{
    for (int i = 0; i < nrows; i++) {
        const trace_row *r = &rows[i];
        if (strcmp(r->bench, "trace-fib") != 0 || strcmp(r->system, "pel-trace") != 0)
            continue;
        const trace_row *off = row_of(r->bench, r->params, "pel", r->workers);
        char what[128], detail[96];
        snprintf(what, sizeof what, "trace fib(%s) %d worker%s: adaptive overhead <= 10%%",
                 r->params + 2, r->workers, r->workers == 1 ? "" : "s");
        snprintf(detail, sizeof detail, "(%.2f vs %.2f ns/task)", r->figure,
                 off ? off->figure : NAN);
        verdict(what, r->ratio, TRACE_FIB_FLOOR, detail);
    }
    for (int i = 0; i < nrows; i++) {
        const trace_row *r = &rows[i];
        if (strcmp(r->bench, "trace-fib") != 0 || strcmp(r->system, TRACE_BEFORE) != 0)
            continue;
        const trace_row *off = row_of(r->bench, r->params, "pel", r->workers);
        const trace_row *copy = row_of(r->bench, r->params, TRACE_COPY, r->workers);
        char what[128], detail[128], copy_pct[16];
        pct(copy_pct, sizeof copy_pct, copy ? copy->ratio : NAN);
        snprintf(what, sizeof what, "trace fib(%s) %d worker%s: tracing off vs %s, time <= 2%%",
                 r->params + 2, r->workers, r->workers == 1 ? "" : "s", TRACE_BEFORE);
        snprintf(detail, sizeof detail, "(%.2f vs %.2f ns/task; a copy of the program: %s)",
                 off ? off->figure : NAN, r->figure, copy_pct);
        verdict(what, 1 / r->ratio, TRACE_OFF_NOISE, detail);
    }
    const trace_insn *before = insn_of(TRACE_BEFORE), *off = insn_of("pel");
    if (before && off) {
        char what[128], detail[96];
        snprintf(what, sizeof what, "trace fib 1 worker: tracing off vs %s, instructions <= 1%%",
                 TRACE_BEFORE);
        snprintf(detail, sizeof detail, "(%.1f vs %.1f per task)", off->per_task,
                 before->per_task);
        verdict(what, off->per_task / before->per_task, TRACE_OFF_INSTRUCTIONS, detail);
    }
}

static void cholesky_floors(void)
{
    for (int i = 0; i < nrows; i++) {
        const trace_row *r = &rows[i];
        if (strcmp(r->bench, "trace-cholesky") != 0 || strcmp(r->system, "pel-trace") != 0)
            continue;
        const trace_row *off = row_of(r->bench, r->params, "pel", r->workers);
        char what[128], detail[96];
        snprintf(what, sizeof what, "trace cholesky %s, %d workers: overhead <= 2%%", r->params,
                 r->workers);
        snprintf(detail, sizeof detail, "(%.1f vs %.1f GFLOP/s)", r->figure,
                 off ? off->figure : NAN);
        verdict(what, r->ratio, TRACE_CHOL_FLOOR, detail);
    }
    /* Each N measured with several tiles: the best tile of each variant. */
    for (int i = 0; i < nrows; i++) {
        const trace_row *r = &rows[i];
        if (strcmp(r->bench, "trace-cholesky") != 0)
            continue;
        int first = 1, tiles = 0;
        for (int j = 0; j < i; j++)
            first &= !(strcmp(rows[j].bench, "trace-cholesky") == 0 && rows[j].n == r->n);
        if (!first)
            continue;
        const trace_row *best_on = NULL, *best_off = NULL;
        for (int j = i; j < nrows; j++) {
            const trace_row *q = &rows[j];
            if (strcmp(q->bench, "trace-cholesky") != 0 || q->n != r->n)
                continue;
            if (strcmp(q->system, "pel-trace") == 0) {
                tiles++;
                if (!best_on || q->median < best_on->median)
                    best_on = q;
            } else if (strcmp(q->system, "pel") == 0 &&
                       (!best_off || q->median < best_off->median)) {
                best_off = q;
            }
        }
        if (tiles < 2 || !best_off)
            continue;
        char what[128], detail[96];
        snprintf(what, sizeof what,
                 "trace cholesky n=%ld, best tile (on %ld, off %ld): overhead <= 2%%", r->n,
                 best_on->tile, best_off->tile);
        snprintf(detail, sizeof detail, "(%.1f vs %.1f GFLOP/s)", best_on->figure,
                 best_off->figure);
        verdict(what, best_on->median / best_off->median, TRACE_CHOL_FLOOR, detail);
    }
}

static void insn_table(void)
{
    if (ninsns == 0)
        return;
    const trace_insn *off = insn_of("pel");
    fprintf(stderr, "\ntrace-fib: instructions per task (callgrind, 1 worker, fib(%d) - fib(%d), "
                    "whole process)\n", TRACE_CG_HI, TRACE_CG_LO);
    if (md)
        fprintf(md, "\n### trace-fib — instructions per task (callgrind, 1 worker, fib(%d) − "
                    "fib(%d), whole process)\n\n| system | instructions per task | this ÷ off − 1 "
                    "|\n|---|--:|--:|\n", TRACE_CG_HI, TRACE_CG_LO);
    for (int i = 0; i < ninsns; i++) {
        char vs[16];
        pct(vs, sizeof vs, off ? insns[i].per_task / off->per_task : NAN);
        fprintf(stderr, "  %-15s %8.1f %8s\n", insns[i].system, insns[i].per_task, vs);
        if (md)
            fprintf(md, "| %s | %.1f | %s |\n", insns[i].system, insns[i].per_task, vs);
    }
}

void trace_print_summary(void)
{
    if (nrows == 0)
        return;
    summary_table();
    insn_table();
    fprintf(stderr, "\nFloors (issue 4, judged on this run):\n");
    if (md)
        fprintf(md, "\n### Floors (issue 4), judged on this run\n\n| floor | figure | verdict |\n"
                    "|---|---|---|\n");
    fib_floors();
    cholesky_floors();
}
