/* bench/taskbench_starpu.c — the taskbench graph on StarPU 1.3: one variable handle per
 * output slot; task (t, x) is a starpu_task_insert of a CPU codelet with a variable number
 * of buffers (STARPU_DATA_MODE_ARRAY): STARPU_RW on its own slot, STARPU_R on each
 * dependency's slot; (t, x) travel as STARPU_VALUE arguments. The main thread submits in
 * timestep order and waits with starpu_task_wait_for_all (StarPU's own model: the
 * submitting thread is not one of its STARPU_NCPU workers). No CUDA, no OpenCL; the
 * scheduler is TB_STARPU_SCHED unless STARPU_SCHED is set. Registering and unregistering
 * the handles is not timed. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include <starpu.h>

#include "taskbench_system.h"

/* The scheduler: lws (locality work stealing), the fastest on the chains benchmark
 * (bench/README.md). */
#define TB_STARPU_SCHED "lws"

/* The graph being run (one at a time per process). */
static const tb_graph *current_graph;
static tb_slot *current_slots;
static void *current_scratch;

static void run_task(void *buffers[], void *cl_arg)
{
    (void)buffers; /* the slots are used in place: StarPU keeps them in main memory */
    long t, x;
    starpu_codelet_unpack_args(cl_arg, &t, &x);
    int me = starpu_worker_get_id();
    tb_run_task(current_graph, current_slots,
                tb_scratch_of(current_graph, current_scratch,
                              me >= 0 ? me : (int)starpu_cpu_worker_get_count()),
                t, x);
}

static struct starpu_codelet task_codelet = {
    .cpu_funcs = {run_task},
    .nbuffers = STARPU_VARIABLE_NBUFFERS,
    .name = "taskbench",
};

static int tb_starpu_setup(int workers)
{
    char ncpu[16];
    snprintf(ncpu, sizeof ncpu, "%d", workers);
    setenv("STARPU_NCPU", ncpu, 1);
    setenv("STARPU_SILENT", "1", 0);
    struct starpu_conf conf;
    starpu_conf_init(&conf);
    conf.ncpus = workers;
    conf.ncuda = 0;
    conf.nopencl = 0;
    if (getenv("STARPU_SCHED") == NULL)
        conf.sched_policy_name = TB_STARPU_SCHED;
    if (starpu_init(&conf) != 0)
        return -1;
    return (int)starpu_cpu_worker_get_count() == workers ? 0 : -1;
}

static void tb_starpu_teardown(void)
{
    starpu_shutdown();
}

static double tb_starpu_run(const tb_graph *g, tb_slot *slots, void *scratch)
{
    current_graph = g;
    current_slots = slots;
    current_scratch = scratch;
    long fields = tb_fields(g);
    size_t nslots = (size_t)fields * (size_t)g->width;
    starpu_data_handle_t *h = malloc(nslots * sizeof *h);
    struct starpu_data_descr *descr = malloc((size_t)(1 + tb_max_deps(g)) * sizeof *descr);
    if (h == NULL || descr == NULL)
        tb_die("out of memory");
    for (size_t i = 0; i < nslots; i++)
        starpu_variable_data_register(&h[i], STARPU_MAIN_RAM, (uintptr_t)&slots[i],
                                      sizeof slots[i]);
    double t0 = tb_now();
    for (long t = 0; t < g->steps; t++)
        for (long x = tb_offset(g, t), e = x + tb_width_at(g, t); x < e; x++) {
            long deps[TB_MAX_WIDTH];
            int n = tb_deps(g, t, x, deps);
            descr[0] = (struct starpu_data_descr){h[tb_slot_index(g, fields, t, x)], STARPU_RW};
            for (int i = 0; i < n; i++)
                descr[1 + i] = (struct starpu_data_descr){
                    h[tb_slot_index(g, fields, t - 1, deps[i])], STARPU_R};
            if (starpu_task_insert(&task_codelet, STARPU_DATA_MODE_ARRAY, descr, 1 + n,
                                   STARPU_VALUE, &t, sizeof t, STARPU_VALUE, &x, sizeof x,
                                   0) != 0)
                tb_die("starpu_task_insert failed");
        }
    starpu_task_wait_for_all();
    double seconds = tb_now() - t0;
    for (size_t i = 0; i < nslots; i++)
        starpu_data_unregister(h[i]);
    free(descr);
    free(h);
    return seconds;
}

const tb_system tb_system_impl = {"starpu", tb_starpu_setup, tb_starpu_teardown, tb_starpu_run};
