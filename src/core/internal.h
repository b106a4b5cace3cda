/* internal.h — the runtime's internal types: tasks, groups, workers and the runtime.
 *
 * Layering: os/ (parker, cpus, topology) < deque < task pool < sleep registry < worker
 * loop < groups and runtime lifecycle < loops.
 */
#ifndef PEL_CORE_INTERNAL_H
#define PEL_CORE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "core/deque.h"
#include "core/export.h"
#include "os/parker.h"
#include "os/topology.h"
#include "pel/error.h"
#include "pel/group.h"
#include "pel/runtime.h"
#include "trace/tbuf.h"

/* Always-on, cheap internal consistency check (style rule 9). */
#define PEL_ASSERT(cond)                                                                   \
    do {                                                                                   \
        if (__builtin_expect(!(cond), 0)) pel__assert_fail(#cond, __FILE__, __LINE__);     \
    } while (0)
_Noreturn void pel__assert_fail(const char *cond, const char *file, int line);

static inline void pel__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

#define PEL_LIKELY(x) __builtin_expect(!!(x), 1)
#define PEL_UNLIKELY(x) __builtin_expect(!!(x), 0)

struct pel__group;
struct pel__worker;

/* ---- tasks --------------------------------------------------------------------- */

/* Task flag: spawned by the group's owner thread, which counted it in group->local. */
#define PEL__TASK_OWNER_LOCAL 1u
/* Task flag: a dataflow task (src/flow/), run by pel__flow_execute instead: it has no
 * group, and its record belongs to its flow. */
#define PEL__TASK_FLOW 2u
/* Task flags: spawned while tracing, trace_parent and trace_id are set (src/trace/);
 * trace_spawned is set too. */
#define PEL__TASK_TRACED 8u
#define PEL__TASK_TRACED_TS 16u
/* Task flag: spawned by a fine stream (adaptive detail): trace_parent is set, nothing
 * else. It runs unrecorded like an untraced task (counted in the enclosing slice, see
 * record.c) unless a thief steals it while tracing: the thief makes it TRACED with an id. */
#define PEL__TASK_TRACED_FINE 32u

/* One task record, padded to one 64-byte cache line: records in a slab are handed to
 * different workers, and two of them sharing a line would make those workers contend. */
typedef struct pel__task {
    pel_task_fn fn;
    void *arg;
    struct pel__group *group;
    struct pel__task *next; /* free-list and injection-queue link */
    uint32_t flags;
    /* Tracing only (PEL__TASK_TRACED): the task's id (0 until it gets one), its parent's,
     * and (PEL__TASK_TRACED_TS) the clock at its spawn. */
    uint64_t trace_id;
    uint64_t trace_parent;
    uint64_t trace_spawned;
} pel__task;

_Static_assert(sizeof(pel__task) == 64, "task record should stay one 64-byte line");

/* ---- groups -------------------------------------------------------------------- */

#define PEL__GROUP_MAGIC 0x70656c67u /* "pelg" */

/* The word `remote` holds (count << 1) | PARKED: count = tasks not counted in `local`
 * that are still outstanding (may be negative: see group.c), PARKED = the owner is
 * parked waiting for count + local to reach zero. */
#define PEL__GROUP_PARKED 1
#define PEL__GROUP_ONE 2

typedef struct pel__group {
    uint32_t magic;
    pel_runtime *rt;
    pel__parker *owner;        /* parker of the thread that initialised the group */
    struct pel__group *parent; /* group of the task that initialised this one, if any */
    int64_t local;             /* owner thread only: its own spawns minus its own runs */
    _Atomic int64_t remote;    /* see above */
    _Atomic int error;         /* first non-zero task result */
    _Atomic int cancelled;
    _Atomic long ncancelled;
} pel__group;

_Static_assert(sizeof(pel__group) <= sizeof(pel_group), "pel_group too small");
_Static_assert(_Alignof(pel__group) <= _Alignof(pel_group), "pel_group under-aligned");


/* ---- workers ------------------------------------------------------------------- */

/* One worker. Laid out by heat: the deque (own lines for top and bottom), then the
 * owner-only hot fields, then fields other threads write (parker, counters). */
typedef struct pel__worker {
    pel__deque deque;
    /* Hot, owner only. */
    _Alignas(PEL_CACHE_LINE) pel__task *free_list;
    int free_count;
    int index;
    pel_runtime *rt;
    uint64_t rng;               /* victim selection */
    pel__group *current_group;  /* group of the task this worker runs now */
    unsigned idle_parks;        /* parks in a row that timed out without work */
    /* Written by the owner, read by destroy (quiescence) and statistics. */
    _Alignas(PEL_CACHE_LINE) _Atomic uint64_t spawned;
    _Atomic uint64_t completed;
    _Atomic uint64_t steals;
    /* Statistics (pel_runtime_stats), written by the owner only. */
    _Atomic uint64_t flow_runs;    /* dataflow tasks run (completed counts fork-join) */
    _Atomic uint64_t steals_tried; /* deques probed */
    _Atomic uint64_t parks;
    _Atomic uint64_t idle_ns;
    /* What it does now, for pel_diagnose: PEL__WS_*, and the name of the dataflow task it
     * runs (NULL: none). */
    _Atomic int state;
    _Atomic(const char *) running_flow_task;
    /* Written by other threads to wake this worker. */
    _Alignas(PEL_CACHE_LINE) pel__parker parker;
    int registered_sleeper; /* guarded by rt->sleep_lock */
    int cpu;                /* pinned CPU or -1 */
    pthread_t thread;
    /* The thread's plain-path cells (plain.c), and the link of their registry. */
    _Atomic(struct pel__worker *) *spawn_cell;
    _Atomic(struct pel__worker *) *wait_cell;
    struct pel__worker *plain_next;
} pel__worker;

/* The calling thread's worker, or NULL. initial-exec: one instruction to read. */
extern __thread pel__worker *pel__tls_worker __attribute__((tls_model("initial-exec")));

/* The plain-path cells (plain.c): the calling thread's worker when pel_group_spawn /
 * pel_group_wait have nothing to record (no trace; for waits, or a fine stream), else
 * NULL. The fast paths read these instead of pel__tls_worker, so tracing off costs them
 * no test. Relaxed loads: a cell only picks a path. */
extern __thread _Atomic(pel__worker *) pel__tls_spawn_plain __attribute__((tls_model("initial-exec")));
extern __thread _Atomic(pel__worker *) pel__tls_wait_plain __attribute__((tls_model("initial-exec")));
/* Worker w's thread starts / ends (called on that thread). */
void pel__plain_register(pel__worker *w);
void pel__plain_unregister(pel__worker *w);
/* How many workers have registered (tests: wait until every worker thread runs). */
int pel__plain_registered(void);
/* The calling worker's stream may have become fine or coarse: set its cells again. */
void pel__plain_refresh(pel__worker *w);
/* pel__trace_on changed (called by trace start/stop after the change): set every cell. */
void pel__plain_trace_changed(void);

/* The parker of a thread that is not a worker (worker.c); zero-initialised is EMPTY. */
extern __thread pel__parker pel__tls_parker __attribute__((tls_model("initial-exec")));

/* The calling thread's parker (its worker's, or a per-thread one for other threads). */
static inline pel__parker *pel__self_parker(void)
{
    pel__worker *w = pel__tls_worker;
    return w ? &w->parker : &pel__tls_parker;
}

/* ---- runtime ------------------------------------------------------------------- */

#define PEL__RUNTIME_MAGIC 0x70656c72u /* "pelr" */

enum { PEL__RT_ALIVE = 1, PEL__RT_DRAINING = 2, PEL__RT_DEAD = 3 };

struct pel_runtime {
    /* Read-mostly. */
    _Alignas(PEL_CACHE_LINE) uint32_t magic;
    _Atomic int state;
    int nworkers;
    int spin_us;
    int pinned;
    int oversubscribed; /* more workers than usable CPUs */
    pel__worker **workers;
    pel__topology topo;
    /* Non-zero once any group of this runtime was cancelled (see pel__group_cancelled). */
    _Atomic int any_cancel;
    /* Dataflow contexts alive on this runtime (destroy refuses while there are some). */
    _Atomic int live_flows;
    /* Deques of threads outside the runtime that submit dataflow tasks (src/flow/): the
     * workers steal from them too. Slots are filled once, never emptied before destroy
     * (a thief may still be reading a deque its flow has stopped using), and reused by
     * later flows; ext_count only grows. */
    _Atomic int ext_count;
    pthread_mutex_t ext_lock;
    pel__deque *ext_deques[PEL_MAX_EXT_DEQUES];
    unsigned char ext_used[PEL_MAX_EXT_DEQUES]; /* guarded by ext_lock */

    /* Sleep registry (core/sleep.c). num_sleeping is read on every spawn. */
    _Alignas(PEL_CACHE_LINE) _Atomic int num_sleeping;
    _Atomic int num_searching;
    _Atomic int external_waiters; /* threads outside the runtime spinning in a wait */
    _Atomic int stopping;
    pthread_mutex_t sleep_lock;
    pel__worker **sleepers;
    int nsleepers;

    /* Injection queue: tasks spawned by threads that are not this runtime's workers. */
    _Alignas(PEL_CACHE_LINE) _Atomic int64_t inject_count;
    _Atomic uint64_t external_spawned;
    pthread_mutex_t inject_lock;
    pel__task *inject_head, *inject_tail;

    /* Shared task pool (core/task_pool.c). */
    _Alignas(PEL_CACHE_LINE) pthread_mutex_t pool_lock;
    pel__task *pool_free;
    long pool_count;
    void *slabs; /* list of slabs, freed at destroy */

    struct pel_runtime *grave_next; /* graveyard link (runtime.c) */
    int trace_tid_base; /* tid of worker 0 in traces */
    int print_stats;    /* PEL_STATS: print the counters at destroy */
    struct pel_runtime *live_next; /* list of live runtimes (pel_diagnose), under its lock */
};

/* Validate a handle: PEL_OK, PEL_EINVAL (NULL / not a runtime) or PEL_EDESTROYED. */
static inline int pel__runtime_check(const pel_runtime *rt)
{
    if (PEL_UNLIKELY(!rt || rt->magic != PEL__RUNTIME_MAGIC)) return PEL_EINVAL;
    /* relaxed: best-effort detection of use after destroy (the record stays valid memory:
     * see the graveyard in runtime.c). */
    if (PEL_UNLIKELY(atomic_load_explicit(&((pel_runtime *)rt)->state, memory_order_relaxed) ==
                     PEL__RT_DEAD))
        return PEL_EDESTROYED;
    return PEL_OK;
}
/* The default runtime once created (else NULL); see runtime.c. */
extern _Atomic(pel_runtime *) pel__default_runtime;

/* Resolve NULL to the default runtime; NULL when it cannot be created. */
static inline pel_runtime *pel__runtime_resolve(pel_runtime *rt)
{
    if (PEL_LIKELY(rt != NULL)) return rt;
    /* acquire: pairs with the release store that publishes the created runtime. */
    pel_runtime *d = atomic_load_explicit(&pel__default_runtime, memory_order_acquire);
    return d ? d : pel_runtime_default();
}

/* ---- task pool (task_pool.c) ----------------------------------------------------- */

int pel__pool_init(pel_runtime *rt);
void pel__pool_destroy(pel_runtime *rt);
/* Refill w's free list from the shared pool or a new slab; returns a task or NULL. */
pel__task *pel__task_refill(pel__worker *w);
/* Give half of w's over-full free list back to the shared pool. */
void pel__task_spill(pel__worker *w);
/* Any thread: take one task record from the shared pool (locks). */
pel__task *pel__pool_take(pel_runtime *rt);
/* Any thread: give one task record back to the shared pool (locks). */
void pel__pool_give(pel_runtime *rt, pel__task *t);

static inline pel__task *pel__task_alloc(pel__worker *w)
{
    pel__task *t = w->free_list;
    if (PEL_UNLIKELY(!t)) return pel__task_refill(w);
    w->free_list = t->next;
    w->free_count--;
    return t;
}

static inline void pel__task_free(pel__worker *w, pel__task *t)
{
    t->next = w->free_list;
    w->free_list = t;
    if (PEL_UNLIKELY(++w->free_count > PEL_TASK_FREE_MAX)) pel__task_spill(w);
}

/* ---- sleeping (sleep.c) -------------------------------------------------------- */

int pel__sleep_init(pel_runtime *rt);
void pel__sleep_destroy(pel_runtime *rt);
/* Wake one parked worker, if any: with pinned workers, one pinned to the caller's CPU
 * when near_caller is 1 (the caller is about to wait), else one pinned elsewhere. */
void pel__wake_one(pel_runtime *rt, int near_caller);
/* Wake every parked worker (shutdown). */
void pel__wake_all(pel_runtime *rt);
/* Register/unregister w as a parked worker that new work must wake. */
void pel__sleeper_register(pel__worker *w);
void pel__sleeper_unregister(pel__worker *w);

/* After publishing new work: wake a parked worker if some sleep and none is searching.
 * Costs two relaxed loads when nobody sleeps. (The wake-up this can miss, and why that is
 * harmless, is explained in sleep.c.) */
static inline void pel__notify_work(pel_runtime *rt)
{
    /* relaxed: a heuristic read; see sleep.c for the missed-wake analysis. */
    if (PEL_UNLIKELY(atomic_load_explicit(&rt->num_sleeping, memory_order_relaxed) > 0) &&
        atomic_load_explicit(&rt->num_searching, memory_order_relaxed) == 0)
        pel__wake_one(rt, 0);
}

/* ---- worker loop (worker.c) ------------------------------------------------------ */

int pel__workers_start(pel_runtime *rt);
/* Stop and join all workers (no work may remain). */
void pel__workers_stop(pel_runtime *rt);
/* Find a task: own deque, then steal, then the injection queue. NULL if none. */
pel__task *pel__find_work(pel__worker *w);
/* Push a task spawned by a non-worker thread onto rt's injection queue. */
void pel__inject(pel_runtime *rt, pel__task *t);
/* What an idle thread waits for, besides new work. done(arg): stop waiting. arm(arg),
 * optional: called after registering as a sleeper and before the final look for work;
 * returns 0 if the wait is already over (do not park). disarm(arg), optional: undoes arm
 * after the park. */
typedef struct pel__idle_hook {
    int (*done)(void *arg);
    int (*arm)(void *arg);
    void (*disarm)(void *arg);
    void *arg;
} pel__idle_hook;

/* Worker w has no work: spin up to spin_us looking for some, then park once. Returns a
 * task to run, or NULL when hook->done or after a park (the caller re-checks). */
pel__task *pel__idle(pel__worker *w, const pel__idle_hook *hook);

/* ---- groups (group.c) ------------------------------------------------------------ */


/* Is g, or a group it is nested in, cancelled? One relaxed load unless some group of the
 * runtime was ever cancelled; then the chain of parents is walked. */
static inline int pel__group_cancelled(const pel__group *g)
{
    /* relaxed: cancellation is advisory; tasks that start before it is seen still run. */
    if (atomic_load_explicit(&g->cancelled, memory_order_relaxed)) return 1;
    if (PEL_LIKELY(!atomic_load_explicit(&g->rt->any_cancel, memory_order_relaxed))) return 0;
    for (const pel__group *p = g->parent; p; p = p->parent)
        if (atomic_load_explicit(&p->cancelled, memory_order_relaxed)) return 1;
    return 0;
}

/* Account for the completion of a task of g spawned with `flags`, run by the thread whose
 * parker is `self`. This is the completing thread's last touch of g: once the count
 * reaches zero the owner may return from its wait and reuse g's memory. The protocol is
 * explained in group.c. */
static inline void pel__group_complete(pel__group *g, uint32_t flags, pel__parker *self)
{
    pel__parker *owner = g->owner;
    if ((flags & PEL__TASK_OWNER_LOCAL) && owner == self) {
        g->local--;
        return;
    }
    /* acq_rel: release publishes the task's effects (and its error) to the owner's
     * acquire load in group_done; acquire orders us after earlier completions. */
    int64_t old = atomic_fetch_sub_explicit(&g->remote, PEL__GROUP_ONE, memory_order_acq_rel);
    if (old == PEL__GROUP_ONE + PEL__GROUP_PARKED) pel__parker_unpark(owner);
}

/* Record a task's non-zero result as the group's error unless one is already there. */
void pel__group_fail(pel__group *g, int rc);

/* Run a dataflow task (src/flow/execute.c) on worker w, or on a thread that is not a
 * worker (w NULL). */
void pel__flow_execute(pel__worker *w, pel__task *t);

/* The traced twin of pel__run_task, and the adaptive detail's rate check
 * (src/trace/record.c). */
void pel__trace_run_task(pel__worker *w, pel__task *t);
void pel__trace_rate_check(pel__tbuf *b);

/* Run fork-join task t on w and account for its completion (no tracing). */
/* The first half of running fork-join task t: call its function (unless its group is
 * cancelled); returns its result. */
static inline __attribute__((always_inline)) int pel__task_call(pel__worker *w, pel__task *t)
{
    pel__group *g = t->group;
    int rc = 0;
    if (PEL_UNLIKELY(pel__group_cancelled(g))) {
        /* relaxed: a counter read after the group's wait, which synchronises. */
        atomic_fetch_add_explicit(&g->ncancelled, 1, memory_order_relaxed);
    } else {
        pel__group *saved = w->current_group;
        w->current_group = g;
        rc = t->fn(t->arg);
        w->current_group = saved;
    }
    return rc;
}

/* The second half: account for t's completion (after which its group's owner may return
 * from its wait) and free its record. */
static inline __attribute__((always_inline)) void pel__task_done(pel__worker *w, pel__task *t, int rc)
{
    pel__group *g = t->group;
    if (PEL_UNLIKELY(rc != 0)) pel__group_fail(g, rc);
    uint32_t flags = t->flags;
    pel__task_free(w, t);
    pel__group_complete(g, flags, &w->parker);
    /* release: pairs with the acquire loads in the runtime's quiescence check, so a
     * destroyer that counts this task complete also sees its effects. Only this worker
     * writes the counter, so load + store is not a lost update. */
    atomic_store_explicit(&w->completed,
                          atomic_load_explicit(&w->completed, memory_order_relaxed) + 1,
                          memory_order_release);
}

static inline __attribute__((always_inline)) void pel__run_task_body(pel__worker *w, pel__task *t)
{
    pel__task_done(w, t, pel__task_call(w, t));
}

/* Run one task on worker w and account for its completion. */
static inline __attribute__((always_inline)) void pel__run_task(pel__worker *w, pel__task *t)
{
    /* One test of the flags for both: tasks spawned while tracing (by a stream that is
     * not fine) carry PEL__TASK_TRACED; tasks spawned before a trace started, or by a fine
     * stream (PEL__TASK_TRACED_FINE), run unrecorded. */
    if (PEL_UNLIKELY(t->flags & (PEL__TASK_FLOW | PEL__TASK_TRACED))) {
        if (t->flags & PEL__TASK_FLOW)
            pel__flow_execute(w, t);
        else
            pel__trace_run_task(w, t);
        return;
    }
    pel__run_task_body(w, t);
}

/* Statistics and tracing (src/trace/): a runtime was created (tids, PEL_TRACE) / has
 * started / is being destroyed (PEL_STATS); the default runtime prints at exit. */
void pel__trace_runtime_created(pel_runtime *rt);
void pel__stats_runtime_started(pel_runtime *rt);
void pel__stats_runtime_stopping(pel_runtime *rt);
void pel__stats_default_runtime(pel_runtime *rt);

/* Worker states for pel_diagnose (relaxed stores by the worker: a snapshot hint). */
enum { PEL__WS_RUNNING = 0, PEL__WS_SEARCHING, PEL__WS_PARKED };

/* Owner-only counter increment (a statistic: relaxed, load + store, no lost update). */
static inline void pel__stat_add(_Atomic uint64_t *c, uint64_t v)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
                          memory_order_relaxed);
}

#endif /* PEL_CORE_INTERNAL_H */
