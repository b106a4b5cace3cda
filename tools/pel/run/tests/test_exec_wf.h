/* test_exec_wf.h — build a workflow by hand for the executor's tests and driver (the
 * loader is a separate part): tasks, dependencies, then deps/succ/topo as wf_graph_build
 * would fill them. Header-only; every string handed in is copied and freed by twf_free. */
#ifndef PEL_RUN_TEST_EXEC_WF_H
#define PEL_RUN_TEST_EXEC_WF_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wf.h"

typedef struct twf {
    wf w;
    uint32_t cap;
    uint32_t (*edges)[2]; /* {before, after} */
    uint32_t n_edges, cap_edges;
    char **strs; /* copies to free */
    size_t n_strs, cap_strs;
    const char ***lists; /* argv/env arrays to free */
    size_t n_lists, cap_lists;
    uint32_t *adj;
    uint8_t *run;
    double *prio;
    char cwd[PATH_MAX];
} twf;

static void *twf_grow(void *p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return p;
    *cap = *cap ? 2 * *cap : 16;
    p = realloc(p, *cap * size);
    if (!p) {
        perror("realloc");
        exit(2);
    }
    return p;
}

static const char *twf_str(twf *g, const char *s)
{
    g->strs = twf_grow(g->strs, &g->cap_strs, g->n_strs, sizeof *g->strs);
    char *c = strdup(s);
    if (!c)
        exit(2);
    g->strs[g->n_strs++] = c;
    return c;
}

/* A NULL-terminated copy of a NULL-terminated list. */
static const char *const *twf_list(twf *g, const char *const *v)
{
    size_t n = 0;
    while (v[n])
        n++;
    const char **c = calloc(n + 1, sizeof *c);
    if (!c)
        exit(2);
    for (size_t i = 0; i < n; i++)
        c[i] = twf_str(g, v[i]);
    g->lists = twf_grow(g->lists, &g->cap_lists, g->n_lists, sizeof *g->lists);
    g->lists[g->n_lists++] = c;
    return c;
}

static void twf_init(twf *g)
{
    memset(g, 0, sizeof *g);
    if (!getcwd(g->cwd, sizeof g->cwd))
        exit(2);
    g->w.path = "test";
    g->w.base_dir = g->cwd;
}

/* A task with the defaults of the YAML format; exactly one of shell and argv. */
static uint32_t twf_add(twf *g, const char *name, const char *shell, const char *const *argv)
{
    if (g->w.n_tasks == g->cap) {
        size_t cap = g->cap;
        g->w.tasks = twf_grow(g->w.tasks, &cap, g->w.n_tasks, sizeof *g->w.tasks);
        g->cap = (uint32_t)cap;
    }
    wf_task *t = &g->w.tasks[g->w.n_tasks];
    memset(t, 0, sizeof *t);
    t->name = twf_str(g, name);
    t->shell = shell ? twf_str(g, shell) : NULL;
    t->argv = argv ? twf_list(g, argv) : NULL;
    t->dir = twf_str(g, g->cwd);
    t->cores = 1;
    t->retry_delay = 1;
    t->estimate = -1;
    return g->w.n_tasks++;
}

static void twf_dep(twf *g, uint32_t before, uint32_t after)
{
    size_t cap = g->cap_edges;
    g->edges = twf_grow(g->edges, &cap, g->n_edges, sizeof *g->edges);
    g->cap_edges = (uint32_t)cap;
    g->edges[g->n_edges][0] = before;
    g->edges[g->n_edges][1] = after;
    g->n_edges++;
}

/* deps and succ from the edges (sorted: edges are visited in index order); topo is file
 * order, which the tests respect by adding dependencies before dependents; all tasks run
 * with priority 0 unless the test sets prio. */
static void twf_finish(twf *g)
{
    uint32_t n = g->w.n_tasks;
    g->adj = calloc(2 * (size_t)g->n_edges + 1, sizeof *g->adj);
    g->w.topo = calloc(n + 1, sizeof *g->w.topo);
    g->run = calloc(n + 1, 1);
    g->prio = calloc(n + 1, sizeof *g->prio);
    if (!g->adj || !g->w.topo || !g->run || !g->prio)
        exit(2);
    uint32_t *p = g->adj;
    for (uint32_t i = 0; i < n; i++) {
        wf_task *t = &g->w.tasks[i];
        t->deps = p;
        for (uint32_t b = 0; b < n; b++)
            for (uint32_t e = 0; e < g->n_edges; e++)
                if (g->edges[e][1] == i && g->edges[e][0] == b) {
                    *p++ = b;
                    break;
                }
        t->n_deps = (uint32_t)(p - t->deps);
        t->succ = p;
        for (uint32_t a = 0; a < n; a++)
            for (uint32_t e = 0; e < g->n_edges; e++)
                if (g->edges[e][0] == i && g->edges[e][1] == a) {
                    *p++ = a;
                    break;
                }
        t->n_succ = (uint32_t)(p - t->succ);
        g->w.topo[i] = i;
        g->run[i] = 1;
    }
}

static void twf_free(twf *g)
{
    for (size_t i = 0; i < g->n_strs; i++)
        free(g->strs[i]);
    for (size_t i = 0; i < g->n_lists; i++)
        free(g->lists[i]);
    free(g->strs);
    free(g->lists);
    free(g->edges);
    free(g->adj);
    free(g->w.topo);
    free(g->w.tasks);
    free(g->run);
    free(g->prio);
}

#endif
