/* bench/chains_pel.c — chains with pel's dataflow layer: one handle per chain
 * (pel_data_register on its counter), pel_submit of a task with PEL_READWRITE access to
 * it, pel_flow_wait. The submitting loop runs as one task on a worker of the runtime (as
 * OpenMP's `single` does), so exactly WORKERS threads do all the work. */
#include <stdio.h>
#include <stdlib.h>

#include <pel.h>

#include "chains.h"

static pel_runtime *rt;

static void check(int rc, const char *what)
{
    if (__builtin_expect(rc != PEL_OK, 0)) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s: %s", what, pel_strerror(rc));
        chains_die(msg);
    }
}

static int chains_pel_setup(int workers)
{
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = workers;
    if (pel_runtime_create(&cfg, &rt) != PEL_OK)
        return -1;
    return pel_runtime_num_workers(rt) == workers ? 0 : -1;
}

static void chains_pel_teardown(void)
{
    check(pel_runtime_destroy(rt), "pel_runtime_destroy");
}

static int bump(pel_flow_task *task, void *arg)
{
    (void)arg;
    uint64_t *count = pel_flow_data(task, 0);
    (*count)++;
    return 0;
}

typedef struct submission {
    pel_flow *flow;
    const pel_data *handles;
    int nchains;
    long steps;
} submission;

/* The submitting loop, run as a task of a group on a worker. */
static int submit_all(void *arg)
{
    const submission *s = arg;
    pel_access access = {0, PEL_READWRITE};
    pel_task_desc desc = {.fn = bump, .access = &access, .naccess = 1};
    for (long step = 0; step < s->steps; step++)
        for (int c = 0; c < s->nchains; c++) {
            access.data = s->handles[c];
            check(pel_submit(s->flow, &desc), "pel_submit");
        }
    return pel_flow_wait(s->flow);
}

static double chains_pel_run(chains_counter *counters, int nchains, long steps)
{
    pel_flow *flow;
    check(pel_flow_create(rt, NULL, &flow), "pel_flow_create");
    pel_data *handles = malloc((size_t)nchains * sizeof *handles);
    if (handles == NULL)
        chains_die("out of memory");
    for (int c = 0; c < nchains; c++)
        check(pel_data_register(flow, &counters[c].count, sizeof counters[c].count, &handles[c]),
              "pel_data_register");
    submission s = {flow, handles, nchains, steps};
    pel_group g;
    double t0 = chains_now();
    check(pel_group_init(&g, rt), "pel_group_init");
    check(pel_group_spawn(&g, submit_all, &s), "pel_group_spawn");
    check(pel_group_wait(&g), "pel_flow_wait");
    double seconds = chains_now() - t0;
    check(pel_flow_destroy(flow), "pel_flow_destroy");
    free(handles);
    return seconds;
}

const chains_system chains_system_impl = {"pel", chains_pel_setup, chains_pel_teardown,
                                          chains_pel_run};
