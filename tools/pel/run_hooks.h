/* run_hooks.h — what `pel run` does around each task the executor starts: stale outputs
 * removed and output directories made before it, its inputs fingerprinted, the journal
 * told; after it, its outputs checked and fingerprinted, the end journalled, and a failed
 * task's log tail shown. The executor calls these through exec_hooks (run/exec.h). */
#ifndef PEL_TOOL_RUN_HOOKS_H
#define PEL_TOOL_RUN_HOOKS_H

#include <stdint.h>

#include "run/exec.h"
#include "run/journal.h"
#include "run/plan.h"
#include "run/wf.h"

typedef struct run_ctx {
    const wf *w;
    const plan *p;
    journal *j;
    const char *log_dir;
    int show_tail;      /* print the tail of a failed task's log */
    int journal_failed; /* a journal write failed: every later attempt is refused */
    /* Per task, filled as it runs: its inputs' fingerprints when it started, its
     * outputs' fingerprints when it succeeded (n_inputs / n_outputs entries). */
    jr_fp **in_fp;
    jr_fp **out_fp;
} run_ctx;

/* 0, or -1 when out of memory. */
int run_ctx_init(run_ctx *c, const wf *w, const plan *p, journal *j, const char *log_dir);
void run_ctx_free(run_ctx *c);

/* The hooks, with ctx = c. */
exec_hooks run_hooks(run_ctx *c);

#endif
