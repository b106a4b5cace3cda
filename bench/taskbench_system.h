/* bench/taskbench_system.h — what each taskbench system binary provides to
 * taskbench_main.c: starting its threads, and running one graph. */
#ifndef PEL_BENCH_TASKBENCH_SYSTEM_H
#define PEL_BENCH_TASKBENCH_SYSTEM_H

#include "taskbench_core.h"

typedef struct tb_system {
    const char *name;
    /* Start with `workers` threads; 0 on success. */
    int (*setup)(int workers);
    void (*teardown)(void);
    /* Run every task of `g` exactly once, each after the tasks it depends on, calling
     * tb_run_task(g, slots, tb_scratch_of(g, scratch, i), t, x) where i is the running
     * thread's own index: 0 .. workers-1 for the system's workers, `workers` for one
     * other thread (a submitting thread that also runs tasks). Returns the seconds from just before the first
     * task is created to the end of the final wait; preparation (such as registering
     * data handles) and clean-up happen outside that interval. */
    double (*run)(const tb_graph *g, tb_slot *slots, void *scratch);
} tb_system;

extern const tb_system tb_system_impl;

/* tb_now: CLOCK_MONOTONIC in seconds. */
double tb_now(void);

/* tb_die: print "bench-taskbench-<system>: <message>" to stderr and exit with status 1. */
void tb_die(const char *msg) __attribute__((noreturn));

#endif /* PEL_BENCH_TASKBENCH_SYSTEM_H */
