/* pool.c — dataflow task records: per-thread free lists in front of a shared pool.
 *
 * The top-level submitter allocates most records and the workers free them, so records
 * flow one way. Each thread keeps a free list in its slot of the flow; a list that grows
 * past two batches gives one batch (a chain of PEL_FLOW_BATCH records) to the shared pool,
 * and an empty list takes one back, so the lock is taken once per batch, not per task.
 * Records are carved from slabs freed with the flow.
 */
#include <string.h>

#include "flow/flow_internal.h"
#include "trace/trace_internal.h"

typedef pel__fslab slab;

int pel__fpool_init(pel_flow *f)
{
    f->pool_batches = NULL;
    f->slabs = NULL;
    return pthread_mutex_init(&f->pool_lock, NULL) == 0 ? PEL_OK : PEL_ESYSTEM;
}

void pel__fpool_destroy(pel_flow *f)
{
    for (slab *s = f->slabs; s;) {
        slab *next = s->next;
        free(s);
        s = next;
    }
    f->slabs = NULL;
    pthread_mutex_destroy(&f->pool_lock);
}

/* A chain of PEL_FLOW_BATCH records linked by free_next: from the pool, or a new slab. */
static pel__ftask *take_batch(pel_flow *f)
{
    pthread_mutex_lock(&f->pool_lock);
    pel__ftask *chain = f->pool_batches;
    if (chain) {
        f->pool_batches = (pel__ftask *)chain->core.next;
        pthread_mutex_unlock(&f->pool_lock);
        return chain;
    }
    slab *s = aligned_alloc(PEL_CACHE_LINE, sizeof(slab));
    if (!s) {
        pthread_mutex_unlock(&f->pool_lock);
        return NULL;
    }
    s->next = f->slabs;
    for (int i = 0; i < PEL_FLOW_BATCH; i++) {
        s->records[i].free_next = i + 1 < PEL_FLOW_BATCH ? &s->records[i + 1] : NULL;
        /* Not live (pel_diagnose reads refs of every record of a slab). */
        atomic_init(&s->records[i].refs, 0);
        atomic_init(&s->records[i].succs, PEL__SEALED);
    }
    f->slabs = s; /* initialised before a diagnosis (under the lock) can see it */
    pthread_mutex_unlock(&f->pool_lock);
    return &s->records[0];
}

/* Available records of a slot: its list plus its spare batches. */
static inline long available(const pel__fslotcount *c)
{
    return c->free_count + (long)c->spare_batches * PEL_FLOW_BATCH;
}

int pel__ftask_reserve(pel_flow *f, int slot, int n)
{
    pel__fslotcount *c = &f->slots[slot];
    while (PEL_UNLIKELY(available(c) < n)) {
        pel__ftask *chain = take_batch(f);
        if (!chain) return PEL_ENOMEM;
        chain->core.next = (pel__task *)c->spare;
        c->spare = chain;
        c->spare_batches++;
    }
    return PEL_OK;
}

pel__ftask *pel__ftask_alloc(pel_flow *f, int slot)
{
    pel__fslotcount *c = &f->slots[slot];
    if (PEL_UNLIKELY(!c->free_list)) {
        if (pel__ftask_reserve(f, slot, 1) != PEL_OK) return NULL;
        c->free_list = c->spare;
        c->spare = (pel__ftask *)c->spare->core.next;
        c->spare_batches--;
        c->free_count = PEL_FLOW_BATCH;
    }
    pel__ftask *t = c->free_list;
    c->free_list = t->free_next;
    c->free_count--;
    return t;
}

void pel__ftask_free(pel_flow *f, int slot, pel__ftask *t)
{
    pel__fslotcount *c = &f->slots[slot];
    if (PEL_UNLIKELY(t->acc != t->inline_acc)) free(t->acc);
    if (PEL_UNLIKELY(t->child_trackers != NULL)) free(t->child_trackers);
    t->acc = t->inline_acc;
    t->child_trackers = NULL;
    t->free_next = c->free_list;
    c->free_list = t;
    if (PEL_LIKELY(++c->free_count < PEL_FLOW_BATCH)) return;
    /* A full batch: keep it as a spare; beyond two spares, give one to the pool. */
    pel__ftask *chain = c->free_list;
    c->free_list = NULL;
    c->free_count = 0;
    chain->core.next = (pel__task *)c->spare;
    c->spare = chain;
    if (++c->spare_batches <= 2) return;
    chain = c->spare;
    c->spare = (pel__ftask *)chain->core.next;
    c->spare_batches--;
    pthread_mutex_lock(&f->pool_lock);
    chain->core.next = (pel__task *)f->pool_batches;
    f->pool_batches = chain;
    pthread_mutex_unlock(&f->pool_lock);
}

void pel__ftask_unref(pel_flow *f, int slot, pel__ftask *t)
{
    /* acq_rel: the last reference's holder frees the record; release publishes this
     * holder's last accesses, acquire orders the free after every other holder's. */
    if (atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) == 1)
        pel__ftask_free(f, slot, t);
}

void pel__ftask_init(pel__ftask *t, pel_flow *f, pel__ftask *parent, int kind)
{
    t->core.fn = NULL;
    t->core.arg = NULL;
    t->core.group = NULL;
    t->core.flags = PEL__TASK_FLOW;
    t->flow = f;
    t->parent = parent;
    t->fn = NULL;
    t->arg = NULL;
    t->status_out = NULL;
    t->priority = 0;
    t->kind = (uint8_t)kind;
    t->counted = kind != PEL__K_ACQUIRE;
    t->commute_held = 0;
    t->child_trackers = NULL;
    atomic_init(&t->deps, PEL__DEPS_LINKING);
    atomic_init(&t->refs, 1);
    atomic_init(&t->parts, 1);
    atomic_init(&t->succs, NULL);
    atomic_init(&t->dep_failed, 0);
    atomic_init(&t->waiter, NULL);
    atomic_init(&t->acquire_ready, 0);
    t->fail_name = NULL;
    t->status = 0;
    if (pel__tracing()) pel__trace_flow_made(&t->core);
}

uint64_t pel__ftask_child_id(pel_flow *f)
{
    /* relaxed: a unique number is all that is needed. */
    return (1ull << 63) | atomic_fetch_add_explicit(&f->child_seq, 1, memory_order_relaxed);
}
