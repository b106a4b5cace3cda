/* report.c — `pel trace report`: work, span, parallelism and the critical path, as text
 * for people or as one JSON object for scripts and tests. Durations are printed as
 * microseconds with three decimals, the trace's own resolution, so they are exact. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "render.h"
#include "text.h"

void report_notes(const trace *t, const cp_result *cp,
                  void (*note)(void *ctx, const char *text), void *ctx)
{
    char buf[512];
    if (cp->upper_bound) {
        snprintf(buf, sizeof buf,
                 "span is an upper bound: the trace is in adaptive detail and %" PRIu64
                 " tasks ran inlined in other tasks' slices, counted as their serial work "
                 "(PEL_TRACE_DETAIL=full records every task)", t->inlined);
        note(ctx, buf);
    }
    if (t->dropped > 0) {
        snprintf(buf, sizeof buf, "%lld events were dropped while recording "
                 "(PEL_TRACE_MAX_MB): work and span miss them", t->dropped);
        note(ctx, buf);
    }
    if (cp->unknown_parents > 0) {
        snprintf(buf, sizeof buf, "%zu tasks name a parent that has no slice; they are "
                 "taken as spawned by the root", cp->unknown_parents);
        note(ctx, buf);
    }
    if (cp->missing_deps > 0) {
        snprintf(buf, sizeof buf, "%zu dependencies name a task that has no slice; they "
                 "are left out", cp->missing_deps);
        note(ctx, buf);
    }
    if (cp->unjoined > 0) {
        snprintf(buf, sizeof buf, "%zu tasks have no wait on their group or flow that "
                 "covers them: their paths end there", cp->unjoined);
        note(ctx, buf);
    }
    if (cp->late_joins > 0) {
        char d[32];
        snprintf(buf, sizeof buf, "%zu tasks ended after the wait that joins them (by up to "
                 "%s): their ends were recorded late (a preempted thread?); joined anyway",
                 cp->late_joins, fmt_duration(d, cp->max_late, "u"));
        note(ctx, buf);
    }
    if (cp->unwaited > 0) {
        snprintf(buf, sizeof buf, "%zu tasks' groups have no recorded wait (adaptive detail "
                 "skips the waits of fine-grained tasks): joined to their parent at their end",
                 cp->unwaited);
        note(ctx, buf);
    }
    if (t->noverlap > 0) {
        snprintf(buf, sizeof buf, "%zu slices end after the slice enclosing them on the "
                 "same thread (clock skew?); own times are clipped", t->noverlap);
        note(ctx, buf);
    }
}

static void text_note(void *ctx, const char *text)
{
    fprintf(ctx, "note: %s\n", text);
}

static void parallelism(char *buf, const cp_result *cp)
{
    if (cp->span > 0)
        snprintf(buf, 32, "%.6f", (double)cp->work / (double)cp->span);
    else
        snprintf(buf, 32, "null");
}

void report_text(FILE *f, const trace *t, const cp_result *cp, size_t limit)
{
    char a[32], b[32], c[32];
    fprintf(f, "trace        %s", t->path);
    if (t->pel_version)
        fprintf(f, " (pel %s, detail %s", t->pel_version, t->detail ? t->detail : "unknown");
    else
        fprintf(f, " (not written by pel: no otherData.pel");
    if (t->workers >= 0)
        fprintf(f, ", %lld workers", t->workers);
    fprintf(f, ")\ntasks        %zu (inlined in them: %" PRIu64 ")\n", t->ntasks, t->inlined);
    fprintf(f, "work   T1    %s us\n", fmt_us(a, cp->work));
    fprintf(f, "span   Tinf  %s us\n", fmt_us(a, cp->span));
    parallelism(a, cp);
    fprintf(f, "parallelism  %s (T1/Tinf)\n", cp->span > 0 ? a : "undefined (span 0)");

    size_t shown = limit == 0 || limit > cp->ntasks ? cp->ntasks : limit;
    fprintf(f, "\ncritical path: %zu tasks\n", cp->ntasks);
    if (cp->ntasks > 0) {
        int w = 4;
        for (size_t i = 0; i < shown; i++) {
            size_t len = strlen(slice_name(t, &t->slices[cp->tasks[i].slice]));
            if ((int)len > w)
                w = len > 40 ? 40 : (int)len;
        }
        fprintf(f, "  %-*s %18s %7s %14s %14s %18s %6s\n", w, "name", "id", "worker",
                "start (us)", "duration (us)", "contribution (us)", "share");
        for (size_t i = 0; i < shown; i++) {
            const slice *s = &t->slices[cp->tasks[i].slice];
            int64_t contrib = cp->tasks[i].contribution;
            fprintf(f, "  %-*.*s %18" PRIu64 " %7" PRId64 " %14s %14s %18s %5.1f%%\n", w, w,
                    slice_name(t, s), s->id, t->lanes[s->lane].tid, fmt_us(a, s->ts),
                    fmt_us(b, s->end - s->ts), fmt_us(c, contrib),
                    cp->span > 0 ? 100.0 * (double)contrib / (double)cp->span : 0.0);
        }
        if (shown < cp->ntasks)
            fprintf(f, "  ... and %zu more (--limit 0 lists all)\n", cp->ntasks - shown);
    }
    report_notes(t, cp, text_note, f);
}

typedef struct json_notes {
    FILE *f;
    int n;
} json_notes;

static void json_note(void *ctx, const char *text)
{
    json_notes *jn = ctx;
    fputs(jn->n++ ? ", " : "", jn->f);
    json_puts(jn->f, text);
}

void report_json(FILE *f, const trace *t, const cp_result *cp, size_t limit)
{
    char a[32], b[32], c[32];
    fputs("{\"trace\": ", f);
    json_puts(f, t->path);
    fputs(", \"pel\": ", f);
    if (t->pel_version)
        json_puts(f, t->pel_version);
    else
        fputs("null", f);
    fputs(", \"detail\": ", f);
    if (t->detail)
        json_puts(f, t->detail);
    else
        fputs("null", f);
    if (t->workers >= 0)
        fprintf(f, ", \"workers\": %lld", t->workers);
    else
        fputs(", \"workers\": null", f);
    fprintf(f, ",\n \"tasks\": %zu, \"inlined\": %" PRIu64 ", \"dropped\": %lld,\n", t->ntasks,
            t->inlined, t->dropped > 0 ? t->dropped : 0);
    parallelism(c, cp);
    fprintf(f, " \"work_ns\": %" PRId64 ", \"span_ns\": %" PRId64 ", \"work_us\": %s, "
            "\"span_us\": %s, \"parallelism\": %s,\n", cp->work, cp->span, fmt_us(a, cp->work),
            fmt_us(b, cp->span), c);
    fprintf(f, " \"span_upper_bound\": %s,\n", cp->upper_bound ? "true" : "false");
    size_t shown = limit == 0 || limit > cp->ntasks ? cp->ntasks : limit;
    fprintf(f, " \"critical_path_tasks\": %zu, \"critical_path\": [", cp->ntasks);
    for (size_t i = 0; i < shown; i++) {
        const slice *s = &t->slices[cp->tasks[i].slice];
        fputs(i ? ",\n   {\"name\": " : "\n   {\"name\": ", f);
        json_puts(f, slice_name(t, s));
        fprintf(f, ", \"id\": %" PRIu64 ", \"worker\": %" PRId64 ", \"start_us\": %s, "
                "\"duration_us\": %s, \"contribution_us\": %s}", s->id, t->lanes[s->lane].tid,
                fmt_us(a, s->ts), fmt_us(b, s->end - s->ts),
                fmt_us(c, cp->tasks[i].contribution));
    }
    fprintf(f, "],\n \"critical_path_truncated\": %s,\n \"notes\": [",
            shown < cp->ntasks ? "true" : "false");
    json_notes jn = {f, 0};
    report_notes(t, cp, json_note, &jn);
    fputs("]}\n", f);
}
