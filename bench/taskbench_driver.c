/* bench/taskbench_driver.c — the taskbench benchmark in bench-driver: granularity sweeps
 * of Task Bench-style graphs and their METG(50%) (Slaughter et al., SC 2020).
 *
 * For each graph of the catalogue below, every configuration (system x worker count) runs
 * one process per round, in turn, with the starting point rotated every round, as for the
 * other benchmarks. A process (taskbench_main.c) runs the whole sweep once: the same graph
 * with kernel iterations hi, hi/2, ..., lo, largest tasks first, one timed sample each.
 *
 * For each point k of a sweep (taskbench_core.c knows its tasks and its work W_k):
 *   rate        = W_k / time                      (FLOP/s, or bytes/s for memory_bound)
 *   efficiency  = rate / peak, where peak is the best rate of any system at any point
 *                 with the same worker count (the medians over the rounds)
 *   granularity = time x workers / tasks          (the task granularity of the paper)
 * METG(50%) of one round is the smallest granularity whose efficiency is still >= 50%:
 * going from the largest tasks down, the first point below 50% and the one before it are
 * interpolated linearly to efficiency 0.5. The JSON line's median_s/min_s/max_s are over
 * the rounds' METGs (in seconds; metg_us = median_s in microseconds). When no point falls
 * below 50%, METG is at most the smallest granularity measured (metg_bound "<="); when
 * the largest tasks are already below 50%, that round has no METG (counted in
 * rounds_without_metg, sorted last; null when it is the median or the maximum).
 * The empty kernel has no work: its line reports core_us_per_task (time x workers / tasks)
 * instead, with median_s the wall time of the run.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "taskbench_core.h"

double taskbench_floor_metg_us = NAN;

/* The graphs: spec (tb_parse) and sweep (tb_sweep_parse: HI:LO:BUDGET_S:MINTASKS:MAXTASKS). */
typedef struct tb_case {
    const char *spec, *sweep;
} tb_case;

#define SWEEP_COMPUTE "65536:1:0.02:200:20000"
#define SWEEP_MEMORY "4096:1:0.02:200:20000"
#define SWEEP_EMPTY "1:1:0.02:20000:20000"
#define QUICK_COMPUTE "65536:1:0.006:100:6000"
#define QUICK_EMPTY "1:1:0.006:6000:6000"

static const tb_case full_cases[] = {
    {"stencil_1d,compute_bound,width=2", SWEEP_COMPUTE},
    {"stencil_1d,load_imbalance,width=2", SWEEP_COMPUTE},
    {"stencil_1d,memory_bound,width=2", SWEEP_MEMORY},
    {"stencil_1d,empty,width=2", SWEEP_EMPTY},
    {"trivial,compute_bound,width=8", SWEEP_COMPUTE},
    {"no_comm,compute_bound,width=8", SWEEP_COMPUTE},
    {"stencil_1d,compute_bound,width=8", SWEEP_COMPUTE},
    {"stencil_1d_periodic,compute_bound,width=8", SWEEP_COMPUTE},
    {"dom,compute_bound,width=8", SWEEP_COMPUTE},
    {"tree,compute_bound,width=8", SWEEP_COMPUTE},
    {"fft,compute_bound,width=8", SWEEP_COMPUTE},
    {"all_to_all,compute_bound,width=8", SWEEP_COMPUTE},
    {"nearest,compute_bound,width=8", SWEEP_COMPUTE},
    {"spread,compute_bound,width=8", SWEEP_COMPUTE},
    {"random_nearest,compute_bound,width=8", SWEEP_COMPUTE},
};
static const tb_case quick_cases[] = {
    {"stencil_1d,compute_bound,width=2", QUICK_COMPUTE},
    {"fft,compute_bound,width=8", QUICK_COMPUTE},
    {"stencil_1d,empty,width=2", QUICK_EMPTY},
};

/* One graph's sweep: its points. */
typedef struct sweep_info {
    tb_graph base;
    tb_sweep sweep;
    int points;
    double work[64];
    long tasks[64];
    long iterations[64];
} sweep_info;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median, min and max of v[0..n) (sorted in place); +inf sorts last. */
static void stats(double *v, int n, double *median, double *min, double *max)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    *min = v[0];
    *max = v[n - 1];
    *median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Time of point k in round r of configuration c. */
static double sample(const config *c, const sweep_info *s, int r, int k)
{
    return c->samples[r * s->points + k];
}

static double point_median(const config *c, const sweep_info *s, int k, double *min, double *max)
{
    double v[256], med;
    int rounds = c->nsamples / s->points;
    for (int r = 0; r < rounds && r < 256; r++)
        v[r] = sample(c, s, r, k);
    stats(v, rounds < 256 ? rounds : 256, &med, min, max);
    return med;
}

/* METG of one sweep given its times; *bound: 0 exact, 1 at most, -1 none. */
static double metg(const sweep_info *s, const double *time, int workers, double peak,
                   int *bound)
{
    double prev_g = NAN, prev_e = NAN;
    for (int k = 0; k < s->points; k++) {
        double g = time[k] * workers / (double)s->tasks[k];
        double e = s->work[k] / time[k] / peak;
        if (e < 0.5) {
            if (k == 0) {
                *bound = -1;
                return INFINITY;
            }
            *bound = 0;
            return prev_g + (0.5 - prev_e) * (g - prev_g) / (e - prev_e);
        }
        prev_g = g;
        prev_e = e;
    }
    *bound = 1;
    return prev_g;
}

static int usable(const config *c, const sweep_info *s)
{
    return !c->failed && c->nsamples > 0 && c->nsamples % s->points == 0;
}

/* The best rate of any configuration with `workers` workers, at any point (medians). */
static double peak_rate(const config *cs, int n, const sweep_info *s, int workers)
{
    double best = 0, lo, hi;
    for (int i = 0; i < n; i++)
        if (cs[i].workers == workers && usable(&cs[i], s))
            for (int k = 0; k < s->points; k++) {
                double r = s->work[k] / point_median(&cs[i], s, k, &lo, &hi);
                if (r > best)
                    best = r;
            }
    return best;
}

static void json_num(const char *key, double v)
{
    if (isfinite(v))
        printf(",\"%s\":%.6g", key, v);
}

/* The required keys; a statistic that is not finite (a round without METG) is null. */
static void head(const char *bench, const char *params, const config *c, int runs, double med,
                 double min, double max)
{
    printf("{\"bench\":\"%s\",\"params\":\"%s\",\"system\":\"%s\",\"workers\":%d,\"runs\":%d",
           bench, params, c->system, c->workers, runs);
    const char *keys[3] = {"median_s", "min_s", "max_s"};
    const double vals[3] = {med, min, max};
    for (int i = 0; i < 3; i++) {
        if (isfinite(vals[i]))
            printf(",\"%s\":%.6g", keys[i], vals[i]);
        else
            printf(",\"%s\":null", keys[i]);
    }
}

/* One round's METG and what kind of figure it is (see metg). */
typedef struct round_metg {
    double value;
    int bound;
} round_metg;

static int cmp_round(const void *a, const void *b)
{
    return cmp_double(&((const round_metg *)a)->value, &((const round_metg *)b)->value);
}

/* What the median METG is: "=" (an interpolated crossing), "<=" (a round that never fell
 * below 50%), "none" (no round reached 50% at the median). r[] is sorted. */
static const char *median_bound(const round_metg *r, int n)
{
    int lo = (n - 1) / 2, hi = n / 2;
    if (r[lo].bound < 0 || r[hi].bound < 0)
        return "none";
    return r[lo].bound == 0 && r[hi].bound == 0 ? "=" : "<=";
}

/* The per-point JSON lines of configuration c (bench "taskbench-point"). */
static void report_points(const config *c, const sweep_info *s, const char *desc, double peak)
{
    const char *unit = tb_work_unit(&s->base);
    for (int k = 0; k < s->points; k++) {
        double lo, hi, med = point_median(c, s, k, &lo, &hi);
        char params[512];
        tb_graph g = tb_sweep_graph(&s->base, &s->sweep, k);
        snprintf(params, sizeof params, "%s iterations=%ld steps=%ld", desc, g.iterations,
                 g.steps);
        head("taskbench-point", params, c, c->nsamples / s->points, med, lo, hi);
        printf(",\"tasks\":%ld,\"iterations\":%ld", s->tasks[k], s->iterations[k]);
        json_num("granularity_us", med * c->workers / (double)s->tasks[k] * 1e6);
        if (s->work[k] > 0) {
            json_num(strcmp(unit, "flop") == 0 ? "gflops" : "gbytes_per_s",
                     s->work[k] / med * 1e-9);
            json_num("efficiency", s->work[k] / med / peak);
        }
        printf("}\n");
    }
}

/* The summary of configuration c: METG (or the empty kernel's cost per task). Returns the
 * figure shown in the tables (METG or core-us per task, in us). */
static double report_summary(const config *c, const sweep_info *s, const char *desc,
                             double peak, double pel_figure)
{
    int rounds = c->nsamples / s->points;
    double v[256], med, min, max, figure;
    if (rounds > 256)
        rounds = 256;
    if (s->work[0] <= 0) { /* empty kernel: one point */
        for (int r = 0; r < rounds; r++)
            v[r] = sample(c, s, r, 0);
        stats(v, rounds, &med, &min, &max);
        figure = med * c->workers / (double)s->tasks[0] * 1e6;
        head("taskbench", desc, c, rounds, med, min, max);
        printf(",\"tasks\":%ld", s->tasks[0]);
        json_num("core_us_per_task", figure);
        json_num("ratio_vs_pel", figure / pel_figure);
        printf("}\n");
        return figure;
    }
    round_metg per_round[256];
    double times[64];
    int without = 0;
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < s->points; k++)
            times[k] = sample(c, s, r, k);
        per_round[r].value = metg(s, times, c->workers, peak, &per_round[r].bound);
        v[r] = per_round[r].value;
        without += per_round[r].bound < 0;
    }
    qsort(per_round, (size_t)rounds, sizeof *per_round, cmp_round);
    stats(v, rounds, &med, &min, &max);
    figure = med * 1e6;
    head("taskbench", desc, c, rounds, med, min, max);
    printf(",\"points\":%d", s->points);
    json_num("metg_us", figure);
    printf(",\"metg_bound\":\"%s\",\"rounds_without_metg\":%d", median_bound(per_round, rounds),
           without);
    double own_peak = 0, lo, hi;
    for (int k = 0; k < s->points; k++) {
        double r = s->work[k] / point_median(c, s, k, &lo, &hi);
        own_peak = r > own_peak ? r : own_peak;
    }
    const char *unit = tb_work_unit(&s->base);
    int flops = strcmp(unit, "flop") == 0;
    json_num(flops ? "peak_gflops" : "peak_gbytes_per_s", own_peak * 1e-9);
    json_num(flops ? "reference_peak_gflops" : "reference_peak_gbytes_per_s", peak * 1e-9);
    json_num("ratio_vs_pel", figure / pel_figure);
    printf("}\n");
    return figure;
}

static int fill_sweep(sweep_info *s, const tb_case *tc)
{
    char err[200];
    if (tb_parse(&s->base, tc->spec, err, sizeof err) != 0 ||
        tb_sweep_parse(&s->sweep, tc->sweep) != 0) {
        fail("taskbench: bad case %s %s", tc->spec, tc->sweep);
        return -1;
    }
    s->points = tb_sweep_points(&s->base, &s->sweep);
    if (s->points > 64) {
        fail("taskbench: too many points in %s", tc->sweep);
        return -1;
    }
    for (int k = 0; k < s->points; k++) {
        tb_graph g = tb_sweep_graph(&s->base, &s->sweep, k);
        s->work[k] = tb_work(&g);
        s->tasks[k] = tb_tasks(&g);
        s->iterations[k] = g.iterations;
    }
    return 0;
}

/* The answers of every configuration must equal the baseline's (serial). */
static void check_case(const bench_def *b, config *cs, int n, const sweep_info *s)
{
    const config *base = NULL;
    for (int i = 0; i < n; i++)
        if (strcmp(cs[i].system, b->baseline) == 0 && usable(&cs[i], s) && cs[i].have_check)
            base = &cs[i];
    if (base == NULL)
        fail("taskbench: no answer from the baseline %s", b->baseline);
    for (int i = 0; i < n; i++) {
        if (cs[i].failed || cs[i].nsamples == 0)
            continue;
        if (!usable(&cs[i], s)) {
            fail("taskbench: %s on %d workers gave %d samples for %d points", cs[i].system,
                 cs[i].workers, cs[i].nsamples, s->points);
            cs[i].failed = 1;
        } else if (base && strcmp(cs[i].check, base->check) != 0) {
            fail("taskbench: %s on %d workers answered %s, %s answered %s", cs[i].system,
                 cs[i].workers, cs[i].check, base->system, base->check);
            cs[i].failed = 1;
        }
    }
}

/* Tables (--table, --markdown) of one graph: METG per configuration. */
static void table_row(FILE *out, int markdown, const config *c, const sweep_info *s,
                      double figure, double peak)
{
    double own_peak = 0, lo, hi;
    for (int k = 0; k < s->points; k++) {
        double r = s->work[k] / point_median(c, s, k, &lo, &hi);
        own_peak = r > own_peak ? r : own_peak;
    }
    int rounds = c->nsamples / s->points;
    if (markdown && s->work[0] <= 0)
        fprintf(out, "| %s | %d | %d | %.3g |\n", c->system, c->workers, rounds, figure);
    else if (markdown)
        fprintf(out, "| %s | %d | %d | %.3g | %.3g |\n", c->system, c->workers, rounds, figure,
                own_peak * 1e-9);
    else if (s->work[0] <= 0)
        fprintf(out, "  %-11s %3d %5d %12.3g\n", c->system, c->workers, rounds, figure);
    else
        fprintf(out, "  %-11s %3d %5d %12.3g %12.3g %12.3g\n", c->system, c->workers, rounds,
                figure, own_peak * 1e-9, peak * 1e-9);
}

static int run_case(const bench_def *b, const options *o, config *cs, int n, const tb_case *tc)
{
    sweep_info s;
    if (fill_sweep(&s, tc) != 0)
        return 0;
    char desc[256], args[256];
    tb_describe(&s.base, desc, sizeof desc);
    snprintf(args, sizeof args, "%s %s", tc->spec, tc->sweep);
    bench_def cb = *b; /* what run_once passes to the programs */
    cb.name = "taskbench";
    cb.full_args = cb.quick_args = args;
    fprintf(stderr, "bench: taskbench %s: %d points, %d configurations x %d rounds, load average %s\n",
            desc, s.points, n, o->reps, load_average());
    int busy = 0;
    for (int i = 0; i < n; i++) {
        cs[i].nsamples = 0;
        cs[i].have_check = 0;
        cs[i].failed = 0;
        cs[i].busy_samples = 0;
    }
    for (int r = 0; r < o->reps; r++)
        for (int j = 0; j < n; j++) {
            config *c = &cs[(j + r) % n];
            if (!c->failed)
                run_once(c, &cb, o);
        }
    for (int i = 0; i < n; i++)
        busy += cs[i].busy_samples;
    check_case(b, cs, n, &s);

    int is_empty = s.work[0] <= 0;
    double figures[MAX_CONFIGS], peaks[MAX_CONFIGS];
    for (int pass = 0; pass < 2; pass++) /* pel first: the others' ratios need its figure */
        for (int i = 0; i < n; i++) {
            config *c = &cs[i];
            if (!usable(c, &s) || (strcmp(c->system, "pel") == 0) != (pass == 0))
                continue;
            double pel_figure = NAN;
            for (int j = 0; j < n; j++)
                if (strcmp(cs[j].system, "pel") == 0 && cs[j].workers == c->workers &&
                    usable(&cs[j], &s) && pass == 1)
                    pel_figure = figures[j];
            peaks[i] = is_empty ? 0 : peak_rate(cs, n, &s, c->workers);
            report_points(c, &s, desc, peaks[i]);
            figures[i] = report_summary(c, &s, desc, peaks[i], pel_figure);
            if (pass == 0 && c->workers == 2 && strcmp(tc->spec, "stencil_1d,compute_bound,width=2") == 0)
                taskbench_floor_metg_us = figures[i];
        }
    fflush(stdout);

    const char *what = is_empty ? "core-us/task" : "METG (us)";
    if (o->table) {
        fprintf(stderr, "\ntaskbench  %s\n  %-11s %3s %5s %12s %12s %12s\n", desc, "system", "w",
                "runs", what, is_empty ? "" : "own peak", is_empty ? "" : "ref peak");
        for (int i = 0; i < n; i++)
            if (usable(&cs[i], &s))
                table_row(stderr, 0, &cs[i], &s, figures[i], peaks[i]);
    }
    if (md) {
        if (is_empty)
            fprintf(md, "\n### taskbench — %s\n\n| system | workers | runs | %s |\n"
                        "|---|--:|--:|--:|\n", desc, what);
        else
            fprintf(md, "\n### taskbench — %s\n\n| system | workers | runs | %s | "
                        "best G%s/s |\n|---|--:|--:|--:|--:|\n", desc, what,
                    tb_work_unit(&s.base));
        for (int i = 0; i < n; i++)
            if (usable(&cs[i], &s))
                table_row(md, 1, &cs[i], &s, figures[i], peaks[i]);
        fflush(md);
    }
    return busy;
}

int run_metg(const bench_def *b, const options *o, config *cs, int n)
{
    /* taskbench: every graph (or the quick ones); taskbench-floor: the floor's graph, at
     * the full or quick sweep. */
    const tb_case *cases = o->quick ? quick_cases : full_cases;
    size_t ncases = o->quick ? sizeof quick_cases / sizeof quick_cases[0]
                             : sizeof full_cases / sizeof full_cases[0];
    if (strcmp(b->name, "taskbench-floor") == 0)
        ncases = 1; /* the first graph of both lists */
    int busy = 0;
    for (size_t i = 0; i < ncases; i++)
        busy += run_case(b, o, cs, n, &cases[i]);
    for (int i = 0; i < n; i++) {
        free(cs[i].samples);
        cs[i].samples = NULL;
    }
    return busy;
}
