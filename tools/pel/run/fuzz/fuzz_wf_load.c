/* fuzz_wf_load — libFuzzer target: any bytes as a workflow file. Loading, building the
 * graph, priorities and DOT must never crash, leak or hang, and every error must be one
 * line that names the file. The limits are lowered so that a small input cannot ask for
 * gigabytes legitimately (a big task array is not a bug). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wf.h"
#include "wf_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *sink;

static void lower_limits(void)
{
    wf__limits.max_tasks = 20000;
    wf__limits.max_work = 200000;
    wf__limits.max_bytes = 64 << 20;
    wf__limits.max_edges = 200000;
    wf__limits.max_matches = 200000;
    sink = fopen("/dev/null", "w");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!sink) lower_limits();
    char err[WF_ERR_LEN];
    wf *w = NULL;
    if (wf_load_buffer((const char *)data, size, "fuzz.yaml", "/base", &w, err) != 0) {
        if (w || strncmp(err, "fuzz.yaml:", 10) != 0 || strchr(err, '\0') >= err + WF_ERR_LEN)
            abort();
        return 0;
    }
    if (wf_graph_build(w, err) == 0) {
        double *cost = calloc(w->n_tasks + 1, sizeof *cost);
        double *prio = calloc(w->n_tasks + 1, sizeof *prio);
        for (uint32_t i = 0; cost && i < w->n_tasks; i++) cost[i] = 1;
        if (cost && prio) wf_priorities(w, cost, prio);
        free(cost);
        free(prio);
        wf_write_dot(w, NULL, sink);
    } else if (strncmp(err, "fuzz.yaml:", 10) != 0) {
        abort();
    }
    wf_free(w);
    return 0;
}
