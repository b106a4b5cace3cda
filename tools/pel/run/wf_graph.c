/* wf_graph.c — the dependency edges of a workflow.
 *
 * A task depends on the tasks its `after` names (hash map of names), on those its
 * `after` patterns match (fnmatch over the names), and on the task that writes each of
 * its inputs (hash map of output paths). Then deps are sorted and deduplicated and succ
 * is derived from them, so both come out ascending.
 *
 * Patterns are the only part that is not linear: each distinct pattern (after
 * expansion) is matched once and its result shared, and only against the names that
 * start with its literal prefix (a binary search in the sorted names), so "sim-{i}-*"
 * in a 100k-task array stays cheap. What remains is capped by wf_limits.max_matches,
 * and the edge count by wf_limits.max_edges.
 */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wf_internal.h"
#include "wf_map.h"

typedef struct matches {
    uint32_t *v;
    uint32_t n;
} matches;

typedef struct graph {
    wf *w;
    char *err;
    const char *file;
    wf_map names, outputs, patterns;
    uint32_t *sorted; /* task indices by name */
    matches *pat;     /* results of each distinct pattern */
    uint32_t n_pat, cap_pat;
    uint64_t n_matches, n_edges;
    uint32_t *buf; /* the deps of the task being resolved */
    size_t n_buf, cap_buf;
} graph;

static int task_err(graph *g, uint32_t i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An error at task i's position. */
static int task_err(graph *g, uint32_t i, const char *fmt, ...)
{
    const wf_task *t = &g->w->tasks[i];
    char msg[WF_ERR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    wf__errf(g->err, g->file, t->line, t->column, "%s", msg);
    return -1;
}

static int oom(graph *g)
{
    wf__errf(g->err, g->file, 0, 0, "out of memory while building the task graph");
    return -1;
}

static int push(graph *g, uint32_t dep)
{
    if (g->n_buf == g->cap_buf) {
        size_t cap = g->cap_buf ? g->cap_buf * 2 : 64;
        uint32_t *b = realloc(g->buf, cap * sizeof *b);
        if (!b) return oom(g);
        g->buf = b;
        g->cap_buf = cap;
    }
    g->buf[g->n_buf++] = dep;
    return 0;
}

static int by_name(const void *a, const void *b, void *tasks)
{
    const wf_task *t = tasks;
    return strcmp(t[*(const uint32_t *)a].name, t[*(const uint32_t *)b].name);
}

static int by_value(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int index_names(graph *g)
{
    wf *w = g->w;
    if (wf_map_init(&g->names, w->n_tasks) != 0 || wf_map_init(&g->outputs, w->n_tasks) != 0 ||
        wf_map_init(&g->patterns, 16) != 0)
        return oom(g);
    for (uint32_t i = 0; i < w->n_tasks; i++) {
        const wf_task *t = &w->tasks[i];
        uint32_t old;
        int r = wf_map_put(&g->names, t->name, strlen(t->name), i, 0, &old);
        if (r < 0) return oom(g);
        if (r > 0)
            return task_err(g, i, "duplicate task name \"%.100s\" (first at line %u column %u)",
                            t->name, w->tasks[old].line, w->tasks[old].column);
        for (uint32_t k = 0; k < t->n_outputs; k++) {
            const char *p = t->outputs[k];
            r = wf_map_put(&g->outputs, p, strlen(p), i, 0, &old);
            if (r < 0) return oom(g);
            if (r > 0 && old != i)
                return task_err(g, i, "tasks \"%.100s\" (line %u) and \"%.100s\" both write "
                                      "%.300s", w->tasks[old].name, w->tasks[old].line, t->name, p);
        }
    }
    return 0;
}

static int is_pattern(const char *s) { return strpbrk(s, "*?[") != NULL; }

/* The tasks a pattern matches, ascending; computed once per distinct pattern. */
static const matches *match(graph *g, const char *pat, uint32_t self)
{
    size_t plen = strlen(pat);
    uint32_t id = wf_map_get(&g->patterns, pat, plen);
    if (id != WF_MAP_NONE) return &g->pat[id];
    if (!g->sorted) {
        g->sorted = malloc((g->w->n_tasks ? g->w->n_tasks : 1) * sizeof *g->sorted);
        if (!g->sorted) return oom(g), NULL;
        for (uint32_t i = 0; i < g->w->n_tasks; i++) g->sorted[i] = i;
        qsort_r(g->sorted, g->w->n_tasks, sizeof *g->sorted, by_name, g->w->tasks);
    }
    size_t pre = strcspn(pat, "*?[\\");
    size_t lo = 0, hi = g->w->n_tasks;
    while (lo < hi) { /* the first name >= the literal prefix */
        size_t mid = (lo + hi) / 2;
        if (strncmp(g->w->tasks[g->sorted[mid]].name, pat, pre) < 0) lo = mid + 1;
        else hi = mid;
    }
    matches m = {0};
    size_t cap = 0;
    for (size_t k = lo; k < g->w->n_tasks; k++) {
        uint32_t t = g->sorted[k];
        if (strncmp(g->w->tasks[t].name, pat, pre) != 0) break;
        if (++g->n_matches > wf__limits.max_matches) {
            free(m.v);
            task_err(g, self, "task \"%.100s\": resolving after: patterns takes more than "
                              "%llu name comparisons; use names, or patterns with a longer "
                              "literal start", g->w->tasks[self].name,
                     (unsigned long long)wf__limits.max_matches);
            return NULL;
        }
        if (fnmatch(pat, g->w->tasks[t].name, 0) != 0) continue;
        if (m.n == cap) {
            cap = cap ? cap * 2 : 16;
            uint32_t *v = realloc(m.v, cap * sizeof *v);
            if (!v) return free(m.v), oom(g), NULL;
            m.v = v;
        }
        m.v[m.n++] = t;
    }
    if (m.n > 1) qsort(m.v, m.n, sizeof *m.v, by_value);
    if (g->n_pat == g->cap_pat) {
        uint32_t ncap = g->cap_pat ? g->cap_pat * 2 : 16;
        matches *p = realloc(g->pat, ncap * sizeof *p);
        if (!p) return free(m.v), oom(g), NULL;
        g->pat = p;
        g->cap_pat = ncap;
    }
    /* pat points into the task's own string, which lives as long as the workflow. */
    if (wf_map_put(&g->patterns, pat, plen, g->n_pat, 0, NULL) < 0) return free(m.v), oom(g), NULL;
    g->pat[g->n_pat] = m;
    return &g->pat[g->n_pat++];
}

static int resolve_after(graph *g, uint32_t i)
{
    const wf_task *t = &g->w->tasks[i];
    for (uint32_t k = 0; k < t->n_after; k++) {
        const char *a = t->after[k];
        if (is_pattern(a)) {
            const matches *m = match(g, a, i);
            if (!m) return -1;
            uint32_t added = 0;
            for (uint32_t j = 0; j < m->n; j++)
                if (m->v[j] != i) {
                    if (push(g, m->v[j]) != 0) return -1;
                    added++;
                }
            if (!added)
                return task_err(g, i, "task \"%.100s\" runs after \"%.100s\", but that pattern "
                                      "matches no other task", t->name, a);
            continue;
        }
        uint32_t d = wf_map_get(&g->names, a, strlen(a));
        if (d == WF_MAP_NONE)
            return task_err(g, i, "task \"%.100s\" runs after \"%.100s\", but no task has that "
                                  "name", t->name, a);
        if (d == i) return task_err(g, i, "task \"%.100s\" lists itself in after", t->name);
        if (push(g, d) != 0) return -1;
    }
    return 0;
}

static int resolve_task(graph *g, uint32_t i)
{
    wf *w = g->w;
    wf_task *t = &w->tasks[i];
    g->n_buf = 0;
    if (resolve_after(g, i) != 0) return -1;
    for (uint32_t k = 0; k < t->n_inputs; k++) {
        uint32_t d = wf_map_get(&g->outputs, t->inputs[k], strlen(t->inputs[k]));
        /* A task that reads what it writes itself (an in-place edit) needs nobody. */
        if (d != WF_MAP_NONE && d != i && push(g, d) != 0) return -1;
    }
    if (g->n_buf > 1) qsort(g->buf, g->n_buf, sizeof *g->buf, by_value);
    size_t n = 0;
    for (size_t k = 0; k < g->n_buf; k++)
        if (n == 0 || g->buf[k] != g->buf[n - 1]) g->buf[n++] = g->buf[k];
    g->n_edges += n;
    if (g->n_edges > wf__limits.max_edges)
        return task_err(g, i, "at task \"%.100s\": the task graph has more than %llu "
                              "dependencies; do after: patterns match too many tasks?",
                        t->name, (unsigned long long)wf__limits.max_edges);
    t->n_deps = (uint32_t)n;
    t->deps = NULL;
    if (n) {
        t->deps = wf_arena_alloc(w->arena, n * sizeof *t->deps);
        if (!t->deps) return oom(g);
        memcpy(t->deps, g->buf, n * sizeof *t->deps);
    }
    return 0;
}

static int fill_succ(graph *g)
{
    wf *w = g->w;
    for (uint32_t i = 0; i < w->n_tasks; i++) w->tasks[i].n_succ = 0;
    for (uint32_t i = 0; i < w->n_tasks; i++)
        for (uint32_t k = 0; k < w->tasks[i].n_deps; k++) w->tasks[w->tasks[i].deps[k]].n_succ++;
    for (uint32_t i = 0; i < w->n_tasks; i++) {
        wf_task *t = &w->tasks[i];
        t->succ = t->n_succ ? wf_arena_alloc(w->arena, t->n_succ * sizeof *t->succ) : NULL;
        if (t->n_succ && !t->succ) return oom(g);
        t->n_succ = 0;
    }
    /* Visiting the dependents in ascending order keeps every succ list ascending. */
    for (uint32_t i = 0; i < w->n_tasks; i++)
        for (uint32_t k = 0; k < w->tasks[i].n_deps; k++) {
            wf_task *d = &w->tasks[w->tasks[i].deps[k]];
            d->succ[d->n_succ++] = i;
        }
    return 0;
}

int wf_graph_build(wf *w, char err[WF_ERR_LEN])
{
    graph g = {.w = w, .err = err, .file = wf__display_name(w->path)};
    err[0] = '\0';
    int rc = index_names(&g);
    for (uint32_t i = 0; rc == 0 && i < w->n_tasks; i++) rc = resolve_task(&g, i);
    if (rc == 0) rc = fill_succ(&g);
    if (rc == 0) rc = wf__topo_sort(w, g.file, err);
    wf_map_free(&g.names);
    wf_map_free(&g.outputs);
    wf_map_free(&g.patterns);
    for (uint32_t k = 0; k < g.n_pat; k++) free(g.pat[k].v);
    free(g.pat);
    free(g.sorted);
    free(g.buf);
    return rc;
}
