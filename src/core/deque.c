/* deque.c — Chase-Lev work-stealing deque with the C11 memory orders of Lê et al.
 *
 * Big theory.
 *   D. Chase and Y. Lev, "Dynamic Circular Work-Stealing Deque", SPAA 2005, and
 *   N. M. Lê, A. Pop, A. Cohen, F. Zappa Nardelli, "Correct and Efficient Work-Stealing
 *   for Weak Memory Models", PPoPP 2013 (figure 1), whose orders are used here verbatim
 *   except where noted.
 *
 *   Items live at logical indices [top, bottom) of a circular array. The owner pushes at
 *   bottom and pops from bottom; thieves take from top by CAS. The only contested item is
 *   the last one (top == bottom - 1): owner and thief then both CAS top, and exactly one
 *   wins. The owner's pop announces its claim by decrementing bottom *before* reading top,
 *   and a thief reads top *before* bottom; the two seq_cst fences order these (a
 *   store-buffer pattern), so at least one of the two sees the other's claim: an item is
 *   never taken twice, and never lost.
 *
 *   Growth: a push that finds the array full copies [top, bottom) into an array twice the
 *   size and publishes it with a release store. A thief that still holds the old array
 *   reads the same item from it: a slot of the old array is only overwritten by a push at
 *   index top + capacity, which cannot happen while `top` is unchanged, and a thief's CAS
 *   on top fails if top changed. Old arrays are therefore kept (on a retired list) until
 *   the deque is destroyed; the total retired memory is less than the live array's.
 *
 *   Under ThreadSanitizer, which cannot model fences, the two fences are replaced by
 *   seq_cst accesses to top and bottom, which order the same store-load pairs.
 *
 *   Change from the paper: push publishes bottom with a release *store* instead of a
 *   release fence followed by a relaxed store. It is at least as strong, compiles to the
 *   same code on x86, and lets ThreadSanitizer (which does not model fences) see that a
 *   task's fields, written before the push, happen before a thief reads them.
 */
#include "core/deque.h"

#include <stdlib.h>

#include "pel/error.h"

static pel__deque_array *array_new(int64_t capacity)
{
    pel__deque_array *a = malloc(sizeof(*a) + (size_t)capacity * sizeof(a->slot[0]));
    if (!a) return NULL;
    a->capacity = capacity;
    a->retired_next = NULL;
    for (int64_t i = 0; i < capacity; i++) atomic_init(&a->slot[i], NULL);
    return a;
}

int pel__deque_init(pel__deque *d)
{
    pel__deque_array *a = array_new(PEL_DEQUE_INITIAL_CAPACITY);
    if (!a) return PEL_ENOMEM;
    atomic_init(&d->top, 0);
    atomic_init(&d->bottom, 0);
    atomic_init(&d->array, a);
    return PEL_OK;
}

void pel__deque_destroy(pel__deque *d)
{
    /* relaxed: no other thread uses the deque any more (caller's contract). */
    pel__deque_array *a = atomic_load_explicit(&d->array, memory_order_relaxed);
    while (a) {
        pel__deque_array *next = a->retired_next;
        free(a);
        a = next;
    }
    atomic_store_explicit(&d->array, NULL, memory_order_relaxed);
}

pel__deque_array *pel__deque_grow(pel__deque *d, pel__deque_array *old, int64_t top,
                                  int64_t bottom)
{
    pel__deque_array *a = array_new(old->capacity * 2);
    if (!a) return NULL;
    for (int64_t i = top; i < bottom; i++)
        /* relaxed: the slots are published by the release store of `array` below. */
        atomic_store_explicit(pel__deque_slot(a, i), atomic_load_explicit(pel__deque_slot(old, i),
                              memory_order_relaxed), memory_order_relaxed);
    a->retired_next = old;
    /* release: pairs with the acquire load of `array` in steal, so a thief that sees the
     * new array also sees the slots copied into it. */
    atomic_store_explicit(&d->array, a, memory_order_release);
    return a;
}

void *pel__deque_steal(pel__deque *d)
{
#if PEL_TSAN
    /* ThreadSanitizer does not model fences: seq_cst loads give the same ordering (and
     * include the acquire pairings described below). */
    int64_t t = atomic_load_explicit(&d->top, memory_order_seq_cst);
    int64_t b = atomic_load_explicit(&d->bottom, memory_order_seq_cst);
#else
    /* acquire: pairs with the CAS of other thieves and of the owner's pop. */
    int64_t t = atomic_load_explicit(&d->top, memory_order_acquire);
    /* seq_cst fence: orders the load of top before the load of bottom; pairs with the
     * fence in pop. */
    atomic_thread_fence(memory_order_seq_cst);
    /* acquire: pairs with the release store of bottom in push (see there). */
    int64_t b = atomic_load_explicit(&d->bottom, memory_order_acquire);
#endif
    if (t >= b) return PEL__DEQUE_EMPTY;
    /* acquire (the paper's consume): pairs with the release store in deque_grow. */
    pel__deque_array *a = atomic_load_explicit(&d->array, memory_order_acquire);
    /* relaxed: the value is only used if the CAS below confirms that top did not move. */
    void *item = atomic_load_explicit(pel__deque_slot(a, t), memory_order_relaxed);
    /* seq_cst: the claim must be ordered with the owner's pop (see pop); relaxed on
     * failure since nothing is taken. */
    if (!atomic_compare_exchange_strong_explicit(&d->top, &t, t + 1, memory_order_seq_cst,
                                                 memory_order_relaxed))
        return PEL__DEQUE_ABORT;
    return item;
}

int64_t pel__deque_size_estimate(const pel__deque *d)
{
    /* relaxed: a heuristic; callers tolerate any stale value. */
    int64_t b = atomic_load_explicit(&((pel__deque *)d)->bottom, memory_order_relaxed);
    int64_t t = atomic_load_explicit(&((pel__deque *)d)->top, memory_order_relaxed);
    return b > t ? b - t : 0;
}
