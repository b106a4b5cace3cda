/* test_deque_stress.c — the Chase-Lev deque alone: single-thread semantics, then one
 * owner against N thieves (N = 1, 3, 7).
 *
 * Every item is a tagged pointer to one element of a big array; whoever takes an item
 * counts it on that element, so at the end each element must have been taken exactly
 * once: an item lost or taken twice is caught. Items are pushed in increasing order, so
 * the deque always holds an increasing run from top to bottom; steals therefore take
 * items in increasing order (checked per thief) and a pop returns the newest item.
 * Push bursts of thousands start from the initial capacity (256), so the array grows
 * while thieves are stealing from it.
 */
// pel-test: workers=1
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "check.h"
#include "core/deque.h"
#include "pel/error.h"

/* One element per item. Elements are 8-byte aligned, so the low 3 bits of a pointer to
 * one are free for a tag (the element index modulo 8) that thieves verify. */
typedef struct element {
    _Atomic unsigned taken;
    unsigned pad;
} element;

static element *elements;
static size_t num_elements;

static void *item_of(size_t i)
{
    return (void *)((uintptr_t)&elements[i] | (uintptr_t)(i & 7));
}

/* The index of `item`, after checking that it is a well-formed item. */
static size_t index_of(void *item)
{
    CHECK(item != PEL__DEQUE_EMPTY && item != PEL__DEQUE_ABORT);
    uintptr_t p = (uintptr_t)item & ~(uintptr_t)7;
    CHECK(p >= (uintptr_t)elements && p < (uintptr_t)(elements + num_elements));
    CHECK_EQ((p - (uintptr_t)elements) % sizeof(element), 0);
    size_t i = (p - (uintptr_t)elements) / sizeof(element);
    CHECK_EQ((uintptr_t)item & 7, i & 7);
    return i;
}

static void take(void *item)
{
    size_t i = index_of(item);
    unsigned before = atomic_fetch_add_explicit(&elements[i].taken, 1, memory_order_relaxed);
    if (before != 0) CHECK_FAIL_("item %zu taken twice", i);
}

static void elements_reset(size_t n)
{
    free(elements);
    elements = calloc(n, sizeof(element));
    CHECK(elements != NULL);
    num_elements = n;
}

/* ---- single thread ---------------------------------------------------------------- */

static void test_empty(void)
{
    pel__deque d;
    CHECK_OK(pel__deque_init(&d));
    CHECK(pel__deque_pop(&d) == NULL);
    CHECK(pel__deque_steal(&d) == PEL__DEQUE_EMPTY);
    CHECK_EQ(pel__deque_size_estimate(&d), 0);
    /* Empty again after one item went either way. */
    CHECK_OK(pel__deque_push(&d, item_of(3)));
    CHECK_EQ(pel__deque_size_estimate(&d), 1);
    CHECK(pel__deque_pop(&d) == item_of(3));
    CHECK(pel__deque_pop(&d) == NULL);
    CHECK(pel__deque_steal(&d) == PEL__DEQUE_EMPTY);
    CHECK_OK(pel__deque_push(&d, item_of(4)));
    CHECK(pel__deque_steal(&d) == item_of(4));
    CHECK(pel__deque_steal(&d) == PEL__DEQUE_EMPTY);
    CHECK(pel__deque_pop(&d) == NULL);
    CHECK_EQ(pel__deque_size_estimate(&d), 0);
    pel__deque_destroy(&d);
}

static void test_lifo_fifo(void)
{
    pel__deque d;
    CHECK_OK(pel__deque_init(&d));
    for (size_t i = 0; i < 8; i++) CHECK_OK(pel__deque_push(&d, item_of(i)));
    CHECK_EQ(pel__deque_size_estimate(&d), 8);
    CHECK(pel__deque_pop(&d) == item_of(7));   /* owner: newest first */
    CHECK(pel__deque_pop(&d) == item_of(6));
    CHECK(pel__deque_steal(&d) == item_of(0)); /* thief: oldest first */
    CHECK(pel__deque_steal(&d) == item_of(1));
    CHECK_EQ(pel__deque_size_estimate(&d), 4);
    CHECK_OK(pel__deque_push(&d, item_of(8)));
    CHECK(pel__deque_pop(&d) == item_of(8));
    CHECK(pel__deque_steal(&d) == item_of(2));
    CHECK(pel__deque_pop(&d) == item_of(5));
    CHECK(pel__deque_pop(&d) == item_of(4));
    CHECK(pel__deque_pop(&d) == item_of(3));
    CHECK(pel__deque_pop(&d) == NULL);
    CHECK(pel__deque_steal(&d) == PEL__DEQUE_EMPTY);
    pel__deque_destroy(&d);
}

/* Growth: far more items than the initial capacity, with the window [top, bottom)
 * wrapped around the circular array before each growth. */
static void test_growth_single(void)
{
    pel__deque d;
    CHECK_OK(pel__deque_init(&d));
    size_t next_push = 0, next_steal = 0;
    /* Shift the window so that it wraps: push and steal 200 items first. */
    for (; next_push < 200; next_push++) CHECK_OK(pel__deque_push(&d, item_of(next_push)));
    for (; next_steal < 200; next_steal++) CHECK(pel__deque_steal(&d) == item_of(next_steal));
    for (; next_push < 70000; next_push++) CHECK_OK(pel__deque_push(&d, item_of(next_push)));
    CHECK_EQ(pel__deque_size_estimate(&d), 70000 - 200);
    /* Half from each end. */
    for (size_t k = 0; k < 20000; k++) CHECK(pel__deque_steal(&d) == item_of(next_steal++));
    for (size_t k = 0; k < 20000; k++) CHECK(pel__deque_pop(&d) == item_of(--next_push));
    CHECK_EQ(pel__deque_size_estimate(&d), (int64_t)(next_push - next_steal));
    while (next_steal < next_push) CHECK(pel__deque_steal(&d) == item_of(next_steal++));
    CHECK(pel__deque_steal(&d) == PEL__DEQUE_EMPTY);
    CHECK(pel__deque_pop(&d) == NULL);
    pel__deque_destroy(&d);
}

/* ---- one owner, N thieves ------------------------------------------------------------ */

typedef struct stress {
    pel__deque deque;
    _Atomic bool owner_done;   /* the owner has pushed everything and emptied its end */
    _Atomic long steals;       /* items taken by thieves */
    _Atomic long aborts;       /* steals that lost a race */
    _Atomic int thieves_ready;
} stress;

static void *thief_main(void *arg)
{
    stress *s = arg;
    long stolen = 0, aborted = 0;
    size_t last = 0;
    bool any = false;
    atomic_fetch_add_explicit(&s->thieves_ready, 1, memory_order_relaxed);
    for (unsigned empty_streak = 0;;) {
        void *item = pel__deque_steal(&s->deque);
        if (item == PEL__DEQUE_ABORT) {
            aborted++;
            continue;
        }
        if (item == PEL__DEQUE_EMPTY) {
            /* acquire: pairs with the owner's release store of owner_done, after which
             * the deque stays empty for good. */
            if (atomic_load_explicit(&s->owner_done, memory_order_acquire)) {
                /* One more look: nothing may be left behind. */
                void *late = pel__deque_steal(&s->deque);
                CHECK(late == PEL__DEQUE_EMPTY);
                break;
            }
            if (++empty_streak % 64 == 0) sched_yield(); /* 2 cores, up to 8 threads */
            continue;
        }
        empty_streak = 0;
        size_t i = index_of(item);
        /* Steals take the oldest item, and items were pushed in increasing order. */
        if (any && i <= last) CHECK_FAIL_("thief stole %zu after %zu", i, last);
        last = i;
        any = true;
        take(item);
        stolen++;
    }
    atomic_fetch_add_explicit(&s->steals, stolen, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->aborts, aborted, memory_order_relaxed);
    return NULL;
}

/* The owner: bursts of pushes (sizes up to several thousand, so the array grows under
 * the thieves), each followed by a burst of pops. Returns the number of pops that
 * returned an item. */
static long owner_run(stress *s, uint64_t *rng)
{
    long popped = 0;
    size_t next = 0;
    while (next < num_elements) {
        uint64_t r = test_rand(rng);
        size_t burst = (r & 7) == 0 ? 1000 + (size_t)(r >> 8) % 8000 : 1 + (size_t)(r >> 8) % 300;
        if (burst > num_elements - next) burst = num_elements - next;
        for (size_t k = 0; k < burst; k++, next++)
            CHECK_OK(pel__deque_push(&s->deque, item_of(next)));
        size_t pops = (size_t)(test_rand(rng) % (burst + burst / 2 + 1));
        size_t newest = next; /* pops return items below `newest`, newest first */
        for (size_t k = 0; k < pops; k++) {
            void *item = pel__deque_pop(&s->deque);
            if (!item) break;
            size_t i = index_of(item);
            if (i >= newest) CHECK_FAIL_("pop returned %zu, not below %zu", i, newest);
            newest = i;
            take(item);
            popped++;
        }
    }
    for (void *item; (item = pel__deque_pop(&s->deque)) != NULL; popped++) take(item);
    return popped;
}

static void stress_run(int thieves, size_t items, uint64_t seed)
{
    elements_reset(items);
    stress s;
    CHECK_OK(pel__deque_init(&s.deque));
    atomic_init(&s.owner_done, false);
    atomic_init(&s.steals, 0);
    atomic_init(&s.aborts, 0);
    atomic_init(&s.thieves_ready, 0);
    pthread_t tid[8];
    for (int t = 0; t < thieves; t++) CHECK_EQ(pthread_create(&tid[t], NULL, thief_main, &s), 0);
    while (atomic_load_explicit(&s.thieves_ready, memory_order_relaxed) < thieves) sched_yield();

    uint64_t rng = seed;
    long popped = owner_run(&s, &rng);
    /* release: pairs with the thieves' acquire load; the deque is empty from here on. */
    atomic_store_explicit(&s.owner_done, true, memory_order_release);
    for (int t = 0; t < thieves; t++) CHECK_EQ(pthread_join(tid[t], NULL), 0);

    long stolen = atomic_load_explicit(&s.steals, memory_order_relaxed);
    for (size_t i = 0; i < items; i++) {
        unsigned n = atomic_load_explicit(&elements[i].taken, memory_order_relaxed);
        if (n != 1) CHECK_FAIL_("thieves=%d: item %zu taken %u times", thieves, i, n);
    }
    CHECK_EQ(popped + stolen, (long)items);
    CHECK_EQ(pel__deque_size_estimate(&s.deque), 0);
    printf("thieves %d: %zu items (%ld popped, %ld stolen, %ld lost races)\n", thieves, items,
           popped, stolen, (long)atomic_load_explicit(&s.aborts, memory_order_relaxed));
    pel__deque_destroy(&s.deque);
}

/* Thieves race for the last item against a owner that keeps pushing and popping just one
 * or two items: the contested case of the algorithm, many times over. */
static void stress_last_item(int thieves, size_t items)
{
    elements_reset(items);
    stress s;
    CHECK_OK(pel__deque_init(&s.deque));
    atomic_init(&s.owner_done, false);
    atomic_init(&s.steals, 0);
    atomic_init(&s.aborts, 0);
    atomic_init(&s.thieves_ready, 0);
    pthread_t tid[8];
    for (int t = 0; t < thieves; t++) CHECK_EQ(pthread_create(&tid[t], NULL, thief_main, &s), 0);
    while (atomic_load_explicit(&s.thieves_ready, memory_order_relaxed) < thieves) sched_yield();
    long popped = 0;
    for (size_t i = 0; i < items; i++) {
        CHECK_OK(pel__deque_push(&s.deque, item_of(i)));
        if (i % 2 == 1) {
            for (int k = 0; k < 2; k++) {
                void *item = pel__deque_pop(&s.deque);
                if (item) {
                    take(item);
                    popped++;
                }
            }
        }
    }
    for (void *item; (item = pel__deque_pop(&s.deque)) != NULL; popped++) take(item);
    atomic_store_explicit(&s.owner_done, true, memory_order_release);
    for (int t = 0; t < thieves; t++) CHECK_EQ(pthread_join(tid[t], NULL), 0);
    for (size_t i = 0; i < items; i++) {
        unsigned n = atomic_load_explicit(&elements[i].taken, memory_order_relaxed);
        if (n != 1) CHECK_FAIL_("thieves=%d: item %zu taken %u times", thieves, i, n);
    }
    CHECK_EQ(popped + atomic_load_explicit(&s.steals, memory_order_relaxed), (long)items);
    pel__deque_destroy(&s.deque);
}

int main(void)
{
    uint64_t seed = test_seed(0x5eedde9eull);
    elements_reset(100000);
    test_empty();
    test_lifo_fifo();
    test_growth_single();

    /* Each item is pushed once and taken once: 2 operations per item, plus every failed
     * steal. 2^19 items (the minimum) give more than 10^6 operations per thief count. */
    size_t items = (size_t)test_scaled(1L << 21, 1L << 19);
    const int thief_counts[] = {1, 3, 7};
    for (int k = 0; k < 3; k++) {
        stress_run(thief_counts[k], items, seed + (uint64_t)k);
        stress_last_item(thief_counts[k], items / 4);
    }
    free(elements);
    return 0;
}
