/* html_page.c — `pel trace view --html`: one self-contained page (no scripts, no external
 * URLs: it can be mailed or archived as it is) with the summary, the Gantt chart inline,
 * the per-worker counters, the critical path and the task statistics per name. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "text.h"

static const char *const STYLE =
    "body{font-family:sans-serif;margin:1.5em;color:#222}"
    "h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.6em}"
    "table{border-collapse:collapse;font-size:0.9em}"
    "th,td{padding:0.2em 0.7em;border-bottom:1px solid #ddd;text-align:right}"
    "th{background:#f3f3f3}td.name,th.name{text-align:left}"
    "table.summary th{text-align:left}"
    ".chart{overflow-x:auto}.note{color:#8a4b00}"
    ".swatch{display:inline-block;width:0.8em;height:0.8em;margin-right:0.4em;"
    "vertical-align:middle}";

static void html_note(void *ctx, const char *text)
{
    FILE *f = ctx;
    fputs("<li class=\"note\">", f);
    xml_puts(f, text);
    fputs("</li>\n", f);
}

static void summary(FILE *f, const trace *t, const cp_result *cp)
{
    char a[32], b[32];
    fputs("<section id=\"summary\"><table class=\"summary\">\n<tr><th>trace</th><td class=\"name\">", f);
    xml_puts(f, t->path);
    if (t->pel_version) {
        fputs(" (pel ", f);
        xml_puts(f, t->pel_version);
        fputs(", detail ", f);
        xml_puts(f, t->detail ? t->detail : "unknown");
        fputs(")", f);
    }
    fprintf(f, "</td></tr>\n<tr><th>tasks</th><td>%zu (inlined in them: %" PRIu64 ")</td></tr>\n",
            t->ntasks, t->inlined);
    fprintf(f, "<tr><th>elapsed</th><td>%s</td></tr>\n",
            fmt_duration(a, t->t1 - t->t0, "\xc2\xb5"));
    fprintf(f, "<tr><th>work T<sub>1</sub></th><td>%s &#181;s</td></tr>\n", fmt_us(a, cp->work));
    fprintf(f, "<tr><th>span T<sub>&#8734;</sub></th><td>%s%s &#181;s</td></tr>\n",
            cp->upper_bound ? "&#8804; " : "", fmt_us(b, cp->span));
    if (cp->span > 0)
        fprintf(f, "<tr><th>parallelism T<sub>1</sub>/T<sub>&#8734;</sub></th><td>%.2f</td></tr>\n",
                (double)cp->work / (double)cp->span);
    fputs("</table>\n<ul class=\"notes\">\n", f);
    report_notes(t, cp, html_note, f);
    fputs("</ul></section>\n", f);
}

static void cell_value(FILE *f, json_t *v)
{
    if (json_is_integer(v)) {
        fprintf(f, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        fprintf(f, "%g", json_real_value(v));
    } else if (json_is_string(v)) {
        xml_puts(f, json_string_value(v));
    } else if (v != NULL) {
        char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        if (s)
            xml_puts(f, s);
        free(s);
    }
}

/* The counters table: a column per key, in the order keys first appear, so counters
 * added to the runtime later show up without a change here. */
static void counters(FILE *f, const trace *t)
{
    fputs("<section id=\"counters\"><h2>Per-worker counters</h2>\n", f);
    json_t *keys = json_array();
    size_t i, j;
    json_t *row, *key;
    if (t->counters && keys) {
        json_array_foreach(t->counters, i, row) {
            const char *k;
            json_t *v;
            json_object_foreach(row, k, v) {
                int seen = 0;
                json_array_foreach(keys, j, key)
                    seen |= strcmp(json_string_value(key), k) == 0;
                if (!seen)
                    json_array_append_new(keys, json_string(k));
            }
        }
    }
    if (json_array_size(keys) == 0) {
        fputs("<p>The trace has no counters (otherData.counters).</p>\n", f);
    } else {
        fputs("<table class=\"counters\">\n<tr>", f);
        json_array_foreach(keys, j, key) {
            fputs("<th>", f);
            xml_puts(f, json_string_value(key));
            fputs("</th>", f);
        }
        fputs("</tr>\n", f);
        json_array_foreach(t->counters, i, row) {
            fputs("<tr>", f);
            json_array_foreach(keys, j, key) {
                fputs("<td>", f);
                cell_value(f, json_object_get(row, json_string_value(key)));
                fputs("</td>", f);
            }
            fputs("</tr>\n", f);
        }
        fputs("</table>\n", f);
    }
    json_decref(keys);
    fputs("</section>\n", f);
}

static void swatch(FILE *f, const char *name)
{
    char colour[8];
    name_colour(name, colour);
    fprintf(f, "<span class=\"swatch\" style=\"background:%s\"></span>", colour);
}

static void critical(FILE *f, const trace *t, const cp_result *cp, size_t limit)
{
    char a[32], b[32], c[32];
    size_t shown = limit == 0 || limit > cp->ntasks ? cp->ntasks : limit;
    fprintf(f, "<section id=\"critical-path\"><h2>Critical path: %zu tasks</h2>\n", cp->ntasks);
    fputs("<table class=\"critical-path\">\n<tr><th class=\"name\">name</th><th>id</th>"
          "<th>worker</th><th>start (&#181;s)</th><th>duration (&#181;s)</th>"
          "<th>contribution (&#181;s)</th><th>share</th></tr>\n", f);
    for (size_t i = 0; i < shown; i++) {
        const slice *s = &t->slices[cp->tasks[i].slice];
        fputs("<tr><td class=\"name\">", f);
        swatch(f, slice_name(t, s));
        xml_puts(f, slice_name(t, s));
        fprintf(f, "</td><td>%" PRIu64 "</td><td>%" PRId64 "</td><td>%s</td><td>%s</td>"
                "<td>%s</td><td>%.1f%%</td></tr>\n", s->id, t->lanes[s->lane].tid,
                fmt_us(a, s->ts), fmt_us(b, s->end - s->ts),
                fmt_us(c, cp->tasks[i].contribution),
                cp->span > 0 ? 100.0 * (double)cp->tasks[i].contribution / (double)cp->span : 0.0);
    }
    fputs("</table>\n", f);
    if (shown < cp->ntasks)
        fprintf(f, "<p>&#8230; and %zu more (<code>--limit 0</code> lists all).</p>\n",
                cp->ntasks - shown);
    fputs("</section>\n", f);
}

static void by_name(FILE *f, const trace *t, const name_stats *st, size_t nst)
{
    char a[32], b[32], c[32], d[32];
    fputs("<section id=\"tasks\"><h2>Tasks by name</h2>\n<p>Times are own time: a task's "
          "duration less the tasks, waits and parks nested in it (they add up to the "
          "work).</p>\n<table class=\"task-stats\">\n<tr><th class=\"name\">name</th>"
          "<th>count</th><th>total (&#181;s)</th><th>mean (&#181;s)</th><th>max (&#181;s)</th>"
          "<th>total duration (&#181;s)</th><th>inlined</th></tr>\n", f);
    for (size_t i = 0; i < nst; i++) {
        const name_stats *x = &st[i];
        const char *name = t->names.strs[x->name];
        fputs("<tr><td class=\"name\">", f);
        swatch(f, name);
        xml_puts(f, name);
        fprintf(f, "</td><td>%zu</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%" PRIu64
                "</td></tr>\n", x->count, fmt_us(a, x->total),
                fmt_us(b, x->count ? x->total / (int64_t)x->count : 0), fmt_us(c, x->max),
                fmt_us(d, x->total_dur), x->inlined);
    }
    fputs("</table></section>\n", f);
}

void html_page(FILE *f, const trace *t, const cp_result *cp, const name_stats *st, size_t nst,
               const svg_options *opt, size_t limit)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>pel "
          "trace: ", f);
    xml_puts(f, t->path);
    fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>pel trace: ", STYLE);
    xml_puts(f, t->path);
    fputs("</h1>\n", f);
    summary(f, t, cp);
    fputs("<section id=\"chart\"><h2>Threads over time</h2>\n<div class=\"chart\">\n", f);
    svg_options inline_opt = *opt;
    inline_opt.standalone = 0; /* HTML gives inline SVG its namespace */
    svg_gantt(f, t, cp, st, nst, &inline_opt);
    fputs("</div></section>\n", f);
    counters(f, t);
    critical(f, t, cp, limit);
    by_name(f, t, st, nst);
    fputs("</body>\n</html>\n", f);
}
