/* test_trace_toggle.c — tracing started and stopped while workers spawn and wait: the
 * plain-path cells (src/core/plain.c) through which tracing off costs the fork-join fast
 * path nothing.
 *
 * 1. The cells follow the trace: with none, every worker's cells hold the worker; right
 *    after a start both are NULL (no stream has been measured fine yet); after the stop,
 *    the worker again.
 * 2. A storm: a thread starts and stops traces (adaptive and full detail, random pauses)
 *    as fast as it can while the main thread runs fib on the workers. Every result is
 *    right, and once the storm is over (tracing off) every cell holds its worker again.
 * 3. Then one trace in each detail: the slices and their inlined counts account for every
 *    task of a fib exactly. A plain cell left stale while tracing would leave that
 *    worker's spawns unmarked and their tasks unrecorded, and the count would fall short.
 */
#include <pthread.h>

#include "core/internal.h"
#include "trace_check.h"

static pel_runtime *rt;
static int workers;

static long fib(int n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/* Both cells of every worker hold `expect_worker ? the worker : NULL`. */
static void check_cells(int expect_worker, const char *when)
{
    for (int i = 0; i < rt->nworkers; i++) {
        pel__worker *w = rt->workers[i];
        pel__worker *want = expect_worker ? w : NULL;
        pel__worker *spawn = atomic_load(w->spawn_cell), *wait = atomic_load(w->wait_cell);
        if (spawn != want || wait != want)
            CHECK_FAIL_("%s: worker %d: spawn cell %p, wait cell %p, want %p", when, i,
                        (void *)spawn, (void *)wait, (void *)want);
    }
}

static void test_cells_follow(void)
{
    /* Workers register their cells when their thread starts (under the registry's lock,
     * which pel__plain_registered takes too: the cells' addresses are then visible). */
    while (pel__plain_registered() < rt->nworkers) test_sleep_us(1000);
    CHECK_EQ(tr_run_fib(rt, 10), fib(10));
    check_cells(1, "no trace");
    CHECK_OK(pel_trace_start(NULL));
    check_cells(0, "adaptive trace started");
    CHECK_OK(pel_trace_stop());
    check_cells(1, "adaptive trace stopped");
    pel_trace_config full = {PEL_TRACE_FULL, 0};
    CHECK_OK(pel_trace_start(&full));
    check_cells(0, "full trace started");
    CHECK_OK(pel_trace_stop());
    check_cells(1, "full trace stopped");
}

static _Atomic int storm_over;
static long storm_toggles;

static void *storm(void *arg)
{
    uint64_t *seed = arg;
    for (long i = 0; i < storm_toggles; i++) {
        pel_trace_config cfg = {test_rand(seed) % 2 ? PEL_TRACE_FULL : PEL_TRACE_ADAPTIVE, 0};
        CHECK_OK(pel_trace_start(&cfg));
        test_sleep_us((long)(test_rand(seed) % 300));
        CHECK_OK(pel_trace_stop());
        test_sleep_us((long)(test_rand(seed) % 300));
    }
    atomic_store(&storm_over, 1);
    return NULL;
}

static void test_storm(void)
{
    uint64_t seed = test_seed(0x7a11c0de);
    storm_toggles = test_scaled(400, 40);
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, storm, &seed), 0);
    long runs = 0;
    while (!atomic_load(&storm_over)) {
        const int n = 12 + (int)(runs % 6);
        CHECK_EQ(tr_run_fib(rt, n), fib(n));
        runs++;
    }
    CHECK_EQ(pthread_join(th, NULL), 0);
    fprintf(stderr, "storm: %ld toggles during %ld runs of fib\n", storm_toggles, runs);
    CHECK_GT(runs, 0);
    check_cells(1, "after the storm");
}

/* One trace of fib(N) in `detail`: slices and inlined counts account for every task. */
static void check_accounting(int detail)
{
    const int N = TR_SANITIZED ? 16 : 20;
    const long tasks = 2 * fib(N + 1) - 1; /* tr_fib_task calls, the root included */
    pel_trace_config cfg = {detail, 0};
    CHECK_OK(pel_trace_start(&cfg));
    CHECK_EQ(tr_run_fib(rt, N), fib(N));
    CHECK_OK(pel_trace_stop());
    trace t;
    trace_capture(&t);
    trace_check_wellformed(&t, 1);
    long accounted = 0;
    size_t slices = 0;
    for (size_t i = 0; i < t.n; i++) {
        const tr_ev *e = &t.ev[i];
        if (!tr_is_task(e)) continue;
        CHECK_STREQ(e->name, "fib");
        slices++;
        accounted += 1 + (long)e->inlined;
    }
    fprintf(stderr, "%s after the storm: %ld tasks, %zu slices\n",
            detail == PEL_TRACE_FULL ? "full" : "adaptive", tasks, slices);
    CHECK_EQ(accounted, tasks);
    if (detail == PEL_TRACE_FULL) CHECK_EQ((long)slices, tasks);
    trace_free(&t);
    check_cells(1, "after the last trace");
}

int main(void)
{
    workers = test_workers();
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = workers;
    CHECK_OK(pel_runtime_create(&cfg, &rt));
    CHECK_OK(pel_trace_name((const void *)tr_fib_task, "fib"));
    test_cells_follow();
    test_storm();
    check_accounting(PEL_TRACE_FULL);
    check_accounting(PEL_TRACE_ADAPTIVE);
    CHECK_OK(pel_runtime_destroy(rt));
    return 0;
}
