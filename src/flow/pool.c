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

typedef struct slab {
    struct slab *next;
    _Alignas(PEL_CACHE_LINE) pel__ftask records[PEL_FLOW_BATCH];
} slab;

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
    f->slabs = s;
    pthread_mutex_unlock(&f->pool_lock);
    for (int i = 0; i < PEL_FLOW_BATCH; i++)
        s->records[i].free_next = i + 1 < PEL_FLOW_BATCH ? &s->records[i + 1] : NULL;
    return &s->records[0];
}

pel__ftask *pel__ftask_alloc(pel_flow *f, int slot)
{
    pel__fslotcount *c = &f->slots[slot];
    pel__ftask *t = c->free_list;
    if (PEL_UNLIKELY(!t)) {
        if (pel__ftask_reserve(f, slot, 1) != PEL_OK) return NULL;
        t = c->free_list;
    }
    c->free_list = t->free_next;
    c->free_count--;
    return t;
}

int pel__ftask_reserve(pel_flow *f, int slot, int n)
{
    pel__fslotcount *c = &f->slots[slot];
    while (c->free_count < n) {
        pel__ftask *chain = take_batch(f);
        if (!chain) return PEL_ENOMEM;
        pel__ftask *last = chain;
        while (last->free_next) last = last->free_next;
        last->free_next = c->free_list;
        c->free_list = chain;
        c->free_count += PEL_FLOW_BATCH;
    }
    return PEL_OK;
}

void pel__ftask_free(pel_flow *f, int slot, pel__ftask *t)
{
    pel__fslotcount *c = &f->slots[slot];
    if (PEL_UNLIKELY(t->acc != t->inline_acc)) free(t->acc);
    if (PEL_UNLIKELY(t->child_trackers != NULL)) free(t->child_trackers);
    t->free_next = c->free_list;
    c->free_list = t;
    if (PEL_LIKELY(++c->free_count < 2 * PEL_FLOW_BATCH)) return;
    /* Give the first PEL_FLOW_BATCH records back as one chain. */
    pel__ftask *last = c->free_list;
    for (int i = 1; i < PEL_FLOW_BATCH; i++) last = last->free_next;
    pel__ftask *chain = c->free_list;
    c->free_list = last->free_next;
    c->free_count -= PEL_FLOW_BATCH;
    last->free_next = NULL;
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
