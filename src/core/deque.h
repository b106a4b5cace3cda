/* deque.h — the work-stealing deque of one worker (Chase-Lev, C11 orders of Lê et al.).
 *
 * The owner pushes and pops at the bottom; any thread may steal from the top. Items are
 * pointers (never NULL). The deque grows when full; it never shrinks, and retired arrays
 * are kept until the deque is destroyed because a thief may still be reading one.
 */
#ifndef PEL_CORE_DEQUE_H
#define PEL_CORE_DEQUE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Built with ThreadSanitizer? (gcc defines __SANITIZE_THREAD__, clang has the feature.) */
#if defined(__SANITIZE_THREAD__)
#define PEL_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PEL_TSAN 1
#endif
#endif
#ifndef PEL_TSAN
#define PEL_TSAN 0
#endif
#include "pel/error.h"

typedef struct pel__deque_array {
    int64_t capacity; /* a power of two */
    struct pel__deque_array *retired_next; /* older arrays, freed at destroy */
    _Atomic(void *) slot[];
} pel__deque_array;

typedef struct pel__deque {
    /* top is written by thieves (CAS) and read by the owner: its own line. */
    _Alignas(PEL_CACHE_LINE) _Atomic int64_t top;
    /* bottom and array are written only by the owner and read by thieves. */
    _Alignas(PEL_CACHE_LINE) _Atomic int64_t bottom;
    _Atomic(pel__deque_array *) array;
} pel__deque;

/* Result of a steal attempt that found nothing to return. */
#define PEL__DEQUE_EMPTY ((void *)0)
/* A steal lost a race with another thief or the owner: the deque may still hold items. */
#define PEL__DEQUE_ABORT ((void *)1)

/* Initialise an empty deque. Returns 0 or PEL_ENOMEM. */
int pel__deque_init(pel__deque *d);
/* Free the deque's arrays. No other thread may use it any more. */
void pel__deque_destroy(pel__deque *d);
/* Any thread: take the oldest item; PEL__DEQUE_EMPTY when empty, PEL__DEQUE_ABORT when it
 * lost a race (retry if you need certainty). */
void *pel__deque_steal(pel__deque *d);
/* Owner only, slow path of push: double the array, keeping items [top, bottom). Returns
 * the new array, or NULL when out of memory (the deque is unchanged). */
pel__deque_array *pel__deque_grow(pel__deque *d, pel__deque_array *old, int64_t top,
                                  int64_t bottom);

static inline _Atomic(void *) *pel__deque_slot(pel__deque_array *a, int64_t index)
{
    return &a->slot[index & (a->capacity - 1)];
}

/* Owner only: push `item` (not NULL, not PEL__DEQUE_ABORT) at the bottom. Returns 0, or
 * PEL_ENOMEM when growing failed (the deque is then unchanged). */
static inline int pel__deque_push(pel__deque *d, void *item)
{
    /* relaxed: only the owner writes bottom. */
    int64_t b = atomic_load_explicit(&d->bottom, memory_order_relaxed);
    /* acquire: pairs with the thieves' CAS on top, so the slot they emptied may be reused. */
    int64_t t = atomic_load_explicit(&d->top, memory_order_acquire);
    /* relaxed: only the owner writes array. */
    pel__deque_array *a = atomic_load_explicit(&d->array, memory_order_relaxed);
    if (b - t > a->capacity - 1) {
        a = pel__deque_grow(d, a, t, b);
        if (!a) return PEL_ENOMEM;
    }
    /* relaxed: published by the release store of bottom just below. */
    atomic_store_explicit(pel__deque_slot(a, b), item, memory_order_relaxed);
    /* release: pairs with the acquire load of bottom in steal; makes the slot and
     * everything the owner wrote into the item visible to the thief that takes it. */
    atomic_store_explicit(&d->bottom, b + 1, memory_order_release);
    return PEL_OK;
}

/* Owner only: pop the most recently pushed item, or NULL when empty. */
static inline void *pel__deque_pop(pel__deque *d)
{
    /* relaxed: only the owner writes bottom and array. */
    int64_t b = atomic_load_explicit(&d->bottom, memory_order_relaxed) - 1;
    pel__deque_array *a = atomic_load_explicit(&d->array, memory_order_relaxed);
#if PEL_TSAN
    /* ThreadSanitizer does not model fences: seq_cst accesses give the same store-load
     * ordering, in a form it understands. */
    atomic_store_explicit(&d->bottom, b, memory_order_seq_cst);
    int64_t t = atomic_load_explicit(&d->top, memory_order_seq_cst);
#else
    atomic_store_explicit(&d->bottom, b, memory_order_relaxed);
    /* seq_cst fence: orders the store of bottom before the load of top; pairs with the
     * fence in steal (between its loads of top and bottom). */
    atomic_thread_fence(memory_order_seq_cst);
    int64_t t = atomic_load_explicit(&d->top, memory_order_relaxed);
#endif
    void *item = NULL;
    if (t <= b) {
        /* relaxed: the owner wrote this slot itself. */
        item = atomic_load_explicit(pel__deque_slot(a, b), memory_order_relaxed);
        if (t == b) {
            /* Last item: race thieves for it. seq_cst on success so the claim is ordered
             * with the thieves' CASes; relaxed on failure (nothing was read). */
            if (!atomic_compare_exchange_strong_explicit(&d->top, &t, t + 1,
                                                         memory_order_seq_cst,
                                                         memory_order_relaxed))
                item = NULL;
            /* relaxed: restores the empty state; only the owner writes bottom. */
            atomic_store_explicit(&d->bottom, b + 1, memory_order_relaxed);
        }
    } else {
        /* Empty: undo the decrement. relaxed as above. */
        atomic_store_explicit(&d->bottom, b + 1, memory_order_relaxed);
    }
    return item;
}

/* Any thread: a racy estimate of the number of items (for heuristics only). */
int64_t pel__deque_size_estimate(const pel__deque *d);

#endif /* PEL_CORE_DEQUE_H */
