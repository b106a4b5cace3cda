/* test_runtime.c — runtime lifecycle, configuration, topology, worker identity, the
 * default runtime, misuse (NULL, destroyed handles, destroying from inside) and
 * destroying a runtime while its work is still in flight. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pel.h>

#include "check.h"

static pel_runtime *runtime_new(int workers)
{
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = workers;
    pel_runtime *rt = NULL;
    CHECK_OK(pel_runtime_create(&cfg, &rt));
    CHECK(rt != NULL);
    return rt;
}

/* CPUs this process may run on. */
static int usable_cpus(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CHECK_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
    return CPU_COUNT(&set);
}

/* ---- configuration ----------------------------------------------------------------- */

static void test_config_defaults(void)
{
    pel_config cfg;
    memset(&cfg, 0x5a, sizeof(cfg));
    pel_config_init(&cfg);
    CHECK_EQ(cfg.num_workers, 0);
    CHECK_EQ(cfg.pin, -1);
    CHECK_EQ(cfg.spin_us, -1);
}

static void check_topology(pel_runtime *rt, int workers)
{
    pel_topology topo;
    memset(&topo, 0xff, sizeof(topo));
    CHECK_OK(pel_runtime_topology(rt, &topo));
    CHECK_GE(topo.packages, 1);
    CHECK_GE(topo.cores, 1);
    CHECK_GE(topo.pus, 1);
    CHECK_LE(topo.cores, topo.pus);
    CHECK_LE(topo.packages, topo.cores);
    CHECK_LE(topo.pus, CPU_SETSIZE);
    CHECK(topo.from_hwloc == 0 || topo.from_hwloc == 1);
    CHECK(topo.pinned == 0 || topo.pinned == 1);
    CHECK_EQ(topo.num_workers, workers);
    CHECK_OK(pel_runtime_topology(rt, &topo)); /* twice: nothing consumed */
    CHECK_EQ(topo.num_workers, workers);

    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    CHECK_EQ(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
    for (int w = 0; w < workers; w++) {
        int cpu = pel_runtime_worker_cpu(rt, w);
        if (topo.pinned) {
            CHECK_GE(cpu, 0);
            CHECK_LT(cpu, CPU_SETSIZE);
            CHECK(CPU_ISSET(cpu, &allowed));
        } else {
            CHECK_EQ(cpu, -1);
        }
    }
    CHECK_RC(pel_runtime_worker_cpu(rt, -1), PEL_EINVAL);
    CHECK_RC(pel_runtime_worker_cpu(rt, workers), PEL_EINVAL);
    CHECK_RC(pel_runtime_worker_cpu(rt, workers + 1000), PEL_EINVAL);
    CHECK_RC(pel_runtime_worker_cpu(rt, -1000000), PEL_EINVAL);
}

/* A runtime starts exactly one thread per worker, and destroy joins them all. */
static void test_create_counts(void)
{
    const int cpus = usable_cpus();
    const int counts[] = {1, 2, 3, 8, 4 * cpus + 3, test_workers()};
    const int base_threads = test_base_thread_count();
    CHECK_GE(base_threads, 1);
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        pel_runtime *rt = runtime_new(counts[i]);
        CHECK_EQ(test_thread_count(), base_threads + counts[i]);
        CHECK_EQ(pel_runtime_num_workers(rt), counts[i]);
        check_topology(rt, counts[i]);
        if (counts[i] > cpus) { /* pin = -1 never pins more workers than CPUs */
            pel_topology topo;
            CHECK_OK(pel_runtime_topology(rt, &topo));
            CHECK_EQ(topo.pinned, 0);
        }
        CHECK_OK(pel_runtime_destroy(rt));
        /* A joined thread may still be counted for a moment while the kernel reaps it. */
        double deadline = test_now() + 5;
        while (test_thread_count() > base_threads && test_now() < deadline) test_sleep_ms(1);
        CHECK_EQ(test_thread_count(), base_threads);
    }
}

static void test_create_pinning(void)
{
    const int pins[] = {0, 1, -1};
    for (size_t i = 0; i < 3; i++) {
        pel_config cfg;
        pel_config_init(&cfg);
        cfg.num_workers = test_workers();
        cfg.pin = pins[i];
        pel_runtime *rt = NULL;
        CHECK_OK(pel_runtime_create(&cfg, &rt));
        check_topology(rt, cfg.num_workers);
        if (pins[i] == 0) {
            pel_topology topo;
            CHECK_OK(pel_runtime_topology(rt, &topo));
            CHECK_EQ(topo.pinned, 0);
        }
        CHECK_OK(pel_runtime_destroy(rt));
    }
}

static void test_create_spin(void)
{
    const int spins[] = {0, 1, 1000};
    for (size_t i = 0; i < 3; i++) {
        pel_config cfg;
        pel_config_init(&cfg);
        cfg.num_workers = test_workers();
        cfg.spin_us = spins[i];
        pel_runtime *rt = NULL;
        CHECK_OK(pel_runtime_create(&cfg, &rt));
        CHECK_OK(pel_runtime_destroy(rt));
    }
}

/* A bad setting fails with PEL_EINVAL and leaves *out alone. */
static void check_create_fails(const pel_config *cfg, int expected)
{
    pel_runtime *sentinel = (pel_runtime *)&sentinel, *rt = sentinel;
    CHECK_RC(pel_runtime_create(cfg, &rt), expected);
    CHECK(rt == sentinel);
}

static void test_create_invalid(void)
{
    pel_config cfg;
    const int bad_workers[] = {-1, -1000, 4097, 1 << 30};
    for (size_t i = 0; i < 4; i++) {
        pel_config_init(&cfg);
        cfg.num_workers = bad_workers[i];
        check_create_fails(&cfg, PEL_EINVAL);
    }
    const int bad_pins[] = {-2, 2, 100};
    for (size_t i = 0; i < 3; i++) {
        pel_config_init(&cfg);
        cfg.num_workers = 1;
        cfg.pin = bad_pins[i];
        check_create_fails(&cfg, PEL_EINVAL);
    }
    pel_config_init(&cfg);
    cfg.num_workers = 1;
    cfg.spin_us = -2;
    check_create_fails(&cfg, PEL_EINVAL);

    pel_config_init(&cfg);
    cfg.num_workers = 1;
    CHECK_RC(pel_runtime_create(&cfg, NULL), PEL_EINVAL);
    CHECK_RC(pel_runtime_create(NULL, NULL), PEL_EINVAL);
}

/* ---- PEL_NUM_WORKERS --------------------------------------------------------------- */

static void test_env_workers(void)
{
    const char *saved = getenv("PEL_NUM_WORKERS");
    char *saved_copy = saved ? strdup(saved) : NULL;
    pel_config cfg;
    pel_config_init(&cfg);

    CHECK_EQ(setenv("PEL_NUM_WORKERS", "3", 1), 0);
    pel_runtime *rt = NULL;
    CHECK_OK(pel_runtime_create(&cfg, &rt));
    CHECK_EQ(pel_runtime_num_workers(rt), 3);
    CHECK_OK(pel_runtime_destroy(rt));
    CHECK_OK(pel_runtime_create(NULL, &rt)); /* NULL config: the same defaults */
    CHECK_EQ(pel_runtime_num_workers(rt), 3);
    CHECK_OK(pel_runtime_destroy(rt));

    const char *malformed[] = {"abc", "0", "-3", "99999", "3x", ""};
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        CHECK_EQ(setenv("PEL_NUM_WORKERS", malformed[i], 1), 0);
        pel_runtime *sentinel = (pel_runtime *)&sentinel;
        rt = sentinel;
        int rc = pel_runtime_create(&cfg, &rt);
        if (rc != PEL_EINVAL)
            CHECK_FAIL_("PEL_NUM_WORKERS=\"%s\": create returned %s, expected PEL_EINVAL",
                        malformed[i], pel_errname(rc));
        CHECK(rt == sentinel);
        /* An explicit worker count does not look at the environment. */
        pel_config explicit_cfg = cfg;
        explicit_cfg.num_workers = 2;
        CHECK_OK(pel_runtime_create(&explicit_cfg, &rt));
        CHECK_EQ(pel_runtime_num_workers(rt), 2);
        CHECK_OK(pel_runtime_destroy(rt));
    }

    /* Unset: the CPUs this process may use (affinity mask, perhaps capped by a quota). */
    CHECK_EQ(unsetenv("PEL_NUM_WORKERS"), 0);
    CHECK_OK(pel_runtime_create(&cfg, &rt));
    int n = pel_runtime_num_workers(rt);
    CHECK_GE(n, 1);
    CHECK_LE(n, usable_cpus());
    CHECK_OK(pel_runtime_destroy(rt));

    if (saved_copy) CHECK_EQ(setenv("PEL_NUM_WORKERS", saved_copy, 1), 0);
    free(saved_copy);
}

/* The default runtime cannot be created with a malformed PEL_NUM_WORKERS: checked in a
 * child process, since the default runtime is created once per process. */
static void test_default_malformed_env(void)
{
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        if (setenv("PEL_NUM_WORKERS", "abc", 1) != 0) _exit(10);
        if (pel_runtime_default() != NULL) _exit(11);
        if (pel_runtime_default_error() != PEL_EINVAL) _exit(12);
        if (pel_runtime_default() != NULL) _exit(13); /* still failing, no crash */
        pel_group g;
        if (pel_group_init(&g, NULL) != PEL_EINVAL) _exit(14);
        if (pel_runtime_num_workers(NULL) >= 0) _exit(15);
        _exit(0);
    }
    int status = 0;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status));
    if (WEXITSTATUS(status) != 0)
        CHECK_FAIL_("default runtime with PEL_NUM_WORKERS=abc: child check %d failed",
                    WEXITSTATUS(status));
}

/* ---- worker identity --------------------------------------------------------------- */

typedef struct index_probe {
    int workers;
    _Atomic int bad;
    _Atomic int seen[64];
} index_probe;

static int record_index(void *arg)
{
    index_probe *p = arg;
    int w = pel_worker_index();
    if (w < 0 || w >= p->workers) {
        atomic_store_explicit(&p->bad, 1, memory_order_relaxed);
        return 1;
    }
    if (w < 64) atomic_fetch_add_explicit(&p->seen[w], 1, memory_order_relaxed);
    return 0;
}

static void test_worker_index(void)
{
    CHECK_EQ(pel_worker_index(), -1);
    const int counts[] = {1, test_workers()};
    for (size_t i = 0; i < 2; i++) {
        pel_runtime *rt = runtime_new(counts[i]);
        index_probe probe;
        memset(&probe, 0, sizeof(probe));
        probe.workers = counts[i];
        pel_group g;
        CHECK_OK(pel_group_init(&g, rt));
        for (int k = 0; k < 2000; k++) CHECK_OK(pel_group_spawn(&g, record_index, &probe));
        CHECK_OK(pel_group_wait(&g));
        CHECK_EQ(atomic_load(&probe.bad), 0);
        long total = 0;
        for (int w = 0; w < 64; w++) total += atomic_load(&probe.seen[w]);
        CHECK_EQ(total, 2000);
        CHECK_EQ(pel_worker_index(), -1);
        CHECK_OK(pel_runtime_destroy(rt));
    }
}

/* ---- misuse ----------------------------------------------------------------------- */

static int count_task(void *arg)
{
    atomic_fetch_add_explicit((_Atomic int *)arg, 1, memory_order_relaxed);
    return 0;
}

static int noop_body(size_t lo, size_t hi, void *ctx)
{
    (void)lo, (void)hi, (void)ctx;
    return 0;
}

static void test_destroyed_handle(void)
{
    pel_runtime *rt = runtime_new(test_workers());
    pel_group before;
    CHECK_OK(pel_group_init(&before, rt)); /* initialised while alive, never spawned into */
    CHECK_OK(pel_runtime_destroy(rt));

    CHECK_RC(pel_runtime_destroy(rt), PEL_EDESTROYED);
    CHECK_RC(pel_runtime_num_workers(rt), PEL_EDESTROYED);
    pel_topology topo;
    CHECK_RC(pel_runtime_topology(rt, &topo), PEL_EDESTROYED);
    CHECK_RC(pel_runtime_worker_cpu(rt, 0), PEL_EDESTROYED);
    pel_group g;
    CHECK_RC(pel_group_init(&g, rt), PEL_EDESTROYED);
    _Atomic int ran = 0;
    CHECK_RC(pel_group_spawn(&before, count_task, &ran), PEL_EDESTROYED);
    CHECK_RC(pel_parallel_for(rt, 0, 100, 0, noop_body, NULL), PEL_EDESTROYED);
    CHECK_EQ(atomic_load(&ran), 0);

    /* Many create/destroy cycles, each handle then checked as destroyed. */
    pel_runtime *old[16];
    for (int k = 0; k < 16; k++) {
        old[k] = runtime_new(1 + k % 3);
        CHECK_OK(pel_runtime_destroy(old[k]));
    }
    for (int k = 0; k < 16; k++) CHECK_RC(pel_runtime_num_workers(old[k]), PEL_EDESTROYED);
    CHECK_RC(pel_runtime_destroy(rt), PEL_EDESTROYED);
}

static void test_null_args(void)
{
    CHECK_RC(pel_runtime_destroy(NULL), PEL_EINVAL);
    pel_runtime *rt = runtime_new(1);
    CHECK_RC(pel_runtime_topology(rt, NULL), PEL_EINVAL);
    CHECK_OK(pel_runtime_destroy(rt));
}

typedef struct self_destroy {
    pel_runtime *rt;
    _Atomic int rc;
} self_destroy;

static int destroy_own_runtime(void *arg)
{
    self_destroy *s = arg;
    atomic_store(&s->rc, pel_runtime_destroy(s->rt));
    return 0;
}

/* A loop body may not destroy its runtime either (the loop runs inside a task, so that
 * every body runs on a worker of the runtime). */
static int destroy_from_loop(size_t lo, size_t hi, void *ctx)
{
    (void)lo, (void)hi;
    self_destroy *s = ctx;
    int rc = pel_runtime_destroy(s->rt);
    if (rc != PEL_EDEADLK) atomic_store(&s->rc, rc);
    return 0;
}

static int loop_task(void *arg)
{
    self_destroy *s = arg;
    return pel_parallel_for(s->rt, 0, 64, 1, destroy_from_loop, s);
}

/* A task of one runtime may create, use and destroy another runtime. */
static int other_runtime_task(void *arg)
{
    (void)arg;
    pel_runtime *inner = runtime_new(2);
    pel_group g;
    _Atomic int ran = 0;
    CHECK_OK(pel_group_init(&g, inner));
    for (int k = 0; k < 10; k++) CHECK_OK(pel_group_spawn(&g, count_task, &ran));
    CHECK_OK(pel_group_wait(&g));
    CHECK_EQ(atomic_load(&ran), 10);
    return pel_runtime_destroy(inner);
}

static void test_destroy_from_task(void)
{
    self_destroy s = {runtime_new(test_workers()), 12345};
    pel_group g;
    CHECK_OK(pel_group_init(&g, s.rt));
    CHECK_OK(pel_group_spawn(&g, destroy_own_runtime, &s));
    CHECK_OK(pel_group_wait(&g));
    CHECK_RC(atomic_load(&s.rc), PEL_EDEADLK);
    atomic_store(&s.rc, PEL_EDEADLK);
    CHECK_OK(pel_group_spawn(&g, loop_task, &s));
    CHECK_OK(pel_group_wait(&g));
    CHECK_RC(atomic_load(&s.rc), PEL_EDEADLK);
    /* The runtime still works. */
    _Atomic int ran = 0;
    CHECK_OK(pel_group_spawn(&g, count_task, &ran));
    CHECK_OK(pel_group_wait(&g));
    CHECK_EQ(atomic_load(&ran), 1);
    CHECK_OK(pel_group_spawn(&g, other_runtime_task, NULL));
    CHECK_OK(pel_group_wait(&g));
    CHECK_OK(pel_runtime_destroy(s.rt));
}

/* ---- destroy with work in flight ----------------------------------------------------- */

#define INFLIGHT_TASKS 48

typedef struct inflight {
    pel_group group;            /* owned by the spawning thread; never reused */
    _Atomic int runs[2 * INFLIGHT_TASKS];
    _Atomic int spawned;        /* the spawning thread has spawned every task */
    _Atomic int child_rc;
    int index[2 * INFLIGHT_TASKS];
} inflight;

static inflight *flight;

/* Sleeps a little (so destroy finds it running or queued), spawns a child into the same
 * group (work spawned by work in flight), and counts itself. */
static int sleepy_task(void *arg)
{
    int i = *(int *)arg;
    test_sleep_ms(1 + i % 4);
    if (i < INFLIGHT_TASKS) {
        int rc = pel_group_spawn(&flight->group, sleepy_task, &flight->index[i + INFLIGHT_TASKS]);
        if (rc != PEL_OK) atomic_store(&flight->child_rc, rc);
    }
    atomic_fetch_add_explicit(&flight->runs[i], 1, memory_order_relaxed);
    return 0;
}

static void *spawner_main(void *arg)
{
    pel_runtime *rt = arg;
    CHECK_OK(pel_group_init(&flight->group, rt));
    for (int i = 0; i < INFLIGHT_TASKS; i++)
        CHECK_OK(pel_group_spawn(&flight->group, sleepy_task, &flight->index[i]));
    atomic_store(&flight->spawned, 1);
    return NULL;
}

static void check_all_ran_once(void)
{
    CHECK_RC(atomic_load(&flight->child_rc), PEL_OK);
    for (int i = 0; i < 2 * INFLIGHT_TASKS; i++)
        if (atomic_load(&flight->runs[i]) != 1)
            CHECK_FAIL_("task %d ran %d times", i, atomic_load(&flight->runs[i]));
}

static void test_destroy_in_flight(void)
{
    for (int round = 0; round < 3; round++) {
        flight = calloc(1, sizeof(*flight));
        CHECK(flight != NULL);
        for (int i = 0; i < 2 * INFLIGHT_TASKS; i++) flight->index[i] = i;
        pel_runtime *rt = runtime_new(test_workers());
        pthread_t tid;
        CHECK_EQ(pthread_create(&tid, NULL, spawner_main, rt), 0);
        CHECK_EQ(pthread_join(tid, NULL), 0); /* the spawner leaves without waiting */
        CHECK_EQ(atomic_load(&flight->spawned), 1);
        CHECK_OK(pel_runtime_destroy(rt)); /* waits for all tasks and their children */
        check_all_ran_once();
        free(flight);
    }

    /* The same with the spawner still alive while main destroys. */
    flight = calloc(1, sizeof(*flight));
    CHECK(flight != NULL);
    for (int i = 0; i < 2 * INFLIGHT_TASKS; i++) flight->index[i] = i;
    pel_runtime *rt = runtime_new(test_workers());
    pthread_t tid;
    CHECK_EQ(pthread_create(&tid, NULL, spawner_main, rt), 0);
    while (!atomic_load(&flight->spawned)) sched_yield();
    CHECK_OK(pel_runtime_destroy(rt));
    check_all_ran_once();
    CHECK_EQ(pthread_join(tid, NULL), 0);
    free(flight);
}

/* ---- concurrency of create and destroy --------------------------------------------- */

static void *create_destroy_main(void *arg)
{
    int id = *(int *)arg;
    for (int round = 0; round < 6; round++) {
        pel_runtime *rt = runtime_new(1 + (id + round) % 3);
        pel_group g;
        _Atomic int ran = 0;
        CHECK_OK(pel_group_init(&g, rt));
        for (int k = 0; k < 50; k++) CHECK_OK(pel_group_spawn(&g, count_task, &ran));
        CHECK_OK(pel_group_wait(&g));
        CHECK_EQ(atomic_load(&ran), 50);
        CHECK_OK(pel_runtime_destroy(rt));
        CHECK_RC(pel_runtime_destroy(rt), PEL_EDESTROYED);
    }
    return NULL;
}

/* create and destroy are thread-safe: several threads at once, each with its own
 * runtimes. */
static void test_concurrent_create(void)
{
    enum { THREADS = 6 };
    pthread_t tid[THREADS];
    int ids[THREADS];
    for (int t = 0; t < THREADS; t++) {
        ids[t] = t;
        CHECK_EQ(pthread_create(&tid[t], NULL, create_destroy_main, &ids[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) CHECK_EQ(pthread_join(tid[t], NULL), 0);
}

/* Two threads destroy the same runtime at once: exactly one succeeds. */
typedef struct racing_destroy {
    pel_runtime *rt;
    _Atomic int go;
    int rc[2];
} racing_destroy;

static racing_destroy race;

static void *destroy_racer(void *arg)
{
    int id = *(int *)arg;
    while (!atomic_load(&race.go)) sched_yield();
    race.rc[id] = pel_runtime_destroy(race.rt);
    return NULL;
}

static void test_racing_destroy(void)
{
    for (int round = 0; round < 10; round++) {
        race.rt = runtime_new(test_workers());
        atomic_store(&race.go, 0);
        pthread_t tid[2];
        int ids[2] = {0, 1};
        for (int t = 0; t < 2; t++)
            CHECK_EQ(pthread_create(&tid[t], NULL, destroy_racer, &ids[t]), 0);
        atomic_store(&race.go, 1);
        for (int t = 0; t < 2; t++) CHECK_EQ(pthread_join(tid[t], NULL), 0);
        int ok = (race.rc[0] == PEL_OK) + (race.rc[1] == PEL_OK);
        int destroyed = (race.rc[0] == PEL_EDESTROYED) + (race.rc[1] == PEL_EDESTROYED);
        if (ok != 1 || destroyed != 1)
            CHECK_FAIL_("racing destroys returned %s and %s", pel_errname(race.rc[0]),
                        pel_errname(race.rc[1]));
    }
}

/* ---- the default runtime ----------------------------------------------------------- */

static int sum_body(size_t lo, size_t hi, void *acc, void *ctx)
{
    (void)ctx;
    for (size_t i = lo; i < hi; i++) *(uint64_t *)acc += i;
    return 0;
}

static void sum_combine(void *acc, const void *other, void *ctx)
{
    (void)ctx;
    *(uint64_t *)acc += *(const uint64_t *)other;
}

static void *default_lookup(void *arg)
{
    *(pel_runtime **)arg = pel_runtime_default();
    return NULL;
}

static void test_default_runtime(void)
{
    /* First use from several threads at once: one runtime for all. */
    pel_runtime *seen[6];
    pthread_t tid[6];
    for (int t = 0; t < 6; t++)
        CHECK_EQ(pthread_create(&tid[t], NULL, default_lookup, &seen[t]), 0);
    for (int t = 0; t < 6; t++) CHECK_EQ(pthread_join(tid[t], NULL), 0);
    pel_runtime *def = pel_runtime_default();
    for (int t = 0; t < 6; t++) CHECK(seen[t] == def);
    CHECK(def != NULL);
    CHECK(pel_runtime_default() == def);
    CHECK_OK(pel_runtime_default_error());
    int n = pel_runtime_num_workers(NULL);
    CHECK_GE(n, 1);
    CHECK_EQ(pel_runtime_num_workers(def), n);
    const char *env = getenv("PEL_NUM_WORKERS");
    if (env) CHECK_EQ(n, atoi(env));
    check_topology(def, n);
    pel_topology topo;
    CHECK_OK(pel_runtime_topology(NULL, &topo));
    CHECK_EQ(topo.num_workers, n);

    pel_group g;
    _Atomic int ran = 0;
    CHECK_OK(pel_group_init(&g, NULL));
    for (int k = 0; k < 100; k++) CHECK_OK(pel_group_spawn(&g, count_task, &ran));
    CHECK_OK(pel_group_wait(&g));
    CHECK_EQ(atomic_load(&ran), 100);

    uint64_t sum = 0, zero = 0;
    CHECK_OK(pel_parallel_reduce(NULL, 0, 100000, 0, &sum, &zero, sizeof(sum), sum_body,
                                 sum_combine, NULL));
    CHECK_EQ(sum, 100000ull * 99999ull / 2);

    CHECK_RC(pel_runtime_destroy(def), PEL_EINVAL);
    CHECK(pel_runtime_default() == def); /* still alive and usable */
    CHECK_OK(pel_group_init(&g, def));
    CHECK_OK(pel_group_spawn(&g, count_task, &ran));
    CHECK_OK(pel_group_wait(&g));
    CHECK_EQ(atomic_load(&ran), 101);
}

int main(void)
{
    test_default_malformed_env(); /* forks: before this process starts any thread */
    test_config_defaults();
    test_create_counts();
    test_create_pinning();
    test_create_spin();
    test_create_invalid();
    test_env_workers();
    test_worker_index();
    test_destroyed_handle();
    test_null_args();
    test_destroy_from_task();
    test_destroy_in_flight();
    test_concurrent_create();
    test_racing_destroy();
    test_default_runtime(); /* last: the default runtime lives until the process exits */
    return 0;
}
