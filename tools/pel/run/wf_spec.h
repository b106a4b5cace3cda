/* wf_spec.h — a task as written in the file, before its array is expanded: the parsed
 * keys with their positions, `defaults` merged in. wf_spec.c reads specs from the YAML
 * tree; wf_expand.c turns each into its tasks. */
#ifndef PEL_RUN_WF_SPEC_H
#define PEL_RUN_WF_SPEC_H

#include <stdint.h>

#include "wf_internal.h"

typedef struct wf_text {
    const char *s; /* NUL-terminated, in the workflow's arena */
    uint32_t len;
    uint32_t line, col;
} wf_text;

typedef struct wf_list {
    wf_text *v;
    uint32_t n;
} wf_list;

/* One parameter of a task array: a list of values, or an integer range. */
typedef struct wf_param {
    wf_text name;
    int is_range;
    int64_t from, step; /* range */
    wf_text *values;    /* list */
    uint64_t count;
} wf_param;

enum wf_key {
    WF_K_NAME, WF_K_FOR, WF_K_RUN, WF_K_CMD, WF_K_INPUTS, WF_K_OUTPUTS, WF_K_AFTER,
    WF_K_CORES, WF_K_MEMORY, WF_K_RETRIES, WF_K_RETRY_DELAY, WF_K_TIMEOUT, WF_K_ESTIMATE,
    WF_K_ENV, WF_K_DIR, WF_K_COUNT
};

typedef struct wf_spec {
    uint32_t set; /* bit (1 << WF_K_x) for each key given, in the task or its defaults */
    uint32_t line, col;
    wf_text name, run, dir;
    wf_list cmd, inputs, outputs, after;
    wf_text *env_names, *env_values;
    uint32_t n_env;
    uint32_t cores, retries;
    uint64_t memory;
    double retry_delay, timeout, estimate;
    wf_param *params;
    uint32_t n_params;
    uint64_t count; /* tasks it expands to (1 without `for`) */
} wf_spec;

typedef struct wf_ctx {
    const char *file; /* for messages */
    char *err;
    wf *w;
    wf_arena *tmp; /* the tree and the specs; freed when loading ends */
    uint64_t work; /* against wf__limits.max_work */
} wf_ctx;

/* Read the workflow mapping at root into specs (in the tmp arena), defaults merged.
 * *total: the number of tasks they expand to, within wf__limits.max_tasks. */
int wf__read_specs(wf_ctx *c, const wf_node *root, wf_spec **specs, uint32_t *n,
                   uint64_t *total);

/* Fill c->w->tasks from the specs. */
int wf__expand(wf_ctx *c, const wf_spec *specs, uint32_t n, uint64_t total);

#endif
