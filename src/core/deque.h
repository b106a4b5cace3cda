/* deque.h — the work-stealing deque of one worker (Chase-Lev, C11 orders of Lê et al.).
 *
 * The owner pushes and pops at the bottom; any thread may steal from the top. Items are
 * pointers (never NULL). The deque grows when full; it never shrinks, and retired arrays
 * are kept until the deque is destroyed because a thief may still be reading one.
 */
#ifndef PEL_CORE_DEQUE_H
#define PEL_CORE_DEQUE_H

#include <stdatomic.h>
#include <stdint.h>

#include "config.h"

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
/* Owner only: push `item` (not NULL) at the bottom. Returns 0 or PEL_ENOMEM (growing
 * failed; the deque is unchanged). */
int pel__deque_push(pel__deque *d, void *item);
/* Owner only: pop the most recently pushed item, or NULL when empty. */
void *pel__deque_pop(pel__deque *d);
/* Any thread: take the oldest item; PEL__DEQUE_EMPTY when empty, PEL__DEQUE_ABORT when it
 * lost a race (retry if you need certainty). */
void *pel__deque_steal(pel__deque *d);
/* Any thread: a racy estimate of the number of items (for heuristics only). */
int64_t pel__deque_size_estimate(const pel__deque *d);

#endif /* PEL_CORE_DEQUE_H */
