/* bench/taskbench_main.c — the main() of every taskbench system binary: one process
 * runs one granularity sweep of one graph once.
 *
 *     bench-taskbench-<system> taskbench WORKERS SPEC SWEEP
 *
 * SPEC is a graph (taskbench_core.h, tb_parse: "stencil_1d,compute_bound,width=2"), SWEEP
 * its sweep ("HI:LO:BUDGET:MINTASKS:MAXTASKS", tb_sweep_parse). The process starts the
 * system with WORKERS threads, warms it up on a small graph, then runs each point of the
 * sweep once, from the largest tasks to the smallest, checking every point's outputs
 * against a serial evaluation. Like harness.c it prints
 *
 *     t=SECONDS                    one line per point, in sweep order
 *     check=HEX tasks=N            a hash of every point's checksum; tasks of all points
 *
 * and bench-driver (taskbench_driver.c) turns the points into efficiencies and METG.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "taskbench_system.h"

double tb_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void tb_die(const char *msg)
{
    fprintf(stderr, "bench-taskbench-%s: %s\n", tb_system_impl.name, msg);
    exit(1);
}

/* Run `g` once on the system; die if its outputs differ from the serial evaluation. */
static double run_checked(const tb_graph *g, void *scratch, uint64_t *checksum)
{
    tb_slot *slots = tb_slots_new(g);
    if (slots == NULL)
        tb_die("out of memory");
    double seconds = tb_system_impl.run(g, slots, scratch);
    uint64_t got = tb_checksum(g, slots), want = tb_expected_checksum(g);
    free(slots);
    if (got != want) {
        char what[256], msg[400];
        tb_describe(g, what, sizeof what);
        snprintf(msg, sizeof msg, "wrong outputs (%s, steps=%ld, iterations=%ld)", what,
                 g->steps, g->iterations);
        tb_die(msg);
    }
    *checksum = got;
    return seconds;
}

int main(int argc, char **argv)
{
    if (argc != 5 || strcmp(argv[1], "taskbench") != 0) {
        fprintf(stderr, "usage: bench-taskbench-%s taskbench WORKERS SPEC SWEEP\n",
                tb_system_impl.name);
        return argc >= 2 && strcmp(argv[1], "taskbench") != 0 ? 3 : 1;
    }
    int workers = atoi(argv[2]);
    tb_graph base;
    tb_sweep sweep;
    char err[200];
    if (workers < 1)
        tb_die("need at least one worker");
    if (tb_parse(&base, argv[3], err, sizeof err) != 0)
        tb_die(err);
    if (tb_sweep_parse(&sweep, argv[4]) != 0)
        tb_die("bad sweep (HI:LO:BUDGET:MINTASKS:MAXTASKS)");
    void *scratch = NULL;
    if (base.kernel == TB_MEMORY_BOUND && (scratch = tb_scratch_new(&base, workers + 1)) == NULL)
        tb_die("out of memory");
    if (tb_system_impl.setup(workers) != 0)
        tb_die("could not start the system");

    /* Warm-up: the smallest tasks of the sweep, a tenth of the steps. */
    int points = tb_sweep_points(&base, &sweep);
    tb_graph warm = tb_sweep_graph(&base, &sweep, points - 1);
    warm.steps = warm.steps / 10 > 2 ? warm.steps / 10 : 2;
    uint64_t sum;
    run_checked(&warm, scratch, &sum);

    uint64_t check = 0x7a5c;
    long tasks = 0;
    for (int k = 0; k < points; k++) {
        tb_graph g = tb_sweep_graph(&base, &sweep, k);
        double seconds = run_checked(&g, scratch, &sum);
        printf("t=%.9g\n", seconds);
        check = (check ^ sum) * 0x100000001B3ull;
        tasks += tb_tasks(&g);
    }
    printf("check=%016" PRIx64 " tasks=%ld\n", check, tasks);
    fflush(stdout);
    tb_system_impl.teardown();
    free(scratch);
    return 0;
}
