/* progress.c — what the user sees while tasks run, on stderr.
 *
 * mode 1: one bar line redrawn in place, at most 10 times a second (a redraw per task
 *         would cost more than the task at thousands of tasks a second), failure lines
 *         printed above it, erased at the end.
 * mode 0: one line per finished attempt: "ok   NAME 0.31s", "FAIL NAME exit 1 ...".
 * mode -1: only the FAIL lines.
 * Each line is formatted first and written with one fwrite, so lines from tasks never
 * interleave with pel's other output mid-line.
 */
#include <stdio.h>
#include <string.h>

#include "exec_internal.h"
#include "exec_log.h"

#define REDRAW_INTERVAL 0.1 /* seconds between two bars */
#define BAR_WIDTH 20

void exec__progress_init(exec_progress *p, int mode, uint32_t total, uint32_t slots)
{
    memset(p, 0, sizeof *p);
    p->mode = mode;
    p->total = total;
    p->slots = slots ? slots : 1;
    p->last_draw = -1e9;
}

static void clear_bar(exec_progress *p)
{
    if (p->drawn) {
        fputs("\r\033[K", stderr);
        p->drawn = 0;
    }
}

/* m:ss, or h:mm:ss past an hour. */
static void clock_text(double s, char *buf, size_t n)
{
    long t = s > 0 ? (long)(s + 0.5) : 0;
    if (t >= 3600)
        snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

void exec__progress_attempt(exec_progress *p, const char *name, const exec_result *r,
                            uint32_t max_attempts, const char *log_path, double now,
                            const exec_counts *c)
{
    char line[1024];
    int n;

    p->sum_dur += r->duration;
    p->n_dur++;
    p->dirty = 1;
    if (r->outcome == EXEC_OK) {
        if (p->mode != 0)
            return;
        n = snprintf(line, sizeof line, "ok   %s %.2fs\n", name, r->duration);
    } else {
        char what[300];
        if (r->outcome == EXEC_EXIT)
            snprintf(what, sizeof what, "exit %d", r->code);
        else
            snprintf(what, sizeof what, "%s", r->message);
        n = snprintf(line, sizeof line, "%s %s %s (attempt %u/%u)%s%s\n",
                     r->outcome == EXEC_INTERRUPTED ? "STOP" : "FAIL", name, what,
                     r->attempt, max_attempts, log_path ? " log: " : "",
                     log_path ? log_path : "");
    }
    if (n < 0)
        return;
    if ((size_t)n >= sizeof line)
        n = sizeof line - 1;
    clear_bar(p);
    fwrite(line, 1, (size_t)n, stderr);
    if (p->mode == 1)
        exec__progress_draw(p, now, c, 1);
}

void exec__progress_draw(exec_progress *p, double now, const exec_counts *c, int force)
{
    if (p->mode != 1 || (!force && now < p->last_draw + REDRAW_INTERVAL))
        return;
    char bar[BAR_WIDTH + 1], el[32], eta[32] = "?", line[256];
    uint32_t fill = p->total ? (uint32_t)((uint64_t)c->done * BAR_WIDTH / p->total) : 0;
    for (uint32_t i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[BAR_WIDTH] = '\0';
    clock_text(now, el, sizeof el);
    /* The ETA assumes the remaining tasks last as long as the finished ones did on
     * average and share the slots evenly: rough, but cheap and honest about it. */
    if (p->n_dur > 0) {
        uint32_t left = p->total > c->done ? p->total - c->done : 0;
        clock_text(p->sum_dur / p->n_dur * left / p->slots, eta, sizeof eta);
    }
    int n = snprintf(line, sizeof line,
                     "\r[%s] %u/%u done, %u running, %u failed, %s elapsed, ETA %s\033[K",
                     bar, c->done, p->total, c->running, c->failed, el, eta);
    if (n > 0 && (size_t)n < sizeof line)
        fwrite(line, 1, (size_t)n, stderr);
    p->drawn = 1;
    p->dirty = 0;
    p->last_draw = now;
}

double exec__progress_next(const exec_progress *p)
{
    if (p->mode != 1)
        return 1e300;
    /* Redraw when counts changed, and at least every second so elapsed time moves. */
    return p->last_draw + (p->dirty ? REDRAW_INTERVAL : 1.0);
}

void exec__progress_end(exec_progress *p)
{
    clear_bar(p);
}
