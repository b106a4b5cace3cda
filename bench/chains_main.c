/* bench/chains_main.c — the main() of every chains system binary: one process runs the
 * benchmark once.
 *
 *     bench-chains-<system> chains WORKERS TASKS NCHAINS
 *
 * It starts the system with WORKERS threads, warms it up with a tenth of the tasks, then
 * times TASKS tasks (TASKS / NCHAINS steps of NCHAINS chains) and checks that every
 * chain's counter went up by exactly its number of steps. It prints, like harness.c,
 *
 *     t=SECONDS
 *     check=TASKS tasks=TASKS
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chains.h"

double chains_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void chains_die(const char *msg)
{
    fprintf(stderr, "bench-chains-%s: %s\n", chains_system_impl.name, msg);
    exit(1);
}

/* Run `steps` steps on fresh counters; die unless each chain counted them all. */
static double run_checked(chains_counter *counters, int nchains, long steps)
{
    for (int c = 0; c < nchains; c++)
        counters[c].count = 0;
    double seconds = chains_system_impl.run(counters, nchains, steps);
    for (int c = 0; c < nchains; c++)
        if (counters[c].count != (uint64_t)steps)
            chains_die("a chain did not run each of its tasks exactly once");
    return seconds;
}

int main(int argc, char **argv)
{
    if (argc != 5 || strcmp(argv[1], "chains") != 0) {
        fprintf(stderr, "usage: bench-chains-%s chains WORKERS TASKS NCHAINS\n",
                chains_system_impl.name);
        return argc >= 2 && strcmp(argv[1], "chains") != 0 ? 3 : 1;
    }
    int workers = atoi(argv[2]), nchains = atoi(argv[4]);
    long tasks = atol(argv[3]);
    if (workers < 1 || nchains < 1 || tasks < nchains)
        chains_die("need WORKERS >= 1, NCHAINS >= 1 and TASKS >= NCHAINS");
    long steps = tasks / nchains;
    chains_counter *counters = aligned_alloc(sizeof(chains_counter),
                                             (size_t)nchains * sizeof(chains_counter));
    if (counters == NULL)
        chains_die("out of memory");
    if (chains_system_impl.setup(workers) != 0)
        chains_die("could not start the system");
    run_checked(counters, nchains, steps / 10 > 0 ? steps / 10 : 1); /* warm-up */
    double seconds = run_checked(counters, nchains, steps);
    printf("t=%.9g\ncheck=%ld tasks=%ld\n", seconds, steps * nchains, steps * nchains);
    fflush(stdout);
    chains_system_impl.teardown();
    free(counters);
    return 0;
}
