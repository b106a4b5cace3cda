/* test_flow_api.c — the dataflow API's edges: misuse returning clear errors (NULL
 * arguments, unknown and unregistered handles, conflicting modes in one task, bad modes,
 * oversized arguments, REDUCE without a reduction, children overstepping their parent,
 * calls that are top level only, destroy from inside a task), argument copying, task ids,
 * 10^5 live handles, unregister and destroy waiting for work, a runtime with a live flow,
 * and the DOT export.
 */
#include <sched.h>
#include <stdatomic.h>

#include <pel.h>

#include "check.h"

static pel_runtime *rt;

static pel_flow *flow_new(size_t window, int record_graph)
{
    pel_flow_config cfg = {.window = window, .record_graph = record_graph};
    pel_flow *f = NULL;
    CHECK_OK(pel_flow_create(rt, &cfg, &f));
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

static void await_at_least(_Atomic int *flag, int value, const char *what)
{
    double end = test_now() + 60;
    while (atomic_load_explicit(flag, memory_order_acquire) < value) {
        if (test_now() > end) CHECK_FAIL_("timed out waiting for %s", what);
        sched_yield();
    }
}

static _Atomic int ran_count;

static int count_run(pel_flow_task *t, void *arg)
{
    (void)t;
    (void)arg;
    atomic_fetch_add_explicit(&ran_count, 1, memory_order_relaxed);
    return 0;
}

static void sum_init(void *copy, size_t size, void *arg)
{
    (void)arg;
    memset(copy, 0, size);
}

static void sum_combine(void *into, const void *from, size_t size, void *arg)
{
    (void)arg;
    (void)size;
    *(uint64_t *)into += *(const uint64_t *)from;
}

/* Submit count_run with `n` accesses; return pel_submit's code. */
static int try_submit(pel_flow *f, const pel_access *acc, unsigned n)
{
    return pel_submit(f, &(pel_task_desc){.fn = count_run, .access = acc, .naccess = n});
}

/* ---- misuse at the top level ----------------------------------------------------- */

static void test_misuse(void)
{
    pel_flow *f = NULL;
    CHECK_RC(pel_flow_create(rt, NULL, NULL), PEL_EINVAL);
    CHECK_RC(pel_flow_destroy(NULL), PEL_EINVAL);
    f = flow_new(0, 0);
    uint64_t x = 0, y = 0;
    pel_data d = 0;
    CHECK_RC(pel_data_register(NULL, &x, sizeof(x), &d), PEL_EINVAL);
    CHECK_RC(pel_data_register(f, &x, sizeof(x), NULL), PEL_EINVAL);
    CHECK_RC(pel_data_register(f, NULL, 8, &d), PEL_EINVAL);
    pel_data X = reg(f, &x, sizeof(x)), Y = reg(f, &y, sizeof(y)), K = reg(f, NULL, 0);
    CHECK_NE(X, Y);
    CHECK_NE(X, K);
    /* Overlapping regions are distinct handles. */
    pel_data X2 = reg(f, &x, sizeof(x));
    CHECK_NE(X, X2);

    const pel_data made_up = 0x7777000012345678ull;
    atomic_store(&ran_count, 0);

    /* pel_submit */
    CHECK_RC(pel_submit(NULL, &(pel_task_desc){.fn = count_run}), PEL_EINVAL);
    CHECK_RC(pel_submit(f, NULL), PEL_EINVAL);
    CHECK_RC(pel_submit(f, &(pel_task_desc){.fn = NULL}), PEL_EINVAL);
    CHECK_RC(pel_submit(f, &(pel_task_desc){.fn = count_run, .access = NULL, .naccess = 1}),
             PEL_EINVAL);
    CHECK_RC(try_submit(f, (pel_access[]){{X, (pel_mode)0}}, 1), PEL_EINVAL);
    CHECK_RC(try_submit(f, (pel_access[]){{X, (pel_mode)6}}, 1), PEL_EINVAL);
    CHECK_RC(try_submit(f, (pel_access[]){{X, (pel_mode)-1}}, 1), PEL_EINVAL);
    CHECK_RC(try_submit(f, (pel_access[]){{Y, PEL_READ}, {X, (pel_mode)99}}, 2), PEL_EINVAL);
    /* A handle twice: only READ + READ is allowed. */
    CHECK_RC(try_submit(f, (pel_access[]){{X, PEL_READ}, {X, PEL_WRITE}}, 2), PEL_EINVAL);
    CHECK_RC(try_submit(f, (pel_access[]){{X, PEL_READWRITE}, {X, PEL_READWRITE}}, 2),
             PEL_EINVAL);
    CHECK_RC(try_submit(f, (pel_access[]){{X, PEL_WRITE}, {Y, PEL_READ}, {X, PEL_READ}}, 3),
             PEL_EINVAL);
    CHECK_RC(try_submit(f, (pel_access[]){{X, PEL_COMMUTE}, {X, PEL_COMMUTE}}, 2), PEL_EINVAL);
    CHECK_RC(try_submit(f, (pel_access[]){{K, PEL_WRITE}, {K, PEL_READ}}, 2), PEL_EINVAL);
    /* Unknown handles. */
    CHECK_RC(try_submit(f, (pel_access[]){{made_up, PEL_READ}}, 1), PEL_ESTALE);
    CHECK_RC(try_submit(f, (pel_access[]){{X, PEL_READ}, {made_up, PEL_WRITE}}, 2), PEL_ESTALE);
    CHECK_RC(try_submit(f, (pel_access[]){{X + (2ull << 32), PEL_READ}}, 1), PEL_ESTALE);
    int rc0 = try_submit(f, (pel_access[]){{0, PEL_READ}}, 1);
    if (rc0 != PEL_ESTALE && rc0 != PEL_EINVAL)
        CHECK_FAIL_("handle 0: %s, expected PEL_ESTALE or PEL_EINVAL", pel_errname(rc0));
    /* Arguments too big to copy. */
    char big[PEL_TASK_ARG_MAX + 1] = {0};
    CHECK_RC(pel_submit(f, &(pel_task_desc){.fn = count_run, .arg = big,
                                             .arg_size = PEL_TASK_ARG_MAX + 1}),
             PEL_EINVAL);
    /* REDUCE without a reduction. */
    CHECK_RC(try_submit(f, (pel_access[]){{X, PEL_REDUCE}}, 1), PEL_EINVAL);
    CHECK_RC(pel_flow_wait(f), PEL_OK);
    CHECK_EQ(atomic_load(&ran_count), 0); /* none of the refused tasks ran */

    /* What is allowed: READ twice, an abstract handle, no access at all. */
    CHECK_OK(try_submit(f, (pel_access[]){{X, PEL_READ}, {X, PEL_READ}}, 2));
    CHECK_OK(try_submit(f, (pel_access[]){{K, PEL_READWRITE}, {X, PEL_READ}}, 2));
    CHECK_OK(try_submit(f, NULL, 0));
    CHECK_OK(pel_flow_wait(f));
    CHECK_EQ(atomic_load(&ran_count), 3);

    /* Names and reductions. */
    CHECK_OK(pel_data_set_name(f, X, "x"));
    CHECK_OK(pel_data_set_name(f, Y, "a name much longer than sixty-three bytes, which "
                                     "pel cuts to fit its label"));
    CHECK_RC(pel_data_set_name(NULL, X, "x"), PEL_EINVAL);
    CHECK_RC(pel_data_set_name(f, X, NULL), PEL_EINVAL);
    CHECK_RC(pel_data_set_name(f, made_up, "x"), PEL_ESTALE);
    pel_reduction red = {sum_init, sum_combine, NULL};
    CHECK_RC(pel_data_set_reduction(NULL, X, &red), PEL_EINVAL);
    CHECK_RC(pel_data_set_reduction(f, X, NULL), PEL_EINVAL);
    CHECK_RC(pel_data_set_reduction(f, X, &(pel_reduction){NULL, sum_combine, NULL}), PEL_EINVAL);
    CHECK_RC(pel_data_set_reduction(f, X, &(pel_reduction){sum_init, NULL, NULL}), PEL_EINVAL);
    CHECK_RC(pel_data_set_reduction(f, K, &red), PEL_EINVAL); /* no memory */
    CHECK_RC(pel_data_set_reduction(f, made_up, &red), PEL_ESTALE);
    CHECK_OK(pel_data_set_reduction(f, X, &red));
    CHECK_RC(try_submit(f, (pel_access[]){{K, PEL_REDUCE}}, 1), PEL_EINVAL);
    CHECK_OK(try_submit(f, (pel_access[]){{X, PEL_REDUCE}}, 1));
    CHECK_OK(pel_flow_wait(f));

    /* Unregister: later uses are stale; a new registration is a new value. */
    CHECK_OK(pel_data_unregister(f, Y));
    CHECK_RC(pel_data_unregister(f, Y), PEL_ESTALE);
    CHECK_RC(try_submit(f, (pel_access[]){{Y, PEL_READ}}, 1), PEL_ESTALE);
    CHECK_RC(pel_data_set_name(f, Y, "y"), PEL_ESTALE);
    CHECK_RC(pel_data_set_reduction(f, Y, &red), PEL_ESTALE);
    CHECK_RC(pel_data_acquire(f, Y, PEL_READ, NULL), PEL_ESTALE);
    CHECK_RC(pel_data_release(f, Y), PEL_ESTALE);
    CHECK_RC(pel_data_unregister(f, made_up), PEL_ESTALE);
    pel_data Y2 = reg(f, &y, sizeof(y));
    CHECK_NE(Y2, Y);
    CHECK_RC(try_submit(f, (pel_access[]){{Y, PEL_READ}}, 1), PEL_ESTALE);
    CHECK_OK(try_submit(f, (pel_access[]){{Y2, PEL_READ}}, 1));
    /* Many registrations and unregistrations reuse slots; old values stay stale. */
    for (int i = 0; i < 3000; i++) {
        pel_data t = reg(f, &y, sizeof(y));
        CHECK_NE(t, Y);
        CHECK_OK(pel_data_unregister(f, t));
        CHECK_RC(pel_data_set_name(f, t, "t"), PEL_ESTALE);
    }
    CHECK_RC(pel_data_set_name(f, Y, "y"), PEL_ESTALE);

    /* Acquire, release, wait, failure: argument checks. */
    CHECK_RC(pel_data_acquire(NULL, X, PEL_READ, NULL), PEL_EINVAL);
    CHECK_RC(pel_data_acquire(f, made_up, PEL_READ, NULL), PEL_ESTALE);
    CHECK_RC(pel_data_release(NULL, X), PEL_EINVAL);
    CHECK_RC(pel_data_release(f, X), PEL_EINVAL); /* not acquired */
    CHECK_RC(pel_data_release(f, made_up), PEL_ESTALE);
    CHECK_RC(pel_data_unregister(NULL, X), PEL_EINVAL);
    CHECK_RC(pel_flow_wait(NULL), PEL_EINVAL);
    pel_failure fail;
    CHECK_RC(pel_flow_failure(NULL, &fail), PEL_EINVAL);
    CHECK_RC(pel_flow_failure(f, NULL), PEL_EINVAL);
    CHECK_RC(pel_flow_write_dot(NULL, stdout), PEL_EINVAL);
    CHECK_RC(pel_flow_write_dot(f, stdout), PEL_EINVAL); /* recording is off */
    CHECK_OK(pel_flow_wait(f));

    /* While a handle is acquired, the flow can be neither waited for nor destroyed. */
    CHECK_OK(pel_data_acquire(f, X, PEL_READ, NULL));
    CHECK_RC(pel_flow_wait(f), PEL_EBUSY);
    CHECK_RC(pel_flow_destroy(f), PEL_EBUSY);
    CHECK_OK(pel_data_release(f, X));
    CHECK_OK(try_submit(f, (pel_access[]){{X, PEL_READ}}, 1)); /* still alive */
    CHECK_OK(pel_flow_wait(f));
    CHECK_OK(pel_flow_destroy(f));
}

/* ---- misuse inside tasks --------------------------------------------------------- */

typedef struct inside {
    pel_flow *f;
    pel_data r, w, rw, c, red, other, k;
    uint64_t vr, vw, vrw, vc, vred, vother;
    int rc_undeclared, rc_write_read_only, rc_rw_read_only, rc_commute_read_only,
        rc_reduce_read_only, rc_reduce_under_write_ok, rc_read_ok, rc_write_ok,
        rc_write_under_commute, rc_read_under_reduce, rc_write_under_reduce,
        rc_reduce_under_reduce, rc_stale;
    int rc_register, rc_unregister, rc_acquire, rc_release, rc_destroy;
    int rc_data_null, rc_data_k;
    void *data_out_of_range, *data_abstract;
} inside;

static int child_noop(pel_flow_task *t, void *arg)
{
    (void)t;
    (void)arg;
    return 0;
}

static int child_try(inside *s, pel_data d, pel_mode m)
{
    pel_access acc[] = {{d, m}};
    return pel_submit(s->f, &(pel_task_desc){.fn = child_noop, .access = acc, .naccess = 1});
}

static int misuse_parent(pel_flow_task *t, void *arg)
{
    inside *s = arg;
    s->rc_undeclared = child_try(s, s->other, PEL_READ);
    s->rc_write_read_only = child_try(s, s->r, PEL_WRITE);
    s->rc_rw_read_only = child_try(s, s->r, PEL_READWRITE);
    s->rc_commute_read_only = child_try(s, s->r, PEL_COMMUTE);
    s->rc_reduce_read_only = child_try(s, s->r, PEL_REDUCE);
    s->rc_read_ok = child_try(s, s->r, PEL_READ);
    s->rc_write_ok = child_try(s, s->rw, PEL_WRITE);
    s->rc_reduce_under_write_ok = child_try(s, s->rw, PEL_REDUCE);
    s->rc_write_under_commute = child_try(s, s->c, PEL_WRITE);
    s->rc_read_under_reduce = child_try(s, s->red, PEL_READ);
    s->rc_write_under_reduce = child_try(s, s->red, PEL_READWRITE);
    s->rc_reduce_under_reduce = child_try(s, s->red, PEL_REDUCE);
    s->rc_stale = child_try(s, 0x7777000012345678ull, PEL_READ);
    pel_data d;
    s->rc_register = pel_data_register(s->f, &s->vother, sizeof(s->vother), &d);
    s->rc_unregister = pel_data_unregister(s->f, s->other);
    s->rc_acquire = pel_data_acquire(s->f, s->other, PEL_READ, NULL);
    s->rc_release = pel_data_release(s->f, s->other);
    s->rc_destroy = pel_flow_destroy(s->f);
    s->data_out_of_range = pel_flow_data(t, 6);
    s->data_abstract = pel_flow_data(t, 5);
    return 0;
}

static void test_misuse_inside(void)
{
    static inside s;
    memset(&s, 0, sizeof(s));
    s.f = flow_new(0, 0);
    s.r = reg(s.f, &s.vr, 8);
    s.w = reg(s.f, &s.vw, 8);
    s.rw = reg(s.f, &s.vrw, 8);
    s.c = reg(s.f, &s.vc, 8);
    s.red = reg(s.f, &s.vred, 8);
    s.other = reg(s.f, &s.vother, 8);
    s.k = reg(s.f, NULL, 0);
    pel_reduction red = {sum_init, sum_combine, NULL};
    CHECK_OK(pel_data_set_reduction(s.f, s.red, &red));
    CHECK_OK(pel_data_set_reduction(s.f, s.rw, &red));
    pel_access acc[] = {{s.r, PEL_READ},     {s.w, PEL_WRITE},   {s.rw, PEL_READWRITE},
                        {s.c, PEL_COMMUTE},  {s.red, PEL_REDUCE}, {s.k, PEL_WRITE}};
    int status = -12345;
    CHECK_OK(pel_submit(s.f, &(pel_task_desc){.fn = misuse_parent, .arg = &s, .access = acc,
                                               .naccess = 6, .status = &status}));
    CHECK_OK(pel_flow_wait(s.f));
    CHECK_EQ(status, 0);
    CHECK_RC(s.rc_undeclared, PEL_EINVAL);
    CHECK_RC(s.rc_write_read_only, PEL_EINVAL);
    CHECK_RC(s.rc_rw_read_only, PEL_EINVAL);
    CHECK_RC(s.rc_commute_read_only, PEL_EINVAL);
    CHECK_RC(s.rc_reduce_read_only, PEL_EINVAL);
    CHECK_RC(s.rc_read_ok, PEL_OK);
    CHECK_RC(s.rc_write_ok, PEL_OK);
    CHECK_RC(s.rc_reduce_under_write_ok, PEL_OK);
    CHECK_RC(s.rc_write_under_commute, PEL_OK);
    CHECK_RC(s.rc_read_under_reduce, PEL_EINVAL); /* under REDUCE, only REDUCE */
    CHECK_RC(s.rc_write_under_reduce, PEL_EINVAL);
    CHECK_RC(s.rc_reduce_under_reduce, PEL_OK);
    CHECK_RC(s.rc_stale, PEL_ESTALE);
    CHECK_RC(s.rc_register, PEL_EINVAL);
    CHECK_RC(s.rc_unregister, PEL_EINVAL);
    CHECK_RC(s.rc_acquire, PEL_EINVAL);
    CHECK_RC(s.rc_release, PEL_EINVAL);
    CHECK_RC(s.rc_destroy, PEL_EDEADLK);
    CHECK(s.data_out_of_range == NULL);
    CHECK(s.data_abstract == NULL);
    /* Still usable after all that. */
    CHECK_OK(try_submit(s.f, (pel_access[]){{s.other, PEL_READ}}, 1));
    CHECK_OK(pel_flow_destroy(s.f));
}

/* ---- argument copying ------------------------------------------------------------ */

typedef struct big_arg {
    uint64_t words[PEL_TASK_ARG_MAX / 8];
} big_arg;

typedef struct arg_seen {
    _Atomic int gate;
    const void *where[4];
    big_arg copy;
    unsigned char byte;
} arg_seen;

static arg_seen seen;

static int gate_task(pel_flow_task *t, void *arg)
{
    (void)t;
    (void)arg;
    await_at_least(&seen.gate, 1, "the argument gate");
    return 0;
}

static int big_arg_task(pel_flow_task *t, void *arg)
{
    (void)t;
    seen.where[0] = arg;
    seen.copy = *(const big_arg *)arg;
    return 0;
}

static int byte_arg_task(pel_flow_task *t, void *arg)
{
    (void)t;
    seen.where[1] = arg;
    seen.byte = *(const unsigned char *)arg;
    return 0;
}

static int plain_arg_task(pel_flow_task *t, void *arg)
{
    (void)t;
    seen.where[2] = arg;
    return 0;
}

/* The tasks wait behind a gate task on the same handle while the submitter overwrites
 * the argument blocks: the copies must hold the values at submission time. */
static void test_arg_copy(void)
{
    memset(&seen, 0, sizeof(seen));
    pel_flow *f = flow_new(0, 0);
    pel_data d = reg(f, NULL, 0);
    pel_access acc[] = {{d, PEL_READWRITE}};
    CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = gate_task, .access = acc, .naccess = 1}));
    big_arg b;
    for (int i = 0; i < PEL_TASK_ARG_MAX / 8; i++) b.words[i] = 0x1111111111111111ull * (uint64_t)(i + 1);
    unsigned char byte = 0xab;
    static int plain = 5;
    CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = big_arg_task, .arg = &b, .arg_size = sizeof(b),
                                             .access = acc, .naccess = 1}));
    CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = byte_arg_task, .arg = &byte, .arg_size = 1,
                                             .access = acc, .naccess = 1}));
    CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = plain_arg_task, .arg = &plain, .arg_size = 0,
                                             .access = acc, .naccess = 1}));
    memset(&b, 0xee, sizeof(b));
    byte = 0;
    atomic_store_explicit(&seen.gate, 1, memory_order_release);
    CHECK_OK(pel_flow_wait(f));
    CHECK(seen.where[0] != NULL && seen.where[0] != (const void *)&b);
    CHECK(seen.where[1] != NULL && seen.where[1] != (const void *)&byte);
    CHECK(seen.where[2] == (const void *)&plain);
    for (int i = 0; i < PEL_TASK_ARG_MAX / 8; i++)
        CHECK_EQ(seen.copy.words[i], 0x1111111111111111ull * (uint64_t)(i + 1));
    CHECK_EQ(seen.byte, 0xab);
    CHECK_OK(pel_flow_destroy(f));
}

/* ---- ids ------------------------------------------------------------------------- */

typedef struct id_arg {
    pel_flow *f;
    uint64_t id;
    uint64_t child_ids[3];
} id_arg;

static int id_child(pel_flow_task *t, void *arg)
{
    *(uint64_t *)arg = pel_flow_task_id(t);
    return 0;
}

static int id_task(pel_flow_task *t, void *arg)
{
    id_arg *a = arg;
    a->id = pel_flow_task_id(t);
    if (a->id == 3)
        for (int i = 0; i < 3; i++)
            CHECK_OK(pel_submit(a->f, &(pel_task_desc){.fn = id_child, .arg = &a->child_ids[i]}));
    return 0;
}

/* The n-th top-level submission has id n; children have the top bit set and distinct
 * ids. */
static void test_ids(void)
{
    pel_flow *f = flow_new(0, 0);
    id_arg a[10];
    memset(a, 0, sizeof(a));
    for (int i = 0; i < 10; i++) {
        a[i].f = f;
        CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = id_task, .arg = &a[i]}));
    }
    CHECK_OK(pel_flow_wait(f));
    for (int i = 0; i < 10; i++) CHECK_EQ(a[i].id, (uint64_t)i + 1);
    for (int i = 0; i < 3; i++) {
        CHECK(a[2].child_ids[i] >> 63);
        for (int j = 0; j < i; j++) CHECK_NE(a[2].child_ids[i], a[2].child_ids[j]);
    }
    CHECK_OK(pel_flow_destroy(f));
}

/* Handles live in chunks that double in size (64, 128, 256, ... records): 10^5 live at
 * once cross eleven chunk boundaries. Every one must lead to its own memory, through a
 * task and through acquire; after unregistering them all, each value is stale, and the
 * freed records are reused by new registrations. */
static int note_data(pel_flow_task *t, void *arg)
{
    *(void **)arg = pel_flow_data(t, 0);
    return 0;
}

static void test_many_handles(void)
{
    const long n = test_scaled(100000, 20000);
    pel_flow *f = flow_new(0, 0);
    char *mem = malloc((size_t)n);
    pel_data *h = malloc((size_t)n * sizeof(*h));
    void **found = calloc((size_t)n, sizeof(*found));
    CHECK(mem && h && found);
    for (long i = 0; i < n; i++) h[i] = reg(f, mem + i, 1);
    for (long i = 0; i < n; i += 7) {
        pel_access acc[] = {{h[i], PEL_READ}};
        CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = note_data, .arg = &found[i], .access = acc,
                                                 .naccess = 1}));
    }
    CHECK_OK(pel_flow_wait(f));
    for (long i = 0; i < n; i++) {
        if (i % 7 == 0 && found[i] != mem + i)
            CHECK_FAIL_("handle %ld: the task saw %p, registered %p", i, found[i],
                        (void *)(mem + i));
        void *p = NULL;
        CHECK_OK(pel_data_acquire(f, h[i], PEL_READ, &p));
        if (p != mem + i) CHECK_FAIL_("handle %ld: acquire gave %p, registered %p", i, p,
                                      (void *)(mem + i));
        CHECK_OK(pel_data_release(f, h[i]));
    }
    for (long i = 0; i < n; i++) CHECK_OK(pel_data_unregister(f, h[i]));
    for (long i = 0; i < n; i += 997) CHECK_RC(pel_data_acquire(f, h[i], PEL_READ, NULL), PEL_ESTALE);
    for (long i = 0; i < n; i += 997) {
        pel_data again = reg(f, mem + i, 1);
        CHECK((uint32_t)again <= (uint32_t)n); /* a freed record (index + 1 in the low half) */
        void *p = NULL;
        CHECK_OK(pel_data_acquire(f, again, PEL_READ, &p));
        CHECK(p == mem + i);
        CHECK_OK(pel_data_release(f, again));
    }
    CHECK_OK(pel_flow_destroy(f));
    free(found);
    free(h);
    free(mem);
}

/* ---- unregister and destroy wait for work ---------------------------------------- */

typedef struct slow {
    _Atomic int done;
} slow;

static int slow_task(pel_flow_task *t, void *arg)
{
    (void)t;
    slow *s = arg;
    test_sleep_ms(20);
    atomic_fetch_add_explicit(&s->done, 1, memory_order_release);
    return 0;
}

static void test_unregister_destroy_wait(void)
{
    pel_flow *f = flow_new(0, 0);
    uint64_t x = 0;
    pel_data d = reg(f, &x, sizeof(x));
    static slow s;
    atomic_init(&s.done, 0);
    pel_access acc[] = {{d, PEL_READWRITE}};
    CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = slow_task, .arg = &s, .access = acc,
                                             .naccess = 1}));
    CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = slow_task, .arg = &s, .access = acc,
                                             .naccess = 1}));
    CHECK_OK(pel_data_unregister(f, d));
    CHECK_EQ(atomic_load_explicit(&s.done, memory_order_acquire), 2);
    /* Destroy without a wait: every task still runs. */
    atomic_store(&ran_count, 0);
    pel_data e = reg(f, &x, sizeof(x));
    for (int i = 0; i < 1000; i++)
        CHECK_OK(try_submit(f, (pel_access[]){{e, i % 3 ? PEL_READ : PEL_READWRITE}}, 1));
    CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = slow_task, .arg = &s}));
    CHECK_OK(pel_flow_destroy(f));
    CHECK_EQ(atomic_load(&ran_count), 1000);
    CHECK_EQ(atomic_load_explicit(&s.done, memory_order_acquire), 3);
    /* The default runtime, default settings. */
    CHECK_OK(pel_flow_create(NULL, NULL, &f));
    CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = count_run}));
    CHECK_OK(pel_flow_destroy(f));
    CHECK_EQ(atomic_load(&ran_count), 1001);
}

/* A runtime with a live flow refuses to be destroyed (and keeps working); a destroyed
 * runtime takes no new flow. */
static void test_runtime_lifecycle(void)
{
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = 2;
    pel_runtime *r;
    CHECK_OK(pel_runtime_create(&cfg, &r));
    pel_flow *f;
    CHECK_OK(pel_flow_create(r, NULL, &f));
    CHECK_RC(pel_runtime_destroy(r), PEL_EBUSY);
    atomic_store(&ran_count, 0);
    CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = count_run}));
    CHECK_OK(pel_flow_wait(f));
    CHECK_EQ(atomic_load(&ran_count), 1);
    CHECK_OK(pel_flow_destroy(f));
    CHECK_OK(pel_runtime_destroy(r));
    f = NULL;
    CHECK_RC(pel_flow_create(r, NULL, &f), PEL_EDESTROYED);
    CHECK(f == NULL);
}

/* ---- DOT ------------------------------------------------------------------------- */

static int dot_ok(pel_flow_task *t, void *arg)
{
    (void)t;
    (void)arg;
    return 0;
}

static int dot_fail(pel_flow_task *t, void *arg)
{
    (void)t;
    (void)arg;
    return 3;
}

typedef struct dot_counts {
    int nodes, edges, braces_open, braces_close, digraph, red, grey;
} dot_counts;

/* Count node and edge statements of a DOT text: a line with "->" is an edge; a line that
 * starts with an identifier or a quoted id followed by '[' and is not one of the
 * graph/node/edge defaults is a node. Any shade of red (tomato, crimson...) is red. */
static dot_counts dot_count(const char *text)
{
    dot_counts c = {0};
    const char *line = text;
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[1024];
        size_t n = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
        memcpy(buf, line, n);
        buf[n] = 0;
        const char *s = buf;
        while (*s == ' ' || *s == '\t') s++;
        c.braces_open += strchr(buf, '{') != NULL;
        c.braces_close += strchr(buf, '}') != NULL;
        if (strncmp(s, "digraph", 7) == 0) c.digraph++;
        if (strstr(buf, "->")) {
            c.edges++;
        } else if (strchr(s, '[') && strncmp(s, "node", 4) != 0 && strncmp(s, "edge", 4) != 0 &&
                   strncmp(s, "graph", 5) != 0) {
            c.nodes++;
            if (strstr(s, "red") || strstr(s, "tomato") || strstr(s, "crimson") ||
                strstr(s, "firebrick") || strstr(s, "salmon"))
                c.red++;
            if (strstr(s, "grey") || strstr(s, "gray")) c.grey++;
        }
        line = end ? end + 1 : line + len;
    }
    return c;
}

static char *dot_text(pel_flow *f, size_t *size)
{
    char *text = NULL;
    FILE *out = open_memstream(&text, size);
    CHECK(out != NULL);
    CHECK_OK(pel_flow_write_dot(f, out));
    CHECK_EQ(fclose(out), 0);
    CHECK(text != NULL);
    return text;
}

/* A known graph: a chain of three writers of A, an independent writer of B, two readers
 * of A (one also reads B). Six nodes, five edges (1->2, 2->3, 3->5, 4->5, 3->6). */
static void test_dot(void)
{
    pel_flow *f = flow_new(0, 1);
    uint64_t a = 0, b = 0;
    pel_data A = reg(f, &a, 8), B = reg(f, &b, 8);
    CHECK_OK(pel_data_set_name(f, A, "handle_a"));
    CHECK_OK(pel_data_set_name(f, B, "handle_b"));
    const char *names[] = {"first", "second", "third", "bee", "join", "reader"};
    pel_access acc[6][2] = {
        {{A, PEL_READWRITE}}, {{A, PEL_READWRITE}}, {{A, PEL_READWRITE}},
        {{B, PEL_WRITE}},     {{A, PEL_READ}, {B, PEL_READ}}, {{A, PEL_READ}},
    };
    unsigned nacc[6] = {1, 1, 1, 1, 2, 1};
    for (int i = 0; i < 6; i++)
        CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = dot_ok, .access = acc[i],
                                                 .naccess = nacc[i], .name = names[i]}));
    CHECK_OK(pel_flow_wait(f));
    size_t size = 0;
    char *text = dot_text(f, &size);
    CHECK_GT(size, 0);
    dot_counts c = dot_count(text);
    if (c.digraph != 1 || c.nodes != 6 || c.edges != 5 || c.braces_open != 1 ||
        c.braces_close != 1 || c.red || c.grey)
        CHECK_FAIL_("DOT: %d digraph, %d nodes, %d edges, braces %d/%d, %d red, %d grey:\n%s",
                    c.digraph, c.nodes, c.edges, c.braces_open, c.braces_close, c.red, c.grey,
                    text);
    for (int i = 0; i < 6; i++)
        if (!strstr(text, names[i])) CHECK_FAIL_("DOT lacks task %s:\n%s", names[i], text);
    if (!strstr(text, "handle_a") || !strstr(text, "handle_b"))
        CHECK_FAIL_("DOT edges lack handle labels:\n%s", text);
    free(text);

    /* A failed task (red) and the one it skips (grey). */
    pel_access wa[] = {{A, PEL_WRITE}}, ra[] = {{A, PEL_READ}};
    CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = dot_fail, .access = wa, .naccess = 1,
                                             .name = "failing"}));
    CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = dot_ok, .access = ra, .naccess = 1,
                                             .name = "skipped"}));
    CHECK_RC(pel_flow_wait(f), 3);
    text = dot_text(f, &size);
    c = dot_count(text);
    if (c.nodes != 8 || c.edges < 7 || c.red != 1 || c.grey != 1)
        CHECK_FAIL_("DOT after a failure: %d nodes, %d edges, %d red, %d grey:\n%s", c.nodes,
                    c.edges, c.red, c.grey, text);
    free(text);

    /* A write error. */
    FILE *full = fopen("/dev/full", "w");
    if (full) {
        setvbuf(full, NULL, _IONBF, 0);
        CHECK_RC(pel_flow_write_dot(f, full), PEL_ESYSTEM);
        fclose(full);
    }
    CHECK_OK(pel_flow_destroy(f));

    f = flow_new(0, 0);
    CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = dot_ok}));
    CHECK_OK(pel_flow_wait(f));
    FILE *null = fopen("/dev/null", "w");
    CHECK(null != NULL);
    CHECK_RC(pel_flow_write_dot(f, null), PEL_EINVAL);
    CHECK_RC(pel_flow_write_dot(f, NULL), PEL_EINVAL);
    fclose(null);
    CHECK_OK(pel_flow_destroy(f));
}

int main(void)
{
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = test_workers();
    CHECK_OK(pel_runtime_create(&cfg, &rt));
    test_misuse();
    test_misuse_inside();
    test_arg_copy();
    test_ids();
    test_many_handles();
    test_unregister_destroy_wait();
    test_runtime_lifecycle();
    test_dot();
    CHECK_OK(pel_runtime_destroy(rt));
    return 0;
}
