/* plan.h — which tasks of a workflow must run, and why, given what the journal remembers.
 *
 * A task runs when: --force; it never ran; it was interrupted; it failed last time; its
 * command hash changed; a task it depends on runs; one of its inputs changed (or is
 * missing) since it ran; one of its outputs is missing or changed since it ended (so an
 * output half-written by a killed run, or edited by hand, is never trusted). Otherwise it
 * is up to date and skipped. Decided in topological order, so "everything downstream of a
 * change re-runs, and nothing else" follows.
 */
#ifndef PEL_RUN_PLAN_H
#define PEL_RUN_PLAN_H

#include <stdint.h>

#include "journal.h"
#include "wf.h"

typedef enum plan_reason {
    PLAN_UP_TO_DATE = 0, /* skipped */
    PLAN_FORCED,
    PLAN_NEVER_RAN,
    PLAN_INTERRUPTED,
    PLAN_FAILED_BEFORE,
    PLAN_COMMAND_CHANGED,
    PLAN_UPSTREAM,       /* detail: the upstream task's name */
    PLAN_INPUT_CHANGED,  /* detail: the input's path */
    PLAN_INPUT_MISSING,  /* detail: the input's path; no task makes it and it is absent */
    PLAN_OUTPUT_MISSING, /* detail: the output's path */
    PLAN_OUTPUT_CHANGED, /* detail: the output's path */
} plan_reason;

typedef struct plan_item {
    uint8_t run;          /* 1: runs this time */
    plan_reason reason;
    const char *detail;   /* a name or path (see plan_reason), or NULL; owned by the plan */
    uint64_t cmd_hash;    /* fp_task_hash of the task */
    double cost;          /* learned duration (journal_duration), else the declared
                             estimate, else 0 */
} plan_item;

typedef struct plan {
    uint32_t n;          /* = the workflow's n_tasks */
    plan_item *items;
    uint32_t n_run;      /* how many run */
    double *prio;        /* wf_priorities over cost: longest remaining path first */
} plan;

/* Decide. Fingerprints the inputs and outputs of tasks that have a DONE record (in
 * parallel, fp_files). 0, or -1 with err filled (an input that exists but cannot be
 * read). An input that is missing and made by no task makes its task PLAN_INPUT_MISSING:
 * the caller reports it as an error before running anything. */
int plan_make(const wf *w, const journal *j, int force, plan *out, char err[512]);

/* "never ran", "input data/x.csv changed", "upstream task prep re-runs", ... */
const char *plan_reason_text(const plan_item *it, char *buf, unsigned len);

void plan_free(plan *p);

#endif
