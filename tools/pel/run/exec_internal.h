/* exec_internal.h — what the executor's files (exec.c, exec_ready.c, spawn.c, guard.c,
 * progress.c, run_trace.c) share. Nothing here is for callers of exec.h. */
#ifndef PEL_RUN_EXEC_INTERNAL_H
#define PEL_RUN_EXEC_INTERNAL_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "exec.h"
#include "wf.h"

/* --- spawn.c: starting one attempt ---------------------------------------------- */

/* Spawn state of one run: the posix_spawn attributes, /dev/null, the PATH cache and
 * scratch buffers reused by every spawn (posix_spawn has copied argv and envp into the
 * new program when it returns, so one buffer serves all tasks). */
typedef struct exec_spawner exec_spawner;

/* NULL (errno set) when out of memory or /dev/null cannot be opened. */
exec_spawner *exec__spawner_create(void);
void exec__spawner_destroy(exec_spawner *s);

/* Start one attempt of t with stdout and stderr to log_path (NULL: inherit pel's), in
 * its own process group. The pid, or 0 with r->outcome, r->code and r->message filled
 * (EXEC_NOT_FOUND, EXEC_SPAWN_ERROR) when nothing was started. */
pid_t exec__spawn(exec_spawner *s, const wf_task *t, const char *log_path, exec_result *r);

/* 1 when a shell string is plain words that can run without a shell (see exec.h). */
int exec__shell_is_plain(const char *s);

/* --- exec_ready.c: the ready queue -------------------------------------------------- */

/* A binary max-heap of task indices by (prio desc, index asc). */
typedef struct exec_heap {
    uint32_t *v;
    uint32_t n;
    const double *prio; /* NULL: all equal, file order */
} exec_heap;

void exec__heap_push(exec_heap *h, uint32_t task);
/* Remove the entry at position i (0 is the top) and return its task. */
uint32_t exec__heap_take(exec_heap *h, uint32_t i);
/* 1 when task a goes before task b. */
int exec__heap_before(const exec_heap *h, uint32_t a, uint32_t b);

/* --- guard.c ---------------------------------------------------------------------- */

/* The worker's end of the guardian's pipe (EOF when the guardian is gone), or -1 when
 * exec_guard_start did not run or failed. */
int exec__guard_fd(void);

/* --- progress.c ---------------------------------------------------------------------- */

typedef struct exec_progress {
    int mode;          /* exec_opts.progress */
    uint32_t total;    /* tasks to run */
    uint32_t slots;
    double last_draw;  /* when the bar was last drawn (seconds since the run began) */
    int drawn;         /* a bar is on the screen */
    int dirty;         /* counts changed since last_draw */
    double sum_dur;    /* durations of finished attempts, for the ETA */
    uint32_t n_dur;
} exec_progress;

/* Counts the progress line shows. */
typedef struct exec_counts {
    uint32_t done, running, failed;
} exec_counts;

void exec__progress_init(exec_progress *p, int mode, uint32_t total, uint32_t slots);
/* One attempt ended: its line (by mode), and the ETA's statistics. */
void exec__progress_attempt(exec_progress *p, const char *name, const exec_result *r,
                            uint32_t max_attempts, const char *log_path, double now,
                            const exec_counts *c);
/* Redraw the bar if due (mode 1); force draws now. */
void exec__progress_draw(exec_progress *p, double now, const exec_counts *c, int force);
/* When the next redraw is due, or a huge value when none is. */
double exec__progress_next(const exec_progress *p);
/* Erase the bar. */
void exec__progress_end(exec_progress *p);

/* --- run_trace.c --------------------------------------------------------------------- */

typedef struct exec_trace exec_trace;

exec_trace *exec__trace_create(void);
/* Record one attempt. -1 when out of memory (the trace then misses it). */
int exec__trace_add(exec_trace *tr, uint32_t task, const exec_result *r);
/* Write the Chrome trace to path (temp file + rename). 0, or -1 with errno set. */
int exec__trace_write(const exec_trace *tr, const wf *w, uint32_t slots, const char *path);
void exec__trace_destroy(exec_trace *tr);

#endif
