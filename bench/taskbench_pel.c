/* bench/taskbench_pel.c — the taskbench graph with pel's dataflow layer: one handle per
 * output slot; task (t, x) declares PEL_READWRITE on its own slot and PEL_READ on each
 * dependency's slot, and pel derives the order from those declarations. Tasks are
 * submitted in timestep order by one task running on a worker (as OpenMP's `single`
 * does), which then waits with pel_flow_wait; so exactly WORKERS threads do all the work.
 * A fresh flow per graph; registering its handles is not timed. */
#include <stdio.h>
#include <stdlib.h>

#include <pel.h>

#include "taskbench_system.h"

static pel_runtime *rt;

static void check(int rc, const char *what)
{
    if (__builtin_expect(rc != PEL_OK, 0)) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s: %s", what, pel_strerror(rc));
        tb_die(msg);
    }
}

static int tb_pel_setup(int workers)
{
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = workers;
    if (pel_runtime_create(&cfg, &rt) != PEL_OK)
        return -1;
    return pel_runtime_num_workers(rt) == workers ? 0 : -1;
}

static void tb_pel_teardown(void)
{
    check(pel_runtime_destroy(rt), "pel_runtime_destroy");
}

/* The graph being run (one at a time per process). */
typedef struct graph_run {
    const tb_graph *g;
    tb_slot *slots;
    void *scratch;
    pel_flow *flow;
    pel_data *handles; /* one per slot */
} graph_run;

static graph_run current;

/* What pel_submit copies into each task. */
typedef struct task_arg {
    long t, x;
} task_arg;

static int run_task(pel_flow_task *task, void *arg)
{
    (void)task;
    const task_arg *a = arg;
    int me = pel_worker_index(); /* -1 outside the workers: the extra scratch */
    int workers = pel_runtime_num_workers(rt);
    tb_run_task(current.g, current.slots,
                tb_scratch_of(current.g, current.scratch, me >= 0 ? me : workers), a->t, a->x);
    return 0;
}

static int submit_all(void *arg)
{
    const graph_run *r = arg;
    const tb_graph *g = r->g;
    long fields = tb_fields(g);
    pel_access access[1 + TB_MAX_WIDTH];
    for (long t = 0; t < g->steps; t++)
        for (long x = tb_offset(g, t), e = x + tb_width_at(g, t); x < e; x++) {
            long deps[TB_MAX_WIDTH];
            int n = tb_deps(g, t, x, deps);
            access[0] = (pel_access){r->handles[tb_slot_index(g, fields, t, x)], PEL_READWRITE};
            for (int i = 0; i < n; i++)
                access[1 + i] =
                    (pel_access){r->handles[tb_slot_index(g, fields, t - 1, deps[i])], PEL_READ};
            task_arg a = {t, x};
            pel_task_desc desc = {.fn = run_task, .arg = &a, .arg_size = sizeof a,
                                  .access = access, .naccess = 1 + (unsigned)n};
            check(pel_submit(r->flow, &desc), "pel_submit");
        }
    return pel_flow_wait(r->flow);
}

static double tb_pel_run(const tb_graph *g, tb_slot *slots, void *scratch)
{
    size_t nslots = (size_t)tb_fields(g) * (size_t)g->width;
    current = (graph_run){g, slots, scratch, NULL, malloc(nslots * sizeof(pel_data))};
    if (current.handles == NULL)
        tb_die("out of memory");
    check(pel_flow_create(rt, NULL, &current.flow), "pel_flow_create");
    for (size_t i = 0; i < nslots; i++)
        check(pel_data_register(current.flow, &slots[i], sizeof slots[i], &current.handles[i]),
              "pel_data_register");
    pel_group group;
    double t0 = tb_now();
    check(pel_group_init(&group, rt), "pel_group_init");
    check(pel_group_spawn(&group, submit_all, &current), "pel_group_spawn");
    check(pel_group_wait(&group), "pel_flow_wait");
    double seconds = tb_now() - t0;
    check(pel_flow_destroy(current.flow), "pel_flow_destroy");
    free(current.handles);
    return seconds;
}

const tb_system tb_system_impl = {"pel", tb_pel_setup, tb_pel_teardown, tb_pel_run};
