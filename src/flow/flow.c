/* flow.c — creating, waiting on and destroying a flow; its failure record. */
#include <sched.h>
#include <string.h>

#include "flow/flow_internal.h"
#include "trace/trace_internal.h"

static int flow_valid(const pel_flow *f)
{
    return f && f->magic == PEL__FLOW_MAGIC;
}

/* Take a submission deque of rt for this flow's top-level thread (NULL: none left). */
static pel__deque *ext_deque_take(pel_runtime *rt, int *index)
{
    pel__deque *d = NULL;
    pthread_mutex_lock(&rt->ext_lock);
    /* relaxed: only written under ext_lock. */
    int n = atomic_load_explicit(&rt->ext_count, memory_order_relaxed);
    for (int i = 0; i < n && !d; i++) {
        if (rt->ext_used[i]) continue;
        rt->ext_used[i] = 1;
        d = rt->ext_deques[i];
        *index = i;
    }
    if (!d && n < PEL_MAX_EXT_DEQUES) {
        /* The deque's fields are cache-line aligned: so must its memory be. */
        d = aligned_alloc(PEL_CACHE_LINE, (sizeof(*d) + PEL_CACHE_LINE - 1) / PEL_CACHE_LINE *
                                              PEL_CACHE_LINE);
        if (d && pel__deque_init(d) != PEL_OK) {
            free(d);
            d = NULL;
        }
        if (d) {
            rt->ext_deques[n] = d;
            rt->ext_used[n] = 1;
            *index = n;
            /* release: publishes the slot to thieves' acquire load (worker.c). */
            atomic_store_explicit(&rt->ext_count, n + 1, memory_order_release);
        }
    }
    pthread_mutex_unlock(&rt->ext_lock);
    return d;
}

static void ext_deque_give(pel_runtime *rt, int index)
{
    pthread_mutex_lock(&rt->ext_lock);
    rt->ext_used[index] = 0;
    pthread_mutex_unlock(&rt->ext_lock);
}

PEL_EXPORT int pel_flow_create(pel_runtime *rt, const pel_flow_config *cfg, pel_flow **out)
{
    if (!out) return PEL_EINVAL;
    pel_runtime *r = pel__runtime_resolve(rt);
    if (!r) return PEL_EINVAL;
    int rc = pel__runtime_check(r);
    if (rc != PEL_OK) return rc;
    pel_flow *f = aligned_alloc(PEL_CACHE_LINE, (sizeof(*f) + PEL_CACHE_LINE - 1) /
                                PEL_CACHE_LINE * PEL_CACHE_LINE);
    if (!f) return PEL_ENOMEM;
    memset(f, 0, sizeof(*f));
    f->rt = r;
    f->window = cfg && cfg->window ? cfg->window : PEL_FLOW_WINDOW;
    f->window_check = f->window / 2 < PEL_FLOW_WINDOW_CHECK ? (unsigned)(f->window / 2)
                                                             : PEL_FLOW_WINDOW_CHECK;
    if (f->window_check == 0) f->window_check = 1;
    f->nslots = r->nworkers + 1;
    f->slots = aligned_alloc(PEL_CACHE_LINE, (size_t)f->nslots * sizeof(pel__fslotcount));
    if (!f->slots) {
        free(f);
        return PEL_ENOMEM;
    }
    memset(f->slots, 0, (size_t)f->nslots * sizeof(pel__fslotcount));
    pthread_mutex_init(&f->fail_lock, NULL);
    pthread_mutex_init(&f->heap_lock, NULL);
    pthread_mutex_init(&f->handle_lock, NULL);
    rc = pel__fpool_init(f);
    if (rc == PEL_OK && cfg && cfg->record_graph) rc = pel__graph_create(f);
    if (rc != PEL_OK) {
        pel__fpool_destroy(f);
        free(f->slots);
        free(f);
        return rc;
    }
    f->ext_deque = ext_deque_take(r, &f->ext_slot);
    f->magic = PEL__FLOW_MAGIC;
    pel__flow_list_add(f);
    /* relaxed: runtime destroy reads it with acquire; nothing to publish here. */
    atomic_fetch_add_explicit(&r->live_flows, 1, memory_order_relaxed);
    *out = f;
    return PEL_OK;
}

/* Close every open reduction of the top level: combine nodes take over. */
static void close_root_reductions(pel_flow *f, int slot)
{
    while (f->open_reductions) {
        int rc = pel__track_close_reduction(f, slot, f->open_reductions, NULL);
        PEL_ASSERT(rc == PEL_OK && "out of memory for a combine node");
    }
}

static int children_done(void *arg)
{
    pel__ftask *t = arg;
    /* acquire: pairs with the children's acq_rel decrements. */
    return atomic_load_explicit(&t->parts, memory_order_acquire) == 1;
}

static int wait_children(pel_flow *f, pel__ftask *t)
{
    if (t->child_trackers) pel__track_close_child_reductions(f, pel__flow_slot(f), t);
    pel__flow_help_until(f, children_done, t, &t->waiter);
    /* relaxed: set before the children's releases we acquired. */
    return atomic_load_explicit(&t->dep_failed, memory_order_relaxed) ? t->fail_error : PEL_OK;
}

PEL_EXPORT int pel_flow_wait(pel_flow *f)
{
    if (!flow_valid(f)) return PEL_EINVAL;
    pel__ftask *cur = pel__tls_ftask;
    if (cur && cur->flow == f) return wait_children(f, cur);
    if (f->nacquired > 0) return PEL_EBUSY;
    pel__tls_serving = f;
    close_root_reductions(f, pel__flow_slot(f));
    int token = pel__tracing() ? pel__trace_wait_begin(PEL__TW_FLOW, pel__flow_trace_id(f)) : 0;
    pel__flow_wait_pending(f, 0);
    if (token) pel__trace_wait_end(token);
    pthread_mutex_lock(&f->fail_lock);
    int rc = f->failure.error;
    memset(&f->failure, 0, sizeof(f->failure));
    pthread_mutex_unlock(&f->fail_lock);
    atomic_store_explicit(&f->skipped, 0, memory_order_relaxed);
    return rc;
}

PEL_EXPORT int pel_flow_failure(pel_flow *f, pel_failure *out)
{
    if (!flow_valid(f) || !out) return PEL_EINVAL;
    pthread_mutex_lock(&f->fail_lock);
    *out = f->failure;
    pthread_mutex_unlock(&f->fail_lock);
    out->skipped = atomic_load_explicit(&f->skipped, memory_order_relaxed);
    return PEL_OK;
}

PEL_EXPORT int pel_flow_destroy(pel_flow *f)
{
    if (!flow_valid(f)) return PEL_EINVAL;
    pel__ftask *cur = pel__tls_ftask;
    if (cur && cur->flow == f) return PEL_EDEADLK;
    if (f->nacquired > 0) return PEL_EBUSY;
    pel__tls_serving = f;
    close_root_reductions(f, pel__flow_slot(f));
    pel__flow_wait_pending(f, 0);
    /* Finishers may still be leaving pel__flow_count_finish. acquire: pairs with their
     * release of busy. */
    for (int i = 0; i < f->nslots; i++)
        while (atomic_load_explicit(&f->slots[i].busy, memory_order_acquire)) sched_yield();
    /* Priority tokens whose entry another thread took may still sit in deques. acquire:
     * pairs with their release decrement. */
    while (atomic_load_explicit(&f->tokens, memory_order_acquire) > 0) sched_yield();
    f->magic = 0;
    pel__flow_list_remove(f);
    if (pel__tls_serving == f) pel__tls_serving = NULL;
    pel__handles_destroy(f);
    pel_runtime *rt = f->rt;
    if (f->ext_deque) ext_deque_give(rt, f->ext_slot);
    pel__graph_destroy(f);
    pel__fpool_destroy(f);
    free(f->heap);
    free(f->heap_key);
    pthread_mutex_destroy(&f->fail_lock);
    pthread_mutex_destroy(&f->heap_lock);
    pthread_mutex_destroy(&f->handle_lock);
    free(f->slots);
    free(f);
    /* release: pairs with the acquire in pel_runtime_destroy. */
    atomic_fetch_sub_explicit(&rt->live_flows, 1, memory_order_release);
    return PEL_OK;
}
