/* execute.c — running dataflow tasks and finishing them.
 *
 * A task whose dependency count reaches zero is *ready*: it goes to the deque of the
 * thread that made it ready (a worker's own deque; the top-level submitter's deque, which
 * workers steal from; or the runtime's injection queue), or, once some task of the flow
 * had a priority, into the flow's priority heap with a token in the deque that runs the
 * best heap entry when picked up. Synthetic nodes (barriers) and tasks that a failure
 * upstream condemned are finished at once, without running, through a per-thread
 * worklist so that a long condemned chain cannot overflow the stack.
 *
 * Finishing a task seals its successor list (no edge can be added after that), and
 * releases each successor: a failed task first marks the successors that read its data
 * as condemned (PEL_EDEPFAILED). A task with children finishes when its body and all its
 * children have (the `parts` count).
 */
#include <string.h>

#include "flow/flow_internal.h"
#include "trace/trace_internal.h"

/* Task flag: a token in a deque that stands for "run the best task of the flow's heap". */
#define PEL__TASK_FLOW_TOKEN 4u

__thread pel_flow *pel__tls_serving __attribute__((tls_model("initial-exec")));

static __thread pel__ftask *finish_list;
static __thread int finishing;
/* While a thread finishes a task it ran, the first successor that becomes ready is kept
 * here and run next by the same thread instead of being queued: a chain of tasks stays on
 * one worker, cache-warm, without a deque round trip per task. */
static __thread pel__ftask **continuation;

void pel__flow_note_failure(pel_flow *f, uint64_t id, const char *name, int error)
{
    pthread_mutex_lock(&f->fail_lock);
    if (f->failure.error == 0) {
        f->failure.error = error;
        f->failure.task_id = id;
        f->failure.name = name;
    }
    pthread_mutex_unlock(&f->fail_lock);
}

/* ---- queueing ready tasks -------------------------------------------------------- */

static void push_item(pel_flow *f, pel__task *item)
{
    pel_runtime *rt = f->rt;
    pel__worker *w = pel__tls_worker;
    if (PEL_LIKELY(w && w->rt == rt)) {
        if (PEL_LIKELY(pel__deque_push(&w->deque, item) == PEL_OK)) {
            pel__notify_work(rt);
            return;
        }
    } else {
        pel_flow *serving = pel__tls_serving;
        pel__deque *d = serving && serving->rt == rt ? serving->ext_deque : NULL;
        if (d) {
            int was_empty = pel__deque_size_estimate(d) <= 0;
            if (pel__deque_push(d, item) == PEL_OK) {
                /* seq_cst fence when the deque looked empty: the store-load half of the
                 * handshake with a parking worker (its seq_cst sleeper registration, then
                 * its last look at this deque). While the deque holds older items, a
                 * worker that takes one comes back for more before it parks. */
                if (was_empty) atomic_thread_fence(memory_order_seq_cst);
                pel__notify_work(rt);
                return;
            }
        }
    }
    pel__inject(rt, item);
}

/* Among ready tasks of equal priority the heap runs the one submitted first: the order
 * the tasks would run in one after another, which in programs written as a sequential
 * loop nest (a factorization) puts the next step's feeders first. (Readiness order, the
 * other candidate, is close to the reverse: a finishing task releases its successors
 * from the most recently linked one back.) A child comes after what was submitted before
 * its top-level ancestor and before what was submitted after it; children of one
 * ancestor in the order they were submitted (child ids grow). Top-level ids and child
 * ids count submissions; a parent outlives its children, so the walk up is safe. A
 * reduction's combine node goes first: the task whose submission closed the reduction
 * waits for it. */
static pel__heap_key heap_key_of(const pel__ftask *t)
{
    if (t->kind != PEL__K_TASK) return (pel__heap_key){0, 0};
    pel__heap_key k = {t->id, 0};
    if (t->parent) {
        k.child = t->id;
        for (const pel__ftask *p = t->parent; p; p = p->parent) k.root = p->id;
    }
    return k;
}

/* Does (pa, ka) run before (pb, kb)? Higher priority first, then submission order. */
static int heap_key_before(int pa, pel__heap_key ka, int pb, pel__heap_key kb)
{
    if (pa != pb) return pa > pb;
    if (ka.root != kb.root) return ka.root < kb.root;
    return ka.child < kb.child;
}

static void heap_push(pel_flow *f, pel__ftask *t)
{
    pel__heap_key key = heap_key_of(t);
    pthread_mutex_lock(&f->heap_lock);
    if (f->heap_len == f->heap_cap) {
        size_t cap = f->heap_cap ? 2 * f->heap_cap : 256;
        pel__ftask **h = realloc(f->heap, cap * sizeof(*h));
        pel__heap_key *k = h ? realloc(f->heap_key, cap * sizeof(*k)) : NULL;
        if (h) f->heap = h;
        if (k) f->heap_key = k;
        PEL_ASSERT(h && k && "out of memory growing the priority queue");
        f->heap_cap = cap;
    }
    /* Sift up: parent (i-1)/2. */
    size_t i = f->heap_len++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!heap_key_before(t->priority, key, f->heap[p]->priority, f->heap_key[p])) break;
        f->heap[i] = f->heap[p];
        f->heap_key[i] = f->heap_key[p];
        i = p;
    }
    f->heap[i] = t;
    f->heap_key[i] = key;
    pthread_mutex_unlock(&f->heap_lock);
}

static int heap_before(pel_flow *f, size_t a, size_t b)
{
    return heap_key_before(f->heap[a]->priority, f->heap_key[a], f->heap[b]->priority,
                           f->heap_key[b]);
}

static pel__ftask *heap_pop(pel_flow *f)
{
    pthread_mutex_lock(&f->heap_lock);
    if (f->heap_len == 0) {
        pthread_mutex_unlock(&f->heap_lock);
        return NULL;
    }
    pel__ftask *top = f->heap[0];
    size_t n = --f->heap_len, i = 0;
    f->heap[0] = f->heap[n];
    f->heap_key[0] = f->heap_key[n];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && heap_before(f, c + 1, c)) c++;
        if (!heap_before(f, c, i)) break;
        pel__ftask *tmp = f->heap[i];
        pel__heap_key tk = f->heap_key[i];
        f->heap[i] = f->heap[c];
        f->heap_key[i] = f->heap_key[c];
        f->heap[c] = tmp;
        f->heap_key[c] = tk;
        i = c;
    }
    pthread_mutex_unlock(&f->heap_lock);
    return top;
}

/* Queue runnable task t. */
static void schedule(pel_flow *f, pel__ftask *t)
{
    /* relaxed: a sticky hint; either path runs the task. */
    if (PEL_LIKELY(!atomic_load_explicit(&f->use_heap, memory_order_relaxed))) {
        push_item(f, &t->core);
        return;
    }
    pel__worker *w = pel__tls_worker;
    pel__task *token = (w && w->rt == f->rt) ? pel__task_alloc(w) : pel__pool_take(f->rt);
    PEL_ASSERT(token && "out of memory for a priority token");
    heap_push(f, t);
    token->fn = NULL;
    token->arg = f;
    token->group = NULL;
    token->flags = PEL__TASK_FLOW | PEL__TASK_FLOW_TOKEN;
    /* relaxed: t is pending, so f stays alive until the token is counted out. */
    atomic_fetch_add_explicit(&f->tokens, 1, memory_order_relaxed);
    push_item(f, token);
}

static void finish_later(pel__ftask *t)
{
    t->free_next = finish_list;
    finish_list = t;
    if (finishing) return;
    finishing = 1;
    while (finish_list) {
        pel__ftask *n = finish_list;
        finish_list = n->free_next;
        pel__flow_finish(n->flow, n);
    }
    finishing = 0;
}

void pel__flow_ready(pel_flow *f, pel__ftask *t)
{
    if (PEL_UNLIKELY(t->kind == PEL__K_ACQUIRE)) {
        /* release: pairs with the acquire in acquire_done (data.c). */
        atomic_store_explicit(&t->acquire_ready, 1, memory_order_release);
        /* seq_cst: with the waiter's seq_cst store of its parker before its last check. */
        pel__parker *p = atomic_exchange_explicit(&t->waiter, NULL, memory_order_seq_cst);
        if (p) pel__parker_unpark(p);
        return;
    }
    /* relaxed: ordered by the acquire half of the count update that made t ready. */
    if (PEL_UNLIKELY(t->kind == PEL__K_BARRIER ||
                     atomic_load_explicit(&t->dep_failed, memory_order_relaxed))) {
        finish_later(t);
        return;
    }
    pel__ftask **cont = continuation;
    if (cont && !*cont && !atomic_load_explicit(&f->use_heap, memory_order_relaxed)) {
        *cont = t;
        return;
    }
    schedule(f, t);
}

/* ---- COMMUTE: one task at a time per handle -------------------------------------- */

static int has_commute(const pel__ftask *t)
{
    for (unsigned i = 0; i < t->naccess; i++)
        if (t->acc[i].mode == PEL_COMMUTE) return 1;
    return 0;
}

static int commute_try(pel__tracker *tr)
{
    int zero = 0;
    /* acquire: pairs with the release in commute_unlock (the previous holder's writes). */
    return atomic_compare_exchange_strong_explicit(&tr->commute_busy, &zero, 1,
                                                   memory_order_acquire, memory_order_relaxed);
}

static void qlock(pel__tracker *tr)
{
    /* acquire / release: an ordinary spin lock around the queue. */
    while (atomic_exchange_explicit(&tr->commute_qlock, 1, memory_order_acquire))
        pel__cpu_relax();
}

static void qunlock(pel__tracker *tr)
{
    atomic_store_explicit(&tr->commute_qlock, 0, memory_order_release);
}

static void commute_unlock(pel_flow *f, pel__tracker *tr)
{
    /* seq_cst store and load: a Dekker pair with the waiter's seq_cst increment of
     * commute_waiting then its retry: one of us sees the other. */
    atomic_store_explicit(&tr->commute_busy, 0, memory_order_seq_cst);
    if (atomic_load_explicit(&tr->commute_waiting, memory_order_seq_cst) == 0) return;
    qlock(tr);
    pel__ftask *t = tr->commute_queue;
    if (t) {
        tr->commute_queue = t->free_next;
        atomic_fetch_sub_explicit(&tr->commute_waiting, 1, memory_order_relaxed);
    }
    qunlock(tr);
    if (t) schedule(f, t);
}

/* Take every COMMUTE access of t, or none: then t waits in the queue of the one that was
 * busy and is rescheduled when it is let go. No task holds one while waiting for another,
 * so this cannot deadlock. Returns 1 if t may run. */
static int commute_acquire(pel_flow *f, pel__ftask *t)
{
    for (;;) {
        unsigned i;
        pel__tracker *busy = NULL;
        for (i = 0; i < t->naccess; i++) {
            if (t->acc[i].mode != PEL_COMMUTE) continue;
            if (!commute_try(t->acc[i].tracker)) {
                busy = t->acc[i].tracker;
                break;
            }
        }
        if (!busy) return 1;
        for (unsigned j = 0; j < i; j++)
            if (t->acc[j].mode == PEL_COMMUTE) commute_unlock(f, t->acc[j].tracker);
        qlock(busy);
        atomic_fetch_add_explicit(&busy->commute_waiting, 1, memory_order_seq_cst);
        if (atomic_load_explicit(&busy->commute_busy, memory_order_seq_cst) == 0) {
            /* Let go meanwhile: try everything again. */
            atomic_fetch_sub_explicit(&busy->commute_waiting, 1, memory_order_relaxed);
            qunlock(busy);
            continue;
        }
        t->free_next = NULL;
        pel__ftask **p = &busy->commute_queue;
        while (*p) p = &(*p)->free_next;
        *p = t;
        qunlock(busy);
        return 0;
    }
}

/* ---- running --------------------------------------------------------------------- */

/* A task's name in traces: its own, else NULL (named after its function). */
static const char *trace_name(const pel__ftask *t)
{
    return t->name == pel__unnamed_task ? NULL : t->name;
}

uint64_t pel__flow_trace_id(pel_flow *f)
{
    /* relaxed, then acq_rel CAS: any thread may be first; all agree on the winner. */
    uint64_t id = atomic_load_explicit(&f->trace_id, memory_order_relaxed);
    if (id) return id;
    uint64_t mine = pel__trace_object_id(), none = 0;
    if (atomic_compare_exchange_strong_explicit(&f->trace_id, &none, mine, memory_order_acq_rel,
                                                memory_order_acquire))
        return mine;
    return none;
}

/* Run t's body; returns the successor to run next (see `continuation`), or NULL. */
static pel__ftask *run_one(pel_flow *f, pel__ftask *t)
{
    if (PEL_UNLIKELY(has_commute(t))) {
        if (!commute_acquire(f, t)) return NULL;
        t->commute_held = 1; /* until t finishes, children included (pel__flow_finish) */
    }
    pel__ftask *saved = pel__tls_ftask;
    pel__tls_ftask = t;
    pel__worker *w = pel__tls_worker;
    const char *outer = NULL;
    if (w) {
        pel__stat_add(&w->flow_runs, 1);
        /* relaxed: a hint for pel_diagnose. */
        outer = atomic_load_explicit(&w->running_flow_task, memory_order_relaxed);
        atomic_store_explicit(&w->running_flow_task, t->name ? t->name : "task", memory_order_relaxed);
    }
    int rc;
    if (PEL_UNLIKELY(pel__tracing())) {
        pel__tframe frame;
        pel__trace_flow_begin(&t->core, trace_name(t), (const void *)t->fn,
                              t->kind == PEL__K_TASK ? PEL__TK_FLOW : PEL__TK_SYNC,
                              pel__flow_trace_id(f), &frame);
        rc = t->fn((pel_flow_task *)t, t->arg);
        pel__trace_flow_end(&t->core, rc ? PEL__TS_FAILED : PEL__TS_OK, &frame);
    } else {
        rc = t->fn((pel_flow_task *)t, t->arg);
    }
    pel__tls_ftask = saved;
    if (w) atomic_store_explicit(&w->running_flow_task, outer, memory_order_relaxed);
    t->status = rc;
    if (PEL_UNLIKELY(rc != 0)) pel__flow_note_failure(f, t->id, t->name, rc);
    if (PEL_UNLIKELY(t->child_trackers != NULL))
        pel__track_close_child_reductions(f, pel__flow_slot(f), t);
    /* acq_rel: the last part's holder finishes t after every child's effects. */
    pel__ftask *next = NULL;
    if (atomic_fetch_sub_explicit(&t->parts, 1, memory_order_acq_rel) == 1) {
        pel__ftask **saved_cont = continuation;
        continuation = &next;
        pel__flow_finish(f, t);
        continuation = saved_cont;
    }
    return next;
}

static void run_ftask(pel_flow *f, pel__ftask *t)
{
    while (t) t = run_one(f, t);
}

pel_flow *pel__flow_item_of(const pel__task *item)
{
    if (!(item->flags & PEL__TASK_FLOW)) return NULL;
    if (item->flags & PEL__TASK_FLOW_TOKEN) return item->arg;
    return ((const pel__ftask *)item)->flow;
}

void pel__flow_execute(pel__worker *w, pel__task *item)
{
    if (item->flags & PEL__TASK_FLOW_TOKEN) {
        pel_flow *f = item->arg;
        if (w)
            pel__task_free(w, item);
        else
            pel__pool_give(f->rt, item);
        pel__ftask *t = heap_pop(f);
        /* release: the token's last touch of f when t is NULL; pel_flow_destroy waits for
         * tokens to drain (acquire). A token may find the heap empty: its entry was taken
         * by a thread that went on with the best task directly (run_one). */
        atomic_fetch_sub_explicit(&f->tokens, 1, memory_order_release);
        if (t) run_ftask(f, t);
        return;
    }
    pel__ftask *t = pel__ftask_of(item);
    run_ftask(t->flow, t);
}

/* ---- finishing ------------------------------------------------------------------- */

static void condemn(pel__ftask *s, uint64_t id, const char *name, int error)
{
    int none = 0;
    /* relaxed: published with s's count update below (acq_rel). */
    if (atomic_compare_exchange_strong_explicit(&s->dep_failed, &none, 1, memory_order_relaxed,
                                                memory_order_relaxed)) {
        s->fail_id = id;
        s->fail_name = name;
        s->fail_error = error;
    }
}

void pel__flow_finish(pel_flow *f, pel__ftask *t)
{
    int slot = pel__flow_slot(f);
    /* relaxed: t's own thread set it, or a predecessor's release reached us. */
    int condemned = atomic_load_explicit(&t->dep_failed, memory_order_relaxed);
    int failed = condemned || t->status != 0;
    uint64_t origin = condemned ? t->fail_id : t->id;
    const char *origin_name = condemned ? t->fail_name : t->name;
    int origin_error = condemned ? t->fail_error : t->status;
    if (PEL_UNLIKELY(t->kind == PEL__K_COMBINE)) {
        pel__redgroup *rg = t->acc[0].red;
        for (int i = 0; i < rg->ncopies; i++) free(rg->copies[i]);
        pthread_mutex_destroy(&rg->lock);
        free(rg);
        t->acc[0].red = NULL;
    }
    if (PEL_UNLIKELY(t->child_trackers != NULL))
        for (unsigned i = 0; i < t->naccess; i++) pel__track_clear(f, slot, &t->child_trackers[i]);
    if (PEL_UNLIKELY(t->commute_held)) {
        t->commute_held = 0;
        for (unsigned i = 0; i < t->naccess; i++)
            if (t->acc[i].mode == PEL_COMMUTE) commute_unlock(f, t->acc[i].tracker);
    }
    if (PEL_UNLIKELY(t->kind == PEL__K_BARRIER) && pel__tracing()) {
        /* A barrier never runs: a slice of no length keeps its edges in the trace. */
        pel__tframe frame;
        pel__trace_flow_begin(&t->core, t->name, NULL, PEL__TK_SYNC, pel__flow_trace_id(f), &frame);
        pel__trace_flow_end(&t->core, PEL__TS_OK, &frame);
    }
    if (PEL_UNLIKELY(condemned && t->kind == PEL__K_TASK)) {
        atomic_fetch_add_explicit(&f->skipped, 1, memory_order_relaxed);
        if (pel__tracing()) { /* a slice of no length where it was skipped */
            pel__tframe frame;
            pel__trace_flow_begin(&t->core, trace_name(t), (const void *)t->fn, PEL__TK_FLOW,
                                  pel__flow_trace_id(f), &frame);
            pel__trace_flow_end(&t->core, PEL__TS_SKIPPED, &frame);
        }
    }
    if (t->status_out) *t->status_out = condemned ? PEL_EDEPFAILED : t->status;
    if (PEL_UNLIKELY(f->graph != NULL)) pel__graph_status(f, t, condemned ? PEL_EDEPFAILED : t->status);

    /* acq_rel: acquire sees the edges' fields (their release CAS); release orders our
     * effects before the sealed list that pruning reads. */
    pel__edge *e = atomic_exchange_explicit(&t->succs, PEL__SEALED, memory_order_acq_rel);
    while (e) {
        pel__edge *next = e->next;
        pel__ftask *s = e->succ;
        if (PEL_UNLIKELY(failed && e->data)) condemn(s, origin, origin_name, origin_error);
        /* acq_rel: release publishes t's effects to s; acquire, for the last one, all
         * other predecessors'. */
        if (atomic_fetch_sub_explicit(&s->deps, 1, memory_order_acq_rel) == 1) pel__flow_ready(f, s);
        e = next;
    }
    /* With priorities, a thread that wants a task to continue with takes the best queued
     * one at once (its token, left in a deque, will find the heap without it and do
     * nothing): no hand-off latency. Done here, while t still counts as pending (after
     * that, f may be destroyed). */
    pel__ftask **cont = continuation;
    if (cont && !*cont && atomic_load_explicit(&f->use_heap, memory_order_relaxed))
        *cont = heap_pop(f);
    pel__ftask *parent = t->parent;
    if (PEL_UNLIKELY(parent != NULL)) {
        if (PEL_UNLIKELY(failed) && t->kind == PEL__K_TASK) condemn(parent, origin, origin_name, origin_error);
        /* acq_rel: as in run_ftask. */
        int32_t left = atomic_fetch_sub_explicit(&parent->parts, 1, memory_order_acq_rel) - 1;
        if (left == 0) {
            pel__flow_finish(f, parent);
        } else if (left == 1 && atomic_load_explicit(&parent->waiter, memory_order_seq_cst)) {
            /* seq_cst: pairs with the waiter's seq_cst store before its last check. */
            pel__parker *p = atomic_exchange_explicit(&parent->waiter, NULL, memory_order_seq_cst);
            if (p) pel__parker_unpark(p);
        }
    }
    /* Last: once counted, a waiter may return and the flow may be destroyed. */
    int counted = t->counted;
    pel__ftask_unref(f, slot, t);
    if (counted) pel__flow_count_finish(f, slot);
}
