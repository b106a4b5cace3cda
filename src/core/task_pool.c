/* task_pool.c — task records: per-worker free lists backed by a shared pool of slabs.
 *
 * The spawn hot path takes a record from the worker's own free list and the run path
 * returns it there (internal.h), with no lock and no malloc. A record freed by another
 * worker than the one that allocated it simply joins that worker's list. Only when a
 * list runs dry (refill) or grows past PEL_TASK_FREE_MAX (spill) does a worker touch the
 * shared pool, under a mutex, moving records in batches. Slabs are freed when the
 * runtime is destroyed, so memory is bounded by the peak number of live tasks plus the
 * per-worker caps.
 */
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "pel/error.h"

typedef struct task_slab {
    struct task_slab *next;
    _Alignas(64) pel__task tasks[PEL_TASK_SLAB];
} task_slab;

/* Records moved from the shared pool to a worker per refill. */
enum { REFILL_BATCH = 64 };

int pel__pool_init(pel_runtime *rt)
{
    rt->pool_free = NULL;
    rt->pool_count = 0;
    rt->slabs = NULL;
    return pthread_mutex_init(&rt->pool_lock, NULL) == 0 ? PEL_OK : PEL_ESYSTEM;
}

void pel__pool_destroy(pel_runtime *rt)
{
    task_slab *s = rt->slabs;
    while (s) {
        task_slab *next = s->next;
        free(s);
        s = next;
    }
    rt->slabs = NULL;
    rt->pool_free = NULL;
    rt->pool_count = 0;
    pthread_mutex_destroy(&rt->pool_lock);
}

/* Caller holds pool_lock: add a new slab's records to the shared pool. */
static int pool_grow_locked(pel_runtime *rt)
{
    task_slab *s = aligned_alloc(PEL_CACHE_LINE, sizeof(task_slab) + PEL_CACHE_LINE -
                                 sizeof(task_slab) % PEL_CACHE_LINE);
    if (!s) return PEL_ENOMEM;
    memset(s, 0, sizeof(*s));
    s->next = rt->slabs;
    rt->slabs = s;
    for (int i = PEL_TASK_SLAB - 1; i >= 0; i--) {
        s->tasks[i].next = rt->pool_free;
        rt->pool_free = &s->tasks[i];
    }
    rt->pool_count += PEL_TASK_SLAB;
    return PEL_OK;
}

pel__task *pel__task_refill(pel__worker *w)
{
    pel_runtime *rt = w->rt;
    pthread_mutex_lock(&rt->pool_lock);
    if (!rt->pool_free && pool_grow_locked(rt) != PEL_OK) {
        pthread_mutex_unlock(&rt->pool_lock);
        return NULL;
    }
    pel__task *first = rt->pool_free;
    pel__task *last = first;
    int n = 1;
    while (n < REFILL_BATCH && last->next) {
        last = last->next;
        n++;
    }
    rt->pool_free = last->next;
    rt->pool_count -= n;
    pthread_mutex_unlock(&rt->pool_lock);
    last->next = w->free_list;
    w->free_list = first->next;
    w->free_count += n - 1;
    return first;
}

void pel__task_spill(pel__worker *w)
{
    int keep = w->free_count / 2;
    pel__task *last = w->free_list;
    for (int i = 1; i < keep; i++) last = last->next;
    pel__task *spilled = last->next;
    int nspilled = w->free_count - keep;
    last->next = NULL;
    w->free_count = keep;
    pel__task *tail = spilled;
    while (tail->next) tail = tail->next;
    pel_runtime *rt = w->rt;
    pthread_mutex_lock(&rt->pool_lock);
    tail->next = rt->pool_free;
    rt->pool_free = spilled;
    rt->pool_count += nspilled;
    pthread_mutex_unlock(&rt->pool_lock);
}

pel__task *pel__pool_take(pel_runtime *rt)
{
    pthread_mutex_lock(&rt->pool_lock);
    if (!rt->pool_free && pool_grow_locked(rt) != PEL_OK) {
        pthread_mutex_unlock(&rt->pool_lock);
        return NULL;
    }
    pel__task *t = rt->pool_free;
    rt->pool_free = t->next;
    rt->pool_count--;
    pthread_mutex_unlock(&rt->pool_lock);
    return t;
}

void pel__pool_give(pel_runtime *rt, pel__task *t)
{
    pthread_mutex_lock(&rt->pool_lock);
    t->next = rt->pool_free;
    rt->pool_free = t;
    rt->pool_count++;
    pthread_mutex_unlock(&rt->pool_lock);
}
