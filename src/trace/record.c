/* record.c — the hooks that write events (see trace_internal.h for the buffers).
 * Every hook is called only while tracing (the caller tested pel__tracing()), except the
 * end halves, which finish what a begin recorded even if tracing stopped in between.
 */
#include "trace/trace_internal.h"

/* Average task time under which a worker is "fine" (adaptive detail). */
#ifndef PEL_TRACE_FINE_NS
#define PEL_TRACE_FINE_NS 2000
#endif

static inline int full_detail(void)
{
    /* relaxed: see pel__trace_full. */
    return atomic_load_explicit(&pel__trace_full, memory_order_relaxed);
}

/* One clock read per 64 tasks: fine while they took under 64 × PEL_TRACE_FINE_NS, and
 * never in full detail. */
void pel__trace_rate_check(pel__tbuf *b)
{
    uint64_t now = pel__trace_clock();
    static _Atomic uint64_t limit; /* ticks; relaxed: computed once, same value by all */
    uint64_t lim = atomic_load_explicit(&limit, memory_order_relaxed);
    if (!lim) {
        lim = 64 * pel__trace_ticks_per_us() * PEL_TRACE_FINE_NS / 1000;
        atomic_store_explicit(&limit, lim, memory_order_relaxed);
    }
    /* relaxed: see pel__trace_on. */
    uint64_t on = atomic_load_explicit(&pel__trace_on, memory_order_relaxed);
    b->fine = !full_detail() && now - b->rate_ts < lim ? on : 0;
    b->rate_ts = now;
    /* A worker's waits take the plain path while its stream is fine (src/core/plain.c);
     * set its cells each time (three loads when nothing changed), which also repairs a
     * cell that a starting trace overwrote just after the worker set it. */
    pel__worker *w = pel__tls_worker;
    if (w) pel__plain_refresh(w);
}

/* A zeroed event of `type` at time `ts` (NULL: dropped). */
static inline pel__tev *event_at(pel__tbuf *b, int type, uint64_t ts)
{
    pel__tev *e = pel__tev_new(b);
    if (e) *e = (pel__tev){.ts = ts, .type = (uint8_t)type};
    return e;
}

static inline pel__tev *event(pel__tbuf *b, int type)
{
    return event_at(b, type, pel__trace_clock());
}

uint64_t pel__trace_object_id(void)
{
    pel__tbuf *b = pel__tbuf_self();
    return b ? pel__trace_new_id(b) : 0;
}

void pel__trace_spawn(pel__task *t, int give_id)
{
    pel__tbuf *b = pel__tbuf_self();
    if (!b) return;
    t->flags |= PEL__TASK_TRACED | PEL__TASK_TRACED_TS;
    t->trace_parent = b->task;
    t->trace_id = give_id || full_detail() ? pel__trace_new_id(b) : 0;
    t->trace_spawned = pel__trace_clock();
}

/* The calling thread's count of completed fork-join tasks (0 on a thread that is not a
 * worker: it runs none). relaxed: its own counter. */
static inline uint64_t completed_here(void)
{
    pel__worker *w = pel__tls_worker;
    return w ? atomic_load_explicit(&w->completed, memory_order_relaxed) : 0;
}

/* The inlined count of a slice that began at `saved` and ends now: fork-join tasks that
 * completed here since, less those the slices nested in it account for; then this slice
 * accounts for them (plus itself, `self`: 1 for a fork-join task, which completes after
 * its end is stamped; 0 for a dataflow task, which the counter does not count). */
static inline uint32_t slice_inlined(pel__tbuf *b, uint64_t completed, uint64_t accounted, int self)
{
    uint64_t inlined = (completed_here() - completed) - (b->accounted - accounted);
    b->accounted += inlined + (uint64_t)self;
    return (uint32_t)inlined;
}

void pel__trace_run_task(pel__worker *w, pel__task *t)
{
    pel__tbuf *b = pel__tbuf_self();
    /* relaxed: see pel__trace_on; a task spawned while tracing may run after the stop. */
    uint64_t on = atomic_load_explicit(&pel__trace_on, memory_order_relaxed);
    if (!b || !on) {
        pel__run_task_body(w, t);
        return;
    }
    if (PEL_UNLIKELY((++b->ntasks & 63) == 0)) pel__trace_rate_check(b);
    int traced = (t->flags & PEL__TASK_TRACED) != 0;
    if (pel__tbuf_fine(b, on) && !(traced && t->trace_id)) {
        pel__run_task_body(w, t); /* counted in the enclosing slice (slice_inlined) */
        return;
    }
    uint64_t id = traced && t->trace_id ? t->trace_id : pel__trace_new_id(b);
    pel__tev *e = event(b, PEL__EV_BEGIN);
    if (e) {
        e->kind = PEL__TK_SPAWN;
        e->id = id;
        e->a = (uint64_t)(uintptr_t)t->fn;
        e->b = traced ? t->trace_parent : 0;
        e->c = (uint64_t)(uintptr_t)t->group; /* renumbered per wait at export */
        e->d = t->flags & PEL__TASK_TRACED_TS ? t->trace_spawned : 0;
        pel__tev_commit(b);
    }
    uint64_t saved_task = b->task;
    uint64_t completed = atomic_load_explicit(&w->completed, memory_order_relaxed);
    uint64_t accounted = b->accounted;
    b->task = id;
    int rc = pel__task_call(w, t);
    /* The end is stamped before the completion is accounted: after it, the group's owner
     * may take this CPU, and a later stamp would include its time slice. */
    uint32_t inlined = slice_inlined(b, completed, accounted, 1);
    e = event(b, PEL__EV_END);
    if (e) {
        e->id = id;
        e->u32 = inlined;
        pel__tev_commit(b);
    }
    b->task = saved_task;
    pel__task_done(w, t, rc); /* frees t */
}

void pel__trace_steal(pel__task *t, int victim_tid)
{
    pel__tbuf *b = pel__tbuf_self();
    if (!b) return;
    /* A stolen task always gets its own slice. The thief owns the record now. */
    if ((t->flags & (PEL__TASK_TRACED_FINE | PEL__TASK_FLOW)) == PEL__TASK_TRACED_FINE) {
        t->flags = (t->flags & ~PEL__TASK_TRACED_FINE) | PEL__TASK_TRACED; /* parent: set */
        t->trace_id = pel__trace_new_id(b);
    } else if ((t->flags & (PEL__TASK_TRACED | PEL__TASK_FLOW)) == PEL__TASK_TRACED && !t->trace_id) {
        t->trace_id = pel__trace_new_id(b);
    }
    pel__tev *e = event(b, PEL__EV_STEAL);
    if (e) {
        e->id = t->flags & PEL__TASK_TRACED ? t->trace_id : 0;
        e->u32 = (uint32_t)victim_tid;
        pel__tev_commit(b);
    }
}

int pel__trace_wait_begin(int kind, uint64_t id)
{
    pel__tbuf *b = pel__tbuf_self();
    if (!b || pel__tbuf_fine(b, atomic_load_explicit(&pel__trace_on, memory_order_relaxed)))
        return 0;
    pel__tev *e = event(b, PEL__EV_WAIT_BEGIN);
    if (!e) return 0;
    e->kind = (uint8_t)kind;
    e->id = b->task;
    e->a = id;
    pel__tev_commit(b);
    return 1;
}

void pel__trace_wait_end(int token)
{
    if (!token) return;
    pel__tbuf *b = pel__tls_tbuf;
    pel__tev *e = b ? event(b, PEL__EV_WAIT_END) : NULL;
    if (e) {
        e->id = b->task;
        pel__tev_commit(b);
    }
}

void pel__trace_park(int begin)
{
    pel__tbuf *b = pel__tbuf_self();
    pel__tev *e = b ? event(b, begin ? PEL__EV_PARK_BEGIN : PEL__EV_PARK_END) : NULL;
    if (e) pel__tev_commit(b);
}

void pel__trace_wake(pel__worker *w)
{
    pel__tbuf *b = pel__tbuf_self();
    pel__tev *e = b ? event(b, PEL__EV_WAKE) : NULL;
    if (e) {
        e->u32 = (uint32_t)(w->rt->trace_tid_base + w->index);
        pel__tev_commit(b);
    }
}

void pel__trace_flow_made(pel__task *core)
{
    pel__tbuf *b = pel__tbuf_self();
    if (!b) return;
    core->flags |= PEL__TASK_TRACED;
    core->trace_id = pel__trace_new_id(b);
    core->trace_parent = b->task;
    core->trace_spawned = pel__trace_clock();
}

void pel__trace_edge(const pel__task *pred, const pel__task *succ)
{
    if (!(pred->flags & succ->flags & PEL__TASK_TRACED)) return;
    pel__tbuf *b = pel__tbuf_self();
    pel__tev *e = b ? event_at(b, PEL__EV_EDGE, 0) : NULL; /* an edge has no time */
    if (!e) return;
    e->id = pred->trace_id;
    e->a = succ->trace_id;
    pel__tev_commit(b);
}

void pel__trace_flow_begin(pel__task *core, const char *name, const void *fn, int kind,
                           uint64_t flow_id, pel__tframe *saved)
{
    pel__tbuf *b = pel__tbuf_self();
    saved->task = UINT64_MAX;
    if (!b) return;
    if (!(core->flags & PEL__TASK_TRACED)) {
        core->flags |= PEL__TASK_TRACED; /* submitted before tracing started */
        core->trace_id = pel__trace_new_id(b);
        core->trace_parent = 0;
        core->trace_spawned = 0;
    }
    pel__tev *e = event(b, PEL__EV_BEGIN);
    if (e) {
        e->kind = (uint8_t)kind;
        e->flags = name ? PEL__TEV_NAME_STR : 0;
        e->id = core->trace_id;
        e->a = name ? (uint64_t)(uintptr_t)name : (uint64_t)(uintptr_t)fn;
        e->b = core->trace_parent;
        e->c = flow_id;
        e->d = core->trace_spawned;
        pel__tev_commit(b);
    }
    saved->task = b->task;
    saved->completed = completed_here(); /* fork-join tasks it runs inline count in this slice */
    saved->accounted = b->accounted;
    b->task = core->trace_id;
}

void pel__trace_flow_end(pel__task *core, int status, const pel__tframe *saved)
{
    if (saved->task == UINT64_MAX) return;
    pel__tbuf *b = pel__tls_tbuf;
    if (!b) return;
    uint32_t inlined = slice_inlined(b, saved->completed, saved->accounted, 0);
    pel__tev *e = event(b, PEL__EV_END);
    if (e) {
        e->id = core->trace_id;
        e->flags = (uint16_t)status;
        e->u32 = inlined;
        pel__tev_commit(b);
    }
    b->task = saved->task;
}

int pel__trace_chunk_begin(const void *body, size_t lo, uint64_t *saved)
{
    pel__tbuf *b = pel__tbuf_self();
    if (!b || pel__tbuf_fine(b, atomic_load_explicit(&pel__trace_on, memory_order_relaxed)))
        return 0;
    pel__tev *e = event(b, PEL__EV_BEGIN);
    if (!e) return 0;
    uint64_t id = pel__trace_new_id(b);
    e->kind = PEL__TK_LOOP;
    e->id = id;
    e->a = (uint64_t)(uintptr_t)body;
    e->b = b->task;
    e->e = lo;
    pel__tev_commit(b);
    *saved = b->task;
    b->task = id;
    return 1;
}

void pel__trace_chunk_end(int token, size_t hi, uint64_t saved)
{
    if (!token) return;
    pel__tbuf *b = pel__tls_tbuf;
    pel__tev *e = event(b, PEL__EV_END);
    if (e) {
        e->id = b->task;
        e->kind = PEL__TK_LOOP;
        e->e = hi;
        pel__tev_commit(b);
    }
    b->task = saved;
}
