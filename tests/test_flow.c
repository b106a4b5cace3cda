/* test_flow.c — dataflow semantics, one function each: READ concurrency, REDUCE, COMMUTE,
 * priorities, failure along chains and diamonds (and a WRITE after a failed writer),
 * handle acquire, the submission window under a flood, nested submission, a top-level
 * submitter that changes threads, loops and groups inside tasks, and long chains. API misuse, argument copying, ids and DOT output are in test_flow_api.c; random
 * programs in test_flow_random.c.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include <pel.h>

#include "check.h"

static pel_runtime *rt;
static int workers;

/* Wait (yielding) until *flag >= value; a minute at most. */
static void await_at_least(_Atomic int *flag, int value, const char *what)
{
    double end = test_now() + 60;
    while (atomic_load_explicit(flag, memory_order_acquire) < value) {
        if (test_now() > end)
            CHECK_FAIL_("timed out waiting for %s (%d of %d)", what,
                        atomic_load_explicit(flag, memory_order_relaxed), value);
        sched_yield();
    }
}

static pel_flow *flow_new(pel_runtime *r, size_t window)
{
    pel_flow_config cfg = {.window = window};
    pel_flow *f = NULL;
    CHECK_OK(pel_flow_create(r, &cfg, &f));
    CHECK(f != NULL);
    return f;
}

static pel_data reg(pel_flow *f, void *ptr, size_t size)
{
    pel_data d = 0;
    CHECK_OK(pel_data_register(f, ptr, size, &d));
    CHECK_NE(d, 0);
    return d;
}

/* Submit fn(arg) with one access. */
static void submit1(pel_flow *f, pel_flow_fn fn, void *arg, pel_data d, pel_mode m)
{
    pel_access acc[] = {{d, m}};
    CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = fn, .arg = arg, .access = acc, .naccess = 1}));
}

/* Submit fn with a copy of the `size` bytes at arg, and one access. */
static void submit_copy(pel_flow *f, pel_flow_fn fn, const void *arg, size_t size, pel_data d,
                        pel_mode m)
{
    pel_access acc[] = {{d, m}};
    CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = fn, .arg = (void *)arg, .arg_size = size,
                                             .access = acc, .naccess = 1}));
}

/* ---- READ concurrency ------------------------------------------------------------ */

typedef struct meet {
    _Atomic int arrived;  /* tasks that reached the meeting point */
    _Atomic int inside;   /* tasks between entry and exit */
    _Atomic int writers;  /* writer tasks inside */
    int expected;         /* how many must be inside at once */
    uint64_t value;       /* the data */
    uint64_t seen[64];
} meet;

typedef struct meet_arg {
    meet *m;
    int index;
} meet_arg;

/* A reader: waits until `expected` readers are inside at the same time. */
static int meet_reader(pel_flow_task *t, void *arg)
{
    meet_arg *a = arg;
    meet *m = a->m;
    CHECK(pel_flow_data(t, 0) == (void *)&m->value);
    atomic_fetch_add_explicit(&m->inside, 1, memory_order_seq_cst);
    CHECK_EQ(atomic_load_explicit(&m->writers, memory_order_seq_cst), 0);
    atomic_fetch_add_explicit(&m->arrived, 1, memory_order_acq_rel);
    await_at_least(&m->arrived, m->expected, "concurrent readers");
    m->seen[a->index] = m->value;
    atomic_fetch_sub_explicit(&m->inside, 1, memory_order_seq_cst);
    return 0;
}

static int meet_writer(pel_flow_task *t, void *arg)
{
    meet *m = arg;
    CHECK_EQ(atomic_fetch_add_explicit(&m->writers, 1, memory_order_seq_cst), 0);
    CHECK_EQ(atomic_load_explicit(&m->inside, memory_order_seq_cst), 0);
    uint64_t *v = pel_flow_data(t, 0);
    *v = *v * 10 + 7;
    atomic_fetch_sub_explicit(&m->writers, 1, memory_order_seq_cst);
    return 0;
}

/* Readers between two writers all run at once: each waits for the others. */
static void test_read_concurrency(void)
{
    int n = workers < 2 ? 2 : workers;
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = n;
    pel_runtime *r;
    CHECK_OK(pel_runtime_create(&cfg, &r));
    pel_flow *f = flow_new(r, 0);
    static meet m;
    memset(&m, 0, sizeof(m));
    m.expected = n;
    m.value = 1;
    meet_arg args[64];
    pel_data d = reg(f, &m.value, sizeof(m.value));
    submit1(f, meet_writer, &m, d, PEL_READWRITE);
    for (int i = 0; i < n; i++) {
        args[i] = (meet_arg){&m, i};
        submit1(f, meet_reader, &args[i], d, PEL_READ);
    }
    submit1(f, meet_writer, &m, d, PEL_READWRITE);
    CHECK_OK(pel_flow_wait(f));
    CHECK_EQ(atomic_load(&m.arrived), n);
    for (int i = 0; i < n; i++) CHECK_EQ(m.seen[i], 17);
    CHECK_EQ(m.value, 177);
    CHECK_OK(pel_flow_destroy(f));
    CHECK_OK(pel_runtime_destroy(r));
}

/* ---- REDUCE ---------------------------------------------------------------------- */

typedef struct sum_state {
    uint64_t value;
    _Atomic int reducers; /* REDUCE bodies inside */
    _Atomic long inits, combines;
} sum_state;

static void sum_init(void *copy, size_t size, void *arg)
{
    sum_state *s = arg;
    CHECK_EQ(size, sizeof(uint64_t));
    CHECK(copy != (void *)&s->value);
    atomic_fetch_add_explicit(&s->inits, 1, memory_order_relaxed);
    *(uint64_t *)copy = 0;
}

static void sum_combine(void *into, const void *from, size_t size, void *arg)
{
    sum_state *s = arg;
    CHECK_EQ(size, sizeof(uint64_t));
    CHECK(from != (const void *)&s->value);
    atomic_fetch_add_explicit(&s->combines, 1, memory_order_relaxed);
    *(uint64_t *)into += *(const uint64_t *)from;
}

typedef struct contrib {
    sum_state *s;
    uint64_t amount;
} contrib;

static int reduce_add(pel_flow_task *t, void *arg)
{
    contrib *c = arg;
    uint64_t *copy = pel_flow_data(t, 0);
    CHECK(copy != NULL && copy != &c->s->value);
    atomic_fetch_add_explicit(&c->s->reducers, 1, memory_order_seq_cst);
    *copy += c->amount;
    atomic_fetch_sub_explicit(&c->s->reducers, 1, memory_order_seq_cst);
    return 0;
}

typedef struct read_check {
    sum_state *s;
    uint64_t seen;
} read_check;

static int reduce_reader(pel_flow_task *t, void *arg)
{
    read_check *r = arg;
    CHECK(pel_flow_data(t, 0) == (void *)&r->s->value);
    CHECK_EQ(atomic_load_explicit(&r->s->reducers, memory_order_seq_cst), 0);
    r->seen = r->s->value;
    return 0;
}

/* A reducer that waits until `expected` reducers are inside together. */
static int reduce_meet(pel_flow_task *t, void *arg)
{
    meet *m = arg;
    uint64_t *copy = pel_flow_data(t, 0);
    CHECK(copy != NULL && copy != &m->value);
    atomic_fetch_add_explicit(&m->arrived, 1, memory_order_acq_rel);
    await_at_least(&m->arrived, m->expected, "concurrent reducers");
    *copy += 1;
    return 0;
}

static void meet_sum_init(void *copy, size_t size, void *arg)
{
    (void)arg;
    memset(copy, 0, size);
}

static void meet_sum_combine(void *into, const void *from, size_t size, void *arg)
{
    (void)arg;
    (void)size;
    *(uint64_t *)into += *(const uint64_t *)from;
}

static void test_reduce(void)
{
    enum { N = 10000, M = 1000 };
    pel_flow *f = flow_new(rt, 0);
    static sum_state s;
    s.value = 5;
    atomic_init(&s.reducers, 0);
    atomic_init(&s.inits, 0);
    atomic_init(&s.combines, 0);
    pel_data d = reg(f, &s.value, sizeof(s.value));
    pel_reduction red = {sum_init, sum_combine, &s};
    CHECK_OK(pel_data_set_reduction(f, d, &red));

    /* 10^4 contributions, then a READ: it sees their sum. */
    for (int i = 0; i < N; i++) {
        contrib c = {&s, (uint64_t)i + 1};
        submit_copy(f, reduce_add, &c, sizeof(c), d, PEL_REDUCE);
    }
    read_check r1 = {&s, 0};
    submit1(f, reduce_reader, &r1, d, PEL_READ);
    /* More contributions: the flow wait combines them. */
    for (int i = 0; i < M; i++) {
        contrib c = {&s, 3};
        submit_copy(f, reduce_add, &c, sizeof(c), d, PEL_REDUCE);
    }
    CHECK_OK(pel_flow_wait(f));
    const uint64_t first = 5 + (uint64_t)N * (N + 1) / 2;
    CHECK_EQ(r1.seen, first);
    CHECK_EQ(s.value, first + 3 * M);
    CHECK_GE(atomic_load(&s.inits), 1);
    CHECK_GE(atomic_load(&s.combines), 1);

    /* Contributions, then an acquire: it combines them too. */
    for (int i = 0; i < M; i++) {
        contrib c = {&s, (uint64_t)i};
        submit_copy(f, reduce_add, &c, sizeof(c), d, PEL_REDUCE);
    }
    uint64_t *p = NULL;
    CHECK_OK(pel_data_acquire(f, d, PEL_READ, (void **)&p));
    CHECK(p == &s.value);
    CHECK_EQ(*p, first + 3 * M + (uint64_t)M * (M - 1) / 2);
    CHECK_OK(pel_data_release(f, d));

    /* REDUCE, then a WRITE, then REDUCE: the write overwrites the first sum. */
    for (int i = 0; i < 100; i++) {
        contrib c = {&s, 1000};
        submit_copy(f, reduce_add, &c, sizeof(c), d, PEL_REDUCE);
    }
    CHECK_OK(pel_data_acquire(f, d, PEL_WRITE, (void **)&p));
    *p = 11;
    CHECK_OK(pel_data_release(f, d));
    for (int i = 0; i < 100; i++) {
        contrib c = {&s, 2};
        submit_copy(f, reduce_add, &c, sizeof(c), d, PEL_REDUCE);
    }
    CHECK_OK(pel_data_unregister(f, d)); /* waits for the tasks of d and their combine */
    CHECK_EQ(s.value, 211);

    /* Consecutive REDUCE tasks run concurrently: each waits until all are inside. */
    static meet m;
    memset(&m, 0, sizeof(m));
    m.expected = workers < 2 ? 1 : 2;
    m.value = 0;
    pel_data dm = reg(f, &m.value, sizeof(m.value));
    pel_reduction mred = {meet_sum_init, meet_sum_combine, NULL};
    CHECK_OK(pel_data_set_reduction(f, dm, &mred));
    for (int i = 0; i < m.expected; i++) submit1(f, reduce_meet, &m, dm, PEL_REDUCE);
    CHECK_OK(pel_flow_wait(f));
    CHECK_EQ(m.value, (uint64_t)m.expected);
    CHECK_OK(pel_flow_destroy(f));
}

/* ---- COMMUTE --------------------------------------------------------------------- */

enum { COMMUTERS = 2000 };

typedef struct commute_state {
    uint64_t value;
    _Atomic int inside;
    int log[COMMUTERS];
    int logged;
} commute_state;

typedef struct commute_arg {
    commute_state *s;
    int index;
} commute_arg;

static int commute_add(pel_flow_task *t, void *arg)
{
    commute_arg *a = arg;
    commute_state *s = a->s;
    CHECK(pel_flow_data(t, 0) == (void *)&s->value);
    int before = atomic_fetch_add_explicit(&s->inside, 1, memory_order_seq_cst);
    if (before != 0) CHECK_FAIL_("COMMUTE task %d overlaps %d others", a->index, before);
    s->log[s->logged++] = a->index; /* plain: COMMUTE tasks are exclusive */
    s->value += (uint64_t)a->index;
    if (a->index % 64 == 0) sched_yield();
    atomic_fetch_sub_explicit(&s->inside, 1, memory_order_seq_cst);
    return 0;
}

static int commute_times3(pel_flow_task *t, void *arg)
{
    commute_state *s = arg;
    CHECK_EQ(atomic_load_explicit(&s->inside, memory_order_seq_cst), 0);
    uint64_t *v = pel_flow_data(t, 0);
    *v = *v * 3;
    return 0;
}

static void test_commute(void)
{
    pel_flow *f = flow_new(rt, 0);
    static commute_state s;
    static commute_arg args[COMMUTERS];
    memset(&s, 0, sizeof(s));
    s.value = 1000;
    pel_data d = reg(f, &s.value, sizeof(s.value));
    submit1(f, commute_times3, &s, d, PEL_READWRITE); /* 3000 */
    for (int i = 0; i < COMMUTERS; i++) {
        args[i] = (commute_arg){&s, i};
        submit1(f, commute_add, &args[i], d, PEL_COMMUTE);
    }
    submit1(f, commute_times3, &s, d, PEL_READWRITE);
    CHECK_OK(pel_flow_wait(f));
    CHECK_EQ(s.logged, COMMUTERS);
    CHECK_EQ(s.value, (3000 + (uint64_t)COMMUTERS * (COMMUTERS - 1) / 2) * 3);
    static char seen[COMMUTERS];
    memset(seen, 0, sizeof(seen));
    for (int i = 0; i < COMMUTERS; i++) {
        CHECK(s.log[i] >= 0 && s.log[i] < COMMUTERS);
        CHECK_EQ(seen[s.log[i]]++, 0);
    }
    CHECK_OK(pel_flow_destroy(f));
}

/* ---- priorities ------------------------------------------------------------------ */

enum { PRIO_TASKS = 32, PRIO_LEVELS = 8 };

typedef struct prio_arg {
    struct prio_state *s;
    int priority;
    int index; /* submission order */
} prio_arg;

typedef struct prio_state {
    _Atomic int started, gate, done;
    prio_arg order[PRIO_TASKS];
} prio_state;

static int prio_blocker(pel_flow_task *t, void *arg)
{
    (void)t;
    prio_state *s = arg;
    atomic_store_explicit(&s->started, 1, memory_order_release);
    await_at_least(&s->gate, 1, "the priority gate");
    return 0;
}

static int prio_record(pel_flow_task *t, void *arg)
{
    (void)t;
    prio_arg *a = arg;
    /* One worker runs them one after another; done's release publishes the order. */
    int i = atomic_load_explicit(&a->s->done, memory_order_relaxed);
    a->s->order[i] = *a;
    atomic_store_explicit(&a->s->done, i + 1, memory_order_release);
    return 0;
}

/* One worker is held by a blocker while tasks queue up (ready at once, or all released by
 * the blocker's completion), four at each of eight priorities, interleaved; then they
 * must run in priority order and, within a priority, in submission order (the release
 * frees them in about the reverse order). The main thread only watches, so the worker
 * alone picks the order. */
static void test_priority(void)
{
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = 1;
    pel_runtime *r;
    CHECK_OK(pel_runtime_create(&cfg, &r));
    for (int variant = 0; variant < 2; variant++) {
        pel_flow *f = flow_new(r, 0);
        static prio_state s;
        memset(&s, 0, sizeof(s));
        pel_data d = reg(f, NULL, 0);
        pel_access acc[] = {{d, PEL_WRITE}};
        CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = prio_blocker, .arg = &s, .access = acc,
                                                 .naccess = variant ? 1u : 0u}));
        await_at_least(&s.started, 1, "the blocker to start");
        prio_arg args[PRIO_TASKS];
        for (int i = 0; i < PRIO_TASKS; i++) {
            args[i] = (prio_arg){&s, (i * 5) % PRIO_LEVELS - 3, i}; /* -3..4, interleaved */
            pel_access racc[] = {{d, PEL_READ}};
            CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = prio_record, .arg = &args[i],
                                                     .access = racc,
                                                     .naccess = variant ? 1u : 0u,
                                                     .priority = args[i].priority}));
        }
        atomic_store_explicit(&s.gate, 1, memory_order_release);
        await_at_least(&s.done, PRIO_TASKS, "the prioritized tasks");
        CHECK_OK(pel_flow_wait(f));
        for (int i = 1; i < PRIO_TASKS; i++) {
            prio_arg a = s.order[i - 1], b = s.order[i];
            if (a.priority < b.priority)
                CHECK_FAIL_("variant %d: priority %d ran before %d (position %d)", variant,
                            a.priority, b.priority, i);
            if (a.priority == b.priority && a.index > b.index)
                CHECK_FAIL_("variant %d: priority %d: task %d ran before task %d, submitted "
                            "earlier (position %d)", variant, a.priority, a.index, b.index, i);
        }
        CHECK_OK(pel_flow_destroy(f));
    }
    CHECK_OK(pel_runtime_destroy(r));
}

/* ---- failure --------------------------------------------------------------------- */

typedef struct ftask {
    int rc;         /* what the task returns */
    _Atomic int ran;
    int status;
    uint64_t *write_to; /* if set: *write_to = value */
    uint64_t value;
    const uint64_t *read_from; /* if set: seen = *read_from */
    uint64_t seen;
} ftask;

static int failing_task(pel_flow_task *t, void *arg)
{
    (void)t;
    ftask *x = arg;
    atomic_fetch_add_explicit(&x->ran, 1, memory_order_relaxed);
    if (x->read_from) x->seen = *x->read_from;
    if (x->write_to) *x->write_to = x->value;
    return x->rc;
}

static void fsubmit(pel_flow *f, ftask *x, const char *name, const pel_access *acc,
                    unsigned n)
{
    x->status = -12345;
    atomic_init(&x->ran, 0);
    CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = failing_task, .arg = x, .access = acc,
                                             .naccess = n, .name = name,
                                             .status = &x->status}));
}

static void check_ftask(const ftask *x, const char *name, int ran, int status)
{
    if (atomic_load(&x->ran) != ran || x->status != status)
        CHECK_FAIL_("task %s ran %d times with status %d (%s); expected %d, %d (%s)", name,
                    atomic_load(&x->ran), x->status, pel_errname(x->status), ran, status,
                    pel_errname(status));
}

/* A chain: the failed task's dependents are skipped, independent work runs. */
static void test_failure_chain(void)
{
    pel_flow *f = flow_new(rt, 0);
    uint64_t a = 1, b = 2;
    pel_data da = reg(f, &a, sizeof(a)), db = reg(f, &b, sizeof(b));
    ftask t[7];
    memset(t, 0, sizeof(t));
    t[1] = (ftask){.rc = 42, .write_to = &a, .value = 10};
    t[5] = (ftask){.write_to = &b, .value = 20};
    t[6] = (ftask){.read_from = &b};
    fsubmit(f, &t[1], "t1", (pel_access[]){{da, PEL_WRITE}}, 1);
    fsubmit(f, &t[2], "t2", (pel_access[]){{da, PEL_READWRITE}}, 1);
    fsubmit(f, &t[5], "t5", (pel_access[]){{db, PEL_WRITE}}, 1);
    fsubmit(f, &t[3], "t3", (pel_access[]){{da, PEL_READ}}, 1);
    fsubmit(f, &t[6], "t6", (pel_access[]){{db, PEL_READ}}, 1);
    fsubmit(f, &t[4], "t4", (pel_access[]){{da, PEL_READWRITE}}, 1);

    /* The acquire waits for t1..t4: the data is failed, the failure is recorded. */
    void *p = NULL;
    CHECK_RC(pel_data_acquire(f, da, PEL_READWRITE, &p), PEL_EDEPFAILED);
    CHECK(p == &a);
    pel_failure fail;
    CHECK_OK(pel_flow_failure(f, &fail));
    CHECK_EQ(fail.error, 42);
    CHECK_EQ(fail.task_id, 1);
    CHECK(fail.name != NULL);
    CHECK_STREQ(fail.name, "t1");
    CHECK_EQ(fail.skipped, 3);
    CHECK_OK(pel_data_release(f, da));

    CHECK_RC(pel_flow_wait(f), 42);
    check_ftask(&t[1], "t1", 1, 42);
    check_ftask(&t[2], "t2", 0, PEL_EDEPFAILED);
    check_ftask(&t[3], "t3", 0, PEL_EDEPFAILED);
    check_ftask(&t[4], "t4", 0, PEL_EDEPFAILED);
    check_ftask(&t[5], "t5", 1, 0);
    check_ftask(&t[6], "t6", 1, 0);
    CHECK_EQ(t[6].seen, 20);
    /* The wait cleared the record; the flow goes on. */
    CHECK_OK(pel_flow_failure(f, &fail));
    CHECK_EQ(fail.error, 0);
    CHECK_OK(pel_flow_wait(f));
    /* The data itself is still the failed task's until something overwrites it. */
    CHECK_RC(pel_data_acquire(f, da, PEL_READ, NULL), PEL_EDEPFAILED);
    CHECK_OK(pel_data_release(f, da));
    ftask w = {.write_to = &a, .value = 30}, r = {.read_from = &a};
    fsubmit(f, &w, "w", (pel_access[]){{da, PEL_WRITE}}, 1);
    fsubmit(f, &r, "r", (pel_access[]){{da, PEL_READ}}, 1);
    CHECK_OK(pel_data_acquire(f, da, PEL_READ, &p));
    CHECK_EQ(a, 30);
    CHECK_OK(pel_data_release(f, da));
    CHECK_OK(pel_flow_wait(f));
    check_ftask(&w, "w", 1, 0);
    check_ftask(&r, "r", 1, 0);
    CHECK_EQ(r.seen, 30);
    CHECK_OK(pel_flow_destroy(f));
}

/* A diamond under a failed source: everything below it is skipped; a WRITE to one of
 * the diamond's handles is not, and neither is what reads it afterwards. */
static void test_failure_diamond(void)
{
    pel_flow *f = flow_new(rt, 0);
    uint64_t v[7] = {0};
    pel_data A = reg(f, &v[0], 8), B = reg(f, &v[1], 8), C = reg(f, &v[2], 8),
             D = reg(f, &v[3], 8), E = reg(f, &v[4], 8), F = reg(f, &v[5], 8);
    ftask t[12];
    memset(t, 0, sizeof(t));
    t[1].rc = 7;
    t[6].write_to = &v[4];
    t[6].value = 60;
    t[7].read_from = &v[4];
    t[9].write_to = &v[1];
    t[9].value = 90;
    t[10].read_from = &v[1];
    fsubmit(f, &t[1], "source", (pel_access[]){{A, PEL_WRITE}}, 1);
    fsubmit(f, &t[2], "left", (pel_access[]){{A, PEL_READ}, {B, PEL_WRITE}}, 2);
    fsubmit(f, &t[3], "right", (pel_access[]){{A, PEL_READ}, {C, PEL_WRITE}}, 2);
    fsubmit(f, &t[4], "join", (pel_access[]){{B, PEL_READ}, {C, PEL_READ}, {D, PEL_WRITE}}, 3);
    fsubmit(f, &t[5], "sink", (pel_access[]){{D, PEL_READ}}, 1);
    fsubmit(f, &t[6], "free", (pel_access[]){{E, PEL_READWRITE}}, 1);
    fsubmit(f, &t[7], "free-reader", (pel_access[]){{E, PEL_READ}}, 1);
    /* Writes B from F only: runs, and so does its reader. */
    fsubmit(f, &t[9], "rewrite", (pel_access[]){{F, PEL_READ}, {B, PEL_WRITE}}, 2);
    fsubmit(f, &t[10], "rewrite-reader", (pel_access[]){{B, PEL_READ}}, 1);
    /* Reads C (failed) and writes F: skipped, so F is failed for its reader. */
    fsubmit(f, &t[8], "c-to-f", (pel_access[]){{C, PEL_READ}, {F, PEL_WRITE}}, 2);
    fsubmit(f, &t[11], "f-reader", (pel_access[]){{F, PEL_READ}}, 1);

    CHECK_RC(pel_data_acquire(f, D, PEL_READWRITE, NULL), PEL_EDEPFAILED);
    CHECK_RC(pel_data_acquire(f, F, PEL_READWRITE, NULL), PEL_EDEPFAILED);
    pel_failure fail;
    CHECK_OK(pel_flow_failure(f, &fail));
    CHECK_EQ(fail.error, 7);
    CHECK_EQ(fail.task_id, 1);
    CHECK_STREQ(fail.name, "source");
    CHECK_EQ(fail.skipped, 6); /* left, right, join, sink, c-to-f, f-reader */
    CHECK_OK(pel_data_release(f, D));
    CHECK_OK(pel_data_release(f, F));
    CHECK_RC(pel_flow_wait(f), 7);
    check_ftask(&t[1], "source", 1, 7);
    check_ftask(&t[2], "left", 0, PEL_EDEPFAILED);
    check_ftask(&t[3], "right", 0, PEL_EDEPFAILED);
    check_ftask(&t[4], "join", 0, PEL_EDEPFAILED);
    check_ftask(&t[5], "sink", 0, PEL_EDEPFAILED);
    check_ftask(&t[6], "free", 1, 0);
    check_ftask(&t[7], "free-reader", 1, 0);
    check_ftask(&t[8], "c-to-f", 0, PEL_EDEPFAILED);
    check_ftask(&t[9], "rewrite", 1, 0);
    check_ftask(&t[10], "rewrite-reader", 1, 0);
    check_ftask(&t[11], "f-reader", 0, PEL_EDEPFAILED);
    CHECK_EQ(t[7].seen, 60);
    CHECK_EQ(t[10].seen, 90);
    CHECK_OK(pel_data_acquire(f, B, PEL_READ, NULL)); /* rewritten: not failed */
    CHECK_OK(pel_data_release(f, B));
    CHECK_OK(pel_flow_destroy(f));
}

/* WRITE after a failed writer runs (it reads nothing); READWRITE and READ do not; the
 * first of two failures is the one reported. */
static void test_failure_write_after(void)
{
    pel_flow *f = flow_new(rt, 0);
    uint64_t a = 0, b = 0;
    pel_data A = reg(f, &a, 8), B = reg(f, &b, 8);
    ftask t[10];
    memset(t, 0, sizeof(t));
    t[1].rc = 5;
    t[3] = (ftask){.write_to = &a, .value = 99};
    t[4] = (ftask){.read_from = &a};
    t[5] = (ftask){.rc = 6};
    t[7] = (ftask){.write_to = &a, .value = 100};
    t[8] = (ftask){.read_from = &a};
    fsubmit(f, &t[1], "first", (pel_access[]){{A, PEL_WRITE}}, 1);
    fsubmit(f, &t[2], "rw-after-fail", (pel_access[]){{A, PEL_READWRITE}}, 1);
    fsubmit(f, &t[3], "write-after-fail", (pel_access[]){{A, PEL_WRITE}}, 1);
    fsubmit(f, &t[4], "read-after-write", (pel_access[]){{A, PEL_READ}}, 1);
    /* A second failure, after the first (it waits for t4, hence t1). */
    fsubmit(f, &t[5], "second", (pel_access[]){{A, PEL_WRITE}, {B, PEL_WRITE}}, 2);
    fsubmit(f, &t[6], "read-second", (pel_access[]){{B, PEL_READ}}, 1);
    fsubmit(f, &t[7], "write-again", (pel_access[]){{A, PEL_WRITE}}, 1);
    fsubmit(f, &t[8], "read-again", (pel_access[]){{A, PEL_READ}}, 1);
    CHECK_RC(pel_flow_wait(f), 5);
    check_ftask(&t[1], "first", 1, 5);
    check_ftask(&t[2], "rw-after-fail", 0, PEL_EDEPFAILED);
    check_ftask(&t[3], "write-after-fail", 1, 0);
    check_ftask(&t[4], "read-after-write", 1, 0);
    check_ftask(&t[5], "second", 1, 6);
    check_ftask(&t[6], "read-second", 0, PEL_EDEPFAILED);
    check_ftask(&t[7], "write-again", 1, 0);
    check_ftask(&t[8], "read-again", 1, 0);
    CHECK_EQ(t[4].seen, 99);
    CHECK_EQ(t[8].seen, 100);
    CHECK_OK(pel_data_acquire(f, A, PEL_READ, NULL));
    CHECK_OK(pel_data_release(f, A));
    CHECK_RC(pel_data_acquire(f, B, PEL_READ, NULL), PEL_EDEPFAILED);
    CHECK_OK(pel_data_release(f, B));
    CHECK_OK(pel_flow_destroy(f));
}

/* A child fails: its later sibling is skipped, the parent's wait for its children returns
 * the child's code, and so does the top-level wait, naming a child id. */
typedef struct nested_fail {
    pel_flow *f;
    pel_data d;
    ftask child[2];
    int wait_rc;
} nested_fail;

static int nested_fail_parent(pel_flow_task *t, void *arg)
{
    (void)t;
    nested_fail *n = arg;
    n->child[0].rc = 77;
    fsubmit(n->f, &n->child[0], "failing-child", (pel_access[]){{n->d, PEL_READWRITE}}, 1);
    fsubmit(n->f, &n->child[1], "skipped-child", (pel_access[]){{n->d, PEL_READWRITE}}, 1);
    n->wait_rc = pel_flow_wait(n->f);
    return 0;
}

static void test_failure_nested(void)
{
    static nested_fail n;
    memset(&n, 0, sizeof(n));
    uint64_t a = 0;
    n.f = flow_new(rt, 0);
    n.d = reg(n.f, &a, sizeof(a));
    int parent_status = -12345;
    CHECK_OK(pel_submit(n.f, &(pel_task_desc){.fn = nested_fail_parent, .arg = &n,
                                               .access = (pel_access[]){{n.d, PEL_READWRITE}},
                                               .naccess = 1, .name = "parent",
                                               .status = &parent_status}));
    CHECK_RC(pel_data_acquire(n.f, n.d, PEL_READ, NULL), PEL_EDEPFAILED);
    pel_failure fail;
    CHECK_OK(pel_flow_failure(n.f, &fail));
    CHECK_EQ(fail.error, 77);
    CHECK(fail.task_id >> 63);
    CHECK_STREQ(fail.name, "failing-child");
    CHECK_OK(pel_data_release(n.f, n.d));
    CHECK_RC(pel_flow_wait(n.f), 77);
    CHECK_EQ(n.wait_rc, 77);
    check_ftask(&n.child[0], "failing-child", 1, 77);
    check_ftask(&n.child[1], "skipped-child", 0, PEL_EDEPFAILED);
    CHECK_NE(parent_status, -12345);
    CHECK_OK(pel_flow_destroy(n.f));
}

/* ---- acquire --------------------------------------------------------------------- */

typedef struct long_task {
    _Atomic int started, release, finished;
} long_task;

static int long_running(pel_flow_task *t, void *arg)
{
    (void)t;
    long_task *l = arg;
    atomic_store_explicit(&l->started, 1, memory_order_release);
    await_at_least(&l->release, 1, "the long task's release");
    atomic_store_explicit(&l->finished, 1, memory_order_release);
    return 0;
}

static int times3_plus1(pel_flow_task *t, void *arg)
{
    (void)arg;
    uint64_t *v = pel_flow_data(t, 0);
    *v = *v * 3 + 1;
    return 0;
}

static int read_into(pel_flow_task *t, void *arg)
{
    uint64_t *out = arg;
    *out = *(const uint64_t *)pel_flow_data(t, 0);
    return 0;
}

typedef struct foreign_submit {
    pel_flow *f;
    pel_data d;
    uint64_t *out;
} foreign_submit;

static void *submit_from_thread(void *arg)
{
    foreign_submit *s = arg;
    submit1(s->f, read_into, s->out, s->d, PEL_READ);
    return NULL;
}

/* The acquire waits only for what the handle depends on: a long task on another handle
 * is still running when it returns (even with one worker, held by that task: the
 * acquiring thread runs the chain itself). */
static void test_acquire(void)
{
    pel_flow *f = flow_new(rt, 0);
    uint64_t a = 1, b = 0;
    pel_data A = reg(f, &a, sizeof(a)), B = reg(f, &b, sizeof(b));
    static long_task l;
    memset(&l, 0, sizeof(l));
    submit1(f, long_running, &l, B, PEL_READWRITE);
    await_at_least(&l.started, 1, "the long task to start");
    uint64_t expect = 1;
    for (int i = 0; i < 100; i++) {
        submit1(f, times3_plus1, NULL, A, PEL_READWRITE);
        expect = expect * 3 + 1;
    }
    uint64_t *p = NULL;
    CHECK_OK(pel_data_acquire(f, A, PEL_READ, (void **)&p));
    CHECK(p == &a);
    CHECK_EQ(*p, expect);
    CHECK_EQ(atomic_load(&l.finished), 0);
    CHECK_OK(pel_data_release(f, A));

    /* Acquired: submitting a task on it from this thread is refused; other handles are
     * fine; a second acquire, an unregister are refused. */
    CHECK_OK(pel_data_acquire(f, A, PEL_READWRITE, (void **)&p));
    uint64_t seen = 0;
    pel_access ra[] = {{A, PEL_READ}};
    CHECK_RC(pel_submit(f, &(pel_task_desc){.fn = read_into, .arg = &seen, .access = ra,
                                             .naccess = 1}),
             PEL_EBUSY);
    pel_access mixed[] = {{B, PEL_READ}, {A, PEL_READ}};
    CHECK_RC(pel_submit(f, &(pel_task_desc){.fn = read_into, .arg = &seen, .access = mixed,
                                             .naccess = 2}),
             PEL_EBUSY);
    CHECK_RC(pel_data_acquire(f, A, PEL_READ, NULL), PEL_EBUSY);
    CHECK_RC(pel_data_unregister(f, A), PEL_EBUSY);
    *p = 500;
    CHECK_OK(pel_data_release(f, A));
    CHECK_RC(pel_data_release(f, A), PEL_EINVAL);
    submit1(f, read_into, &seen, A, PEL_READ);
    atomic_store_explicit(&l.release, 1, memory_order_release);
    CHECK_OK(pel_flow_wait(f));
    CHECK_EQ(seen, 500);
    CHECK_EQ(atomic_load(&l.finished), 1);

    /* A task another thread submits while this one holds the handle waits for release. */
    CHECK_OK(pel_data_acquire(f, A, PEL_WRITE, (void **)&p));
    uint64_t later = 0;
    foreign_submit fs = {f, A, &later};
    pthread_t tid;
    CHECK_EQ(pthread_create(&tid, NULL, submit_from_thread, &fs), 0);
    CHECK_EQ(pthread_join(tid, NULL), 0);
    test_sleep_ms(20);
    *p = 600; /* the task must not have read yet */
    CHECK_OK(pel_data_release(f, A));
    CHECK_OK(pel_flow_wait(f));
    CHECK_EQ(later, 600);

    /* Modes, ptr NULL, a handle without memory. */
    CHECK_RC(pel_data_acquire(f, A, PEL_COMMUTE, NULL), PEL_EINVAL);
    CHECK_RC(pel_data_acquire(f, A, PEL_REDUCE, NULL), PEL_EINVAL);
    CHECK_RC(pel_data_acquire(f, A, (pel_mode)0, NULL), PEL_EINVAL);
    CHECK_RC(pel_data_acquire(f, A, (pel_mode)9, NULL), PEL_EINVAL);
    CHECK_OK(pel_data_acquire(f, A, PEL_WRITE, NULL));
    CHECK_OK(pel_data_release(f, A));
    pel_data K = reg(f, NULL, 0);
    p = (uint64_t *)&p;
    CHECK_OK(pel_data_acquire(f, K, PEL_READWRITE, (void **)&p));
    CHECK(p == NULL);
    CHECK_OK(pel_data_release(f, K));
    CHECK_OK(pel_flow_destroy(f));
}

/* ---- the window ------------------------------------------------------------------ */

typedef struct flood {
    _Atomic long finished;
    _Atomic long ran;
} flood;

static int flood_task(pel_flow_task *t, void *arg)
{
    flood *fl = arg;
    uint64_t *v = pel_flow_data(t, 0);
    if (v) *v += 1;
    atomic_fetch_add_explicit(&fl->ran, 1, memory_order_relaxed);
    /* release: pairs with the submitter's acquire load. */
    atomic_fetch_add_explicit(&fl->finished, 1, memory_order_release);
    return 0;
}

/* 10^5 submissions with a window of 64: after each submission returns, submitted minus
 * finished (by the tasks' own count, which runs ahead of pel's) is at most 64. Tasks are
 * independent, on 8 handles round robin, or one chain. */
static void test_window_flood(void)
{
    const long n = test_scaled(100000, 20000);
    const size_t windows[] = {64, 1};
    for (int wi = 0; wi < 2; wi++) {
        size_t window = windows[wi];
        for (int pattern = 0; pattern < 3; pattern++) {
            pel_flow *f = flow_new(rt, window);
            static flood fl;
            atomic_init(&fl.finished, 0);
            atomic_init(&fl.ran, 0);
            uint64_t vals[8] = {0};
            pel_data d[8];
            for (int i = 0; i < 8; i++) d[i] = reg(f, &vals[i], sizeof(vals[i]));
            long count = window == 1 ? n / 10 : n, worst = 0;
            for (long i = 0; i < count; i++) {
                pel_access acc[] = {{d[pattern == 1 ? i % 8 : 0], PEL_READWRITE}};
                CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = flood_task, .arg = &fl,
                                                         .access = acc,
                                                         .naccess = pattern ? 1u : 0u}));
                long pending =
                    i + 1 - atomic_load_explicit(&fl.finished, memory_order_acquire);
                if (pending > worst) worst = pending;
                if (pending > (long)window)
                    CHECK_FAIL_("window %zu, pattern %d: %ld pending after %ld submissions",
                                window, pattern, pending, i + 1);
            }
            CHECK_OK(pel_flow_wait(f));
            CHECK_EQ(atomic_load(&fl.ran), count);
            uint64_t total = 0;
            for (int i = 0; i < 8; i++) total += vals[i];
            CHECK_EQ(total, pattern ? (uint64_t)count : 0);
            if (pattern == 1)
                for (int i = 0; i < 8; i++) CHECK_EQ(vals[i], (uint64_t)(count / 8 + (i < count % 8)));
            CHECK_OK(pel_flow_destroy(f));
            printf("window %zu, pattern %d: %ld tasks, at most %ld pending seen\n", window,
                   pattern, count, worst);
        }
    }
}

/* ---- nested submission ----------------------------------------------------------- */

enum { KIDS = 200 };

typedef struct nest {
    pel_flow *f;
    pel_data d;
    uint64_t value;
    _Atomic int kids_done;
    int waits;     /* the parent waits for its children inside the task */
    int wait_rc;
    uint64_t after_wait;
    int kids_at_wait;
    uint64_t child_ids[KIDS];
} nest;

typedef struct kid_arg {
    nest *n;
    int index;
} kid_arg;

static int nest_kid(pel_flow_task *t, void *arg)
{
    kid_arg *k = arg;
    uint64_t *v = pel_flow_data(t, 0);
    CHECK(v == &k->n->value);
    *v = *v * 31 + (uint64_t)k->index;
    k->n->child_ids[k->index] = pel_flow_task_id(t);
    atomic_fetch_add_explicit(&k->n->kids_done, 1, memory_order_release);
    return 0;
}

static int nest_parent(pel_flow_task *t, void *arg)
{
    (void)t;
    nest *n = arg;
    static kid_arg kids[KIDS];
    for (int i = 0; i < KIDS; i++) {
        kids[i] = (kid_arg){n, i};
        pel_access acc[] = {{n->d, PEL_READWRITE}};
        /* The copy of the argument block makes the local array safe to reuse. */
        CHECK_OK(pel_submit(n->f, &(pel_task_desc){.fn = nest_kid, .arg = &kids[i],
                                                    .arg_size = sizeof(kids[i]),
                                                    .access = acc, .naccess = 1}));
    }
    if (n->waits) {
        n->wait_rc = pel_flow_wait(n->f);
        n->kids_at_wait = atomic_load_explicit(&n->kids_done, memory_order_acquire);
        n->after_wait = n->value;
        n->value += 1;
    }
    return 0;
}

typedef struct nest_check {
    nest *n;
    int kids_done;
    uint64_t value;
} nest_check;

static int nest_successor(pel_flow_task *t, void *arg)
{
    nest_check *c = arg;
    c->kids_done = atomic_load_explicit(&c->n->kids_done, memory_order_acquire);
    c->value = *(const uint64_t *)pel_flow_data(t, 0);
    return 0;
}

/* A tree of handles: a task holding handles [lo, hi) in READWRITE splits them between
 * two children, down to single handles that the leaves increment by their depth. */
typedef struct tree_arg {
    pel_flow *f;
    pel_data *d;
    int lo, hi, depth;
} tree_arg;

static int tree_task(pel_flow_task *t, void *arg)
{
    tree_arg *a = arg;
    if (a->hi - a->lo == 1) {
        uint64_t *v = pel_flow_data(t, 0);
        *v = *v * 10 + (uint64_t)a->depth;
        return 0;
    }
    CHECK(pel_flow_task_id(t) != 0);
    int mid = (a->lo + a->hi) / 2;
    for (int half = 0; half < 2; half++) {
        tree_arg c = {a->f, a->d, half ? mid : a->lo, half ? a->hi : mid, a->depth + 1};
        pel_access acc[16];
        for (int i = c.lo; i < c.hi; i++) acc[i - c.lo] = (pel_access){a->d[i], PEL_READWRITE};
        CHECK_OK(pel_submit(a->f, &(pel_task_desc){.fn = tree_task, .arg = &c,
                                                    .arg_size = sizeof(c), .access = acc,
                                                    .naccess = (unsigned)(c.hi - c.lo)}));
    }
    return 0;
}

static void test_nested(void)
{
    for (int waits = 0; waits < 2; waits++) {
        static nest n;
        memset(&n, 0, sizeof(n));
        n.f = flow_new(rt, 0);
        n.value = 1;
        n.waits = waits;
        n.wait_rc = -12345;
        n.d = reg(n.f, &n.value, sizeof(n.value));
        int parent_status = -12345;
        CHECK_OK(pel_submit(n.f, &(pel_task_desc){.fn = nest_parent, .arg = &n,
                                                   .access = (pel_access[]){{n.d, PEL_READWRITE}},
                                                   .naccess = 1, .status = &parent_status}));
        nest_check c = {&n, -1, 0};
        submit1(n.f, nest_successor, &c, n.d, PEL_READ);
        CHECK_OK(pel_flow_wait(n.f));
        uint64_t expect = 1;
        for (int i = 0; i < KIDS; i++) expect = expect * 31 + (uint64_t)i;
        /* The parent's successor ran after every child. */
        CHECK_EQ(c.kids_done, KIDS);
        if (waits) {
            CHECK_OK(n.wait_rc);
            CHECK_EQ(n.kids_at_wait, KIDS);
            CHECK_EQ(n.after_wait, expect);
            expect += 1;
        }
        CHECK_EQ(c.value, expect);
        CHECK_EQ(n.value, expect);
        CHECK_EQ(parent_status, 0);
        for (int i = 0; i < KIDS; i++) {
            CHECK(n.child_ids[i] >> 63);
            for (int j = 0; j < i; j++) CHECK_NE(n.child_ids[i], n.child_ids[j]);
        }
        CHECK_OK(pel_flow_destroy(n.f));
    }

    /* Four levels of nesting over 16 handles. */
    pel_flow *f = flow_new(rt, 0);
    uint64_t vals[16];
    pel_data d[16];
    pel_access acc[16];
    for (int i = 0; i < 16; i++) {
        vals[i] = (uint64_t)i;
        d[i] = reg(f, &vals[i], sizeof(vals[i]));
        acc[i] = (pel_access){d[i], PEL_READWRITE};
    }
    for (int round = 0; round < 3; round++) {
        tree_arg root = {f, d, 0, 16, 0};
        CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = tree_task, .arg = &root,
                                                 .arg_size = sizeof(root), .access = acc,
                                                 .naccess = 16}));
    }
    CHECK_OK(pel_flow_wait(f));
    for (int i = 0; i < 16; i++) CHECK_EQ(vals[i], (uint64_t)i * 1000 + 444);
    CHECK_OK(pel_flow_destroy(f));
}

/* ---- the top-level submitter changes threads ------------------------------------- */

typedef struct handoff {
    pel_flow *f;
    pel_data d;
    uint64_t expect;
    int rounds;
} handoff;

static void handoff_submit(handoff *h)
{
    for (int i = 0; i < h->rounds; i++) {
        submit1(h->f, times3_plus1, NULL, h->d, PEL_READWRITE);
        h->expect = h->expect * 3 + 1;
    }
}

static void *handoff_thread(void *arg)
{
    handoff *h = arg;
    handoff_submit(h);
    uint64_t *p = NULL;
    CHECK_OK(pel_data_acquire(h->f, h->d, PEL_READWRITE, (void **)&p));
    CHECK_EQ(*p, h->expect);
    *p += 5;
    h->expect += 5;
    CHECK_OK(pel_data_release(h->f, h->d));
    handoff_submit(h); /* left pending for the next thread */
    return NULL;
}

/* "One thread at a time submits to a flow's top level (the thread that created it, or any
 * other, one after another)": threads take turns, each leaving work pending, and the last
 * one destroys the flow. */
static void test_submitter_handoff(void)
{
    static uint64_t value = 2;
    handoff h = {flow_new(rt, 16), 0, 2, 500};
    h.d = reg(h.f, &value, sizeof(value));
    handoff_submit(&h);
    for (int turn = 0; turn < 4; turn++) {
        pthread_t tid;
        CHECK_EQ(pthread_create(&tid, NULL, handoff_thread, &h), 0);
        CHECK_EQ(pthread_join(tid, NULL), 0);
        if (turn == 1) CHECK_OK(pel_flow_wait(h.f));
    }
    handoff_submit(&h);
    CHECK_OK(pel_flow_wait(h.f));
    CHECK_EQ(value, h.expect);
    CHECK_OK(pel_flow_destroy(h.f));
}

/* ---- loops and groups inside dataflow tasks -------------------------------------- */

enum { LOOP_N = 3000 };

static int add_square(size_t lo, size_t hi, void *acc, void *ctx)
{
    const uint64_t *base = ctx;
    uint64_t *a = acc;
    for (size_t i = lo; i < hi; i++) *a += (*base + i) * (*base + i);
    return 0;
}

static void add_u64(void *acc, const void *other, void *ctx)
{
    (void)ctx;
    *(uint64_t *)acc += *(const uint64_t *)other;
}

static int leaf_increment(void *arg)
{
    atomic_fetch_add_explicit((_Atomic uint64_t *)arg, 1, memory_order_relaxed);
    return 0;
}

/* x = sum over i < LOOP_N of (x mod 1000 + i)^2, by a parallel reduce, plus the count of
 * a group of spawned tasks: the waiting worker runs other dataflow tasks meanwhile. */
static int loop_task(pel_flow_task *t, void *arg)
{
    (void)arg;
    uint64_t *x = pel_flow_data(t, 0);
    uint64_t base = *x % 1000, sum = 0, zero = 0;
    CHECK_OK(pel_parallel_reduce(rt, 0, LOOP_N, 0, &sum, &zero, sizeof(sum), add_square,
                                 add_u64, &base));
    _Atomic uint64_t spawned = 0;
    pel_group g;
    CHECK_OK(pel_group_init(&g, rt));
    for (int i = 0; i < 8; i++) CHECK_OK(pel_group_spawn(&g, leaf_increment, &spawned));
    CHECK_OK(pel_group_wait(&g));
    *x = sum + atomic_load_explicit(&spawned, memory_order_relaxed);
    return 0;
}

static uint64_t loop_serial(uint64_t x)
{
    uint64_t base = x % 1000, sum = 0;
    for (uint64_t i = 0; i < LOOP_N; i++) sum += (base + i) * (base + i);
    return sum + 8;
}

/* 8 chains of tasks that each run a parallel reduce and a task group. */
static void test_loops_in_tasks(void)
{
    enum { CHAINS = 8, STEPS = 12 };
    pel_flow *f = flow_new(rt, 0);
    uint64_t vals[CHAINS], expect[CHAINS];
    pel_data d[CHAINS];
    for (int c = 0; c < CHAINS; c++) {
        vals[c] = expect[c] = (uint64_t)c * 77;
        d[c] = reg(f, &vals[c], sizeof(vals[c]));
    }
    for (int s = 0; s < STEPS; s++)
        for (int c = 0; c < CHAINS; c++) {
            submit1(f, loop_task, NULL, d[c], PEL_READWRITE);
            expect[c] = loop_serial(expect[c]);
        }
    CHECK_OK(pel_flow_wait(f));
    for (int c = 0; c < CHAINS; c++) CHECK_EQ(vals[c], expect[c]);
    CHECK_OK(pel_flow_destroy(f));
}

/* ---- long chains ----------------------------------------------------------------- */

static int increment(pel_flow_task *t, void *arg)
{
    (void)arg;
    uint64_t *v = pel_flow_data(t, 0);
    *v += 1;
    return 0;
}

/* 10^6 tasks (fewer under sanitizers): one chain, then 64 independent chains. */
static void test_long_chains(void)
{
    const long n = test_scaled(1000000, 100000);
    pel_flow *f = flow_new(rt, 0);
    uint64_t one = 0;
    pel_data d = reg(f, &one, sizeof(one));
    double t0 = test_now();
    for (long i = 0; i < n; i++) submit1(f, increment, NULL, d, PEL_READWRITE);
    CHECK_OK(pel_flow_wait(f));
    double t1 = test_now();
    CHECK_EQ(one, (uint64_t)n);

    enum { CHAINS = 64 };
    uint64_t vals[CHAINS] = {0};
    pel_data ds[CHAINS];
    for (int c = 0; c < CHAINS; c++) ds[c] = reg(f, &vals[c], sizeof(vals[c]));
    for (long i = 0; i < n; i++) submit1(f, increment, NULL, ds[i % CHAINS], PEL_READWRITE);
    CHECK_OK(pel_flow_wait(f));
    double t2 = test_now();
    for (int c = 0; c < CHAINS; c++)
        CHECK_EQ(vals[c], (uint64_t)(n / CHAINS + (c < n % CHAINS)));
    CHECK_OK(pel_flow_destroy(f));
    printf("%ld tasks: one chain %.0f ns/task, %d chains %.0f ns/task\n", n,
           (t1 - t0) * 1e9 / (double)n, CHAINS, (t2 - t1) * 1e9 / (double)n);
}

int main(void)
{
    workers = test_workers();
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = workers;
    CHECK_OK(pel_runtime_create(&cfg, &rt));
    test_read_concurrency();
    test_reduce();
    test_commute();
    test_priority();
    test_failure_chain();
    test_failure_diamond();
    test_failure_write_after();
    test_failure_nested();
    test_acquire();
    test_window_flood();
    test_nested();
    test_submitter_handoff();
    test_loops_in_tasks();
    test_long_chains();
    CHECK_OK(pel_runtime_destroy(rt));
    return 0;
}
