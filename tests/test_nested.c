/* test_nested.c — nesting to any depth without deadlock:
 *   loops inside tasks inside loops (parallel_for -> group of tasks -> parallel_reduce ->
 *   parallel_for), checked against closed forms;
 *   a chain of 1000 nested groups, each with one spawn, started from the main thread and
 *   from a task, with an error travelling back up the whole chain;
 *   a chain alternating groups and loops;
 *   many threads that are not workers running loops at once on the same runtime;
 *   tasks of one runtime running loops on another.
 */
#include <pthread.h>
#include <stdatomic.h>

#include <pel.h>

#include "check.h"

static pel_runtime *rt;

/* ---- loops in tasks in loops ------------------------------------------------------- */

enum { OUTER = 48, TASKS = 6, INNER = 2000, LEAF = 8 };

/* f(i, t, k, l) = i*1000003 + t*1009 + k*7 + l; the leaf level is a parallel_for over l
 * that adds into an atomic, inside the reduce body over k. */
static uint64_t f(uint64_t i, uint64_t t, uint64_t k, uint64_t l)
{
    return i * 1000003u + t * 1009u + k * 7u + l;
}

typedef struct leaf_ctx {
    uint64_t i, t, k;
    _Atomic uint64_t sum;
} leaf_ctx;

static int leaf_body(size_t lo, size_t hi, void *ctx)
{
    leaf_ctx *c = ctx;
    uint64_t s = 0;
    for (size_t l = lo; l < hi; l++) s += f(c->i, c->t, c->k, l);
    atomic_fetch_add_explicit(&c->sum, s, memory_order_relaxed);
    return 0;
}

typedef struct task_ctx {
    uint64_t i, t;
    uint64_t result;
} task_ctx;

static int reduce_body(size_t lo, size_t hi, void *acc, void *ctx)
{
    task_ctx *tc = ctx;
    for (size_t k = lo; k < hi; k++) {
        if (k % 97 == 0) { /* every 97th k goes one level deeper */
            leaf_ctx lc = {tc->i, tc->t, k, 0};
            int rc = pel_parallel_for(rt, 0, LEAF, 1, leaf_body, &lc);
            if (rc != PEL_OK) return rc;
            *(uint64_t *)acc += atomic_load_explicit(&lc.sum, memory_order_relaxed);
        } else {
            for (uint64_t l = 0; l < LEAF; l++) *(uint64_t *)acc += f(tc->i, tc->t, k, l);
        }
    }
    return 0;
}

static void add_combine(void *acc, const void *other, void *ctx)
{
    (void)ctx;
    *(uint64_t *)acc += *(const uint64_t *)other;
}

/* The most threads seen in the process while the nested loops run: nesting must not
 * start threads beyond the workers. */
static _Atomic int max_threads;

static int reduce_task(void *arg)
{
    task_ctx *tc = arg;
    int n = test_thread_count();
    for (int m = atomic_load(&max_threads); n > m;)
        if (atomic_compare_exchange_weak(&max_threads, &m, n)) break;
    uint64_t zero = 0;
    return pel_parallel_reduce(rt, 0, INNER, 0, &tc->result, &zero, sizeof(uint64_t), reduce_body,
                               add_combine, tc);
}

typedef struct outer_ctx {
    uint64_t results[OUTER];
} outer_ctx;

static int outer_body(size_t lo, size_t hi, void *ctx)
{
    outer_ctx *oc = ctx;
    for (size_t i = lo; i < hi; i++) {
        task_ctx tasks[TASKS];
        pel_group g;
        int rc = pel_group_init(&g, rt);
        if (rc != PEL_OK) return rc;
        for (int t = 0; t < TASKS; t++) {
            tasks[t] = (task_ctx){i, (uint64_t)t, 0};
            CHECK_OK(pel_group_spawn(&g, reduce_task, &tasks[t]));
        }
        rc = pel_group_wait(&g);
        if (rc != PEL_OK) return rc;
        uint64_t s = 0;
        for (int t = 0; t < TASKS; t++) s += tasks[t].result;
        oc->results[i] = s;
    }
    return 0;
}

static void test_loops_in_tasks_in_loops(void)
{
    const size_t grains[] = {0, 1, 5};
    for (int g = 0; g < 3; g++) {
        outer_ctx *oc = calloc(1, sizeof(*oc));
        CHECK(oc != NULL);
        CHECK_OK(pel_parallel_for(rt, 0, OUTER, grains[g], outer_body, oc));
        for (uint64_t i = 0; i < OUTER; i++) {
            /* sum over t < TASKS, k < INNER, l < LEAF of f(i, t, k, l) */
            uint64_t n = (uint64_t)TASKS * INNER * LEAF;
            uint64_t expected = n * i * 1000003u +
                                (uint64_t)INNER * LEAF * 1009u * (TASKS * (TASKS - 1) / 2) +
                                (uint64_t)TASKS * LEAF * 7u * ((uint64_t)INNER * (INNER - 1) / 2) +
                                (uint64_t)TASKS * INNER * (LEAF * (LEAF - 1) / 2);
            if (oc->results[i] != expected)
                CHECK_FAIL_("grain %zu, i=%" PRIu64 ": %" PRIu64 ", expected %" PRIu64, grains[g],
                            i, oc->results[i], expected);
        }
        free(oc);
    }
}

/* ---- a chain of 1000 nested groups ----------------------------------------------------- */

enum { CHAIN = 1000 };

static _Atomic int chain_visits[CHAIN + 1];

/* arg: the remaining depth, offset by 2 so that it is never NULL or 1 as a pointer. The
 * innermost task fails with 77; each level returns what its wait returned. */
static int chain_task(void *arg)
{
    uintptr_t depth = (uintptr_t)arg - 2;
    atomic_fetch_add_explicit(&chain_visits[depth], 1, memory_order_relaxed);
    if (depth == 0) return 77;
    pel_group g;
    CHECK_OK(pel_group_init(&g, rt));
    CHECK_OK(pel_group_spawn(&g, chain_task, (void *)(depth - 1 + 2)));
    return pel_group_wait(&g);
}

static int chain_from_task(void *arg)
{
    (void)arg;
    return chain_task((void *)(uintptr_t)(CHAIN + 2));
}

static void check_chain(void)
{
    for (int d = 0; d <= CHAIN; d++) {
        if (atomic_load(&chain_visits[d]) != 1)
            CHECK_FAIL_("chain level %d ran %d times", d, atomic_load(&chain_visits[d]));
        atomic_store(&chain_visits[d], 0);
    }
}

static void test_deep_chain(void)
{
    /* Started from the main thread (not a worker). */
    CHECK_RC(chain_task((void *)(uintptr_t)(CHAIN + 2)), 77);
    check_chain();
    /* Started from a task. */
    pel_group g;
    CHECK_OK(pel_group_init(&g, rt));
    CHECK_OK(pel_group_spawn(&g, chain_from_task, NULL));
    CHECK_RC(pel_group_wait(&g), 77);
    check_chain();
    /* Several chains at once. */
    for (int k = 0; k < 4; k++)
        CHECK_OK(pel_group_spawn(&g, chain_task, (void *)(uintptr_t)(200 + 2)));
    CHECK_RC(pel_group_wait(&g), 77);
    for (int d = 0; d <= 200; d++) CHECK_EQ(atomic_load(&chain_visits[d]), 4);
    for (int d = 0; d <= CHAIN; d++) atomic_store(&chain_visits[d], 0);
}

/* Alternating: level d runs a parallel_for of 2 iterations if d is odd, a group of 2 tasks
 * if d is even; counts the leaves (2^depth of them). */
static _Atomic long alt_leaves;

static int alt_level(uintptr_t depth);

static int alt_for_body(size_t lo, size_t hi, void *ctx)
{
    uintptr_t depth = (uintptr_t)ctx;
    for (size_t i = lo; i < hi; i++) {
        int rc = alt_level(depth - 1);
        if (rc != PEL_OK) return rc;
    }
    return 0;
}

static int alt_task(void *arg)
{
    return alt_level((uintptr_t)arg - 2);
}

static int alt_level(uintptr_t depth)
{
    if (depth == 0) {
        atomic_fetch_add_explicit(&alt_leaves, 1, memory_order_relaxed);
        return 0;
    }
    if (depth % 2) return pel_parallel_for(rt, 0, 2, 1, alt_for_body, (void *)depth);
    pel_group g;
    CHECK_OK(pel_group_init(&g, rt));
    CHECK_OK(pel_group_spawn(&g, alt_task, (void *)(depth - 1 + 2)));
    CHECK_OK(pel_group_spawn(&g, alt_task, (void *)(depth - 1 + 2)));
    return pel_group_wait(&g);
}

static void test_alternating(void)
{
    atomic_store(&alt_leaves, 0);
    CHECK_OK(alt_level(14));
    CHECK_EQ(atomic_load(&alt_leaves), 1L << 14);
}

/* ---- many outside threads running loops on one runtime ------------------------------- */

enum { THREADS = 16 };

static int square_body(size_t lo, size_t hi, void *ctx)
{
    uint64_t *a = ctx;
    for (size_t i = lo; i < hi; i++) a[i] = (uint64_t)i * i;
    return 0;
}

static int array_sum_body(size_t lo, size_t hi, void *acc, void *ctx)
{
    const uint64_t *a = ctx;
    for (size_t i = lo; i < hi; i++) *(uint64_t *)acc += a[i];
    return 0;
}

typedef struct thread_arg {
    int id;
    int rounds;
} thread_arg;

static void *loop_thread(void *arg)
{
    const thread_arg *ta = arg;
    size_t n = 10000 + (size_t)ta->id * 1237;
    uint64_t *a = malloc(n * sizeof(uint64_t));
    CHECK(a != NULL);
    uint64_t expected = 0;
    for (size_t i = 0; i < n; i++) expected += (uint64_t)i * i;
    for (int round = 0; round < ta->rounds; round++) {
        memset(a, 0, n * sizeof(uint64_t));
        CHECK_OK(pel_parallel_for(rt, 0, n, (size_t)(round % 3) * 100, square_body, a));
        uint64_t sum = 0, zero = 0;
        CHECK_OK(pel_parallel_reduce(rt, 0, n, 0, &sum, &zero, sizeof(sum), array_sum_body,
                                     add_combine, a));
        if (sum != expected)
            CHECK_FAIL_("thread %d round %d: %" PRIu64 " != %" PRIu64, ta->id, round, sum,
                        expected);
    }
    free(a);
    return NULL;
}

static void test_outside_threads(void)
{
    pthread_t tid[THREADS];
    thread_arg args[THREADS];
    for (int t = 0; t < THREADS; t++) {
        args[t] = (thread_arg){t, (int)test_scaled(60, 10)};
        CHECK_EQ(pthread_create(&tid[t], NULL, loop_thread, &args[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) CHECK_EQ(pthread_join(tid[t], NULL), 0);
}

/* ---- loops on a second runtime, run from tasks of the first -------------------------- */

static pel_runtime *second;

static int cross_task(void *arg)
{
    uint64_t *out = arg;
    size_t n = 50000;
    uint64_t *a = malloc(n * sizeof(uint64_t));
    CHECK(a != NULL);
    CHECK_OK(pel_parallel_for(second, 0, n, 0, square_body, a));
    uint64_t zero = 0;
    int rc = pel_parallel_reduce(second, 0, n, 0, out, &zero, sizeof(uint64_t), array_sum_body,
                                 add_combine, a);
    free(a);
    return rc;
}

static void test_second_runtime(void)
{
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = 2;
    CHECK_OK(pel_runtime_create(&cfg, &second));
    enum { N = 24 };
    uint64_t results[N];
    pel_group g;
    CHECK_OK(pel_group_init(&g, rt));
    for (int k = 0; k < N; k++) CHECK_OK(pel_group_spawn(&g, cross_task, &results[k]));
    CHECK_OK(pel_group_wait(&g));
    uint64_t expected = 0;
    for (uint64_t i = 0; i < 50000; i++) expected += i * i;
    for (int k = 0; k < N; k++) CHECK_EQ(results[k], expected);
    CHECK_OK(pel_runtime_destroy(second));
}

/* ---- nesting across two runtimes in both directions ---------------------------------- *
 * A task of rt runs a loop on `second` whose body runs a loop back on rt. With few
 * workers, every worker of one runtime ends up waiting on the other, so this only
 * finishes because a waiting worker keeps running its own runtime's tasks. */

static _Atomic long back_iterations;

/* Slow enough (50 µs per iteration) that the loop is handed over to the runtime's workers
 * instead of running on the calling thread (see pel/loop.h). */
static int count_back(size_t lo, size_t hi, void *ctx)
{
    (void)ctx;
    for (size_t i = lo; i < hi; i++) test_sleep_us(50);
    atomic_fetch_add_explicit(&back_iterations, (long)(hi - lo), memory_order_relaxed);
    return 0;
}

static int loop_back_to_first(size_t lo, size_t hi, void *ctx)
{
    (void)ctx;
    for (size_t i = lo; i < hi; i++) {
        int rc = pel_parallel_for(rt, 0, 20, 1, count_back, NULL);
        if (rc != PEL_OK) return rc;
    }
    return 0;
}

static int loop_on_second(void *arg)
{
    (void)arg;
    return pel_parallel_for(second, 0, 20, 1, loop_back_to_first, NULL);
}

static void test_both_directions(void)
{
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = 1;
    CHECK_OK(pel_runtime_create(&cfg, &second));
    atomic_store(&back_iterations, 0);
    enum { N = 2 };
    pel_group g;
    CHECK_OK(pel_group_init(&g, rt));
    for (int k = 0; k < N; k++) CHECK_OK(pel_group_spawn(&g, loop_on_second, NULL));
    CHECK_OK(pel_group_wait(&g));
    CHECK_EQ(atomic_load(&back_iterations), N * 20 * 20);
    CHECK_OK(pel_runtime_destroy(second));
}

int main(void)
{
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = test_workers();
    const int base_threads = test_base_thread_count();
    CHECK_OK(pel_runtime_create(&cfg, &rt));
    test_loops_in_tasks_in_loops();
    CHECK_LE(atomic_load(&max_threads), base_threads + cfg.num_workers);
    test_deep_chain();
    test_alternating();
    test_outside_threads();
    test_second_runtime();
    test_both_directions();
    CHECK_OK(pel_runtime_destroy(rt));
    return 0;
}
