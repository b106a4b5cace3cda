/* test_trace_edges.c — edge cases of the recorder, one case each, each in a child
 * process of its own so that every case is reported. Each was a bug once:
 *
 *   stale-fine        a full-detail trace after an adaptive one on the same workers
 *                     records every task (a worker's "fine" flag dies with its trace)
 *   flow-before-start a flow created before the trace started still gets an id: its
 *                     tasks carry "flow" and its wait names it
 *   workers-count     otherData.workers counts the workers, not the threads with events
 *   stale-counters    otherData.counters lists no runtime destroyed before the trace
 *   ext-steal-victim  a steal from an outside dataflow submitter names victim -1
 *   token-steal       a steal of a priority token names no task (the task it leads to is
 *                     the thief's next slice)
 *   flow-inlined-lost in adaptive detail, fork-join tasks inlined in a dataflow task that
 *                     a worker runs outside any fork-join slice count in its slice
 *   flow-fn-name      pel_trace_name on a pel_flow_fn names its unnamed tasks
 */
#include <sched.h>
#include <stdatomic.h>

#include "trace_check.h"

static pel_runtime *rt;
static int workers;

static void make_runtime(void)
{
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = workers;
    CHECK_OK(pel_runtime_create(&cfg, &rt));
}

static void start(pel_trace_detail detail)
{
    pel_trace_config cfg = {.detail = detail};
    CHECK_OK(pel_trace_start(&cfg));
}

static void stop_capture(trace *t)
{
    CHECK_OK(pel_trace_stop());
    trace_capture(t);
}

static int leaf(void *arg)
{
    (void)arg;
    return 0;
}

static long fib_calls(int n)
{
    return n < 2 ? 1 : 1 + fib_calls(n - 1) + fib_calls(n - 2);
}

static int parent_task(void *arg)
{
    int n = *(int *)arg;
    pel_group g;
    CHECK_OK(pel_group_init(&g, rt));
    for (int i = 0; i < n; i++) CHECK_OK(pel_group_spawn(&g, leaf, NULL));
    CHECK_OK(pel_group_wait(&g));
    return 0;
}

/* Tasks that wait until `workers` of them run at once: one on every worker. */
static void meet(_Atomic int *count)
{
    atomic_fetch_add_explicit(count, 1, memory_order_acq_rel);
    double end = test_now() + 60;
    while (atomic_load_explicit(count, memory_order_acquire) < workers) {
        if (test_now() > end) CHECK_FAIL_("the workers did not meet");
        sched_yield();
    }
}

static _Atomic int met, met_fib, met_parent;

static int meet_task(void *arg)
{
    (void)arg;
    meet(&met);
    return 0;
}

/* On every worker: a fine-grained tree, which leaves the worker's stream "fine". */
static int meet_fib_task(void *arg)
{
    (void)arg;
    meet(&met_fib);
    tr_run_fib(rt, 14);
    return 0;
}

/* On every worker: 200 children of its own. */
static int meet_parent_task(void *arg)
{
    meet(&met_parent);
    return parent_task(arg);
}

static void spawn_each(pel_task_fn fn, void *arg)
{
    pel_group g;
    CHECK_OK(pel_group_init(&g, rt));
    for (int i = 0; i < workers; i++) CHECK_OK(pel_group_spawn(&g, fn, arg));
    CHECK_OK(pel_group_wait(&g));
}

/* The bug, as it was in record.c: b->fine was set by pel__trace_rate_check and only
 * cleared by the next rate check, which in full detail came after up to 63 more tasks
 * (possibly never). Meanwhile pel__trace_spawn_local gave tasks no id and pel__run_task
 * ran them inlined. (b->fine now counts only in the trace it was measured in.) */
static int bug_stale_fine(void)
{
    make_runtime();
    start(PEL_TRACE_ADAPTIVE);
    spawn_each(meet_fib_task, NULL);
    CHECK_OK(pel_trace_stop());
    start(PEL_TRACE_FULL);
    int n = 200, parents = workers;
    spawn_each(meet_parent_task, &n);
    trace t;
    stop_capture(&t);
    CHECK_STREQ(t.detail, "full");
    size_t inlined = 0;
    for (size_t i = 0; i < t.n; i++) inlined += tr_is_task(&t.ev[i]) ? t.ev[i].inlined : 0;
    fprintf(stderr, "full detail: %zu of %d children recorded, %zu inlined\n",
            trace_count(&t, "leaf"), parents * n, inlined);
    CHECK_EQ(inlined, 0);
    CHECK_EQ(trace_count(&t, "leaf"), (size_t)(parents * n));
    trace_free(&t);
    return 0;
}

static int flow_step(pel_flow_task *task, void *arg)
{
    (void)task;
    (void)arg;
    tr_spin_us(20);
    return 0;
}

/* flow.c: f->trace_id is taken when the flow is created, and only if tracing is on. */
static int bug_flow_before_start(void)
{
    make_runtime();
    pel_flow *f;
    CHECK_OK(pel_flow_create(rt, NULL, &f));
    pel_data d;
    CHECK_OK(pel_data_register(f, NULL, 0, &d));
    start(PEL_TRACE_FULL);
    for (int i = 0; i < 3; i++) {
        pel_access acc[] = {{d, PEL_READWRITE}};
        CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = flow_step, .name = "pre", .access = acc,
                                                 .naccess = 1}));
    }
    CHECK_OK(pel_flow_wait(f));
    trace t;
    stop_capture(&t);
    CHECK_EQ(trace_count(&t, "pre"), 3);
    for (size_t i = 0; i < t.n; i++) {
        const tr_ev *e = &t.ev[i];
        if (tr_is_task(e)) {
            if (!e->has_flow) CHECK_FAIL_("task %" PRIu64 " (%s) has no flow id", e->id, e->name);
        } else if (e->ph == 'X' && strcmp(e->cat, "wait") == 0) {
            CHECK(e->has_flow);
            if (e->flow == 0) CHECK_FAIL_("the wait for the flow names flow 0");
        }
    }
    trace_free(&t);
    CHECK_OK(pel_flow_destroy(f));
    return 0;
}

/* export.c, write_model: "workers" is m->ntids, the number of buffers with events in
 * this trace: threads outside the runtime count, workers without events do not. */
static int bug_workers_count(void)
{
    make_runtime();
    start(PEL_TRACE_FULL);
    spawn_each(meet_task, NULL);
    trace t;
    stop_capture(&t);
    fprintf(stderr, "workers %d; otherData.workers %" PRIu64 ", counters %zu, threads %d\n",
            workers, t.workers, t.ncounters, t.ntids);
    CHECK_EQ(t.ncounters, (size_t)workers);
    CHECK_EQ(t.workers, (uint64_t)workers);
    trace_free(&t);
    return 0;
}

/* stats.c, pel__stats_runtime_stopping: counters are saved whenever pel__trace_gen != 0
 * (a trace was ever started), and `saved` is never cleared by a new start. */
static int bug_stale_counters(void)
{
    start(PEL_TRACE_ADAPTIVE);
    CHECK_OK(pel_trace_stop());
    /* a runtime that lives and dies while nothing is recorded */
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = 2;
    pel_runtime *a;
    CHECK_OK(pel_runtime_create(&cfg, &a));
    CHECK_OK(pel_runtime_destroy(a)); /* its workers have tids 0 and 1 */
    make_runtime();                   /* tids 2 .. workers + 1 */
    start(PEL_TRACE_FULL);
    pel_group g;
    CHECK_OK(pel_group_init(&g, rt));
    for (int i = 0; i < 10; i++) CHECK_OK(pel_group_spawn(&g, leaf, NULL));
    CHECK_OK(pel_group_wait(&g));
    trace t;
    stop_capture(&t);
    for (size_t i = 0; i < t.ncounters; i++) {
        uint64_t tid = tj_uint(tj()->array_get(t.counters, i), "worker");
        if (tid < 2)
            CHECK_FAIL_("counters list worker %" PRIu64 " of a runtime destroyed before the "
                        "trace started (%zu entries for %d workers)",
                        tid, t.ncounters, workers);
    }
    CHECK_EQ(t.ncounters, (size_t)workers);
    trace_free(&t);
    return 0;
}

static int steals_check(const trace *t, int victims)
{
    int n = 0;
    for (size_t i = 0; i < t->n; i++) {
        const tr_ev *e = &t->ev[i];
        if (e->ph != 'i' || strcmp(e->cat, "steal") != 0) continue;
        n++;
        if (victims && e->victim != -1 && !tr_tid_name(t, (int)e->victim))
            CHECK_FAIL_("steal on tid %d: victim %ld is no thread of the trace", e->tid, e->victim);
        if (!victims && e->task && !trace_task(t, e->task))
            CHECK_FAIL_("steal on tid %d: task %" PRIu64 " is no task of the trace", e->tid,
                        e->task);
    }
    return n;
}

/* A steal from an outside submitter's deque names victim -1 (docs/tracing.md). */
static int bug_ext_steal_victim(void)
{
    make_runtime();
    start(PEL_TRACE_FULL);
    pel_flow *f;
    CHECK_OK(pel_flow_create(rt, NULL, &f));
    for (int i = 0; i < 4 * workers + 4; i++) {
        pel_data d;
        CHECK_OK(pel_data_register(f, NULL, 0, &d));
        pel_access acc[] = {{d, PEL_READWRITE}};
        CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = flow_step, .name = "ext", .access = acc,
                                                 .naccess = 1}));
    }
    tr_spin_us(20000); /* the workers take the tasks from this thread's deque */
    CHECK_OK(pel_flow_wait(f));
    trace t;
    stop_capture(&t);
    int n = steals_check(&t, 1), outside = 0;
    for (size_t i = 0; i < t.n; i++)
        outside += t.ev[i].ph == 'i' && strcmp(t.ev[i].cat, "steal") == 0 && t.ev[i].victim == -1;
    fprintf(stderr, "%d steals, %d from outside\n", n, outside);
    CHECK_GT(outside, 0);
    trace_free(&t);
    CHECK_OK(pel_flow_destroy(f));
    return 0;
}

/* With priorities, the deques hold tokens: their steals name no task (or a recorded one). */
static int bug_token_steal(void)
{
    make_runtime();
    start(PEL_TRACE_FULL);
    pel_flow *f;
    CHECK_OK(pel_flow_create(rt, NULL, &f));
    for (int i = 0; i < 4 * workers + 4; i++) {
        pel_data d;
        CHECK_OK(pel_data_register(f, NULL, 0, &d));
        pel_access acc[] = {{d, PEL_READWRITE}};
        CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = flow_step, .name = "prio", .access = acc,
                                                 .naccess = 1, .priority = i}));
    }
    tr_spin_us(20000);
    CHECK_OK(pel_flow_wait(f));
    trace t;
    stop_capture(&t);
    int n = steals_check(&t, 0);
    fprintf(stderr, "%d steals\n", n);
    CHECK_GT(n, 0);
    trace_free(&t);
    CHECK_OK(pel_flow_destroy(f));
    return 0;
}

static int fib_in_flow(pel_flow_task *task, void *arg)
{
    (void)task;
    tr_run_fib(rt, *(int *)arg);
    return 0;
}

/* Fork-join tasks inlined while a dataflow task runs at a worker's top level count in the
 * dataflow task's slice. */
static int bug_flow_inlined_lost(void)
{
    make_runtime();
    CHECK_OK(pel_trace_start(NULL));
    long calls = 0;
    int m = 16;
    for (int round = 0; round < 4; round++) {
        tr_run_fib(rt, 18); /* the workers' streams become fine */
        calls += fib_calls(18);
        pel_flow *f;
        CHECK_OK(pel_flow_create(rt, NULL, &f));
        CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = fib_in_flow, .name = "flow", .arg = &m,
                                                 .arg_size = sizeof m}));
        tr_spin_us(20000); /* a worker takes it from this thread's deque */
        CHECK_OK(pel_flow_wait(f));
        CHECK_OK(pel_flow_destroy(f));
        calls += fib_calls(m);
    }
    trace t;
    stop_capture(&t);
    long accounted = 0;
    for (size_t i = 0; i < t.n; i++)
        if (tr_is_task(&t.ev[i]))
            accounted += (strcmp(t.ev[i].name, "fib") == 0) + (long)t.ev[i].inlined;
    fprintf(stderr, "%ld fib tasks, %ld accounted for by slices and inlined counts\n", calls,
            accounted);
    CHECK_EQ(accounted, calls);
    trace_free(&t);
    return 0;
}

static int unnamed_flow_fn(pel_flow_task *task, void *arg)
{
    (void)task;
    (void)arg;
    return 0;
}

/* trace.h: "pel_trace_name: name the tasks that run `fn` (a pel_task_fn, pel_flow_fn or
 * loop body)"; submit.c names a task without pel_task_desc.name "task", and execute.c
 * passes that name, so the registered one is never looked up. (docs/tracing.md says
 * dataflow tasks use pel_task_desc.name: one of the two texts is wrong.) */
static int bug_flow_fn_name(void)
{
    make_runtime();
    CHECK_OK(pel_trace_name((const void *)unnamed_flow_fn, "registered flow fn"));
    start(PEL_TRACE_FULL);
    pel_flow *f;
    CHECK_OK(pel_flow_create(rt, NULL, &f));
    CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = unnamed_flow_fn}));
    CHECK_OK(pel_flow_wait(f));
    trace t;
    stop_capture(&t);
    CHECK_EQ(trace_count(&t, NULL), 1);
    for (size_t i = 0; i < t.n; i++)
        if (tr_is_task(&t.ev[i])) CHECK_STREQ(t.ev[i].name, "registered flow fn");
    trace_free(&t);
    CHECK_OK(pel_flow_destroy(f));
    return 0;
}

typedef struct bug_case {
    const char *mode;
    int (*fn)(void);
} bug_case;

static const bug_case cases[] = {
    {"stale-fine", bug_stale_fine},
    {"flow-before-start", bug_flow_before_start},
    {"workers-count", bug_workers_count},
    {"stale-counters", bug_stale_counters},
    {"ext-steal-victim", bug_ext_steal_victim},
    {"token-steal", bug_token_steal},
    {"flow-inlined-lost", bug_flow_inlined_lost},
    {"flow-fn-name", bug_flow_fn_name},
};

int main(int argc, char **argv)
{
    workers = test_workers();
    size_t ncases = sizeof cases / sizeof cases[0];
    if (argc > 1) {
        for (size_t i = 0; i < ncases; i++) {
            if (strcmp(argv[1], cases[i].mode) != 0) continue;
            CHECK_OK(pel_trace_name((const void *)leaf, "leaf"));
            CHECK_OK(pel_trace_name((const void *)tr_fib_task, "fib"));
            int rc = cases[i].fn();
            if (rt) CHECK_OK(pel_runtime_destroy(rt));
            return rc;
        }
        CHECK_FAIL_("unknown case %s", argv[1]);
    }
    int failed = 0;
    const char *env[] = {"PEL_TRACE=", NULL};
    for (size_t i = 0; i < ncases; i++) {
        fprintf(stderr, "---- %s\n", cases[i].mode);
        int rc = tr_run_self(cases[i].mode, env, NULL);
        fprintf(stderr, "---- %s: %s\n", cases[i].mode, rc == 0 ? "ok" : "FAILED");
        failed += rc != 0;
    }
    fprintf(stderr, "%d of %zu cases failed\n", failed, ncases);
    return failed ? 1 : 0;
}
