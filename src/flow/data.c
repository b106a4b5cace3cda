/* data.c — the handle table of a flow: register, name, reduction, unregister, and
 * acquire / release from the top-level thread.
 *
 * A handle value is (generation << 32) | (index + 1). Records live in chunks that never
 * move, and a freed record keeps its memory with an even generation, so a stale value is
 * always detected: its generation no longer matches.
 */
#include <string.h>

#include "flow/flow_internal.h"

/* Records before chunk c: PEL__HANDLE_CHUNK0 * (2^c - 1). */
static size_t records_before(size_t c)
{
    return (size_t)PEL__HANDLE_CHUNK0 * (((size_t)1 << c) - 1);
}

/* Record i: in chunk c = floor(log2(i / CHUNK0 + 1)), at i - records_before(c). */
static pel__handle *handle_at(pel_flow *f, size_t i)
{
    size_t q = i / PEL__HANDLE_CHUNK0 + 1;
    size_t c = (size_t)(63 - __builtin_clzll((unsigned long long)q));
    return &f->chunks[c][i - records_before(c)];
}

pel__handle *pel__handle_get(pel_flow *f, pel_data d)
{
    uint32_t index = (uint32_t)d, gen = (uint32_t)(d >> 32);
    if (PEL_UNLIKELY(index == 0 || !(gen & 1))) return NULL;
    index--;
    /* acquire: pairs with the release store in pel_data_register, so the chunk pointer
     * and the record's fields are seen initialised. Tasks read the table while the top
     * level registers more handles: the directory has a fixed size and chunks never
     * move, so nothing they read is ever reallocated. */
    if (PEL_UNLIKELY(index >= atomic_load_explicit(&f->nhandles, memory_order_acquire)))
        return NULL;
    pel__handle *h = handle_at(f, index);
    return h->gen == gen ? h : NULL;
}

static int handle_table_grow(pel_flow *f)
{
    size_t n = f->nchunks;
    if (n == PEL__HANDLE_DIR) return PEL_ENOMEM;
    /* (A fixed size of 1024 records, 256 KB, cost every flow 70-80 us of page faults at
     * its first registration on the VM: 0.3% of a tiled Cholesky factorization at
     * N=2048.) */
    pel__handle *chunk = calloc((size_t)PEL__HANDLE_CHUNK0 << n, sizeof(pel__handle));
    if (!chunk) return PEL_ENOMEM;
    f->chunks[n] = chunk;
    f->nchunks = n + 1;
    return PEL_OK;
}

static int top_level(pel_flow *f)
{
    pel__ftask *cur = pel__tls_ftask;
    return !cur || cur->flow != f;
}

PEL_EXPORT int pel_data_register(pel_flow *f, void *ptr, size_t size, pel_data *out)
{
    if (!f || f->magic != PEL__FLOW_MAGIC || !out || (!ptr && size > 0) || !top_level(f))
        return PEL_EINVAL;
    int fresh = 0;
    pthread_mutex_lock(&f->handle_lock);
    pel__handle *h = f->handle_free;
    if (h) {
        f->handle_free = h->free_next;
    } else {
        /* relaxed: only this thread (under the lock) writes nhandles. */
        size_t i = atomic_load_explicit(&f->nhandles, memory_order_relaxed);
        if (i == records_before(f->nchunks) && handle_table_grow(f) != PEL_OK) {
            pthread_mutex_unlock(&f->handle_lock);
            return PEL_ENOMEM;
        }
        h = handle_at(f, i);
        h->index = (uint32_t)i;
        fresh = 1;
    }
    pthread_mutex_unlock(&f->handle_lock);
    h->gen++; /* odd: registered */
    h->ptr = ptr;
    h->size = size;
    h->has_reduction = 0;
    memset(&h->root, 0, sizeof(h->root));
    h->root.h = h;
    h->acquirer = NULL;
    h->label[0] = '\0'; /* unnamed: graphs call it d<index> (graph.c) */
    h->free_next = NULL;
    /* release: publishes the record to tasks' acquire load in pel__handle_get. */
    if (fresh) atomic_fetch_add_explicit(&f->nhandles, 1, memory_order_release);
    *out = ((pel_data)h->gen << 32) | (h->index + 1);
    return PEL_OK;
}

PEL_EXPORT int pel_data_set_name(pel_flow *f, pel_data d, const char *name)
{
    if (!f || f->magic != PEL__FLOW_MAGIC || !name) return PEL_EINVAL;
    pel__handle *h = pel__handle_get(f, d);
    if (!h) return PEL_ESTALE;
    snprintf(h->label, sizeof(h->label), "%s", name);
    return PEL_OK;
}

PEL_EXPORT int pel_data_set_reduction(pel_flow *f, pel_data d, const pel_reduction *red)
{
    if (!f || f->magic != PEL__FLOW_MAGIC || !red || !red->init || !red->combine)
        return PEL_EINVAL;
    pel__handle *h = pel__handle_get(f, d);
    if (!h) return PEL_ESTALE;
    if (!h->ptr || h->size == 0) return PEL_EINVAL;
    h->red = *red;
    h->has_reduction = 1;
    return PEL_OK;
}

/* Submit an acquire node for h in `mode` at the top level and wait until it is ready. */
static int acquire_node(pel_flow *f, pel__handle *h, pel_mode mode, pel__ftask **out);

static int acquire_done(void *arg)
{
    pel__ftask *a = arg;
    /* acquire: pairs with the release store in pel__flow_ready. */
    return atomic_load_explicit(&a->acquire_ready, memory_order_acquire);
}

static int acquire_node(pel_flow *f, pel__handle *h, pel_mode mode, pel__ftask **out)
{
    pel__tls_serving = f;
    int slot = pel__flow_slot(f);
    if (h->root.group_kind == PEL__G_REDUCE &&
        pel__track_close_reduction(f, slot, &h->root, NULL) != PEL_OK)
        return PEL_ENOMEM;
    pel__ftask *a = pel__node_new(f, slot, PEL__K_ACQUIRE, NULL, h, h->ptr);
    if (!a) return PEL_ENOMEM;
    a->acc[0].mode = (uint8_t)mode;
    a->acquire_parker = pel__self_parker();
    int edges = pel__track_link(f, slot, &h->root, &a->acc[0]);
    pel__node_linked(f, a, edges);
    pel__flow_help_until(f, acquire_done, a, &a->waiter);
    *out = a;
    return PEL_OK;
}

PEL_EXPORT int pel_data_acquire(pel_flow *f, pel_data d, pel_mode mode, void **ptr)
{
    if (!f || f->magic != PEL__FLOW_MAGIC || !top_level(f)) return PEL_EINVAL;
    if (mode != PEL_READ && mode != PEL_WRITE && mode != PEL_READWRITE) return PEL_EINVAL;
    pel__handle *h = pel__handle_get(f, d);
    if (!h) return PEL_ESTALE;
    if (h->acquirer) return PEL_EBUSY;
    pel__ftask *a;
    int rc = acquire_node(f, h, mode, &a);
    if (rc != PEL_OK) return rc;
    h->acquirer = a;
    f->nacquired++;
    if (ptr) *ptr = h->ptr;
    /* relaxed: ordered by acquire_done's acquire load. */
    return atomic_load_explicit(&a->dep_failed, memory_order_relaxed) ? PEL_EDEPFAILED
                                                                      : PEL_OK;
}

PEL_EXPORT int pel_data_release(pel_flow *f, pel_data d)
{
    if (!f || f->magic != PEL__FLOW_MAGIC || !top_level(f)) return PEL_EINVAL;
    pel__handle *h = pel__handle_get(f, d);
    if (!h) return PEL_ESTALE;
    pel__ftask *a = h->acquirer;
    if (!a) return PEL_EINVAL;
    h->acquirer = NULL;
    f->nacquired--;
    pel__tls_serving = f;
    pel__flow_finish(f, a);
    return PEL_OK;
}

PEL_EXPORT int pel_data_unregister(pel_flow *f, pel_data d)
{
    if (!f || f->magic != PEL__FLOW_MAGIC || !top_level(f)) return PEL_EINVAL;
    pel__handle *h = pel__handle_get(f, d);
    if (!h) return PEL_ESTALE;
    if (h->acquirer) return PEL_EBUSY;
    /* Wait for every task that touches h: acquire it exclusively, then let go. */
    pel__ftask *a;
    int rc = acquire_node(f, h, PEL_READWRITE, &a);
    if (rc != PEL_OK) return rc;
    pel__flow_finish(f, a);
    int slot = pel__flow_slot(f);
    pel__track_clear(f, slot, &h->root);
    h->root.h = h;
    h->gen++; /* even: free */
    pthread_mutex_lock(&f->handle_lock);
    h->free_next = f->handle_free;
    f->handle_free = h;
    pthread_mutex_unlock(&f->handle_lock);
    return PEL_OK;
}

void pel__handles_destroy(pel_flow *f)
{
    int slot = f->nslots - 1;
    size_t n = atomic_load_explicit(&f->nhandles, memory_order_relaxed);
    for (size_t i = 0; i < n; i++) {
        pel__handle *h = handle_at(f, i);
        if (h->gen & 1) pel__track_clear(f, slot, &h->root);
    }
    for (size_t c = 0; c < f->nchunks; c++) free(f->chunks[c]);
    f->nchunks = 0;
    atomic_store_explicit(&f->nhandles, 0, memory_order_relaxed);
}
