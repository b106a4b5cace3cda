/* test_group.c — fork-join task groups: spawn and wait, error propagation, reuse,
 * misuse, cancellation (also of nested groups), spawning from threads that are not
 * workers, and tasks spawning into their own group. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include <pel.h>

#include "check.h"

static pel_runtime *rt;

/* ---- basics ----------------------------------------------------------------------- */

typedef struct slot_task {
    int index;
    _Atomic int *slots;
} slot_task;

static int mark_slot(void *arg)
{
    slot_task *t = arg;
    atomic_fetch_add_explicit(&t->slots[t->index], 1, memory_order_relaxed);
    return 0;
}

static void test_spawn_wait(void)
{
    pel_group g;
    CHECK_OK(pel_group_init(&g, rt));
    CHECK_OK(pel_group_wait(&g)); /* empty group */
    CHECK_OK(pel_group_wait(&g)); /* twice */

    const int sizes[] = {1, 2, 3, 17, 1000, 10000};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        int n = sizes[s];
        _Atomic int *slots = calloc((size_t)n, sizeof(*slots));
        slot_task *tasks = calloc((size_t)n, sizeof(*tasks));
        CHECK(slots && tasks);
        for (int i = 0; i < n; i++) {
            tasks[i] = (slot_task){i, slots};
            CHECK_OK(pel_group_spawn(&g, mark_slot, &tasks[i]));
        }
        CHECK_OK(pel_group_wait(&g));
        for (int i = 0; i < n; i++)
            if (atomic_load(&slots[i]) != 1)
                CHECK_FAIL_("n=%d: task %d ran %d times", n, i, atomic_load(&slots[i]));
        CHECK_EQ(pel_group_is_cancelled(&g), 0);
        CHECK_EQ(pel_group_cancelled_count(&g), 0);
        free(slots);
        free(tasks);
    }
}

/* One task spawns many children into its own group before waiting: its deque grows far
 * past its initial capacity while other workers steal from it. */
typedef struct burst {
    int n;
    _Atomic int *slots;
    slot_task *tasks;
} burst;

static int spawn_burst(void *arg)
{
    burst *b = arg;
    pel_group g;
    CHECK_OK(pel_group_init(&g, rt));
    for (int i = 0; i < b->n; i++) CHECK_OK(pel_group_spawn(&g, mark_slot, &b->tasks[i]));
    return pel_group_wait(&g);
}

static void test_spawn_burst(void)
{
    burst b = {(int)test_scaled(200000, 50000), NULL, NULL};
    b.slots = calloc((size_t)b.n, sizeof(*b.slots));
    b.tasks = calloc((size_t)b.n, sizeof(*b.tasks));
    CHECK(b.slots && b.tasks);
    for (int i = 0; i < b.n; i++) b.tasks[i] = (slot_task){i, b.slots};
    for (int round = 0; round < 2; round++) {
        pel_group g;
        CHECK_OK(pel_group_init(&g, rt));
        CHECK_OK(pel_group_spawn(&g, spawn_burst, &b));
        CHECK_OK(pel_group_wait(&g));
        for (int i = 0; i < b.n; i++)
            if (atomic_load(&b.slots[i]) != round + 1)
                CHECK_FAIL_("burst task %d ran %d times in %d rounds", i, atomic_load(&b.slots[i]),
                            round + 1);
    }
    free(b.slots);
    free(b.tasks);
}

/* ---- errors ----------------------------------------------------------------------- */

typedef struct rc_task {
    int rc;
    _Atomic int *ran;
} rc_task;

static int return_rc(void *arg)
{
    rc_task *t = arg;
    atomic_fetch_add_explicit(t->ran, 1, memory_order_relaxed);
    return t->rc;
}

static void test_errors(void)
{
    enum { N = 2000 };
    static rc_task tasks[N];
    _Atomic int ran = 0;
    pel_group g;
    CHECK_OK(pel_group_init(&g, rt));

    /* Exactly one failure among many successes: that value, and every task still runs. */
    const int lone_codes[] = {7, -42, PEL_ENOMEM, 1};
    for (size_t c = 0; c < 4; c++) {
        atomic_store(&ran, 0);
        for (int i = 0; i < N; i++) {
            tasks[i] = (rc_task){i == N / 3 ? lone_codes[c] : 0, &ran};
            CHECK_OK(pel_group_spawn(&g, return_rc, &tasks[i]));
        }
        CHECK_RC(pel_group_wait(&g), lone_codes[c]);
        CHECK_EQ(atomic_load(&ran), N);
        /* The error is cleared by the wait: the group is reusable. */
        rc_task ok = {0, &ran};
        CHECK_OK(pel_group_spawn(&g, return_rc, &ok));
        CHECK_OK(pel_group_wait(&g));
    }

    /* Many distinct failures: the wait returns one of them; no task is skipped. */
    atomic_store(&ran, 0);
    for (int i = 0; i < N; i++) {
        tasks[i] = (rc_task){i % 10 == 0 ? 100 + i : 0, &ran};
        CHECK_OK(pel_group_spawn(&g, return_rc, &tasks[i]));
    }
    int rc = pel_group_wait(&g);
    CHECK(rc >= 100 && rc < 100 + N && (rc - 100) % 10 == 0);
    CHECK_EQ(atomic_load(&ran), N);
    CHECK_OK(pel_group_wait(&g));

    /* The first task fails: the others still run. */
    atomic_store(&ran, 0);
    for (int i = 0; i < N; i++) {
        tasks[i] = (rc_task){i == 0 ? 9 : 0, &ran};
        CHECK_OK(pel_group_spawn(&g, return_rc, &tasks[i]));
    }
    CHECK_RC(pel_group_wait(&g), 9);
    CHECK_EQ(atomic_load(&ran), N);
}

/* ---- misuse ----------------------------------------------------------------------- */

typedef struct foreign_wait {
    pel_group *group;
    _Atomic int rc;
} foreign_wait;

static void *wait_from_other_thread(void *arg)
{
    foreign_wait *f = arg;
    atomic_store(&f->rc, pel_group_wait(f->group));
    return NULL;
}

static int wait_from_task(void *arg)
{
    foreign_wait *f = arg;
    atomic_store(&f->rc, pel_group_wait(f->group));
    return 0;
}

static _Atomic int gate_open;

static int wait_for_gate(void *arg)
{
    (void)arg;
    while (!atomic_load_explicit(&gate_open, memory_order_acquire)) sched_yield();
    return 0;
}

static int nothing(void *arg)
{
    (void)arg;
    return 0;
}

static void test_misuse(void)
{
    pel_group g;
    _Atomic int ran = 0;
    rc_task counted = {0, &ran};

    CHECK_RC(pel_group_init(NULL, rt), PEL_EINVAL);
    CHECK_RC(pel_group_spawn(NULL, return_rc, &counted), PEL_EINVAL);
    CHECK_RC(pel_group_wait(NULL), PEL_EINVAL);
    CHECK_RC(pel_group_cancel(NULL), PEL_EINVAL);
    CHECK_RC(pel_group_is_cancelled(NULL), PEL_EINVAL);
    CHECK_EQ(pel_group_cancelled_count(NULL), PEL_EINVAL);

    /* A group that was never initialised (zeroed memory). */
    memset(&g, 0, sizeof(g));
    CHECK_RC(pel_group_spawn(&g, return_rc, &counted), PEL_EINVAL);
    CHECK_RC(pel_group_wait(&g), PEL_EINVAL);
    CHECK_RC(pel_group_cancel(&g), PEL_EINVAL);
    CHECK_RC(pel_group_is_cancelled(&g), PEL_EINVAL);
    CHECK_EQ(pel_group_cancelled_count(&g), PEL_EINVAL);

    CHECK_OK(pel_group_init(&g, rt));
    CHECK_RC(pel_group_spawn(&g, NULL, &counted), PEL_EINVAL);
    CHECK_OK(pel_group_wait(&g));
    CHECK_EQ(atomic_load(&ran), 0);

    /* Waiting from a thread that did not initialise the group fails at once, even while
     * a task of the group is still running, and leaves the group intact. */
    atomic_store(&gate_open, 0);
    CHECK_OK(pel_group_spawn(&g, wait_for_gate, NULL));
    foreign_wait f = {&g, 12345};
    pthread_t tid;
    CHECK_EQ(pthread_create(&tid, NULL, wait_from_other_thread, &f), 0);
    CHECK_EQ(pthread_join(tid, NULL), 0);
    CHECK_RC(atomic_load(&f.rc), PEL_EFOREIGN);
    atomic_store_explicit(&gate_open, 1, memory_order_release);
    CHECK_OK(pel_group_wait(&g));
    /* ... and from a task (a worker thread) of the same runtime. */
    pel_group other;
    CHECK_OK(pel_group_init(&other, rt));
    atomic_store(&f.rc, 12345);
    CHECK_OK(pel_group_spawn(&other, wait_from_task, &f));
    CHECK_OK(pel_group_wait(&other));
    CHECK_RC(atomic_load(&f.rc), PEL_EFOREIGN);

    /* Spawning is allowed from any thread, waiting only from the owner. */
    CHECK_OK(pel_group_spawn(&g, nothing, NULL));
    CHECK_OK(pel_group_wait(&g));
}

/* ---- cancellation ------------------------------------------------------------------ */

static void test_cancel_before_spawn(void)
{
    pel_group g;
    _Atomic int ran = 0;
    rc_task counted = {0, &ran};
    CHECK_OK(pel_group_init(&g, rt));
    CHECK_EQ(pel_group_is_cancelled(&g), 0);
    CHECK_OK(pel_group_cancel(&g));
    CHECK_EQ(pel_group_is_cancelled(&g), 1);
    CHECK_OK(pel_group_cancel(&g)); /* idempotent */
    for (int i = 0; i < 5; i++) CHECK_RC(pel_group_spawn(&g, return_rc, &counted), PEL_ECANCELED);
    CHECK_EQ(pel_group_cancelled_count(&g), 5);
    CHECK_RC(pel_group_wait(&g), PEL_ECANCELED);
    CHECK_EQ(atomic_load(&ran), 0);

    /* The wait cleared the cancellation; the count survives. */
    CHECK_EQ(pel_group_is_cancelled(&g), 0);
    CHECK_EQ(pel_group_cancelled_count(&g), 5);
    CHECK_OK(pel_group_spawn(&g, return_rc, &counted));
    CHECK_OK(pel_group_wait(&g));
    CHECK_EQ(atomic_load(&ran), 1);
    CHECK_EQ(pel_group_cancelled_count(&g), 5);

    /* A failure beats cancellation in the wait's result. */
    rc_task failing = {33, &ran};
    CHECK_OK(pel_group_spawn(&g, return_rc, &failing));
    CHECK_RC(pel_group_wait(&g), 33); /* the task ran before any cancel */
    CHECK_OK(pel_group_spawn(&g, return_rc, &failing));
    /* Cancelling from another thread, while a task may be running. */
    CHECK_OK(pel_group_cancel(&g));
    int rc = pel_group_wait(&g);
    CHECK(rc == 33 || rc == PEL_ECANCELED); /* it ran and failed, or it was skipped */
}

/* A root task spawns many children into its own group, then cancels the group. Children
 * that start before the cancel block until it has happened, so at most one child per
 * other worker (and perhaps the waiting main thread) runs; the rest must be skipped. */
typedef struct cancel_tree {
    pel_group group;
    int children;
    _Atomic int cancel_issued;
    _Atomic int ran;
    _Atomic int late_spawn_rc;
    _Atomic int saw_cancelled;
} cancel_tree;

static int cancel_child(void *arg)
{
    cancel_tree *c = arg;
    while (!atomic_load_explicit(&c->cancel_issued, memory_order_acquire)) sched_yield();
    atomic_fetch_add(&c->ran, 1);
    return 0;
}

static int cancel_root(void *arg)
{
    cancel_tree *c = arg;
    for (int i = 0; i < c->children; i++) CHECK_OK(pel_group_spawn(&c->group, cancel_child, c));
    CHECK_OK(pel_group_cancel(&c->group));
    /* release: pairs with the children's acquire loads. */
    atomic_store_explicit(&c->cancel_issued, 1, memory_order_release);
    atomic_store(&c->saw_cancelled, pel_group_is_cancelled(&c->group));
    int late = 0;
    for (int i = 0; i < 5; i++)
        late |= pel_group_spawn(&c->group, cancel_child, c) != PEL_ECANCELED;
    atomic_store(&c->late_spawn_rc, late);
    return 0;
}

static void test_cancel_from_task(void)
{
    cancel_tree *c = calloc(1, sizeof(*c));
    CHECK(c != NULL);
    c->children = (int)test_scaled(20000, 2000);
    CHECK_OK(pel_group_init(&c->group, rt));
    CHECK_OK(pel_group_spawn(&c->group, cancel_root, c));
    CHECK_RC(pel_group_wait(&c->group), PEL_ECANCELED);
    int ran = atomic_load(&c->ran);
    long cancelled = pel_group_cancelled_count(&c->group);
    CHECK_EQ(atomic_load(&c->saw_cancelled), 1);
    CHECK_EQ(atomic_load(&c->late_spawn_rc), 0);
    /* Every spawn either ran or was cancelled: children + 5 refused late spawns. */
    CHECK_EQ(ran + cancelled, c->children + 5);
    CHECK_LE(ran, test_workers()); /* the others were skipped */
    CHECK_EQ(pel_group_is_cancelled(&c->group), 0);
    printf("cancel: %d children ran, %ld cancelled\n", ran, cancelled);
    free(c);
}

/* Cancellation reaches groups nested in the cancelled group's tasks, at any depth:
 * main -> outer: task A -> inner: task B -> grand. B starts before the cancel (A's wait
 * runs it if no other worker does), then polls its own group until it sees the cancel. */
typedef struct nested_cancel {
    pel_group outer;
    _Atomic int ready;        /* B is running */
    _Atomic int before;       /* is_cancelled(inner) in A, before the cancel */
    _Atomic int grand_after;  /* is_cancelled(grand) in B, polled after the cancel */
    _Atomic int grand_spawn_rc;
    _Atomic int grand_wait_rc;
    _Atomic int inner_wait_rc;
    _Atomic int inner_after;  /* is_cancelled(inner) after its wait: outer still cancelled */
    _Atomic int late_cancelled; /* a group A creates after the cancel starts cancelled */
    _Atomic int late_spawn_rc;
    _Atomic int late_wait_rc;
    _Atomic int leaf_ran;
} nested_cancel;

static int count_leaf(void *arg)
{
    atomic_fetch_add(&((nested_cancel *)arg)->leaf_ran, 1);
    return 0;
}

static int nested_b(void *arg)
{
    nested_cancel *n = arg;
    pel_group grand;
    CHECK_OK(pel_group_init(&grand, rt));
    CHECK_EQ(pel_group_is_cancelled(&grand), 0);
    atomic_store(&n->ready, 1);
    double deadline = test_now() + 30;
    while (pel_group_is_cancelled(&grand) != 1 && test_now() < deadline) sched_yield();
    atomic_store(&n->grand_after, pel_group_is_cancelled(&grand));
    atomic_store(&n->grand_spawn_rc, pel_group_spawn(&grand, count_leaf, n));
    atomic_store(&n->grand_wait_rc, pel_group_wait(&grand));
    return 0;
}

static int nested_a(void *arg)
{
    nested_cancel *n = arg;
    pel_group inner;
    CHECK_OK(pel_group_init(&inner, rt));
    atomic_store(&n->before, pel_group_is_cancelled(&inner));
    CHECK_OK(pel_group_spawn(&inner, nested_b, n));
    atomic_store(&n->inner_wait_rc, pel_group_wait(&inner));
    atomic_store(&n->inner_after, pel_group_is_cancelled(&inner));
    pel_group late;
    CHECK_OK(pel_group_init(&late, rt));
    atomic_store(&n->late_cancelled, pel_group_is_cancelled(&late));
    atomic_store(&n->late_spawn_rc, pel_group_spawn(&late, count_leaf, n));
    atomic_store(&n->late_wait_rc, pel_group_wait(&late));
    return 0;
}

static void test_cancel_nested(void)
{
    nested_cancel *n = calloc(1, sizeof(*n));
    CHECK(n != NULL);
    CHECK_OK(pel_group_init(&n->outer, rt));
    CHECK_OK(pel_group_spawn(&n->outer, nested_a, n));
    while (!atomic_load(&n->ready)) sched_yield();
    CHECK_OK(pel_group_cancel(&n->outer));
    CHECK_RC(pel_group_wait(&n->outer), PEL_ECANCELED);
    CHECK_EQ(atomic_load(&n->before), 0);
    CHECK_EQ(atomic_load(&n->grand_after), 1);
    CHECK_RC(atomic_load(&n->grand_spawn_rc), PEL_ECANCELED);
    CHECK_RC(atomic_load(&n->grand_wait_rc), PEL_ECANCELED);
    CHECK_RC(atomic_load(&n->inner_wait_rc), PEL_ECANCELED);
    CHECK_EQ(atomic_load(&n->inner_after), 1);
    CHECK_EQ(atomic_load(&n->late_cancelled), 1);
    CHECK_RC(atomic_load(&n->late_spawn_rc), PEL_ECANCELED);
    CHECK_RC(atomic_load(&n->late_wait_rc), PEL_ECANCELED);
    CHECK_EQ(atomic_load(&n->leaf_ran), 0);
    /* Cleared once the outer wait returned. */
    CHECK_EQ(pel_group_is_cancelled(&n->outer), 0);
    free(n);
}

/* Tasks queued in a group nested in a task of the cancelled group are skipped. Inner
 * tasks that start before the cancel block until it has been issued, so at most one per
 * thread runs. */
typedef struct deep_cancel {
    pel_group outer;
    int inner_tasks;
    _Atomic int started;
    _Atomic int cancel_issued;
    _Atomic int inner_ran;
    _Atomic long inner_cancelled;
    _Atomic int inner_rc;
} deep_cancel;

static int deep_inner(void *arg)
{
    deep_cancel *d = arg;
    while (!atomic_load_explicit(&d->cancel_issued, memory_order_acquire)) sched_yield();
    atomic_fetch_add(&d->inner_ran, 1);
    return 0;
}

static int deep_outer(void *arg)
{
    deep_cancel *d = arg;
    pel_group inner;
    CHECK_OK(pel_group_init(&inner, rt));
    for (int i = 0; i < d->inner_tasks; i++) CHECK_OK(pel_group_spawn(&inner, deep_inner, d));
    atomic_store(&d->started, 1);
    atomic_store(&d->inner_rc, pel_group_wait(&inner));
    atomic_store(&d->inner_cancelled, pel_group_cancelled_count(&inner));
    return 0;
}

static void test_cancel_deep(void)
{
    deep_cancel *d = calloc(1, sizeof(*d));
    CHECK(d != NULL);
    d->inner_tasks = 3000;
    CHECK_OK(pel_group_init(&d->outer, rt));
    CHECK_OK(pel_group_spawn(&d->outer, deep_outer, d));
    while (!atomic_load(&d->started)) sched_yield();
    CHECK_OK(pel_group_cancel(&d->outer));
    /* release: pairs with the acquire loads in deep_inner. */
    atomic_store_explicit(&d->cancel_issued, 1, memory_order_release);
    CHECK_RC(pel_group_wait(&d->outer), PEL_ECANCELED);
    int ran = atomic_load(&d->inner_ran);
    CHECK_EQ(ran + atomic_load(&d->inner_cancelled), d->inner_tasks);
    CHECK_LE(ran, test_workers());
    CHECK_RC(atomic_load(&d->inner_rc), PEL_ECANCELED);
    free(d);
}

/* A loop run by a task whose group gets cancelled while the loop runs: the loop either
 * covers its whole range and returns PEL_OK, or reports the cancellation; it never
 * returns PEL_OK with iterations skipped. */
typedef struct loop_in_cancel {
    pel_group outer;
    _Atomic int started;
    _Atomic int cancel_issued;
    size_t n;
    unsigned char *seen;
    _Atomic size_t visited;
    _Atomic int loop_rc;
} loop_in_cancel;

static int cancel_loop_body(size_t lo, size_t hi, void *ctx)
{
    loop_in_cancel *c = ctx;
    atomic_store(&c->started, 1);
    /* Slow down until the cancel was issued, so that it lands mid-loop. */
    if (!atomic_load_explicit(&c->cancel_issued, memory_order_acquire)) test_sleep_ms(1);
    for (size_t i = lo; i < hi; i++) c->seen[i] = 1;
    atomic_fetch_add_explicit(&c->visited, hi - lo, memory_order_relaxed);
    return 0;
}

static int loop_task(void *arg)
{
    loop_in_cancel *c = arg;
    atomic_store(&c->loop_rc, pel_parallel_for(rt, 0, c->n, 16, cancel_loop_body, c));
    return 0;
}

static void test_cancel_loop(void)
{
    for (int round = 0; round < 5; round++) {
        loop_in_cancel *c = calloc(1, sizeof(*c));
        CHECK(c != NULL);
        c->n = 20000;
        c->seen = calloc(c->n, 1);
        CHECK(c->seen != NULL);
        CHECK_OK(pel_group_init(&c->outer, rt));
        CHECK_OK(pel_group_spawn(&c->outer, loop_task, c));
        while (!atomic_load(&c->started)) sched_yield();
        CHECK_OK(pel_group_cancel(&c->outer));
        atomic_store_explicit(&c->cancel_issued, 1, memory_order_release);
        int rc = pel_group_wait(&c->outer);
        int loop_rc = atomic_load(&c->loop_rc);
        size_t visited = atomic_load(&c->visited);
        CHECK(rc == PEL_OK || rc == PEL_ECANCELED);
        if (loop_rc == PEL_OK) {
            CHECK_EQ(visited, c->n);
            for (size_t i = 0; i < c->n; i++) CHECK_EQ(c->seen[i], 1);
        } else {
            CHECK_RC(loop_rc, PEL_ECANCELED);
        }
        if (round == 0)
            printf("loop in a cancelled task: %s, %zu of %zu iterations\n",
                   pel_errname(loop_rc), visited, c->n);
        free(c->seen);
        free(c);
    }
}

/* ---- threads that are not workers ------------------------------------------------- */

enum { EXT_THREADS = 12, EXT_TASKS = 500 };

typedef struct external {
    pel_group *shared;            /* main's group */
    _Atomic int shared_ran[EXT_THREADS];
    _Atomic int own_ran[EXT_THREADS];
    int ids[EXT_THREADS];
    int rounds;
} external;

static external ext;

static int count_shared(void *arg)
{
    atomic_fetch_add_explicit(&ext.shared_ran[*(int *)arg], 1, memory_order_relaxed);
    return 0;
}

static int count_own(void *arg)
{
    atomic_fetch_add_explicit(&ext.own_ran[*(int *)arg], 1, memory_order_relaxed);
    return 0;
}

static void *external_main(void *arg)
{
    int id = *(int *)arg;
    CHECK_EQ(pel_worker_index(), -1);
    for (int round = 0; round < ext.rounds; round++) {
        pel_group own;
        CHECK_OK(pel_group_init(&own, rt));
        for (int k = 0; k < EXT_TASKS; k++) {
            CHECK_OK(pel_group_spawn(ext.shared, count_shared, arg));
            CHECK_OK(pel_group_spawn(&own, count_own, arg));
        }
        CHECK_OK(pel_group_wait(&own));
        CHECK_EQ(atomic_load(&ext.own_ran[id]), (round + 1) * EXT_TASKS);
    }
    return NULL;
}

static void test_external_threads(void)
{
    pel_group shared;
    CHECK_OK(pel_group_init(&shared, rt));
    memset(&ext, 0, sizeof(ext));
    ext.shared = &shared;
    ext.rounds = (int)test_scaled(8, 2);
    pthread_t tid[EXT_THREADS];
    for (int t = 0; t < EXT_THREADS; t++) {
        ext.ids[t] = t;
        CHECK_EQ(pthread_create(&tid[t], NULL, external_main, &ext.ids[t]), 0);
    }
    for (int t = 0; t < EXT_THREADS; t++) CHECK_EQ(pthread_join(tid[t], NULL), 0);
    CHECK_OK(pel_group_wait(&shared));
    for (int t = 0; t < EXT_THREADS; t++) {
        CHECK_EQ(atomic_load(&ext.shared_ran[t]), ext.rounds * EXT_TASKS);
        CHECK_EQ(atomic_load(&ext.own_ran[t]), ext.rounds * EXT_TASKS);
    }
}

/* Threads that are not workers spawn into a group owned by a task (a worker thread). */
typedef struct task_owned {
    pel_group *group;          /* the task's group, published to the spawning threads */
    _Atomic int group_ready;
    _Atomic int threads_done;
    _Atomic long ran;
} task_owned;

static task_owned towned;

enum { TOWNED_THREADS = 4, TOWNED_SPAWNS = 1000 };

static int count_towned(void *arg)
{
    (void)arg;
    atomic_fetch_add_explicit(&towned.ran, 1, memory_order_relaxed);
    return 0;
}

static void *towned_spawner(void *arg)
{
    (void)arg;
    /* acquire: pairs with the release store that publishes the group. */
    while (!atomic_load_explicit(&towned.group_ready, memory_order_acquire)) sched_yield();
    for (int k = 0; k < TOWNED_SPAWNS; k++)
        CHECK_OK(pel_group_spawn(towned.group, count_towned, NULL));
    /* release: the spawns happen before the owner's wait starts. */
    atomic_fetch_add_explicit(&towned.threads_done, 1, memory_order_release);
    return NULL;
}

static int towned_owner(void *arg)
{
    (void)arg;
    pel_group g;
    CHECK_OK(pel_group_init(&g, rt));
    towned.group = &g;
    atomic_store_explicit(&towned.group_ready, 1, memory_order_release);
    for (int k = 0; k < TOWNED_SPAWNS; k++) CHECK_OK(pel_group_spawn(&g, count_towned, NULL));
    while (atomic_load_explicit(&towned.threads_done, memory_order_acquire) < TOWNED_THREADS)
        sched_yield();
    return pel_group_wait(&g);
}

static void test_external_into_task_group(void)
{
    for (int round = 0; round < 20; round++) {
        memset(&towned, 0, sizeof(towned));
        pthread_t tid[TOWNED_THREADS];
        for (int t = 0; t < TOWNED_THREADS; t++)
            CHECK_EQ(pthread_create(&tid[t], NULL, towned_spawner, NULL), 0);
        pel_group g;
        CHECK_OK(pel_group_init(&g, rt));
        CHECK_OK(pel_group_spawn(&g, towned_owner, NULL));
        CHECK_OK(pel_group_wait(&g));
        for (int t = 0; t < TOWNED_THREADS; t++) CHECK_EQ(pthread_join(tid[t], NULL), 0);
        CHECK_EQ(atomic_load(&towned.ran), (TOWNED_THREADS + 1) * TOWNED_SPAWNS);
    }
}

/* ---- tasks spawning into their own group ------------------------------------------- */

typedef struct recursive {
    pel_group group;
    _Atomic long nodes;
    _Atomic int spawn_failed;
} recursive;

static recursive rec;

/* arg encodes the remaining depth; each task spawns two children into the same group. */
static int binary_spawn(void *arg)
{
    uintptr_t depth = (uintptr_t)arg;
    atomic_fetch_add_explicit(&rec.nodes, 1, memory_order_relaxed);
    if (depth > 2) { /* depths 2.. so that arg is never NULL or 1 */
        for (int k = 0; k < 2; k++)
            if (pel_group_spawn(&rec.group, binary_spawn, (void *)(depth - 1)) != PEL_OK)
                atomic_store(&rec.spawn_failed, 1);
    }
    return 0;
}

static void test_recursive_same_group(void)
{
    for (uintptr_t levels = 1; levels <= 14; levels += 13) {
        atomic_store(&rec.nodes, 0);
        CHECK_OK(pel_group_init(&rec.group, rt));
        CHECK_OK(pel_group_spawn(&rec.group, binary_spawn, (void *)(levels + 1)));
        CHECK_OK(pel_group_wait(&rec.group));
        CHECK_EQ(atomic_load(&rec.spawn_failed), 0);
        CHECK_EQ(atomic_load(&rec.nodes), (1L << levels) - 1);
    }
}

int main(void)
{
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = test_workers();
    CHECK_OK(pel_runtime_create(&cfg, &rt));
    test_spawn_wait();
    test_spawn_burst();
    test_errors();
    test_misuse();
    test_cancel_before_spawn();
    test_cancel_from_task();
    test_cancel_nested();
    test_cancel_deep();
    test_cancel_loop();
    test_external_threads();
    test_external_into_task_group();
    test_recursive_same_group();
    CHECK_OK(pel_runtime_destroy(rt));
    return 0;
}
