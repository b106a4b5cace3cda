/* sort_quick.c — the serial unstable sort: a pattern-defeating introsort.
 *
 * Quicksort with the pivot kept at the front of its range, so no element is ever copied
 * out (any element size works without a temporary). Partitioning is block-based
 * (Edelkamp & Weiß, "BlockQuicksort", ESA 2016): a block of comparisons only records
 * the offsets of misplaced elements, then the misplaced pairs are swapped. The outcome
 * of a comparison is used as data, never as a branch, so random input costs no branch
 * mispredictions; that matters here because every comparison is already an indirect
 * call. From pdqsort (Peters, 2021) come two guards: a range whose pivot equals the
 * pivot just before it holds a run of equal keys, which one "<=" partition removes (so
 * few distinct keys cost O(n log k)); and unbalanced partitions are counted, and once
 * about log2(n) of them have happened the range is finished by heapsort, which keeps
 * the worst case O(n log n). Short ranges use insertion sort.
 */
#include "loop/sort_internal.h"

/* Ranges of at most this many elements are insertion-sorted: with an indirect
 * comparator, insertion sort beats partitioning below about 16-24 elements. */
#define SORT_INSERTION_MAX 20

/* Elements classified per block while partitioning. Offsets are stored in bytes, so
 * at most 256; 64 keeps both offset buffers in one cache line each. */
#define SORT_BLOCK 64

/* Ranges of at least this many elements take a pseudo-median of 9 as their pivot. */
#define SORT_NINTHER_MIN 128

_Static_assert(SORT_BLOCK <= 256, "partition offsets are stored in unsigned char");
_Static_assert(SORT_INSERTION_MAX >= 8, "pivot selection needs a few elements");

#define AT(base, i, z) ((base) + (size_t)(i) * (z))

/* Insertion by adjacent swaps: for elements too large for a stack temporary. */
static void insertion_by_swaps(char *base, size_t n, const pel__sorter *s)
{
    size_t z = s->size;
    for (size_t i = 1; i < n; i++)
        for (char *p = AT(base, i, z); p > base && sort_less(s, p, p - z); p -= z)
            sort_swap(p, p - z, z);
}

void pel__sort_insertion(char *base, size_t n, const pel__sorter *s)
{
    size_t z = s->size;
    if (z > PEL_SORT_TMP_MAX) {
        insertion_by_swaps(base, n, s);
        return;
    }
    /* Aligned for any element type, since the comparator sees the copy. */
    _Alignas(64) unsigned char tmp[PEL_SORT_TMP_MAX];
    for (size_t i = 1; i < n; i++) {
        char *p = AT(base, i, z);
        if (!sort_less(s, p, p - z)) continue;
        sort_copy(tmp, p, z);
        do {
            sort_copy(p, p - z, z);
            p -= z;
        } while (p > base && sort_less(s, tmp, p - z));
        sort_copy(p, tmp, z);
    }
}

int pel__sort_is_sorted(const char *base, size_t n, const pel__sorter *s)
{
    size_t z = s->size;
    for (size_t i = 1; i < n; i++)
        if (sort_less(s, AT(base, i, z), AT(base, i - 1, z))) return 0;
    return 1;
}

int pel__sort_budget(size_t n)
{
    int log2n = 0;
    while (n > 1) n >>= 1, log2n++;
    return log2n;
}

/* Order *a, *b, *c so that *b is their median (and *a <= *b <= *c). */
static void sort3(char *a, char *b, char *c, const pel__sorter *s)
{
    if (sort_less(s, b, a)) sort_swap(a, b, s->size);
    if (sort_less(s, c, b)) {
        sort_swap(b, c, s->size);
        if (sort_less(s, b, a)) sort_swap(a, b, s->size);
    }
}

/* Gather `sample` elements spread evenly over the range at its front, sort them, and
 * move their median to base[0]. Requires n >= 2 * sample. */
static void pivot_from_sample(char *base, size_t n, size_t sample, const pel__sorter *s)
{
    size_t z = s->size, step = n / sample;
    /* Position i*step > i for i >= 1, so no sampled element is moved twice. */
    for (size_t i = 1; i < sample; i++) sort_swap(AT(base, i, z), AT(base, i * step, z), z);
    pel__sort_quick(base, sample, s, pel__sort_budget(sample), 1);
    sort_swap(base, AT(base, sample / 2, z), z);
}

void pel__sort_choose_pivot(char *base, size_t n, size_t sample, const pel__sorter *s)
{
    size_t z = s->size, mid = n / 2;
    if (sample >= 3 && n >= 2 * sample) {
        pivot_from_sample(base, n, sample, s);
        return;
    }
    if (n >= SORT_NINTHER_MIN) {
        sort3(base, AT(base, mid, z), AT(base, n - 1, z), s);
        sort3(AT(base, 1, z), AT(base, mid - 1, z), AT(base, n - 2, z), s);
        sort3(AT(base, 2, z), AT(base, mid + 1, z), AT(base, n - 3, z), s);
        sort3(AT(base, mid - 1, z), AT(base, mid, z), AT(base, mid + 1, z), s);
    } else {
        sort3(base, AT(base, mid, z), AT(base, n - 1, z), s);
    }
    sort_swap(base, AT(base, mid, z), z);
}

/* Whether element e belongs on the left of the partition. */
static inline int goes_left(const pel__sorter *s, const char *e, const char *pivot, int le)
{
    return le ? !sort_less(s, pivot, e) : sort_less(s, e, pivot);
}

/* Classify the cnt elements from p upwards; record the offsets of those that do not
 * go left. The count advances by the comparison's result: no branch on it. */
static size_t scan_left(const char *p, size_t cnt, const char *pivot, const pel__sorter *s,
                        int le, unsigned char *off)
{
    size_t k = 0, z = s->size;
    for (size_t i = 0; i < cnt; i++) {
        off[k] = (unsigned char)i;
        k += !goes_left(s, AT(p, i, z), pivot, le);
    }
    return k;
}

/* Classify the cnt elements below `end` (end[-1], end[-2], ...); record the offsets of
 * those that go left. */
static size_t scan_right(const char *end, size_t cnt, const char *pivot,
                         const pel__sorter *s, int le, unsigned char *off)
{
    size_t k = 0, z = s->size;
    for (size_t i = 0; i < cnt; i++) {
        off[k] = (unsigned char)i;
        k += goes_left(s, end - (i + 1) * z, pivot, le);
    }
    return k;
}

/* Swap k misplaced pairs: the left block's offl[i]-th with the right block's offr[i]-th. */
static void swap_pairs(char *l, const unsigned char *offl, char *r,
                       const unsigned char *offr, size_t k, size_t z)
{
    for (size_t i = 0; i < k; i++) sort_swap(AT(l, offl[i], z), r - (offr[i] + 1u) * z, z);
}
