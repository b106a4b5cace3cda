/* wf.h — a workflow in memory: the tasks of one `pel run`, after task arrays were expanded,
 * with the dependency graph between them.
 *
 * Produced by the loaders (wf_load_file / wf_load_buffer for the YAML format of
 * docs/workflow.md, wf_load_lines for `pel run --lines`), completed by wf_graph_build, then
 * read by the planner (plan.h) and the executor (exec.h). All strings and arrays live in
 * the workflow's arena and are freed at once by wf_free: nothing here is freed alone.
 *
 * Errors never print: they fill a caller-given buffer with one line, "FILE:LINE:COL:
 * message" when a place in the file is known, so the fuzzer and the tests can check them.
 */
#ifndef PEL_RUN_WF_H
#define PEL_RUN_WF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define WF_ERR_LEN 512 /* size of an error buffer: enough for a cycle of a few tasks */

typedef struct wf_task {
    const char *name; /* unique in the workflow */

    /* Exactly one of argv and shell is non-NULL. */
    const char *const *argv; /* argv list, NULL-terminated, argv[0] non-empty */
    const char *shell;       /* a shell string, run by /bin/sh -c (or split, see exec.h) */

    const char *const *env; /* extra "KEY=VALUE" entries, NULL-terminated; NULL when none */
    const char *dir;        /* working directory, absolute (the workflow's directory
                               joined with the task's `dir`); never NULL */

    /* Files, as absolute lexically normalised paths (no "//", ".", ".." components), so
     * that the same file is the same string everywhere. */
    const char *const *inputs;
    uint32_t n_inputs;
    const char *const *outputs;
    uint32_t n_outputs;

    /* Explicit dependencies as written after expansion (names or fnmatch patterns);
     * wf_graph_build resolves them. */
    const char *const *after;
    uint32_t n_after;

    uint32_t cores;       /* slots the task takes, >= 1 (default 1) */
    uint64_t memory;      /* bytes it needs, 0 when not declared */
    uint32_t retries;     /* extra attempts after a failure (default 0) */
    double retry_delay;   /* seconds before the first retry, doubled each time (default 1) */
    double timeout;       /* seconds; 0 = none */
    double estimate;      /* declared duration in seconds; < 0 when not declared */

    uint32_t line, column; /* where the task (or its array) is declared, 1-based; 0 = none */

    /* Filled by wf_graph_build: indices into wf.tasks, sorted ascending, no duplicates. */
    uint32_t *deps; /* tasks that must finish first */
    uint32_t n_deps;
    uint32_t *succ; /* tasks that wait for this one */
    uint32_t n_succ;
} wf_task;

typedef struct wf {
    const char *path;     /* the file as named on the command line ("-" for stdin) */
    const char *base_dir; /* absolute directory relative paths are taken from: the
                             workflow file's directory, or the current one for stdin */
    wf_task *tasks;       /* in file order (arrays expand in place, in parameter order) */
    uint32_t n_tasks;
    uint32_t *topo; /* filled by wf_graph_build: a topological order (deps first, ties
                       in file order), n_tasks entries */
    struct wf_arena *arena;
} wf;

/* Load a workflow file in the YAML format of docs/workflow.md ("-" reads stdin). 0 and *out
 * set, or -1 with err filled ("FILE:LINE:COL: message"). */
int wf_load_file(const char *path, wf **out, char err[WF_ERR_LEN]);

/* The same from memory; `name` is used in messages and as wf.path, `base_dir` (absolute)
 * as wf.base_dir. The buffer need not be NUL-terminated. Used by the fuzzer. */
int wf_load_buffer(const char *data, size_t len, const char *name, const char *base_dir,
                   wf **out, char err[WF_ERR_LEN]);

/* `pel run --lines`: one shell-string task per non-empty line that is not a comment
 * ('#' first); task names are "line-N" with N the 1-based line number. "-" is stdin. */
int wf_load_lines(const char *path, wf **out, char err[WF_ERR_LEN]);

/* Resolve dependencies (explicit `after` names and patterns; a task that reads a file
 * another task writes depends on it), then check the graph: an unknown dependency, a
 * pattern matching nothing, two tasks writing the same output, a task depending on
 * itself and a cycle are errors (a cycle's message prints its path: "a -> b -> c -> a").
 * Fills deps, succ and topo. 0, or -1 with err filled. */
int wf_graph_build(wf *w, char err[WF_ERR_LEN]);

/* Critical-path priorities: prio[i] = cost[i] + the largest prio of i's successors, so
 * the task heading the longest remaining path comes first. cost has n_tasks entries. */
void wf_priorities(const wf *w, const double *cost, double *prio);

/* Write the task graph as Graphviz DOT. `will_run` (may be NULL) marks tasks that would
 * run; the others are drawn greyed. 0, or -1 on a write error (errno set). */
int wf_write_dot(const wf *w, const uint8_t *will_run, FILE *f);

void wf_free(wf *w);

#endif
