/* test_park.c — parking and waking: work arriving at a runtime whose workers have gone to
 * sleep still runs (from the main thread, from another thread, fanned out by a task), a
 * waiter that parks is woken when the last task finishes, and an idle runtime does not
 * burn CPU. The only timing assertion is the generous idle-CPU bound. */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>

#include <pel.h>

#include "check.h"

static _Atomic long counter;

static int count_task(void *arg)
{
    (void)arg;
    atomic_fetch_add_explicit(&counter, 1, memory_order_relaxed);
    return 0;
}

static int sleep_then_count(void *arg)
{
    test_sleep_ms((long)(uintptr_t)arg);
    atomic_fetch_add_explicit(&counter, 1, memory_order_relaxed);
    return 0;
}

/* A task that fans out to `n` children (into its own nested group), so that parked
 * workers must be woken by a worker's spawns, not only by the injection of outside work. */
static pel_runtime *fan_rt;

static int fan_out(void *arg)
{
    long n = (long)(uintptr_t)arg;
    pel_group g;
    CHECK_OK(pel_group_init(&g, fan_rt));
    for (long k = 0; k < n; k++)
        CHECK_OK(pel_group_spawn(&g, sleep_then_count, (void *)(uintptr_t)1));
    return pel_group_wait(&g);
}

static int sum_body(size_t lo, size_t hi, void *ctx)
{
    (void)ctx;
    atomic_fetch_add_explicit(&counter, (long)(hi - lo), memory_order_relaxed);
    return 0;
}

static pel_runtime *runtime_new(int spin_us)
{
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = test_workers();
    cfg.spin_us = spin_us;
    pel_runtime *rt = NULL;
    CHECK_OK(pel_runtime_create(&cfg, &rt));
    return rt;
}

/* Rounds of: let the workers go idle (and park), then give them work. */
static void test_wake_after_idle(int spin_us, uint64_t seed)
{
    pel_runtime *rt = runtime_new(spin_us);
    fan_rt = rt;
    uint64_t rng = seed;
    test_sleep_ms(200);
    for (int round = 0; round < 50; round++) {
        atomic_store(&counter, 0);
        pel_group g;
        CHECK_OK(pel_group_init(&g, rt));
        long expected;
        switch (round % 4) {
        case 0: /* one task: a single wake-up */
            CHECK_OK(pel_group_spawn(&g, count_task, NULL));
            expected = 1;
            break;
        case 1: /* a burst from the main thread */
            for (int k = 0; k < 100; k++) CHECK_OK(pel_group_spawn(&g, count_task, NULL));
            expected = 100;
            break;
        case 2: /* one task that fans out from a worker */
            CHECK_OK(pel_group_spawn(&g, fan_out, (void *)(uintptr_t)(4 * test_workers())));
            expected = 4 * test_workers();
            break;
        default: /* a loop */
            CHECK_OK(pel_parallel_for(rt, 0, 10000, 0, sum_body, NULL));
            expected = 10000;
            break;
        }
        CHECK_OK(pel_group_wait(&g));
        if (atomic_load(&counter) != expected)
            CHECK_FAIL_("round %d: %ld tasks ran, expected %ld", round, atomic_load(&counter),
                        expected);
        test_sleep_ms(1 + (long)(test_rand(&rng) % 20));
    }
    CHECK_OK(pel_runtime_destroy(rt));
}

/* Work spawned by a thread that is neither a worker nor the group's owner, into the
 * owner's group, while the owner is parked in its wait. */
typedef struct late_spawn {
    pel_group *g;
    long delay_ms;
} late_spawn;

static void *late_spawner(void *arg)
{
    late_spawn *ls = arg;
    test_sleep_ms(ls->delay_ms);
    CHECK_OK(pel_group_spawn(ls->g, sleep_then_count, (void *)(uintptr_t)5));
    return NULL;
}

static int spawn_sibling_later(void *arg)
{
    pel_group *g = arg;
    test_sleep_ms(50);
    /* The waiter is parked by now; this spawn comes from a worker. */
    CHECK_OK(pel_group_spawn(g, sleep_then_count, (void *)(uintptr_t)50));
    return 0;
}

static void test_parked_waiter(void)
{
    pel_runtime *rt = runtime_new(-1);
    pel_group g;

    /* The main thread parks in the wait and is woken by the task's completion. */
    atomic_store(&counter, 0);
    CHECK_OK(pel_group_init(&g, rt));
    CHECK_OK(pel_group_spawn(&g, sleep_then_count, (void *)(uintptr_t)100));
    CHECK_OK(pel_group_wait(&g));
    CHECK_EQ(atomic_load(&counter), 1);

    /* A task adds a sibling to the group while the owner is parked. */
    atomic_store(&counter, 0);
    CHECK_OK(pel_group_spawn(&g, spawn_sibling_later, &g));
    CHECK_OK(pel_group_wait(&g));
    CHECK_EQ(atomic_load(&counter), 1);

    /* Another thread spawns into the group while its owner waits on a sleeping task. */
    atomic_store(&counter, 0);
    CHECK_OK(pel_group_spawn(&g, sleep_then_count, (void *)(uintptr_t)100));
    late_spawn ls = {&g, 20};
    pthread_t tid;
    CHECK_EQ(pthread_create(&tid, NULL, late_spawner, &ls), 0);
    CHECK_OK(pel_group_wait(&g));
    CHECK_EQ(pthread_join(tid, NULL), 0);
    CHECK_EQ(atomic_load(&counter), 2);

    /* A waiter that is a worker: a task waits on a group whose task sleeps. */
    atomic_store(&counter, 0);
    fan_rt = rt;
    CHECK_OK(pel_group_spawn(&g, fan_out, (void *)(uintptr_t)1));
    CHECK_OK(pel_group_wait(&g));
    CHECK_EQ(atomic_load(&counter), 1);
    CHECK_OK(pel_runtime_destroy(rt));
}

static double cpu_seconds(void)
{
    struct rusage ru;
    CHECK_EQ(getrusage(RUSAGE_SELF, &ru), 0);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* An idle runtime parks its workers: over 300 ms, the whole process uses well under a
 * fifth of one core (the issue asks for 1%; this only checks that workers do park). */
static void test_idle_cpu(void)
{
    pel_runtime *rt = runtime_new(-1);
    atomic_store(&counter, 0);
    CHECK_OK(pel_parallel_for(rt, 0, 100000, 0, sum_body, NULL)); /* wake everyone once */
    test_sleep_ms(100);
    double cpu0 = cpu_seconds(), t0 = test_now();
    test_sleep_ms(300);
    double cpu = cpu_seconds() - cpu0, wall = test_now() - t0;
    printf("idle: %.1f ms CPU over %.1f ms with %d workers\n", cpu * 1e3, wall * 1e3,
           test_workers());
    if (cpu > 0.2 * wall)
        CHECK_FAIL_("idle runtime used %.1f ms of CPU in %.1f ms", cpu * 1e3, wall * 1e3);
    CHECK_OK(pel_runtime_destroy(rt));
}

int main(void)
{
    uint64_t seed = test_seed(0x9a4c);
    test_wake_after_idle(-1, seed);
    test_wake_after_idle(0, seed + 1); /* park at once when idle */
    test_parked_waiter();
    test_idle_cpu();
    return 0;
}
