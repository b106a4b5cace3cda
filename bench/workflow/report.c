/* bench/workflow/report.c — the workflow group's statistics and output: one JSON line per
 * case and system on stdout, the --table tables and the floors of issue 5 on stderr, the
 * same tables in Markdown with --markdown.
 *
 * Ratios are taken on medians. vs_fastest_baseline = the fastest baseline's median ÷ this
 * median (the fastest of xargs, parallel, make and ninja that ran; above 1: this system is
 * faster), vs_spawn_floor = the spawn floor's median ÷ this median (at most about 1). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../driver.h"
#include "workflow.h"

FILE *wf_md;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void wf_summarise(wf_result *r)
{
    r->median = r->min = r->max = r->cpu_median = NAN;
    r->rss_max = 0;
    if (r->n == 0)
        return;
    double cpu[64];
    memcpy(cpu, r->cpu, sizeof cpu);
    r->cpu_median = median_of(cpu, r->n);
    for (int i = 0; i < r->n; i++)
        r->rss_max = r->rss[i] > r->rss_max ? r->rss[i] : r->rss_max;
    double wall[64];
    memcpy(wall, r->wall, sizeof wall);
    r->median = median_of(wall, r->n);
    r->min = wall[0];
    r->max = wall[r->n - 1];
}

static int is_baseline(const char *system)
{
    return !strcmp(system, "xargs") || !strcmp(system, "parallel") || !strcmp(system, "make") ||
           !strcmp(system, "ninja");
}

static int usable(const wf_result *r)
{
    return r && !r->failed && r->n > 0;
}

static const wf_result *find(const wf_result *rs, int n, const char *system)
{
    for (int i = 0; i < n; i++)
        if (strcmp(rs[i].system, system) == 0 && usable(&rs[i]))
            return &rs[i];
    return NULL;
}

static const wf_result *fastest_baseline(const wf_result *rs, int n)
{
    const wf_result *best = NULL;
    for (int i = 0; i < n; i++)
        if (is_baseline(rs[i].system) && usable(&rs[i]) && (!best || rs[i].median < best->median))
            best = &rs[i];
    return best;
}

static void json_num(const char *key, double v)
{
    if (isfinite(v))
        printf(",\"%s\":%.6g", key, v);
}

static double mb(long kb)
{
    return (double)kb * 1024 / 1e6;
}

/* ---- floors -------------------------------------------------------------------------- */

typedef struct floor_row {
    char what[160], figure[128];
    int ok, measured;
} floor_row;

static floor_row floors[16];
static int nfloors;

static floor_row *add_floor(const char *what, int measured, int ok)
{
    if (nfloors == (int)(sizeof floors / sizeof floors[0]))
        return NULL;
    floor_row *f = &floors[nfloors++];
    snprintf(f->what, sizeof f->what, "%s", what);
    f->measured = measured;
    f->ok = ok;
    f->figure[0] = '\0';
    return f;
}

static void note_floors(const wf_case *c, int jobs, const wf_result *rs, int n)
{
    const wf_result *base = fastest_baseline(rs, n);
    char what[160];
    floor_row *f;
    int first = nfloors, busy = 0;
    for (int i = 0; i < n; i++)
        busy += rs[i].busy_samples;
    if (c->kind == WF_DISPATCH && c->sleep_s == 0) {
        const char *pels[] = {"pel-lines", "pel-yaml"};
        for (int i = 0; i < 2; i++) {
            const wf_result *p = find(rs, n, pels[i]);
            double ratio = p && base ? base->median / p->median : NAN;
            snprintf(what, sizeof what, "%s: %s >= 1.5x the fastest baseline's jobs/s", c->name,
                     pels[i]);
            if ((f = add_floor(what, isfinite(ratio), ratio >= 1.5)) && isfinite(ratio))
                snprintf(f->figure, sizeof f->figure, "%.2fx (%.0f vs %.0f jobs/s, %s)", ratio,
                         jobs / p->median, jobs / base->median,
                         base->system);
        }
    } else if (c->kind == WF_DAG) {
        const wf_result *p = find(rs, n, "pel-yaml");
        double ratio = p && base ? base->median / p->median : NAN;
        snprintf(what, sizeof what, "%s: pel at least as fast as make and ninja", c->name);
        if ((f = add_floor(what, isfinite(ratio), ratio >= 1)) && isfinite(ratio))
            snprintf(f->figure, sizeof f->figure, "%.2fx (%.3f s vs %.3f s, %s)", ratio,
                     p->median, base->median, base->system);
    } else if (c->kind == WF_LEARNED) {
        const wf_result *p = find(rs, n, "pel-force");
        double pct = p ? (p->median / WF_LEARNED_OPTIMUM_S - 1) * 100 : NAN;
        snprintf(what, sizeof what, "%s: pel's second run within 3%% of the optimum %.2f s",
                 c->name, WF_LEARNED_OPTIMUM_S);
        if ((f = add_floor(what, isfinite(pct), pct <= 3)) && isfinite(pct))
            snprintf(f->figure, sizeof f->figure, "%+.1f%% (%.2f s)", pct, p->median);
    } else if (c->kind == WF_DRY_RUN) {
        const char *pels[] = {"pel-array", "pel-explicit"};
        for (int i = 0; i < 2; i++) {
            const wf_result *p = find(rs, n, pels[i]);
            snprintf(what, sizeof what, "%s: %s --dry-run of %d tasks in < 2 s", c->name,
                     pels[i], jobs);
            if ((f = add_floor(what, p != NULL, p && p->median < 2)) && p)
                snprintf(f->figure, sizeof f->figure, "%.2f s", p->median);
            snprintf(what, sizeof what, "%s: %s --dry-run of %d tasks, peak memory < 200 MB",
                     c->name, pels[i], jobs);
            if ((f = add_floor(what, p != NULL, p && mb(p->rss_max) < 200)) && p)
                snprintf(f->figure, sizeof f->figure, "%.1f MB", mb(p->rss_max));
        }
    }
    /* A verdict on samples taken while the machine was busy is worth less: say so. */
    for (int i = first; busy && i < nfloors; i++) {
        size_t len = strlen(floors[i].figure);
        snprintf(floors[i].figure + len, sizeof floors[i].figure - len,
                 "; %d samples of this case started busy", busy);
    }
}

void wf_print_floors(const wf_options *o)
{
    (void)o;
    if (nfloors == 0)
        return;
    fprintf(stderr, "\nFloors (issue 5, judged on this run):\n");
    if (wf_md)
        fprintf(wf_md, "\n### Floors (issue 5), judged on this run\n\n| floor | figure | verdict "
                       "|\n|---|---|---|\n");
    for (int i = 0; i < nfloors; i++) {
        const floor_row *f = &floors[i];
        if (!f->measured) {
            fprintf(stderr, "  %-76s not measured\n", f->what);
            if (wf_md)
                fprintf(wf_md, "| %s | – | not measured |\n", f->what);
            continue;
        }
        fprintf(stderr, "  %-76s %-40s %s\n", f->what, f->figure, f->ok ? "MET" : "MISSED");
        if (wf_md)
            fprintf(wf_md, "| %s | %s | %s |\n", f->what, f->figure, f->ok ? "met" : "**missed**");
    }
}

/* ---- one case ------------------------------------------------------------------------ */

/* The figure columns of each kind: headings, then one row's values. */
static const char *heading(const wf_case *c)
{
    switch (c->kind) {
    case WF_DISPATCH:
        return c->sleep_s > 0 ? "jobs/s|CPU us/job|MB|vs fastest|vs floor|over ideal"
                              : "jobs/s|CPU us/job|MB|vs fastest|vs floor";
    case WF_DAG:
        return "tasks/s|CPU us/task|MB|vs fastest";
    case WF_LEARNED:
        return "vs optimum|CPU s|MB";
    default:
        return "MB|output lines|CPU s|vs fastest";
    }
}

/* Fill vals[] (as text) for r's row; returns how many. Also prints r's JSON keys. */
static int figures(const wf_case *c, int jobs, const wf_result *r, const wf_result *base,
                   const wf_result *floor_r, char vals[6][32])
{
    int k = 0;
    double vs_base = base ? base->median / r->median : NAN;
    json_num("cpu_s", r->cpu_median);
    json_num("max_rss_mb", mb(r->rss_max));
    switch (c->kind) {
    case WF_DISPATCH:
    case WF_DAG: {
        double per_s = jobs / r->median, cpu_us = r->cpu_median / jobs * 1e6;
        printf(",\"%s\":%d", c->kind == WF_DAG ? "tasks" : "jobs", jobs);
        json_num(c->kind == WF_DAG ? "tasks_per_s" : "jobs_per_s", per_s);
        json_num(c->kind == WF_DAG ? "cpu_us_per_task" : "cpu_us_per_job", cpu_us);
        snprintf(vals[k++], 32, "%.0f", per_s);
        snprintf(vals[k++], 32, "%.0f", cpu_us);
        snprintf(vals[k++], 32, "%.1f", mb(r->rss_max));
        snprintf(vals[k++], 32, isfinite(vs_base) ? "%.2fx" : "-", vs_base);
        if (c->kind == WF_DAG)
            break;
        double vs_floor = floor_r ? floor_r->median / r->median : NAN;
        json_num("vs_spawn_floor", vs_floor);
        snprintf(vals[k++], 32, isfinite(vs_floor) ? "%.2fx" : "-", vs_floor);
        if (c->sleep_s > 0) {
            double ideal = jobs * c->sleep_s / WF_SLOTS;
            json_num("ideal_s", ideal);
            json_num("overhead_s", r->median - ideal);
            json_num("overhead_pct", (r->median / ideal - 1) * 100);
            snprintf(vals[k++], 32, "%+.3f s", r->median - ideal);
        }
        break;
    }
    case WF_LEARNED: {
        double pct = (r->median / WF_LEARNED_OPTIMUM_S - 1) * 100;
        printf(",\"tasks\":%d", jobs);
        json_num("optimum_s", WF_LEARNED_OPTIMUM_S);
        json_num("file_order_s", WF_LEARNED_FILE_ORDER_S);
        json_num("vs_optimum_pct", pct);
        snprintf(vals[k++], 32, "%+.1f%%", pct);
        snprintf(vals[k++], 32, "%.2f", r->cpu_median);
        snprintf(vals[k++], 32, "%.1f", mb(r->rss_max));
        break;
    }
    case WF_DRY_RUN:
        printf(",\"tasks\":%d", jobs);
        if (r->out_lines >= 0)
            printf(",\"output_lines\":%ld", r->out_lines);
        snprintf(vals[k++], 32, "%.1f", mb(r->rss_max));
        snprintf(vals[k++], 32, "%ld", r->out_lines);
        snprintf(vals[k++], 32, "%.2f", r->cpu_median);
        snprintf(vals[k++], 32, isfinite(vs_base) ? "%.2fx" : "-", vs_base);
        break;
    }
    if (c->kind != WF_LEARNED) {
        json_num("vs_fastest_baseline", vs_base);
        if (base)
            printf(",\"fastest_baseline\":\"%s\"", base->system);
    }
    return k;
}

static void print_heading(const wf_case *c, const char *params, FILE *table)
{
    char cols[128];
    snprintf(cols, sizeof cols, "%s", heading(c));
    if (table) {
        fprintf(table, "\n%s  %s\n  %-13s %4s %10s %10s %10s", c->name, params, "system", "runs",
                "median_s", "min_s", "max_s");
        for (char *s = strtok(cols, "|"); s; s = strtok(NULL, "|"))
            fprintf(table, " %11s", s);
        fprintf(table, "\n");
        snprintf(cols, sizeof cols, "%s", heading(c));
    }
    if (wf_md) {
        fprintf(wf_md, "\n### %s — %s\n\n| system | runs | median (s) | min (s) | max (s) |",
                c->name, params);
        int k = 0;
        for (char *s = strtok(cols, "|"); s; s = strtok(NULL, "|"), k++)
            fprintf(wf_md, " %s |", s);
        fprintf(wf_md, "\n|---|--:|--:|--:|--:|");
        while (k--)
            fprintf(wf_md, "--:|");
        fprintf(wf_md, "\n");
    }
}

void wf_report_case(const wf_case *c, const wf_options *o, wf_result *rs, int n,
                    const char *params)
{
    int jobs = wf_case_jobs(c, o->quick);
    const wf_result *base = fastest_baseline(rs, n), *floor_r = find(rs, n, "spawn_floor");
    char *table_text = NULL;
    size_t table_len = 0;
    FILE *table = o->table ? open_memstream(&table_text, &table_len) : NULL;
    print_heading(c, params, table);
    for (int i = 0; i < n; i++) {
        const wf_result *r = &rs[i];
        if (!usable(r))
            continue;
        printf("{\"bench\":\"%s\",\"params\":\"%s\",\"system\":\"%s\",\"workers\":%d,"
               "\"runs\":%d", c->name, params, r->system, WF_SLOTS, r->n);
        json_num("median_s", r->median);
        json_num("min_s", r->min);
        json_num("max_s", r->max);
        char vals[6][32];
        int k = figures(c, jobs, r, base, floor_r, vals);
        printf("}\n");
        fflush(stdout);
        if (table) {
            fprintf(table, "  %-13s %4d %10.4g %10.4g %10.4g", r->system, r->n, r->median, r->min,
                    r->max);
            for (int j = 0; j < k; j++)
                fprintf(table, " %11s", vals[j]);
            fprintf(table, "\n");
        }
        if (wf_md) {
            fprintf(wf_md, "| %s | %d | %.4g | %.4g | %.4g |", r->system, r->n, r->median, r->min,
                    r->max);
            for (int j = 0; j < k; j++)
                fprintf(wf_md, " %s |", vals[j]);
            fprintf(wf_md, "\n");
        }
    }
    if (table) {
        if (c->kind == WF_LEARNED)
            fprintf(table, "  (optimum %.2f s; file order on 2 slots would take %.3f s; vs optimum:"
                           " median / optimum - 1)\n", WF_LEARNED_OPTIMUM_S,
                    WF_LEARNED_FILE_ORDER_S);
        else
            fprintf(table, "  (vs fastest: the fastest baseline's median / this median, > 1 means "
                           "faster than %s; MB: peak RSS of the tree)\n",
                    base ? base->system : "every baseline");
        fclose(table);
        fputs(table_text, stderr);
        free(table_text);
    }
    if (wf_md)
        fflush(wf_md);
    note_floors(c, jobs, rs, n);
}
