/* group.c — fork-join task groups: spawn, wait, cancel.
 *
 * Big theory: counting outstanding tasks without an atomic on the common path.
 *   A group counts its outstanding tasks in two parts. `local` is a plain integer that
 *   only the owner thread (the one that initialised the group, the only one allowed to
 *   wait) touches: +1 for each task it spawns, -1 for each of those it runs itself.
 *   `remote` is atomic: +1 for each task spawned by any other thread, -1 for each task
 *   completed by a thread other than the owner or not spawned by it. The group is done
 *   when local + remote == 0.
 *
 *   Why the sum never reaches zero early: a task is counted (in one part) before it is
 *   published, and uncounted only after it finished, including its own spawns into the
 *   group, which happen before its completion. The owner reads remote with acquire after
 *   every completion it may depend on has released it, and local is exact in its thread.
 *   So in fork-join code, where a worker runs the task it just spawned (the usual case),
 *   spawn and completion cost no atomic read-modify-write at all; only stolen tasks pay
 *   one fetch_sub.
 *
 *   Parking: the owner that finds nothing else to do folds local into remote (one
 *   fetch_add; local becomes 0) and sets the PARKED bit in the same word with a CAS that
 *   only succeeds while the count is non-zero. The completer that brings the count to
 *   zero sees PARKED in the value its fetch_sub returned and unparks the owner, whose
 *   parker it read *before* the fetch_sub: after it, the group may already be gone.
 *   Count and flag share one word, so a wake-up cannot be lost.
 */
#include "core/internal.h"
#include "pel/error.h"
#include "trace/trace_internal.h"


static inline pel__group *group_of(const pel_group *pg)
{
    return (pel__group *)pg;
}

static inline int64_t count_of(int64_t word)
{
    return (word & ~(int64_t)PEL__GROUP_PARKED) / PEL__GROUP_ONE;
}

static int group_valid(const pel__group *g)
{
    return g && g->magic == PEL__GROUP_MAGIC && g->rt;
}

PEL_EXPORT int pel_group_init(pel_group *pg, pel_runtime *rt)
{
    if (!pg) return PEL_EINVAL;
    pel_runtime *r = pel__runtime_resolve(rt);
    if (!r) return PEL_EINVAL;
    int rc = pel__runtime_check(r);
    if (rc != PEL_OK) return rc;
    pel__group *g = group_of(pg);
    g->magic = PEL__GROUP_MAGIC;
    g->rt = r;
    g->owner = pel__self_parker();
    pel__worker *w = pel__tls_worker;
    g->parent = (w && w->rt == r) ? w->current_group : NULL;
    g->local = 0;
    atomic_init(&g->remote, 0);
    atomic_init(&g->error, 0);
    atomic_init(&g->cancelled, 0);
    atomic_init(&g->ncancelled, 0);
    return PEL_OK;
}

/* Slow path of spawn: the caller is not a worker of g's runtime. */
static int spawn_external(pel__group *g, pel_task_fn fn, void *arg, pel__parker *self)
{
    pel__task *t = pel__pool_take(g->rt);
    if (!t) return PEL_ENOMEM;
    t->fn = fn;
    t->arg = arg;
    t->group = g;
    if (g->owner == self) {
        t->flags = PEL__TASK_OWNER_LOCAL;
        g->local++;
    } else {
        t->flags = 0;
        /* relaxed: ordered before the task's completion through the injection lock. */
        atomic_fetch_add_explicit(&g->remote, PEL__GROUP_ONE, memory_order_relaxed);
    }
    if (pel__tracing()) pel__trace_spawn(t, 1);
    pel__inject(g->rt, t);
    return PEL_OK;
}

/* Spawn by worker w of g's runtime; `traced`: a trace may be on (the slow path). */
static inline __attribute__((always_inline)) int spawn_worker(pel__worker *w, pel__group *g,
                                                              pel_task_fn fn, void *arg, int traced)
{
    pel__task *t = pel__task_alloc(w);
    if (PEL_UNLIKELY(!t)) return PEL_ENOMEM;
    t->fn = fn;
    t->arg = arg;
    t->group = g;
    int local = g->owner == &w->parker;
    if (PEL_LIKELY(local)) {
        t->flags = PEL__TASK_OWNER_LOCAL;
        g->local++;
    } else {
        t->flags = 0;
        /* relaxed: the task is published by the release in deque push, and its
         * completion's fetch_sub comes after this in the word's modification order. */
        atomic_fetch_add_explicit(&g->remote, PEL__GROUP_ONE, memory_order_relaxed);
    }
    if (traced) {
        /* relaxed: see trace_internal.h. */
        uint64_t on = atomic_load_explicit(&pel__trace_on, memory_order_relaxed);
        if (on) pel__trace_spawn_local(t, on);
    }
    /* Counted before it is published, so that no completion can be seen before its
     * spawn (runtime.c, quiescence). relaxed: the release in deque push publishes it;
     * only this worker writes the counter, so load + store loses no update. */
    uint64_t spawned = atomic_load_explicit(&w->spawned, memory_order_relaxed);
    atomic_store_explicit(&w->spawned, spawned + 1, memory_order_relaxed);
    if (PEL_UNLIKELY(pel__deque_push(&w->deque, t) != PEL_OK)) {
        atomic_store_explicit(&w->spawned, spawned, memory_order_relaxed);
        if (local)
            g->local--;
        else
            atomic_fetch_sub_explicit(&g->remote, PEL__GROUP_ONE, memory_order_relaxed);
        pel__task_free(w, t);
        return PEL_ENOMEM;
    }
    pel__notify_work(g->rt);
    return PEL_OK;
}

/* The checks of spawn; PEL_OK to go on. */
static inline __attribute__((always_inline)) int spawn_check(pel__group *g, pel_task_fn fn)
{
    if (PEL_UNLIKELY(!group_valid(g) || !fn)) return PEL_EINVAL;
    /* relaxed: a destroyed runtime is detected best-effort; destroy waits for tasks. */
    if (PEL_UNLIKELY(atomic_load_explicit(&g->rt->state, memory_order_relaxed) == PEL__RT_DEAD))
        return PEL_EDESTROYED;
    if (PEL_UNLIKELY(pel__group_cancelled(g))) {
        /* relaxed: a counter; see pel_group_cancelled_count. */
        atomic_fetch_add_explicit(&g->ncancelled, 1, memory_order_relaxed);
        return PEL_ECANCELED;
    }
    return PEL_OK;
}

/* Slow path of spawn: the caller is not a worker of g's runtime, or a trace is on. */
static __attribute__((noinline)) int spawn_slow(pel__group *g, pel_task_fn fn, void *arg)
{
    int rc = spawn_check(g, fn);
    if (rc != PEL_OK) return rc;
    pel__worker *w = pel__tls_worker;
    if (!w || w->rt != g->rt) return spawn_external(g, fn, arg, pel__self_parker());
    return spawn_worker(w, g, fn, arg, 1);
}

/* The plain path of spawn: a worker while no trace is on. */
static __attribute__((noinline)) int spawn_plain(pel__group *g, pel_task_fn fn, void *arg,
                                                 pel__worker *w)
{
    int rc = spawn_check(g, fn);
    if (PEL_UNLIKELY(rc != PEL_OK)) return rc;
    if (PEL_UNLIKELY(w->rt != g->rt)) return spawn_slow(g, fn, arg);
    return spawn_worker(w, g, fn, arg, 0);
}

/* Two tail calls, picked by the cell before either saves a register: the traced path does
 * not pay for the plain one's frame, and the plain one pays one jump for it. */
PEL_EXPORT int pel_group_spawn(pel_group *pg, pel_task_fn fn, void *arg)
{
    /* relaxed: the cell only picks the path (plain.c); NULL unless a worker records nothing. */
    pel__worker *w = atomic_load_explicit(&pel__tls_spawn_plain, memory_order_relaxed);
    if (PEL_UNLIKELY(!w)) return spawn_slow(group_of(pg), fn, arg);
    return spawn_plain(group_of(pg), fn, arg, w); /* same argument registers: no moves */
}

static int group_done(void *arg)
{
    pel__group *g = arg;
    /* acquire: pairs with the release in pel__group_complete. */
    return g->local + count_of(atomic_load_explicit(&g->remote, memory_order_acquire)) == 0;
}

/* Fold local into remote and set PARKED, unless the group is already done. */
static int group_arm(void *arg)
{
    pel__group *g = arg;
    int64_t add = g->local * PEL__GROUP_ONE;
    g->local = 0;
    /* acq_rel: acquire as in group_done; release is not needed but harmless. */
    int64_t word = atomic_fetch_add_explicit(&g->remote, add, memory_order_acq_rel) + add;
    for (;;) {
        if (count_of(word) == 0) return 0;
        /* acq_rel: orders the flag with the completers' fetch_sub (same word). */
        if (atomic_compare_exchange_weak_explicit(&g->remote, &word, word | PEL__GROUP_PARKED,
                                                  memory_order_acq_rel, memory_order_acquire))
            return 1;
    }
}

static void group_disarm(void *arg)
{
    pel__group *g = arg;
    /* acquire: as in group_done. */
    atomic_fetch_and_explicit(&g->remote, ~(int64_t)PEL__GROUP_PARKED, memory_order_acquire);
}

/* The owner is a worker: it runs other ready tasks of its own runtime while waiting. If g
 * belongs to another runtime, those are still the tasks this worker owes progress to, and
 * running them is what lets work nested across two runtimes in both directions finish. */
static inline __attribute__((always_inline)) void wait_as_worker(pel__worker *w, pel__group *g)
{
    const pel__idle_hook hook = {group_done, group_arm, group_disarm, g};
    while (!group_done(g)) {
        /* Fast path: the task most recently spawned here, usually one of g's. */
        pel__task *t = pel__deque_pop(&w->deque);
        if (PEL_LIKELY(t != NULL)) {
            pel__run_task(w, t);
            continue;
        }
        t = pel__find_work(w);
        if (!t) t = pel__idle(w, &hook);
        if (t) pel__run_task(w, t);
    }
}

/* The owner is not a worker: it waits without running tasks (that would
 * put more threads to work than there are workers). It re-checks for PEL_EXTERNAL_SPIN_NS
 * (a task handed to a spinning worker may finish that fast) and then parks rather than
 * spin: every CPU may be busy with a worker, and the worker it just woke may be pinned to
 * its own CPU (sleep.c), unable to start while it spins. While it is parked, idle workers
 * yield their CPU (external_waiters), so that its wake-up finds a CPU at once. */
static void wait_blocking(pel__group *g, pel__parker *self)
{
    pel_runtime *rt = g->rt;
    uint64_t deadline = pel__now_ns() + PEL_EXTERNAL_SPIN_NS;
    for (unsigned i = 1; !group_done(g); i++) {
        pel__cpu_relax();
        if ((i & 15) == 0 && pel__now_ns() > deadline) break;
    }
    if (group_done(g)) return;
    /* relaxed: a hint for idle workers (see pel__idle). */
    atomic_fetch_add_explicit(&rt->external_waiters, 1, memory_order_relaxed);
    while (!group_done(g)) {
        if (!group_arm(g)) break;
        pel__parker_park(self, 0);
        group_disarm(g);
    }
    atomic_fetch_sub_explicit(&rt->external_waiters, 1, memory_order_relaxed);
}

/* A wait while tracing: out of line, so that the untraced wait pays nothing for it. */
static __attribute__((noinline)) void wait_traced(pel__worker *w, pel__group *g, pel__parker *self)
{
    int token = pel__trace_wait_begin(PEL__TW_GROUP, (uint64_t)(uintptr_t)g);
    if (w)
        wait_as_worker(w, g);
    else
        wait_blocking(g, self);
    pel__trace_wait_end(token);
}

/* Slow path of wait: the caller is not a worker, or a trace is on, or the group is not
 * the caller's (PEL_EFOREIGN). */
static __attribute__((noinline)) int wait_slow(pel__group *g)
{
    pel__parker *self = pel__self_parker();
    if (g->owner != self) return PEL_EFOREIGN;
    pel__worker *w = pel__tls_worker;
    /* A fine stream (adaptive detail) records no waits: it takes the plain path. */
    if (pel__tracing() &&
        !pel__tbuf_fine(pel__tls_tbuf, atomic_load_explicit(&pel__trace_on, memory_order_relaxed)))
        wait_traced(w, g, self);
    else if (w != NULL)
        wait_as_worker(w, g);
    else
        wait_blocking(g, self);
    return PEL_OK;
}

PEL_EXPORT int pel_group_wait(pel_group *pg)
{
    pel__group *g = group_of(pg);
    if (!group_valid(g)) return PEL_EINVAL;
    /* relaxed: the cell only picks the path (plain.c); NULL unless a worker records nothing. */
    pel__worker *w = atomic_load_explicit(&pel__tls_wait_plain, memory_order_relaxed);
    if (PEL_LIKELY(w != NULL && g->owner == &w->parker)) {
        wait_as_worker(w, g);
    } else {
        int rc = wait_slow(g);
        if (rc != PEL_OK) return rc;
    }
    /* relaxed: ordered by group_done's acquire load, which saw every completion. */
    int rc = atomic_load_explicit(&g->error, memory_order_relaxed);
    if (PEL_UNLIKELY(rc != 0 || pel__group_cancelled(g))) {
        if (rc == 0) rc = PEL_ECANCELED;
        atomic_store_explicit(&g->error, 0, memory_order_relaxed);
        atomic_store_explicit(&g->cancelled, 0, memory_order_relaxed);
    }
    /* The group is empty: normalise the split count for reuse. */
    g->local = 0;
    atomic_store_explicit(&g->remote, 0, memory_order_relaxed);
    return rc;
}

PEL_EXPORT int pel_group_cancel(pel_group *pg)
{
    pel__group *g = group_of(pg);
    if (!group_valid(g)) return PEL_EINVAL;
    /* relaxed: once any_cancel is set, task starts walk parents (see internal.h). */
    atomic_store_explicit(&g->rt->any_cancel, 1, memory_order_relaxed);
    atomic_store_explicit(&g->cancelled, 1, memory_order_relaxed);
    return PEL_OK;
}

PEL_EXPORT int pel_group_is_cancelled(const pel_group *pg)
{
    const pel__group *g = group_of(pg);
    if (!group_valid(g)) return PEL_EINVAL;
    return pel__group_cancelled(g);
}

PEL_EXPORT long pel_group_cancelled_count(const pel_group *pg)
{
    const pel__group *g = group_of(pg);
    if (!group_valid(g)) return PEL_EINVAL;
    /* relaxed: exact once the group has been waited on. */
    return atomic_load_explicit(&((pel__group *)g)->ncancelled, memory_order_relaxed);
}
