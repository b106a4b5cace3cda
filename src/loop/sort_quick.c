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

/* Insertion through a hole: the element waits in an aligned stack copy (the comparator
 * sees it, so it must be aligned for any type) while larger ones shift up. */
SORT_SPECIALISE void insertion_sized(char *base, size_t n, pel_cmp_fn cmp, void *ctx,
                                     size_t z)
{
    _Alignas(64) unsigned char tmp[PEL_SORT_TMP_MAX];
    for (size_t i = 1; i < n; i++) {
        char *p = AT(base, i, z);
        if (cmp(p, p - z, ctx) >= 0) continue;
        sort_copy(tmp, p, z);
        do {
            sort_copy(p, p - z, z);
            p -= z;
        } while (p > base && cmp(tmp, p - z, ctx) < 0);
        sort_copy(p, tmp, z);
    }
}

void pel__sort_insertion(char *base, size_t n, const pel__sorter *s)
{
    switch (s->size) {
    case 4: insertion_sized(base, n, s->cmp, s->ctx, 4); break;
    case 8: insertion_sized(base, n, s->cmp, s->ctx, 8); break;
    default:
        if (s->size > PEL_SORT_TMP_MAX)
            insertion_by_swaps(base, n, s);
        else
            insertion_sized(base, n, s->cmp, s->ctx, s->size);
        break;
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
    size_t z = s->size, step = n / 8;
    if (sample >= 3 && n >= 2 * sample) {
        pivot_from_sample(base, n, sample, s);
        return;
    }
    /* Candidates spread evenly over the range (at multiples of n/8), not bunched at its
     * ends and middle: organ-pipe input then still yields a central pivot. */
    if (n >= SORT_NINTHER_MIN) {
        for (size_t g = 0; g < 9; g += 3)
            sort3(AT(base, g * step, z), AT(base, (g + 1) * step, z),
                  AT(base, g + 2 < 8 ? (g + 2) * step : n - 1, z), s);
        sort3(AT(base, step, z), AT(base, 4 * step, z), AT(base, 7 * step, z), s);
    } else {
        sort3(AT(base, 2 * step, z), AT(base, 4 * step, z), AT(base, 6 * step, z), s);
    }
    sort_swap(base, AT(base, 4 * step, z), z);
}

/* Classify the cnt elements from p upwards; record the offsets of those that do not
 * go left (with le == 0: pivot <= e; with le == 1: pivot < e). The count advances by
 * the comparison's result: no branch depends on it. */
SORT_SPECIALISE size_t scan_left(const char *p, size_t cnt, const char *pivot,
                                 const pel__sorter *s, int le, unsigned char *off, size_t z)
{
    pel_cmp_fn cmp = s->cmp;
    void *ctx = s->ctx;
    size_t k = 0;
    if (le) {
        for (size_t i = 0; i < cnt; i++) {
            off[k] = (unsigned char)i;
            k += cmp(pivot, AT(p, i, z), ctx) < 0;
        }
    } else {
        for (size_t i = 0; i < cnt; i++) {
            off[k] = (unsigned char)i;
            k += cmp(AT(p, i, z), pivot, ctx) >= 0;
        }
    }
    return k;
}

/* Classify the cnt elements below `end` (end[-1], end[-2], ...); record the offsets of
 * those that go left (e < pivot, or e <= pivot with le). */
SORT_SPECIALISE size_t scan_right(const char *end, size_t cnt, const char *pivot,
                                  const pel__sorter *s, int le, unsigned char *off, size_t z)
{
    pel_cmp_fn cmp = s->cmp;
    void *ctx = s->ctx;
    size_t k = 0;
    if (le) {
        for (size_t i = 0; i < cnt; i++) {
            off[k] = (unsigned char)i;
            k += cmp(pivot, end - (i + 1) * z, ctx) >= 0;
        }
    } else {
        for (size_t i = 0; i < cnt; i++) {
            off[k] = (unsigned char)i;
            k += cmp(end - (i + 1) * z, pivot, ctx) < 0;
        }
    }
    return k;
}

/* Swap k misplaced pairs: the left block's offl[i]-th with the right block's offr[i]-th. */
SORT_SPECIALISE void swap_pairs(char *l, const unsigned char *offl, char *r,
                                const unsigned char *offr, size_t k, size_t z)
{
    for (size_t i = 0; i < k; i++) sort_swap(AT(l, offl[i], z), r - (offr[i] + 1u) * z, z);
}

/* Block partition state. The elements not yet classified lie in [l, r), together with
 * at most one block that still holds misplaced elements: the left block at l (nl of
 * them, offsets offl[sl..sl+nl)) or the right block ending at r (nr, offr[sr..]). */
typedef struct part_state {
    char *l, *r;
    size_t nl, nr, sl, sr;
    unsigned char offl[SORT_BLOCK], offr[SORT_BLOCK];
} part_state;

/* One round: classify a left block of bl and a right block of br elements (unless that
 * side still has misplaced elements), swap as many misplaced pairs as possible, and
 * retire each block that has none left. */
SORT_SPECIALISE void part_round(part_state *ps, size_t bl, size_t br, const char *pivot,
                                const pel__sorter *s, int le, size_t z)
{
    if (ps->nl == 0) ps->sl = 0, ps->nl = scan_left(ps->l, bl, pivot, s, le, ps->offl, z);
    if (ps->nr == 0) ps->sr = 0, ps->nr = scan_right(ps->r, br, pivot, s, le, ps->offr, z);
    size_t k = ps->nl < ps->nr ? ps->nl : ps->nr;
    swap_pairs(ps->l, ps->offl + ps->sl, ps->r, ps->offr + ps->sr, k, z);
    ps->nl -= k, ps->nr -= k, ps->sl += k, ps->sr += k;
    if (ps->nl == 0) ps->l += bl * z;
    if (ps->nr == 0) ps->r -= br * z;
}

/* After the last round every element is classified and only one block (of bl or br
 * elements) may hold misplaced ones. Move those to the block's edge that faces the
 * other side, largest offset first, and return the size of the left side. Invariant of
 * the loop: the misplaced elements not yet moved all lie before `end` (after `begin`). */
static size_t part_finish(part_state *ps, size_t bl, size_t br, char *lo, size_t z)
{
    if (ps->nl) {
        char *end = ps->l + bl * z;
        for (size_t i = ps->nl; i-- > 0;) {
            end -= z;
            sort_swap(AT(ps->l, ps->offl[ps->sl + i], z), end, z);
        }
        return (size_t)(end - lo) / z;
    }
    if (ps->nr) {
        char *begin = ps->r - br * z;
        for (size_t i = ps->nr; i-- > 0;) {
            sort_swap(ps->r - (ps->offr[ps->sr + i] + 1u) * z, begin, z);
            begin += z;
        }
        return (size_t)(begin - lo) / z;
    }
    return (size_t)(ps->l - lo) / z;
}

/* The partition proper, inlined once per common element size. */
SORT_SPECIALISE size_t partition_sized(char *lo, size_t n, const char *pivot,
                                       const pel__sorter *s, int le, size_t z)
{
    size_t bl, br;
    part_state ps = {.l = lo, .r = AT(lo, n, z)};
    while ((size_t)(ps.r - ps.l) / z > 2 * SORT_BLOCK)
        part_round(&ps, SORT_BLOCK, SORT_BLOCK, pivot, s, le, z);
    /* The last round classifies what remains (at most 2 blocks, one maybe pending). */
    size_t rem = (size_t)(ps.r - ps.l) / z;
    if (ps.nl)
        bl = SORT_BLOCK, br = rem - SORT_BLOCK;
    else if (ps.nr)
        br = SORT_BLOCK, bl = rem - SORT_BLOCK;
    else
        bl = rem / 2, br = rem - rem / 2;
    part_round(&ps, bl, br, pivot, s, le, z);
    return part_finish(&ps, bl, br, lo, z);
}

size_t pel__sort_partition(char *lo, size_t n, const char *pivot, const pel__sorter *s,
                           int le)
{
    switch (s->size) {
    case 4: return partition_sized(lo, n, pivot, s, le, 4);
    case 8: return partition_sized(lo, n, pivot, s, le, 8);
    default: return partition_sized(lo, n, pivot, s, le, s->size);
    }
}

/* Heapsort, the O(n log n) fallback. sift_down restores the max-heap below node i. */
static void sift_down(char *base, size_t i, size_t n, const pel__sorter *s)
{
    size_t z = s->size;
    for (size_t c; (c = 2 * i + 1) < n; i = c) {
        if (c + 1 < n && sort_less(s, AT(base, c, z), AT(base, c + 1, z))) c++;
        if (!sort_less(s, AT(base, i, z), AT(base, c, z))) return;
        sort_swap(AT(base, i, z), AT(base, c, z), z);
    }
}

static void heap_sort(char *base, size_t n, const pel__sorter *s)
{
    for (size_t i = n / 2; i-- > 0;) sift_down(base, i, n, s);
    for (size_t end = n; end-- > 1;) {
        sort_swap(base, AT(base, end, s->size), s->size);
        sift_down(base, 0, end, s);
    }
}

/* After an unbalanced partition, swap the elements at the pivot candidates' places
 * (multiples of n/8) with others at pseudo-random places, so that the next pivot comes
 * from a different sample: this breaks patterns that defeat the pivot choice. */
static void break_patterns(char *base, size_t n, size_t z)
{
    if (n < SORT_INSERTION_MAX) return;
    uint64_t x = (uint64_t)n * 0x9e3779b97f4a7c15u | 1; /* xorshift64; n seeds it */
    for (size_t i = 1; i < 8; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        sort_swap(AT(base, n / 8 * i, z), AT(base, x % n, z), z);
    }
}

void pel__sort_quick(char *base, size_t n, const pel__sorter *s, int budget, int leftmost)
{
    size_t z = s->size;
    while (n > SORT_INSERTION_MAX) {
        if (budget <= 0) {
            heap_sort(base, n, s);
            return;
        }
        pel__sort_choose_pivot(base, n, 0, s);
        if (!leftmost && !sort_less(s, base - z, base)) {
            /* pivot == its predecessor, which is <= all: drop every key equal to it. */
            size_t k = pel__sort_partition(base + z, n - 1, base, s, 1);
            base = AT(base, k + 1, z), n -= k + 1;
            continue;
        }
        size_t m = pel__sort_partition(base + z, n - 1, base, s, 0), r = n - m - 1;
        sort_swap(base, AT(base, m, z), z);
        if (m < n / 8 || r < n / 8) {
            budget--;
            break_patterns(base, m, z);
            break_patterns(AT(base, m + 1, z), r, z);
        }
        /* Recurse into the smaller side, loop on the larger: O(log n) stack. */
        if (m < r) {
            pel__sort_quick(base, m, s, budget, leftmost);
            base = AT(base, m + 1, z), n = r, leftmost = 0;
        } else {
            pel__sort_quick(AT(base, m + 1, z), r, s, budget, 0);
            n = m;
        }
    }
    pel__sort_insertion(base, n, s);
}
