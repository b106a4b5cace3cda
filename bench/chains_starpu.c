/* bench/chains_starpu.c — chains with StarPU 1.3: one variable handle per chain
 * (starpu_variable_data_register on its counter), starpu_task_insert of an empty-bodied
 * CPU codelet with STARPU_RW on it, starpu_task_wait_for_all. STARPU_NCPU workers, no
 * CUDA or OpenCL; the scheduler is CHAINS_STARPU_SCHED unless STARPU_SCHED is set. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include <starpu.h>

#include "chains.h"

/* The scheduler: "lws" (locality work stealing) was the fastest of eager, lws, ws, prio
 * and dmda on this benchmark on a 2-core machine (see bench/README.md). */
#define CHAINS_STARPU_SCHED "lws"

static void bump(void *buffers[], void *cl_arg)
{
    (void)cl_arg;
    uint64_t *count = (uint64_t *)STARPU_VARIABLE_GET_PTR(buffers[0]);
    (*count)++;
}

static struct starpu_codelet bump_codelet = {
    .cpu_funcs = {bump},
    .nbuffers = 1,
    .modes = {STARPU_RW},
    .name = "bump",
};

static int chains_starpu_setup(int workers)
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
        conf.sched_policy_name = CHAINS_STARPU_SCHED;
    if (starpu_init(&conf) != 0)
        return -1;
    return (int)starpu_cpu_worker_get_count() == workers ? 0 : -1;
}

static void chains_starpu_teardown(void)
{
    starpu_shutdown();
}

static double chains_starpu_run(chains_counter *counters, int nchains, long steps)
{
    starpu_data_handle_t *h = malloc((size_t)nchains * sizeof *h);
    if (h == NULL)
        chains_die("out of memory");
    for (int c = 0; c < nchains; c++)
        starpu_variable_data_register(&h[c], STARPU_MAIN_RAM, (uintptr_t)&counters[c].count,
                                      sizeof counters[c].count);
    double t0 = chains_now();
    for (long s = 0; s < steps; s++)
        for (int c = 0; c < nchains; c++)
            if (starpu_task_insert(&bump_codelet, STARPU_RW, h[c], 0) != 0)
                chains_die("starpu_task_insert failed");
    starpu_task_wait_for_all();
    double seconds = chains_now() - t0;
    for (int c = 0; c < nchains; c++)
        starpu_data_unregister(h[c]);
    free(h);
    return seconds;
}

const chains_system chains_system_impl = {"starpu", chains_starpu_setup, chains_starpu_teardown,
                                          chains_starpu_run};
