/* sort_internal.h — pieces shared by the serial and parallel sorts (src/loop/sort*.c).
 *
 * Elements are opaque blocks of `size` bytes compared by a user function, so every move
 * goes through the helpers below. They switch on the size: the common sizes (4, 8 and
 * 16 bytes) become single loads and stores, anything else a memcpy. The switch costs a
 * perfectly predicted branch, which is nothing next to the indirect comparator call.
 */
#ifndef PEL_SORT_INTERNAL_H
#define PEL_SORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pel/loop.h"

/* Elements up to this size are copied into an aligned stack buffer where an algorithm
 * needs a temporary (insertion sort); larger ones are moved by swaps instead. */
#define PEL_SORT_TMP_MAX 128

/* For kernels instantiated once per common element size: inlined with a constant
 * size, their moves become plain loads and stores and their index arithmetic shifts. */
#if defined(__GNUC__) || defined(__clang__)
#define SORT_SPECIALISE static inline __attribute__((always_inline))
#else
#define SORT_SPECIALISE static inline
#endif

/* Runs of at most this many elements are insertion-sorted by the merge sort (so a
 * stable sort this short needs no buffer). */
#define PEL_SORT_RUN 16

/* What a sort needs to know about its elements. */
typedef struct pel__sorter {
    size_t size;    /* bytes per element, > 0 */
    pel_cmp_fn cmp; /* qsort_r-style comparator */
    void *ctx;      /* passed through to cmp */
} pel__sorter;

/* sort_less: 1 when a sorts strictly before b. */
static inline int sort_less(const pel__sorter *s, const void *a, const void *b)
{
    return s->cmp(a, b, s->ctx) < 0;
}

/* sort_copy: copy one element; dst and src must not overlap. */
static inline void sort_copy(void *dst, const void *src, size_t size)
{
    switch (size) {
    case 4: memcpy(dst, src, 4); break;
    case 8: memcpy(dst, src, 8); break;
    case 16: memcpy(dst, src, 16); break;
    default: memcpy(dst, src, size); break;
    }
}

/* sort_swap_bytes: exchange two non-overlapping blocks of `bytes` bytes. */
static inline void sort_swap_bytes(unsigned char *a, unsigned char *b, size_t bytes)
{
    unsigned char tmp[64];
    while (bytes >= sizeof tmp) {
        memcpy(tmp, a, sizeof tmp);
        memcpy(a, b, sizeof tmp);
        memcpy(b, tmp, sizeof tmp);
        a += sizeof tmp, b += sizeof tmp, bytes -= sizeof tmp;
    }
    memcpy(tmp, a, bytes);
    memcpy(a, b, bytes);
    memcpy(b, tmp, bytes);
}

/* sort_swap: exchange two elements; a == b is allowed. */
static inline void sort_swap(void *a, void *b, size_t size)
{
    uint32_t x4, y4;
    uint64_t x8, y8;
    switch (size) {
    case 4:
        memcpy(&x4, a, 4), memcpy(&y4, b, 4);
        memcpy(a, &y4, 4), memcpy(b, &x4, 4);
        break;
    case 8:
        memcpy(&x8, a, 8), memcpy(&y8, b, 8);
        memcpy(a, &y8, 8), memcpy(b, &x8, 8);
        break;
    default:
        if (a != b) sort_swap_bytes(a, b, size);
        break;
    }
}

/* Serial unstable sort (sort_quick.c): pattern-defeating introsort. Sorts the `n`
 * elements at `base`. `leftmost` 0 promises that the element just before `base` exists
 * and is <= every element of the range (it was a pivot); it lets runs of equal keys be
 * skipped in one partition. `budget` is how many badly unbalanced partitions are allowed
 * before the range is finished with heapsort (which keeps the worst case O(n log n)). */
void pel__sort_quick(char *base, size_t n, const pel__sorter *s, int budget, int leftmost);

/* The initial bad-partition budget for a range of n elements: about log2(n). */
int pel__sort_budget(size_t n);

/* Move a good pivot for the n >= 8 elements at `base` to base[0]: the median of 3 for
 * small ranges, a pseudo-median of 9 for larger ones, the median of a sorted sample of
 * `sample` elements when sample >= 3 (used by the parallel sort at its top levels). */
void pel__sort_choose_pivot(char *base, size_t n, size_t sample, const pel__sorter *s);

/* Partition the n elements at `lo` around *pivot (which lies outside the range):
 * afterwards the first k elements "go left" and the rest do not; returns k. With
 * le == 0 an element goes left when it is < pivot, with le == 1 when it is <= pivot. */
size_t pel__sort_partition(char *lo, size_t n, const char *pivot, const pel__sorter *s,
                           int le);

/* Merging (sort_merge.c). pel__sort_merge writes the stable merge of the sorted runs
 * a[0..na) and b[0..nb) (on ties, a's elements first) to out, which overlaps neither. */
void pel__sort_merge(const char *a, size_t na, const char *b, size_t nb, char *out,
                     const pel__sorter *s);

/* pel__sort_corank: how many of the first k elements of that stable merge come from a
 * (0 <= k <= na + nb). The rest, k minus that, come from b. */
size_t pel__sort_corank(size_t k, const char *a, size_t na, const char *b, size_t nb,
                        const pel__sorter *s);

/* pel__sort_stable_serial: stable merge sort of the n elements at `a`, using `b` (room
 * for n elements) as scratch. The result ends in b when to_b is 1, in a when 0. */
void pel__sort_stable_serial(char *a, char *b, size_t n, int to_b, const pel__sorter *s);

/* Insertion sort of n elements; stable. Used for short runs by both sorts. */
void pel__sort_insertion(char *base, size_t n, const pel__sorter *s);

/* 1 when the n elements at base are already in order (non-decreasing). */
int pel__sort_is_sorted(const char *base, size_t n, const pel__sorter *s);

#endif /* PEL_SORT_INTERNAL_H */
