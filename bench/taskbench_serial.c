/* bench/taskbench_serial.c — the taskbench graph run by one thread, timestep by timestep,
 * without any runtime: the work itself, and the answer the others are checked against. */
#include "taskbench_system.h"

static int serial_setup(int workers)
{
    return workers == 1 ? 0 : -1;
}

static void serial_teardown(void)
{
}

static double serial_run(const tb_graph *g, tb_slot *slots, void *scratch)
{
    void *own = tb_scratch_of(g, scratch, 0);
    double t0 = tb_now();
    for (long t = 0; t < g->steps; t++)
        for (long x = tb_offset(g, t), e = x + tb_width_at(g, t); x < e; x++)
            tb_run_task(g, slots, own, t, x);
    return tb_now() - t0;
}

const tb_system tb_system_impl = {"serial", serial_setup, serial_teardown, serial_run};
