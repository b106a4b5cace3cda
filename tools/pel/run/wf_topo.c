/* wf_topo.c — topological order, cycles, critical-path priorities.
 *
 * Kahn's algorithm with a min-heap of ready task indices instead of a queue: among the
 * tasks whose dependencies are all placed, the earliest in the file comes next, so the
 * order is the file order wherever the dependencies allow it (O(E + V log V)).
 *
 * If tasks remain, they contain a cycle: every remaining task has a remaining
 * dependency (else its count would have dropped to 0), so following remaining deps from
 * any of them must revisit a task; the stretch between the two visits is a cycle.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wf_internal.h"

static void heap_push(uint32_t *h, uint32_t *n, uint32_t v)
{
    uint32_t i = (*n)++;
    while (i > 0 && h[(i - 1) / 2] > v) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = v;
}

static uint32_t heap_pop(uint32_t *h, uint32_t *n)
{
    uint32_t top = h[0], v = h[--*n], i = 0;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && h[c + 1] < h[c]) c++;
        if (h[c] >= v) break;
        h[i] = h[c];
        i = c;
    }
    if (*n) h[i] = v;
    return top;
}

static size_t append(char *msg, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static size_t append(char *msg, size_t off, const char *fmt, ...)
{
    if (off >= WF_ERR_LEN) return off;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg + off, WF_ERR_LEN - off, fmt, ap);
    va_end(ap);
    return n < 0 ? WF_ERR_LEN : off + (size_t)n;
}

/* The message for the cycle through the tasks left with pending[i] > 0. */
static void cycle_error(const wf *w, const uint32_t *pending, const char *file, char *err)
{
    uint32_t n = w->n_tasks, start = 0;
    while (pending[start] == 0) start++;
    uint32_t *pos = malloc(n * sizeof *pos), *path = malloc(n * sizeof *path);
    if (!pos || !path) {
        wf__errf(err, file, 0, 0, "the task graph has a cycle (out of memory to print it)");
        free(pos);
        free(path);
        return;
    }
    for (uint32_t i = 0; i < n; i++) pos[i] = UINT32_MAX;
    uint32_t len = 0, v = start;
    while (pos[v] == UINT32_MAX) {
        pos[v] = len;
        path[len++] = v;
        const wf_task *t = &w->tasks[v];
        uint32_t k = 0;
        while (pending[t->deps[k]] == 0) k++;
        v = t->deps[k];
    }
    /* path[pos[v]..len) follows deps: each needs the next. It is printed the other way
     * round (a -> b: b runs after a), from the cycle's first task in the file. */
    uint32_t *cyc = path + pos[v], m = len - pos[v], first = 0;
    for (uint32_t k = 1; k < m; k++)
        if (cyc[k] < cyc[first]) first = k;
    char msg[WF_ERR_LEN];
    size_t off = append(msg, 0, "dependency cycle: ");
    for (uint32_t j = 0; j <= m; j++) {
        /* A long cycle: its first four tasks, a count, its last two, and the first. */
        if (m > 8 && j == 4) {
            off = append(msg, off, "... (%u tasks) ... -> ", m - 6);
            j = m - 2;
        }
        off = append(msg, off, "%.60s%s", w->tasks[cyc[(first + m - j % m) % m]].name,
                     j < m ? " -> " : "");
    }
    const wf_task *t0 = &w->tasks[cyc[first]];
    wf__errf(err, file, t0->line, t0->column, "%s", msg);
    free(pos);
    free(path);
}

int wf__topo_sort(wf *w, const char *file, char err[WF_ERR_LEN])
{
    uint32_t n = w->n_tasks;
    w->topo = wf_arena_alloc(w->arena, (n ? n : 1) * sizeof *w->topo);
    uint32_t *pending = malloc((n ? n : 1) * sizeof *pending);
    uint32_t *heap = malloc((n ? n : 1) * sizeof *heap);
    if (!w->topo || !pending || !heap) {
        free(pending);
        free(heap);
        wf__errf(err, file, 0, 0, "out of memory while ordering the tasks");
        return -1;
    }
    uint32_t hn = 0, done = 0;
    for (uint32_t i = 0; i < n; i++) {
        pending[i] = w->tasks[i].n_deps;
        if (pending[i] == 0) heap_push(heap, &hn, i);
    }
    while (hn > 0) {
        uint32_t v = heap_pop(heap, &hn);
        w->topo[done++] = v;
        const wf_task *t = &w->tasks[v];
        for (uint32_t k = 0; k < t->n_succ; k++)
            if (--pending[t->succ[k]] == 0) heap_push(heap, &hn, t->succ[k]);
    }
    int rc = 0;
    if (done < n) {
        cycle_error(w, pending, file, err);
        rc = -1;
    }
    free(pending);
    free(heap);
    return rc;
}

void wf_priorities(const wf *w, const double *cost, double *prio)
{
    for (uint32_t k = w->n_tasks; k-- > 0;) {
        uint32_t i = w->topo ? w->topo[k] : k;
        const wf_task *t = &w->tasks[i];
        double best = 0;
        for (uint32_t s = 0; s < t->n_succ; s++)
            if (prio[t->succ[s]] > best) best = prio[t->succ[s]];
        prio[i] = cost[i] + best;
    }
}
