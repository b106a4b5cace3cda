/* bench/taskbench_omp.c — the taskbench graph with OpenMP tasks: one thread of the team
 * (`single`) creates every task in timestep order, with depend(inout) on the task's own
 * output slot and depend(in) on each of its dependencies' slots (an iterator over the
 * list tb_deps gives), so the runtime derives the same graph pel does from its handles.
 *
 * The same source is built with gcc -fopenmp (libgomp, bench-taskbench-omp-gomp) and
 * clang -fopenmp=libomp (LLVM libomp, bench-taskbench-omp-libomp); BENCH_OMP_NAME says
 * which. The kernels are in taskbench_core.c, compiled by gcc for both. */
#include <omp.h>

#include "taskbench_system.h"

#ifndef BENCH_OMP_NAME
#error "BENCH_OMP_NAME must name the OpenMP runtime (omp-gomp or omp-libomp)"
#endif

static int omp_setup(int workers)
{
    omp_set_dynamic(0);
    omp_set_num_threads(workers);
    int started = 0;
#pragma omp parallel reduction(+ : started)
    started += 1;
    return started == workers ? 0 : -1;
}

static void omp_teardown(void)
{
}

/* gcc does not count the uses of `out` and `n` in the depend clauses. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
static void create_tasks(const tb_graph *g, tb_slot *slots, void *scratch)
{
    long fields = tb_fields(g);
    for (long t = 0; t < g->steps; t++)
        for (long x = tb_offset(g, t), e = x + tb_width_at(g, t); x < e; x++) {
            long deps[TB_MAX_WIDTH];
            int n = tb_deps(g, t, x, deps);
            tb_slot *out = &slots[tb_slot_index(g, fields, t, x)];
            /* The input slots' indices: deps[i] at timestep t-1 (t > 0 when n > 0). */
            for (int i = 0; i < n; i++)
                deps[i] = (long)tb_slot_index(g, fields, t - 1, deps[i]);
#pragma omp task default(none) firstprivate(g, slots, scratch, t, x) \
    depend(inout : out[0]) depend(iterator(int i = 0 : n), in : slots[deps[i]])
            tb_run_task(g, slots, tb_scratch_of(g, scratch, omp_get_thread_num()), t, x);
        }
}
#pragma GCC diagnostic pop

static double omp_run(const tb_graph *g, tb_slot *slots, void *scratch)
{
    double t0 = tb_now();
#pragma omp parallel
#pragma omp single
    create_tasks(g, slots, scratch);
    return tb_now() - t0;
}

const tb_system tb_system_impl = {BENCH_OMP_NAME, omp_setup, omp_teardown, omp_run};
