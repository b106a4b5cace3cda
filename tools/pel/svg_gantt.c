/* svg_gantt.c — the Gantt chart: one lane per thread (workers first), time across.
 *
 * What is drawn. Task slices are rectangles in their name's colour; slices nested in a
 * slice (a task run inside a wait) are drawn over it, inset a little per level, so the
 * nesting shows. Waits are the waiting task's colour washed out, parks are grey hatching,
 * and time with no slice is left empty: idle time is visible at a glance. Tasks on the
 * critical path have a red outline. Steals are red ticks at a lane's top, wakes blue dots
 * at its bottom.
 *
 * Big traces. A million tasks cannot each get a rectangle: the file would be hundreds of
 * megabytes and no viewer would open it. Within a lane, slices of one kind and nesting
 * level that are narrower than a pixel are gathered a pixel at a time (those less than
 * half a pixel apart): one rectangle (class "merged", data-count = how many) in their
 * common colour, or slate grey when their names differ; neighbouring rectangles that
 * look alike are then joined into one. Slices at one level of a lane do not overlap, so
 * a lane holds at most a few rectangles per pixel of width and level, however long the
 * trace. Marks are thinned to one per pixel likewise.
 *
 * Classes and data attributes (lane, task, wait, park, merged, steal, wake; data-tid,
 * data-tasks, data-count; the lane's closing <desc> has data-merged) let tests and
 * scripts count what was drawn.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "text.h"

#define LABEL_W 130
#define RIGHT_W 16
#define HEAD_H 66
#define LANE_H 22
#define LANE_GAP 4
#define LEGEND_ITEM_W 190
#define LEGEND_ROW_H 18
#define MAX_LEGEND_NAMES 24
#define MAX_LEVEL 7 /* deeper nesting is drawn at this level */
#define MIXED_COLOUR "#6c7a89"
#define CRIT_COLOUR "#d00000"
#define STEAL_COLOUR "#c0392b"
#define WAKE_COLOUR "#1f6fb2"

typedef struct chart {
    FILE *f;
    const trace *t;
    const cp_result *cp;
    double x0, cw; /* chart area: x0 .. x0 + cw */
    double scale;  /* px per ns */
} chart;

static double xpos(const chart *c, int64_t ns)
{
    return c->x0 + (double)(ns - c->t->t0) * c->scale;
}

/* Copy at most max bytes of s without splitting a UTF-8 sequence, "…" when cut. */
static const char *clip(char *buf, size_t size, const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max) {
        snprintf(buf, size, "%s", s);
        return buf;
    }
    while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
        max--;
    snprintf(buf, size, "%.*s\xe2\x80\xa6", (int)max, s);
    return buf;
}

/* Merging narrow slices of one kind and level. A bucket gathers those starting within
 * one pixel; a closed bucket becomes a run, and runs that look the same (same fill,
 * touching, not critical) are joined before being written: a uniform stretch is one
 * rectangle, while colour changes and critical tasks keep pixel resolution. */
typedef struct run {
    int active;
    double xa, xb;
    size_t count;
    int crit;
    char fill[8];
} run;

typedef struct bucket {
    run cur;      /* being gathered */
    uint32_t name; /* tasks: the name while all are the same */
    int mixed;
    run pending;  /* closed, waiting to be joined or written */
} bucket;

static void level_box(int depth, double lane_y, double *y, double *h)
{
    int level = depth > MAX_LEVEL ? MAX_LEVEL : depth;
    double inset = level < 4 ? 2.0 * level : 8.0;
    *y = lane_y + 1 + inset;
    *h = LANE_H - 2 - 2 * inset;
    if (*h < 3)
        *h = 3;
}

static const char *kind_class(int kind)
{
    return kind == SLICE_TASK ? "task" : kind == SLICE_WAIT ? "wait" : "park";
}

static void wait_fill(const chart *c, const slice *s, char out[8])
{
    if (s->up != NO_INDEX && c->t->slices[s->up].kind == SLICE_TASK) {
        char base[8];
        name_colour(slice_name(c->t, &c->t->slices[s->up]), base);
        colour_mix_white(base, 0.72, out);
    } else {
        snprintf(out, 8, "#e6e6e6");
    }
}

static void write_run(const chart *c, run *r, int kind, int depth, double lane_y,
                      size_t *merged)
{
    if (!r->active)
        return;
    double y, h;
    level_box(depth, lane_y, &y, &h);
    double w = r->xb - r->xa < 1 ? 1 : r->xb - r->xa;
    fprintf(c->f, "<rect class=\"merged%s\" data-kind=\"%s\" data-count=\"%zu\" x=\"%.2f\" "
            "y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"%s\"%s/>\n",
            r->crit ? " crit" : "", kind_class(kind), r->count, r->xa, y, w, h,
            kind == SLICE_PARK ? "url(#pel-hatch)" : r->fill,
            r->crit ? " stroke=\"" CRIT_COLOUR "\" stroke-width=\"1.5\"" : "");
    if (kind == SLICE_TASK)
        *merged += r->count;
    r->active = 0;
}

/* Close the bucket being gathered: join it to the pending run or replace that. */
static void close_bucket(const chart *c, bucket *b, int kind, int depth, double lane_y,
                         size_t *merged)
{
    run *r = &b->cur;
    if (!r->active)
        return;
    if (kind == SLICE_TASK && !b->mixed)
        name_colour(c->t->names.strs[b->name], r->fill);
    else if (kind == SLICE_TASK)
        snprintf(r->fill, sizeof r->fill, MIXED_COLOUR);
    else if (kind == SLICE_PARK)
        snprintf(r->fill, sizeof r->fill, "hatch");
    run *p = &b->pending;
    if (p->active && !p->crit && !r->crit && strcmp(p->fill, r->fill) == 0 &&
        r->xa <= p->xb + 0.5) {
        if (r->xb > p->xb)
            p->xb = r->xb;
        p->count += r->count;
    } else {
        write_run(c, p, kind, depth, lane_y, merged);
        *p = *r;
    }
    r->active = 0;
}

static void flush(const chart *c, bucket *b, int kind, int depth, double lane_y, size_t *merged)
{
    close_bucket(c, b, kind, depth, lane_y, merged);
    write_run(c, &b->pending, kind, depth, lane_y, merged);
}

static void draw_slice(const chart *c, uint32_t i, double lane_y)
{
    const trace *t = c->t;
    const slice *s = &t->slices[i];
    double xa = xpos(c, s->ts), xb = xpos(c, s->end);
    double y, h;
    level_box(s->depth, lane_y, &y, &h);
    char fill[8], d1[32], d2[32];
    FILE *f = c->f;
    if (s->kind == SLICE_TASK) {
        int crit = c->cp->on_path[i];
        /* A hairline gap at the end tells apart back-to-back tasks of one name. */
        if (xb - xa > 3)
            xb -= 0.6;
        name_colour(slice_name(t, s), fill);
        fprintf(f, "<rect class=\"task%s\" data-id=\"%" PRIu64 "\" x=\"%.2f\" y=\"%.1f\" "
                "width=\"%.2f\" height=\"%.1f\" fill=\"%s\"%s><title>", crit ? " crit" : "",
                s->id, xa, y, xb - xa, h, fill,
                crit ? " stroke=\"" CRIT_COLOUR "\" stroke-width=\"1.5\"" : "");
        xml_puts(f, slice_name(t, s));
        fprintf(f, " #%" PRIu64 ": %s, own %s%s</title></rect>\n", s->id,
                fmt_duration(d1, s->end - s->ts, "\xc2\xb5"), fmt_duration(d2, s->own, "\xc2\xb5"),
                crit ? ", on the critical path" : "");
    } else if (s->kind == SLICE_WAIT) {
        wait_fill(c, s, fill);
        fprintf(f, "<rect class=\"wait\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
                "fill=\"%s\"><title>wait (%s %" PRIu64 "): %s</title></rect>\n", xa, y, xb - xa,
                h, fill, s->group ? "group" : "flow", s->group ? s->group : s->flow,
                fmt_duration(d1, s->end - s->ts, "\xc2\xb5"));
    } else {
        fprintf(f, "<rect class=\"park\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
                "fill=\"url(#pel-hatch)\"><title>parked: %s</title></rect>\n", xa, y, xb - xa,
                h, fmt_duration(d1, s->end - s->ts, "\xc2\xb5"));
    }
}

static void draw_lane_slices(const chart *c, size_t l, double lane_y, size_t *merged)
{
    const trace *t = c->t;
    bucket b[3][MAX_LEVEL + 1];
    memset(b, 0, sizeof b);
    for (size_t k = t->lane_first[l]; k < t->lane_first[l + 1]; k++) {
        uint32_t i = t->order[k];
        const slice *s = &t->slices[i];
        int level = s->depth > MAX_LEVEL ? MAX_LEVEL : s->depth;
        bucket *bk = &b[s->kind][level];
        double xa = xpos(c, s->ts), xb = xpos(c, s->end);
        if (xb - xa >= 1.0) {
            flush(c, bk, s->kind, level, lane_y, merged);
            draw_slice(c, i, lane_y);
            continue;
        }
        run *r = &bk->cur;
        if (r->active && xa <= r->xb + 0.5 && xa < r->xa + 1.0) {
            if (xb > r->xb)
                r->xb = xb;
            r->count++;
            if (s->kind == SLICE_TASK && s->name != bk->name)
                bk->mixed = 1;
        } else {
            close_bucket(c, bk, s->kind, level, lane_y, merged);
            *r = (run){1, xa, xb, 1, 0, ""};
            bk->name = s->name;
            bk->mixed = 0;
            if (s->kind == SLICE_WAIT)
                wait_fill(c, s, r->fill);
        }
        if (s->kind == SLICE_TASK && c->cp->on_path[i])
            r->crit = 1;
    }
    /* Shallow levels first, so deeper ones end up on top as for unmerged slices. */
    for (int level = 0; level <= MAX_LEVEL; level++)
        for (int kind = 0; kind < 3; kind++)
            flush(c, &b[kind][level], kind, level, lane_y, merged);
}

static const instant *sort_instants;
static int instant_cmp(const void *pa, const void *pb)
{
    const instant *a = &sort_instants[*(const uint32_t *)pa];
    const instant *b = &sort_instants[*(const uint32_t *)pb];
    if (a->lane != b->lane)
        return a->lane < b->lane ? -1 : 1;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    return a->ts < b->ts ? -1 : a->ts > b->ts;
}

/* Steal and wake marks of lane l, from marks[*k] on (sorted by lane, kind, time). */
static void draw_marks(const chart *c, const uint32_t *marks, size_t n, size_t *k, size_t l,
                       double lane_y)
{
    long last[2] = {-1, -1};
    for (; *k < n && c->t->instants[marks[*k]].lane == l; ++*k) {
        const instant *in = &c->t->instants[marks[*k]];
        double x = xpos(c, in->ts);
        if (lround(x) == last[in->kind])
            continue; /* one mark per pixel is all that shows */
        last[in->kind] = lround(x);
        if (in->kind == INSTANT_STEAL)
            fprintf(c->f, "<path class=\"steal\" d=\"M%.2f %.1fl-3 0 3 5 3 -5z\" fill=\""
                    STEAL_COLOUR "\"/>\n", x, lane_y);
        else
            fprintf(c->f, "<circle class=\"wake\" cx=\"%.2f\" cy=\"%.1f\" r=\"2\" fill=\""
                    WAKE_COLOUR "\"/>\n", x, lane_y + LANE_H - 3);
    }
}

/* Tick step: 1, 2 or 5 times a power of ten, about every 100 px. */
static int64_t tick_step(int64_t range, double cw)
{
    double raw = (double)range / (cw / 100.0 > 1 ? cw / 100.0 : 1);
    int64_t p = 1;
    while (p <= INT64_MAX / 10 && (double)p * 10 <= raw)
        p *= 10;
    if ((double)p >= raw)
        return p;
    if ((double)(2 * p) >= raw)
        return 2 * p;
    if ((double)(5 * p) >= raw)
        return 5 * p;
    return 10 * p;
}

static void draw_axis(const chart *c, double lanes_bottom)
{
    int64_t range = c->t->t1 - c->t->t0;
    int64_t step = tick_step(range > 0 ? range : 1, c->cw);
    /* The largest of ns, µs, ms, s not above the step: labels are then whole numbers. */
    int64_t unit = step >= 1000000000 ? 1000000000 : step >= 1000000 ? 1000000 : step >= 1000 ? 1000 : 1;
    const char *uname = unit == 1000000000 ? "s" : unit == 1000000 ? "ms" : unit == 1000 ? "\xc2\xb5s" : "ns";
    FILE *f = c->f;
    fprintf(f, "<g class=\"axis\" font-size=\"10\" fill=\"#333\">\n");
    fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#666\"/>\n", c->x0,
            HEAD_H - 6, c->x0 + c->cw, HEAD_H - 6);
    for (int64_t v = 0; v <= range && v >= 0; v += step) {
        double x = xpos(c, c->t->t0 + v);
        fprintf(f, "<line class=\"grid\" x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%.1f\" "
                "stroke=\"#e9e9e9\"/>\n", x, HEAD_H - 6, x, lanes_bottom);
        fprintf(f, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#666\"/>\n", x,
                HEAD_H - 10, x, HEAD_H - 6);
        fprintf(f, "<text class=\"tick\" x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">%" PRId64
                " %s</text>\n", x, HEAD_H - 13, v / unit, uname);
        if (v > INT64_MAX - step)
            break;
    }
    fprintf(f, "</g>\n");
}

/* The legend is a grid of items: a swatch 14 px wide, then a label. */
typedef struct legend {
    FILE *f;
    int col, row, cols;
    double x0, y0;
    double x, y; /* the current item's corner */
} legend;

static void legend_next(legend *lg)
{
    lg->x = lg->x0 + lg->col * LEGEND_ITEM_W;
    lg->y = lg->y0 + lg->row * LEGEND_ROW_H;
    if (++lg->col == lg->cols)
        lg->col = 0, lg->row++;
}

static void legend_box(legend *lg, const char *fill, const char *extra, const char *label)
{
    legend_next(lg);
    fprintf(lg->f, "<g class=\"legend-item\"><rect x=\"%.1f\" y=\"%.1f\" width=\"14\" "
            "height=\"12\" fill=\"%s\"%s/><text x=\"%.1f\" y=\"%.1f\">", lg->x, lg->y, fill,
            extra, lg->x + 18, lg->y + 10);
    xml_puts(lg->f, label);
    fputs("</text></g>\n", lg->f);
}

static int legend_rows(size_t nst, int cols)
{
    size_t names = nst > MAX_LEGEND_NAMES ? MAX_LEGEND_NAMES + 1 : nst;
    size_t items = names + 6;
    return (int)((items + (size_t)cols - 1) / (size_t)cols);
}

static void draw_legend(const chart *c, const name_stats *st, size_t nst, int cols, double y0)
{
    legend lg = {c->f, 0, 0, cols, c->x0, y0, 0, 0};
    char label[160], name[100], colour[8];
    fprintf(c->f, "<g class=\"legend\" font-size=\"11\" fill=\"#222\">\n");
    for (size_t i = 0; i < nst && i < MAX_LEGEND_NAMES; i++) {
        name_colour(c->t->names.strs[st[i].name], colour);
        snprintf(label, sizeof label, "%s (%zu)",
                 clip(name, sizeof name, c->t->names.strs[st[i].name], 22), st[i].count);
        legend_box(&lg, colour, "", label);
    }
    if (nst > MAX_LEGEND_NAMES) {
        snprintf(label, sizeof label, "%zu more names", nst - MAX_LEGEND_NAMES);
        legend_box(&lg, "none", " stroke=\"#999\"", label);
    }
    legend_box(&lg, "#cfd8e3", "", "waiting (light)");
    legend_box(&lg, "url(#pel-hatch)", "", "parked (asleep)");
    legend_box(&lg, MIXED_COLOUR, "", "merged, several names");
    legend_box(&lg, "#ffffff", " stroke=\"" CRIT_COLOUR "\" stroke-width=\"1.5\"",
               "on the critical path");
    legend_next(&lg);
    fprintf(c->f, "<g class=\"legend-item\"><path d=\"M%.1f %.1fl8 0-4 6z\" fill=\""
            STEAL_COLOUR "\"/><text x=\"%.1f\" y=\"%.1f\">steal</text></g>\n", lg.x + 3,
            lg.y + 2, lg.x + 18, lg.y + 10);
    legend_next(&lg);
    fprintf(c->f, "<g class=\"legend-item\"><circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" "
            "fill=\"" WAKE_COLOUR "\"/><text x=\"%.1f\" y=\"%.1f\">wake</text></g>\n",
            lg.x + 7, lg.y + 6, lg.x + 18, lg.y + 10);
    fprintf(c->f, "</g>\n");
}

void svg_gantt(FILE *f, const trace *t, const cp_result *cp, const name_stats *st, size_t nst,
               const svg_options *opt)
{
    chart c = {f, t, cp, LABEL_W, (double)opt->width - LABEL_W - RIGHT_W, 0};
    int64_t range = t->t1 - t->t0;
    c.scale = c.cw / (double)(range > 0 ? range : 1);
    int cols = (int)(c.cw / LEGEND_ITEM_W);
    if (cols < 1)
        cols = 1;
    double lanes_bottom = HEAD_H + (double)t->nlanes * (LANE_H + LANE_GAP);
    double legend_y = lanes_bottom + 14;
    double height = legend_y + legend_rows(nst, cols) * LEGEND_ROW_H + 8;
    char a[32], b[32], d[32];

    if (opt->standalone)
        fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fprintf(f, "<svg %sclass=\"pel-gantt\" width=\"%u\" height=\"%.0f\" viewBox=\"0 0 %u %.0f\" "
            "font-family=\"sans-serif\" font-size=\"11\" data-lanes=\"%zu\" data-tasks=\"%zu\">\n",
            opt->standalone ? "xmlns=\"http://www.w3.org/2000/svg\" " : "", opt->width, height,
            opt->width, height, t->nlanes, t->ntasks);
    fputs("<title>pel trace ", f);
    xml_puts(f, t->path);
    fputs("</title>\n<defs><pattern id=\"pel-hatch\" width=\"6\" height=\"6\" "
          "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" "
          "height=\"6\" fill=\"#f2f2f2\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" "
          "stroke=\"#a0a0a0\" stroke-width=\"2.5\"/></pattern></defs>\n", f);
    fprintf(f, "<rect class=\"background\" width=\"%u\" height=\"%.0f\" fill=\"#ffffff\"/>\n",
            opt->width, height);

    fprintf(f, "<text x=\"8\" y=\"18\" font-size=\"13\" font-weight=\"bold\">");
    xml_puts(f, t->path);
    fprintf(f, "</text>\n<text x=\"8\" y=\"34\" fill=\"#444\">%zu tasks on %zu threads, "
            "%s elapsed; work %s, span %s%s", t->ntasks, t->nlanes,
            fmt_duration(a, range, "\xc2\xb5"), fmt_duration(b, cp->work, "\xc2\xb5"),
            cp->upper_bound ? "\xe2\x89\xa4 " : "", fmt_duration(d, cp->span, "\xc2\xb5"));
    if (cp->span > 0)
        fprintf(f, ", parallelism %.2f", (double)cp->work / (double)cp->span);
    fputs("</text>\n", f);

    if (t->nlanes == 0)
        fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#666\">no events</text>\n", LABEL_W,
                HEAD_H + 14);
    else
        draw_axis(&c, lanes_bottom);

    uint32_t *marks = malloc((t->ninstants ? t->ninstants : 1) * sizeof *marks);
    size_t nmarks = marks ? t->ninstants : 0; /* out of memory: a chart without marks */
    for (size_t i = 0; i < nmarks; i++)
        marks[i] = (uint32_t)i;
    sort_instants = t->instants;
    qsort(marks, nmarks, sizeof *marks, instant_cmp);
    size_t mk = 0;

    for (size_t l = 0; l < t->nlanes; l++) {
        const lane *ln = &t->lanes[l];
        double y = HEAD_H + (double)l * (LANE_H + LANE_GAP);
        char label[64];
        if (ln->name)
            clip(label, sizeof label, ln->name, 18);
        else
            snprintf(label, sizeof label, "tid %" PRId64, ln->tid);
        fprintf(f, "<g class=\"lane\" data-tid=\"%" PRId64 "\" data-pid=\"%" PRId64 "\" "
                "data-worker=\"%d\" data-tasks=\"%zu\">\n", ln->tid, ln->pid, ln->worker,
                ln->ntasks);
        fprintf(f, "<text class=\"lane-label\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">",
                LABEL_W - 8, y + LANE_H / 2.0 + 4);
        xml_puts(f, label);
        fprintf(f, "</text>\n<rect class=\"lane-bg\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                "height=\"%d\" fill=\"#fbfbfb\" stroke=\"#e0e0e0\" stroke-width=\"0.5\"/>\n",
                c.x0, y, c.cw, LANE_H);
        size_t merged = 0;
        draw_lane_slices(&c, l, y, &merged);
        while (mk < nmarks && t->instants[marks[mk]].lane < l)
            mk++;
        draw_marks(&c, marks, nmarks, &mk, l, y);
        fprintf(f, "<desc class=\"lane-stats\" data-merged=\"%zu\">%zu of %zu task slices "
                "merged</desc>\n</g>\n", merged, merged, ln->ntasks);
    }
    free(marks);
    draw_legend(&c, st, nst, cols, legend_y);
    fputs("</svg>\n", f);
}
