/* test_trace.c — what a trace says about known workloads, read back with jansson
 * (trace_check.h): fork-join rounds of tasks that spin a known time, with nested groups;
 * a parallel_for's chunks covering its range; dataflow chains and a diamond with their
 * dependencies and edge pairs; a failing dataflow task and the tasks it skips; and, in
 * adaptive detail, a fine-grained fork-join tree whose slices account for every task.
 * Every trace is written both with pel_trace_write (to a file) and pel_trace_write_file
 * (to memory), and both must say the same. API errors and the environment variables are
 * in test_trace_api.c, counters in test_stats.c.
 */
#include <stdatomic.h>

#include "trace_check.h"

static pel_runtime *rt;
static int workers;
static char *dir;

#define SPIN_US 200.0
#define INNER_US 50.0

static void start_full(void)
{
    pel_trace_config cfg = {.detail = PEL_TRACE_FULL};
    CHECK_OK(pel_trace_start(&cfg));
    CHECK_EQ(pel_trace_is_on(), 1);
}

static int same_ids(const trace *a, const trace *b)
{
    if (trace_count(a, NULL) != trace_count(b, NULL)) return 0;
    for (size_t i = 0; i < a->n; i++)
        if (tr_is_task(&a->ev[i]) && !trace_task(b, a->ev[i].id)) return 0;
    return 1;
}

/* Stop, write the trace to a file and to memory, check both and that they agree; the
 * file's copy goes to *t. `t0`: test_now() just before the start: no event may lie
 * later than the time since then. */
static void stop_and_read(trace *t, const char *file, double t0)
{
    CHECK_OK(pel_trace_stop());
    CHECK_EQ(pel_trace_is_on(), 0);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int before = tr_dir_entries(dir);
    CHECK_OK(pel_trace_write(path));
    CHECK_EQ(tr_dir_entries(dir), before + 1); /* the file, no temporary left beside it */
    trace_load_file(path, t);
    trace mem;
    trace_capture(&mem);
    trace_check_wellformed(t, 1);
    trace_check_wellformed(&mem, 1);
    /* the same tasks; a worker that saw tracing on just before the stop may still add a
     * park, wake or steal event ("stopping takes effect soon on each thread") */
    CHECK(same_ids(t, &mem));
    CHECK_GE(mem.n, t->n);
    trace_free(&mem);
    double elapsed_us = (test_now() - t0) * 1e6;
    CHECK_EQ(t->dropped, 0);
    /* the waits have returned: every task's end is recorded (it is stamped before the
     * task's completion is accounted) */
    CHECK_EQ(trace_unfinished(t), 0);
    /* the clock conversion: nothing after the time the test measured (1 ms slack) */
    for (size_t i = 0; i < t->n; i++)
        if (t->ev[i].ph != 'M' && t->ev[i].end > elapsed_us * 1.02 + 1000)
            CHECK_FAIL_("event %zu (%s) ends at %.3f µs, the trace lasted %.3f µs", i,
                        t->ev[i].name, t->ev[i].end, elapsed_us);
    /* the counters: one entry per worker of the only runtime, tids 0 .. workers-1 */
    CHECK_EQ(t->ncounters, (size_t)workers);
    for (size_t i = 0; i < t->ncounters; i++)
        CHECK_EQ(tj_uint(tj()->array_get(t->counters, i), "worker"), i);
    /* every task on a tid with a name; workers have tids below 1000 */
    for (size_t i = 0; i < t->n; i++)
        if (tr_is_task(&t->ev[i])) CHECK(tr_tid_name(t, t->ev[i].tid) != NULL);
}

/* ---- fork-join -------------------------------------------------------------------- */

static int spin_task(void *arg)
{
    (void)arg;
    tr_spin_us(SPIN_US);
    return 0;
}

static int inner_task(void *arg)
{
    (void)arg;
    tr_spin_us(INNER_US);
    return 0;
}

#define INNER 3

static int outer_task(void *arg)
{
    (void)arg;
    pel_group g;
    CHECK_OK(pel_group_init(&g, rt));
    for (int i = 0; i < INNER; i++) CHECK_OK(pel_group_spawn(&g, inner_task, NULL));
    CHECK_OK(pel_group_wait(&g));
    return 0;
}

static const tr_ev *wait_of_task(const trace *t, uint64_t task)
{
    const tr_ev *w = NULL;
    for (size_t i = 0; i < t->n; i++) {
        const tr_ev *e = &t->ev[i];
        if (e->ph == 'X' && strcmp(e->cat, "wait") == 0 && e->task == task && task != 0) {
            if (w) CHECK_FAIL_("task %" PRIu64 " has two waits", task);
            w = e;
        }
    }
    return w;
}

/* ROUNDS waits on one group of the main thread; in each, K spinning tasks and OUTER
 * tasks that each wait for INNER tasks of their own group. */
static void test_forkjoin(void)
{
    enum { ROUNDS = 3, OUTER = 3 };
    const int K = 2 * workers + 2;
    double t0 = test_now();
    start_full();
    pel_group g;
    CHECK_OK(pel_group_init(&g, rt));
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < K; i++) CHECK_OK(pel_group_spawn(&g, spin_task, NULL));
        for (int i = 0; i < OUTER; i++) CHECK_OK(pel_group_spawn(&g, outer_task, NULL));
        CHECK_OK(pel_group_wait(&g));
    }
    trace t;
    stop_and_read(&t, "forkjoin.json", t0);
    CHECK_STREQ(t.detail, "full");

    /* every task exactly once */
    CHECK_EQ(trace_count(&t, "spin"), ROUNDS * K);
    CHECK_EQ(trace_count(&t, "outer"), ROUNDS * OUTER);
    CHECK_EQ(trace_count(&t, "inner"), ROUNDS * OUTER * INNER);
    CHECK_EQ(trace_count(&t, NULL), ROUNDS * (K + OUTER + OUTER * INNER));

    /* the main thread's waits: ROUNDS of them, each with a group id of its own */
    const tr_ev *mw[ROUNDS];
    int nmw = 0;
    int main_tid = -1;
    for (size_t i = 0; i < t.n; i++) {
        const tr_ev *e = &t.ev[i];
        if (e->ph == 'X' && strcmp(e->cat, "wait") == 0 && e->task == 0) {
            CHECK(e->has_group);
            CHECK(tr_is_external_tid(e->tid));
            if (main_tid < 0) main_tid = e->tid;
            CHECK_EQ(e->tid, main_tid);
            CHECK_LT(nmw, ROUNDS);
            mw[nmw++] = e; /* file order is time order on one tid */
        }
    }
    CHECK_EQ(nmw, ROUNDS);
    for (int r = 1; r < ROUNDS; r++) {
        CHECK(mw[r]->ts >= mw[r - 1]->end - TR_EPS);
        CHECK_NE(mw[r]->group, mw[r - 1]->group);
    }

    int per_round_spin[ROUNDS] = {0}, per_round_outer[ROUNDS] = {0};
    for (size_t i = 0; i < t.n; i++) {
        const tr_ev *e = &t.ev[i];
        if (!tr_is_task(e)) continue;
        CHECK_STREQ(e->kind, "spawn");
        CHECK(e->has_group);
        CHECK(e->has_spawned); /* full detail */
        CHECK(!e->unfinished);
        CHECK_EQ(e->inlined, 0);
        CHECK(!tr_is_external_tid(e->tid)); /* the main thread runs no fork-join task */
        if (strcmp(e->name, "inner") == 0) continue;
        /* spin and outer: spawned by the main thread, in the group of the wait that
         * followed their spawn, run between that wait's start... and its end */
        CHECK_EQ(e->parent, 0);
        int r = 0;
        while (r < ROUNDS && mw[r]->group != e->group) r++;
        if (r == ROUNDS) CHECK_FAIL_("task %" PRIu64 " has group %" PRIu64 ", no wait joins it",
                                     e->id, e->group);
        if (r > 0) CHECK(e->spawned >= mw[r - 1]->end - TR_EPS);
        CHECK(e->spawned <= mw[r]->ts + TR_EPS);
        /* it ended before the wait that joined it */
        CHECK(e->end <= mw[r]->end + TR_EPS);
        if (strcmp(e->name, "spin") == 0) {
            per_round_spin[r]++;
            /* it spun SPIN_US of monotonic time (the tick rate's error is far smaller) */
            if (e->dur < SPIN_US * 0.97)
                CHECK_FAIL_("spin task lasted %.3f µs, less than %.0f", e->dur, SPIN_US);
        } else {
            CHECK_STREQ(e->name, "outer");
            per_round_outer[r]++;
            /* its wait: on its tid, inside it, for a group of INNER tasks it spawned */
            const tr_ev *w = wait_of_task(&t, e->id);
            CHECK(w != NULL);
            CHECK_EQ(w->tid, e->tid);
            CHECK(w->has_group);
            CHECK(w->ts >= e->ts - TR_EPS && w->end <= e->end + TR_EPS);
            int inner = 0;
            for (size_t j = 0; j < t.n; j++) {
                const tr_ev *c = &t.ev[j];
                if (!tr_is_task(c) || c->parent != e->id) continue;
                CHECK_STREQ(c->name, "inner");
                CHECK_EQ(c->group, w->group);
                CHECK(c->spawned >= e->ts - TR_EPS && c->spawned <= w->ts + TR_EPS);
                CHECK(c->end <= w->end + TR_EPS);
                CHECK(c->dur >= INNER_US * 0.97);
                inner++;
            }
            CHECK_EQ(inner, INNER);
        }
    }
    for (int r = 0; r < ROUNDS; r++) {
        CHECK_EQ(per_round_spin[r], K);
        CHECK_EQ(per_round_outer[r], OUTER);
    }
    /* steals happened with several workers, unless the main thread's injections went to
     * each worker directly; either way, with one worker there are none */
    size_t steals = 0;
    for (size_t i = 0; i < t.n; i++) steals += t.ev[i].ph == 'i' && !strcmp(t.ev[i].cat, "steal");
    if (workers == 1) CHECK_EQ(steals, 0);
    trace_free(&t);
}

/* ---- parallel_for ----------------------------------------------------------------- */

typedef struct loop_ctx {
    _Atomic unsigned char *hits;
} loop_ctx;

static int loop_body(size_t lo, size_t hi, void *ctx)
{
    loop_ctx *c = ctx;
    for (size_t i = lo; i < hi; i++) {
        atomic_fetch_add_explicit(&c->hits[i], 1, memory_order_relaxed);
        for (volatile int k = 0; k < 20; k++) {
        }
    }
    return 0;
}

static int by_lo(const void *a, const void *b)
{
    const tr_ev *x = *(const tr_ev *const *)a, *y = *(const tr_ev *const *)b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static void check_loop_cover(const trace *t, size_t n)
{
    size_t nch;
    const tr_ev **ch = trace_tasks_named(t, "loop body", &nch);
    CHECK_GT(nch, 0);
    /* sorted by lo: contiguous, no overlap, exactly [0, n) */
    qsort(ch, nch, sizeof(*ch), by_lo);
    uint64_t next = 0, sum = 0;
    for (size_t i = 0; i < nch; i++) {
        const tr_ev *c = ch[i];
        CHECK_STREQ(c->kind, "loop");
        CHECK(!c->has_group && !c->has_flow);
        if (c->lo != next)
            CHECK_FAIL_("chunk %zu of %zu covers [%" PRIu64 ", %" PRIu64 "), expected lo %" PRIu64,
                        i, nch, c->lo, c->hi, next);
        CHECK_LT(c->lo, c->hi);
        sum += c->hi - c->lo;
        next = c->hi;
        /* run by the caller (root) or inside a loop piece on the same tid */
        if (c->parent) {
            const tr_ev *p = trace_task(t, c->parent);
            CHECK(p != NULL);
            CHECK_STREQ(p->name, "loop piece");
            CHECK_EQ(p->tid, c->tid);
            CHECK(c->ts >= p->ts - TR_EPS && c->end <= p->end + TR_EPS);
        } else {
            CHECK(tr_is_external_tid(c->tid));
        }
    }
    CHECK_EQ(next, n);
    CHECK_EQ(sum, n);
    free(ch);
    /* loop pieces: fork-join tasks spawned by the caller or by other pieces */
    for (size_t i = 0; i < t->n; i++) {
        const tr_ev *e = &t->ev[i];
        if (!tr_is_task(e) || strcmp(e->name, "loop piece") != 0) continue;
        CHECK_STREQ(e->kind, "spawn");
        if (e->parent) CHECK_STREQ(trace_task(t, e->parent)->name, "loop piece");
    }
    CHECK_EQ(trace_count(t, NULL), trace_count(t, "loop body") + trace_count(t, "loop piece"));
}

static void test_parallel_for(void)
{
    size_t n = (size_t)test_scaled(200000, 20000);
    _Atomic unsigned char *hits = calloc(n, 1);
    CHECK(hits != NULL);
    loop_ctx c = {hits};
    for (int pass = 0; pass < 2; pass++) {
        size_t grain = pass == 0 ? 0 : n / 37;
        memset((void *)hits, 0, n);
        double t0 = test_now();
        start_full();
        CHECK_OK(pel_parallel_for(rt, 0, n, grain, loop_body, &c));
        trace t;
        stop_and_read(&t, pass ? "for-grain.json" : "for.json", t0);
        for (size_t i = 0; i < n; i++) CHECK_EQ(hits[i], 1);
        check_loop_cover(&t, n);
        if (grain) {
            /* every chunk is at most a grain, so there are at least 37 */
            size_t nch;
            const tr_ev **ch = trace_tasks_named(&t, "loop body", &nch);
            for (size_t i = 0; i < nch; i++) CHECK_LE(ch[i]->hi - ch[i]->lo, grain);
            CHECK_GE(nch, 37);
            free(ch);
        }
        trace_free(&t);
    }
    free((void *)hits);
}

/* ---- dataflow --------------------------------------------------------------------- */

static _Atomic int gate_open;

/* Holds its successors back until the test has submitted everything, so that every edge
 * is made while its predecessor is pending (an edge to a finished task is not made, and
 * then not in deps either). */
static int gate_fn(pel_flow_task *task, void *arg)
{
    (void)task;
    (void)arg;
    double end = test_now() + 60;
    while (!atomic_load_explicit(&gate_open, memory_order_acquire)) {
        if (test_now() > end) CHECK_FAIL_("gate never opened");
        sched_yield();
    }
    return 0;
}

static int step_fn(pel_flow_task *task, void *arg)
{
    (void)arg;
    long *v = pel_flow_data(task, 0);
    (*v)++;
    tr_spin_us(20);
    return 0;
}

static int fail_fn(pel_flow_task *task, void *arg)
{
    (void)task;
    (void)arg;
    return 42;
}

static int diamond_fn(pel_flow_task *task, void *arg)
{
    (void)task;
    (void)arg;
    tr_spin_us(30);
    return 0;
}

static void submit(pel_flow *f, pel_flow_fn fn, const char *name, pel_access *acc, unsigned n,
                   int *status)
{
    CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = fn, .name = name, .access = acc,
                                             .naccess = n, .status = status}));
}

static const tr_ev *only(const trace *t, const char *name)
{
    CHECK_EQ(trace_count(t, name), 1);
    for (size_t i = 0; i < t->n; i++)
        if (tr_is_task(&t->ev[i]) && strcmp(t->ev[i].name, name) == 0) return &t->ev[i];
    return NULL;
}

static void check_flow_task(const tr_ev *e, uint64_t flow, const char *status)
{
    CHECK_STREQ(e->kind, "flow");
    CHECK(e->has_flow);
    CHECK_EQ(e->flow, flow);
    CHECK_EQ(e->parent, 0); /* submitted by the main thread's root */
    CHECK(e->has_spawned);
    CHECK(!e->unfinished);
    CHECK_STREQ(e->status, status);
}

/* A chain behind a gate, a diamond, and a chain with a failing link, in one flow. */
static void test_dataflow(void)
{
    enum { CHAIN = 24, FCHAIN = 6, FAIL_AT = 2 };
    atomic_store(&gate_open, 0);
    double t0 = test_now();
    start_full(); /* before the flow is created: a flow made earlier has no trace id */
    pel_flow *f;
    CHECK_OK(pel_flow_create(rt, NULL, &f));
    static long x, a, b, c, y, z;
    x = a = b = c = y = z = 0;
    pel_data hx, ha, hb, hc, hy, hz;
    CHECK_OK(pel_data_register(f, &x, sizeof x, &hx));
    CHECK_OK(pel_data_register(f, &a, sizeof a, &ha));
    CHECK_OK(pel_data_register(f, &b, sizeof b, &hb));
    CHECK_OK(pel_data_register(f, &c, sizeof c, &hc));
    CHECK_OK(pel_data_register(f, &y, sizeof y, &hy));
    CHECK_OK(pel_data_register(f, &z, sizeof z, &hz));
    pel_access gx[] = {{hx, PEL_READWRITE}, {ha, PEL_READWRITE}, {hy, PEL_READWRITE}};
    submit(f, gate_fn, "gate", gx, 3, NULL);
    for (int i = 0; i < CHAIN; i++) submit(f, step_fn, "chain", (pel_access[]){{hx, PEL_READWRITE}}, 1, NULL);
    /* diamond: A writes a; B and C read a and write b, c; D reads b and c */
    submit(f, diamond_fn, "A", (pel_access[]){{ha, PEL_READWRITE}}, 1, NULL);
    submit(f, diamond_fn, "B", (pel_access[]){{ha, PEL_READ}, {hb, PEL_READWRITE}}, 2, NULL);
    submit(f, diamond_fn, "C", (pel_access[]){{ha, PEL_READ}, {hc, PEL_READWRITE}}, 2, NULL);
    submit(f, diamond_fn, "D", (pel_access[]){{hb, PEL_READ}, {hc, PEL_READ}}, 2, NULL);
    /* failing chain on y; an independent task on z */
    int st[FCHAIN];
    for (int i = 0; i < FCHAIN; i++) {
        static const char *names[FCHAIN] = {"f0", "f1", "f2", "f3", "f4", "f5"};
        submit(f, i == FAIL_AT ? fail_fn : step_fn, names[i], (pel_access[]){{hy, PEL_READWRITE}},
               1, &st[i]);
    }
    submit(f, step_fn, "alone", (pel_access[]){{hz, PEL_READWRITE}}, 1, NULL);
    atomic_store_explicit(&gate_open, 1, memory_order_release);
    CHECK_EQ(pel_flow_wait(f), 42);
    trace t;
    stop_and_read(&t, "flow.json", t0);
    CHECK_EQ(x, CHAIN);
    CHECK_EQ(z, 1);
    for (int i = 0; i < FCHAIN; i++)
        CHECK_EQ(st[i], i < FAIL_AT ? 0 : i == FAIL_AT ? 42 : PEL_EDEPFAILED);

    /* the flow's id: the main thread's wait for it */
    uint64_t flow = 0;
    for (size_t i = 0; i < t.n; i++) {
        const tr_ev *e = &t.ev[i];
        if (e->ph == 'X' && strcmp(e->cat, "wait") == 0 && e->has_flow) {
            CHECK_EQ(flow, 0);
            CHECK_EQ(e->task, 0);
            CHECK(tr_is_external_tid(e->tid));
            flow = e->flow;
        }
    }
    CHECK_NE(flow, 0);
    /* nothing but the submitted tasks ran */
    CHECK_EQ(trace_count(&t, NULL), 1 + CHAIN + 4 + FCHAIN + 1);

    const tr_ev *gate = only(&t, "gate");
    check_flow_task(gate, flow, "ok");
    CHECK_EQ(gate->ndeps, 0);

    size_t n;
    const tr_ev **ch = trace_tasks_named(&t, "chain", &n);
    CHECK_EQ(n, CHAIN);
    for (size_t i = 0; i < n; i++) {
        check_flow_task(ch[i], flow, "ok");
        CHECK_EQ(ch[i]->ndeps, 1);
        CHECK_EQ(ch[i]->deps[0], i ? ch[i - 1]->id : gate->id);
        CHECK(ch[i]->ts >= (i ? ch[i - 1]->end : gate->end) - TR_EPS);
    }
    free(ch);

    const tr_ev *A = only(&t, "A"), *B = only(&t, "B"), *C = only(&t, "C"), *D = only(&t, "D");
    check_flow_task(A, flow, "ok");
    check_flow_task(B, flow, "ok");
    check_flow_task(C, flow, "ok");
    check_flow_task(D, flow, "ok");
    CHECK_EQ(A->ndeps, 1);
    CHECK_EQ(A->deps[0], gate->id);
    CHECK_EQ(B->ndeps, 1);
    CHECK_EQ(B->deps[0], A->id);
    CHECK_EQ(C->ndeps, 1);
    CHECK_EQ(C->deps[0], A->id);
    CHECK_EQ(D->ndeps, 2);
    CHECK(tr_has_dep(D, B->id) && tr_has_dep(D, C->id));
    CHECK(D->ts >= B->end - TR_EPS && D->ts >= C->end - TR_EPS);

    uint64_t prev = gate->id;
    for (int i = 0; i < FCHAIN; i++) {
        char name[16];
        snprintf(name, sizeof name, "f%d", i);
        const tr_ev *e = only(&t, name);
        check_flow_task(e, flow, i < FAIL_AT ? "ok" : i == FAIL_AT ? "failed" : "skipped");
        CHECK_EQ(e->ndeps, 1);
        CHECK_EQ(e->deps[0], prev);
        /* skipped: a slice of (almost) no length; step_fn would have spun 20 µs */
        if (i > FAIL_AT && e->dur >= 15) CHECK_FAIL_("skipped %s lasted %.3f µs", name, e->dur);
        prev = e->id;
    }
    const tr_ev *alone = only(&t, "alone");
    check_flow_task(alone, flow, "ok");
    CHECK_EQ(alone->ndeps, 0);
    /* edges: 1 (gate→chain) + CHAIN-1 + 1 (gate→A) + 4 (diamond) + FCHAIN (gate→f0, ...) */
    size_t pairs = 0;
    for (size_t i = 0; i < t.n; i++) pairs += t.ev[i].ph == 's';
    CHECK_EQ(pairs, CHAIN + 1 + 4 + FCHAIN);
    trace_free(&t);
    CHECK_OK(pel_flow_destroy(f));
}

/* ---- adaptive detail -------------------------------------------------------------- */

static long fib(int n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/* A fine-grained tree in adaptive detail: few slices, and the slices with their inlined
 * counts account for every task exactly. */
static void test_adaptive(void)
{
    const int N = test_scale() < 1 || TR_SANITIZED ? 20 : 23;
    const long tasks = 2 * fib(N + 1) - 1; /* tr_fib_task calls, the root included */
    for (int round = 0; round < 3; round++) {
        double t0 = test_now();
        CHECK_OK(pel_trace_start(NULL));
        CHECK_EQ(tr_run_fib(rt, N), fib(N));
        trace t;
        char file[32];
        snprintf(file, sizeof file, "adaptive%d.json", round);
        stop_and_read(&t, file, t0);
        CHECK_STREQ(t.detail, "adaptive");
        size_t slices = 0;
        long accounted = 0;
        for (size_t i = 0; i < t.n; i++) {
            const tr_ev *e = &t.ev[i];
            if (!tr_is_task(e)) continue;
            CHECK_STREQ(e->name, "fib");
            CHECK_STREQ(e->kind, "spawn");
            slices++;
            accounted += 1 + (long)e->inlined;
        }
        fprintf(stderr, "adaptive round %d: %ld tasks, %zu slices\n", round, tasks, slices);
        CHECK_EQ(accounted, tasks);
        /* far fewer slices than tasks: the workers inline their own fine tasks (under a
         * sanitizer the tasks take over 2 µs, and may each get a slice) */
        if (!TR_SANITIZED) CHECK_LT(slices * 4, (size_t)tasks);
        trace_free(&t);
    }
}

int main(void)
{
    workers = test_workers();
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = workers;
    CHECK_OK(pel_runtime_create(&cfg, &rt));
    dir = tr_tmpdir();
    CHECK_OK(pel_trace_name((const void *)spin_task, "spin"));
    CHECK_OK(pel_trace_name((const void *)inner_task, "inner"));
    CHECK_OK(pel_trace_name((const void *)outer_task, "outer"));
    CHECK_OK(pel_trace_name((const void *)loop_body, "loop body"));
    CHECK_OK(pel_trace_name((const void *)tr_fib_task, "fib"));
    test_forkjoin();
    test_parallel_for();
    test_dataflow();
    test_adaptive();
    tr_rmdir(dir);
    CHECK_OK(pel_runtime_destroy(rt));
    return 0;
}
