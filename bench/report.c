/* bench/report.c — statistics over the samples, the answers' check, and the output:
 * JSON lines on stdout, the --table and --markdown tables, the verdict on the floors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

FILE *md;

/* Systems that are serial by nature: run with one worker only. */
int is_serial(const char *system)
{
    return strcmp(system, "serial") == 0 || strcmp(system, "std") == 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void summarise(config *c)
{
    qsort(c->samples, (size_t)c->nsamples, sizeof *c->samples, cmp_double);
    int n = c->nsamples;
    c->min = c->samples[0];
    c->max = c->samples[n - 1];
    c->median = n % 2 ? c->samples[n / 2] : 0.5 * (c->samples[n / 2 - 1] + c->samples[n / 2]);
}

static config *find(config *cs, int n, const char *system, int workers)
{
    for (int i = 0; i < n; i++)
        if (strcmp(cs[i].system, system) == 0 && cs[i].workers == workers && !cs[i].failed &&
            cs[i].nsamples > 0)
            return &cs[i];
    return NULL;
}

/* The baseline's configuration: its 1-worker run, or its only one. */
static config *find_baseline(config *cs, int n, const bench_def *b)
{
    config *c = find(cs, n, b->baseline, 1);
    for (int i = 0; c == NULL && i < n; i++)
        if (strcmp(cs[i].system, b->baseline) == 0 && !cs[i].failed && cs[i].nsamples > 0)
            c = &cs[i];
    return c;
}

/* Whether two answers agree: exactly, or within a relative 1e-9 for float checks. */
static int same_answer(const bench_def *b, const char *x, const char *y)
{
    if (!b->float_check)
        return strcmp(x, y) == 0;
    double a = atof(x), c = atof(y);
    return fabs(a - c) <= 1e-9 * fmax(fabs(a), fabs(c));
}

/* The figures the floors are judged on, remembered across benchmarks. */
typedef struct figures {
    double fib_pel_ns1, fib_pel_speedup2, fib_tbb_over_pel2;
    double for_pel_speedup2;
    double sort_pel_speedup2, sort_tbb_over_pel2;
    double idle_pel_percent, wake_pel_median_us, wake_pel_max_us;
} figures;

static figures fig = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};

/* Issue 3 (dataflow): chains, pel on 2 workers (taskbench's is taskbench_floor_metg_us). */
static double chains_pel_ns2 = NAN;

static void json_num(const char *key, double v)
{
    if (isfinite(v))
        printf(",\"%s\":%.6g", key, v);
}

void format_params(const bench_def *b, const options *o, char *out, size_t size)
{
    char args[256];
    snprintf(args, sizeof args, "%s", o->quick ? b->quick_args : b->full_args);
    const char *a[4] = {"", "", "", ""};
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(args, " ", &save); tok && n < 4; tok = strtok_r(NULL, " ", &save))
        a[n++] = tok;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(out, size, b->params_fmt, a[0], a[1], a[2], a[3]);
#pragma GCC diagnostic pop
}

/* Print the JSON line of `c`, and its row of the tables. */
static void report(const bench_def *b, const options *o, config *cs, int n, config *c,
                   const char *params, FILE *table)
{
    config *base = find_baseline(cs, n, b);
    config *pel = find(cs, n, "pel", is_serial(c->system) ? 1 : c->workers);
    config *own1 = is_serial(c->system) ? NULL : find(cs, n, c->system, 1);
    long tasks = c->tasks ? c->tasks : (base ? base->tasks : 0);
    char nbuf[64];
    snprintf(nbuf, sizeof nbuf, "%s", o->quick ? b->quick_args : b->full_args);
    double nelems = atof(nbuf);

    printf("{\"bench\":\"%s\",\"params\":\"%s\",\"system\":\"%s\",\"workers\":%d,\"runs\":%d",
           b->name, params, c->system, c->workers, c->nsamples);
    json_num("median_s", c->median);
    json_num("min_s", c->min);
    json_num("max_s", c->max);
    double extra = NAN;
    const char *extra_name = "";
    switch (b->kind) {
    case KIND_TASKS:
        if (tasks > 0) {
            printf(",\"tasks\":%ld", tasks);
            extra = c->median * 1e9 / (double)tasks;
            json_num("ns_per_task", extra);
            extra_name = "ns/task";
        }
        break;
    case KIND_FOR:
        printf(",\"n\":%.0f", nelems);
        if (b->bytes_per_elem) {
            extra = (double)b->bytes_per_elem * nelems / c->median * 1e-9;
            json_num("gbytes_per_s", extra);
            extra_name = "GB/s";
        } else {
            extra = c->median * 1e9 / nelems;
            json_num("ns_per_elem", extra);
            extra_name = "ns/elem";
        }
        break;
    case KIND_PERCALL:
        printf(",\"n\":%.0f", nelems);
        extra = c->median * 1e6;
        json_num("us_per_call", extra);
        extra_name = "us/call";
        break;
    case KIND_SORT:
        printf(",\"n\":%.0f", nelems);
        extra = nelems / c->median * 1e-6;
        json_num("melems_per_s", extra);
        extra_name = "Melem/s";
        break;
    case KIND_IDLE: {
        double window = c->wall > 0 ? c->wall : nelems * 1e-3;
        extra = c->median / window * 100;
        json_num("window_s", window);
        json_num("cpu_percent_of_core", extra);
        json_num("max_cpu_percent_of_core", c->max / window * 100);
        extra_name = "%core";
        break;
    }
    case KIND_WAKE:
        extra = c->median * 1e6;
        json_num("wake_median_us", extra);
        json_num("wake_max_us", c->max * 1e6);
        extra_name = "us(med)";
        break;
    case KIND_METG: /* reported by taskbench_driver.c */
        break;
    case KIND_GFLOPS: /* cholesky: tasks are the tiled systems' kernel calls */
        printf(",\"n\":%.0f", nelems);
        if (c->tasks > 0)
            printf(",\"tasks\":%ld", c->tasks);
        extra = trace_group(b) ? nelems * nelems * nelems / 3.0 / c->median * 1e-9
                               : cholesky_note(b, o, c);
        json_num("gflops", extra);
        extra_name = "GFLOP/s";
        break;
    }
    double speedup1 = own1 ? own1->median / c->median : NAN;
    double vs_pel = pel ? c->median / pel->median : NAN;
    double vs_base = (base && b->kind != KIND_IDLE && b->kind != KIND_WAKE)
                         ? base->median / c->median
                         : NAN;
    json_num("speedup_vs_1", speedup1);
    json_num("ratio_vs_pel", vs_pel);
    if (strcmp(c->system, b->baseline) != 0)
        json_num("speedup_vs_baseline", vs_base);
    if (trace_group(b))
        trace_note(b, params, c, pel, extra);
    printf("}\n");
    fflush(stdout);

    if (table) {
        fprintf(table, "  %-14s %3d %5d %11.4g %11.4g %11.4g %10.4g %-8s %8.3g %8.3g %8.3g\n",
                c->system, c->workers, c->nsamples, c->median, c->min, c->max, extra, extra_name,
                speedup1, vs_pel, vs_base);
    }
    if (md) {
        fprintf(md, "| %s | %d | %d | %.4g | %.4g | %.4g | %.4g %s |", c->system, c->workers,
                c->nsamples, c->median, c->min, c->max, extra, extra_name);
        const double ratios[3] = {speedup1, vs_pel, vs_base};
        for (int i = 0; i < 3; i++)
            fprintf(md, isfinite(ratios[i]) ? " %.3g |" : " – |", ratios[i]);
        fprintf(md, "\n");
    }

    /* Remember what the floors are judged on. */
    int is_pel = strcmp(c->system, "pel") == 0;
    if (strcmp(b->name, "fib") == 0 && is_pel && c->workers == 1)
        fig.fib_pel_ns1 = extra;
    if (strcmp(b->name, "fib") == 0 && is_pel && c->workers == 2)
        fig.fib_pel_speedup2 = speedup1;
    if (strcmp(b->name, "fib") == 0 && !strcmp(c->system, "tbb") && c->workers == 2)
        fig.fib_tbb_over_pel2 = vs_pel;
    if (strcmp(b->name, "for-compute") == 0 && is_pel && c->workers == 2)
        fig.for_pel_speedup2 = speedup1;
    if (strcmp(b->name, "sort") == 0 && is_pel && c->workers == 2)
        fig.sort_pel_speedup2 = speedup1;
    if (strcmp(b->name, "sort") == 0 && !strcmp(c->system, "tbb") && c->workers == 2)
        fig.sort_tbb_over_pel2 = vs_pel;
    if (strcmp(b->name, "chains") == 0 && is_pel && c->workers == 2)
        chains_pel_ns2 = extra;
    if (b->kind == KIND_IDLE && is_pel)
        fig.idle_pel_percent = extra;
    if (b->kind == KIND_WAKE && is_pel) {
        fig.wake_pel_median_us = extra;
        fig.wake_pel_max_us = c->max * 1e6;
    }
}

static void floor_line(const char *what, double v, int ok, const char *fmt)
{
    char val[64];
    if (isnan(v)) {
        fprintf(stderr, "  %-62s not measured\n", what);
        if (md)
            fprintf(md, "| %s | – | not measured |\n", what);
        return;
    }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(val, sizeof val, fmt, v);
#pragma GCC diagnostic pop
    fprintf(stderr, "  %-62s %-12s %s\n", what, val, ok ? "MET" : "MISSED");
    if (md)
        fprintf(md, "| %s | %s | %s |\n", what, val, ok ? "met" : "**missed**");
}

void print_floors(void)
{
    fprintf(stderr, "\nFloors (issue 2, judged on this run):\n");
    if (md)
        fprintf(md, "\n### Floors (issue 2), judged on this run\n\n| floor | figure | verdict |\n"
                    "|---|---|---|\n");
    floor_line("fib: pel 1 worker, ns per spawned task <= 20", fig.fib_pel_ns1,
               fig.fib_pel_ns1 <= 20, "%.1f ns");
    floor_line("fib: pel 2 workers >= 1.8x its 1-worker speed", fig.fib_pel_speedup2,
               fig.fib_pel_speedup2 >= 1.8, "%.2fx");
    floor_line("fib: pel 2 workers >= 5x faster than oneTBB on 2", fig.fib_tbb_over_pel2,
               fig.fib_tbb_over_pel2 >= 5, "%.2fx");
    floor_line("for-compute: pel 2 workers >= 1.9x its 1-worker speed", fig.for_pel_speedup2,
               fig.for_pel_speedup2 >= 1.9, "%.2fx");
    floor_line("sort: pel 2 workers >= 1.7x its 1-worker speed", fig.sort_pel_speedup2,
               fig.sort_pel_speedup2 >= 1.7, "%.2fx");
    floor_line("sort: pel 2 workers faster than tbb::parallel_sort on 2", fig.sort_tbb_over_pel2,
               fig.sort_tbb_over_pel2 > 1, "%.2fx");
    floor_line("idle: pel idle runtime uses < 1% of a core", fig.idle_pel_percent,
               fig.idle_pel_percent < 1, "%.3f%%");
    floor_line("wake: pel parked worker starts new work within 50 us (median)",
               fig.wake_pel_median_us, fig.wake_pel_median_us <= 50, "%.1f us");
    floor_line("wake: pel, the slowest of all trials within 50 us", fig.wake_pel_max_us,
               fig.wake_pel_max_us <= 50, "%.1f us");

    fprintf(stderr, "\nFloors (issue 3, judged on this run):\n");
    if (md)
        fprintf(md, "\n### Floors (issue 3), judged on this run\n\n| floor | figure | verdict |\n"
                    "|---|---|---|\n");
    floor_line("chains: pel 2 workers, ns per dependent task <= 100", chains_pel_ns2,
               chains_pel_ns2 <= 100, "%.1f ns");
    floor_line("taskbench: pel 2 workers, METG(50%) stencil_1d w=2 <= 2 us",
               taskbench_floor_metg_us, taskbench_floor_metg_us <= 2, "%.2f us");
}

/* Compare every configuration's answer with the baseline's (a mismatch is an error and
 * drops the configuration) and compute the statistics of the others. */
void check_answers(const bench_def *b, config *cs, int n)
{
    config *base = find_baseline(cs, n, b);
    if (base == NULL || !base->have_check)
        fail("%s: no answer from the baseline %s", b->name, b->baseline);
    for (int i = 0; i < n; i++) {
        config *c = &cs[i];
        if (c->failed || c->nsamples == 0)
            continue;
        if (base && base->have_check && !same_answer(b, base->check, c->check)) {
            fail("%s: %s on %d workers answered %s, %s answered %s", b->name, c->system,
                 c->workers, c->check, b->baseline, base->check);
            c->failed = 1;
            continue;
        }
        summarise(c);
    }
}

/* Print the JSON lines of benchmark `b` and its tables. */
void report_bench(const bench_def *b, const options *o, config *cs, int n, const char *params)
{
    char *table_text = NULL;
    size_t table_len = 0;
    FILE *table = o->table ? open_memstream(&table_text, &table_len) : NULL;
    if (table)
        fprintf(table,
                "\n%s  %s\n  %-14s %3s %5s %11s %11s %11s %10s %-8s %8s %8s %8s\n", b->name,
                params, "system", "w", "runs", "median_s", "min_s", "max_s", "figure", "",
                "vs_1w", "vs_pel", "vs_base");
    if (md)
        fprintf(md,
                "\n### %s — %s\n\n| system | workers | runs | median (s) | min (s) | max (s) | "
                "figure | own 1-worker ÷ this | this ÷ pel | %s ÷ this |\n"
                "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
                b->name, params, b->baseline);
    for (int i = 0; i < n; i++)
        if (!cs[i].failed && cs[i].nsamples > 0)
            report(b, o, cs, n, &cs[i], params, table);
    if (md)
        fflush(md);
    if (table)
        fprintf(table, "  (vs_1w: own 1-worker time / this time; vs_pel: this time / pel's "
                       "time, > 1 means pel is faster; vs_base: %s's time / this time)\n",
                b->baseline);
    if (table) {
        fclose(table);
        fputs(table_text, stderr);
        free(table_text);
    }
}
