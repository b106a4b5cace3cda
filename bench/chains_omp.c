/* bench/chains_omp.c — chains with OpenMP tasks: one thread of the team (`single`)
 * creates every task, `depend(inout: counters[c])` on its chain's counter.
 *
 * Built with gcc -fopenmp (libgomp, bench-chains-omp-gomp) and with clang
 * -fopenmp=libomp (LLVM libomp, bench-chains-omp-libomp); BENCH_OMP_NAME says which. */
#include <omp.h>

#include "chains.h"

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

static double omp_run(chains_counter *counters, int nchains, long steps)
{
    double t0 = chains_now();
#pragma omp parallel
#pragma omp single
    for (long s = 0; s < steps; s++)
        for (int c = 0; c < nchains; c++) {
#pragma omp task default(none) firstprivate(counters, c) depend(inout : counters[c])
            counters[c].count++;
        }
    return chains_now() - t0;
}

const chains_system chains_system_impl = {BENCH_OMP_NAME, omp_setup, omp_teardown, omp_run};
