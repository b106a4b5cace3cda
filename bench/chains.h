/* bench/chains.h — the `chains` benchmark: NCHAINS independent chains of empty tasks, each
 * task declaring read-write access to its chain's one piece of data, submitted step by
 * step (for step: for chain: submit). It measures what a runtime pays per dependent task:
 * tracking the access, linking the task after its predecessor, running it, releasing its
 * successor. The task body only increments its chain's counter (which checks that every
 * task ran once, and that no two tasks of a chain ran at the same time unnoticed).
 *
 * Each system binary is chains_main.c plus one chains_<system>.c that fills in
 * chains_system_impl. */
#ifndef PEL_BENCH_CHAINS_H
#define PEL_BENCH_CHAINS_H

#include <stdint.h>

/* One chain's data, alone on its cache lines so that chains do not share any. */
typedef struct chains_counter {
    _Alignas(128) uint64_t count;
} chains_counter;

typedef struct chains_system {
    const char *name;
    /* Start with `workers` threads; 0 on success. */
    int (*setup)(int workers);
    void (*teardown)(void);
    /* Submit steps * nchains tasks, task (step, c) incrementing counters[c].count with
     * read-write access to it, and wait for all of them. Returns the seconds from just
     * before the first submission to the end of the wait (registering the data, where the
     * system has handles, is outside that interval). */
    double (*run)(chains_counter *counters, int nchains, long steps);
} chains_system;

extern const chains_system chains_system_impl;

/* chains_now: CLOCK_MONOTONIC in seconds. */
double chains_now(void);

/* chains_die: print "bench-chains-<system>: <message>" to stderr and exit with status 1. */
void chains_die(const char *msg) __attribute__((noreturn));

#endif /* PEL_BENCH_CHAINS_H */
