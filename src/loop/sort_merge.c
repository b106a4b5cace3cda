/* sort_merge.c — stable merging, co-ranks, and the serial stable merge sort.
 *
 * The merge takes from run a unless the head of b is strictly smaller, so equal keys
 * keep a's elements first: merging the sorted halves of a range in that order is
 * stable. The choice between the two heads is made with conditional moves, not a branch
 * on the comparison, so random input costs no mispredictions.
 *
 * pel__sort_corank answers "how many of the first k merged elements come from a" by
 * binary search (Siebert & Träff, "Perfectly load-balanced, optimal, stable, parallel
 * merge", 2013): both parts of a merge split there can then run independently.
 */
#include "loop/sort_internal.h"


/* Merges of at least SORT_MERGE_SPLIT elements run as SORT_MERGE_WAYS interleaved
 * merges (the co-ranks cost about log2(n) comparisons each). */
#define SORT_MERGE_WAYS 4
#define SORT_MERGE_SPLIT 64

/* A merge in progress: the rest of two runs and where the output continues. */
typedef struct merge_cursor {
    const char *a, *a_end, *b, *b_end;
    char *out;
} merge_cursor;

/* Output one element: a's head unless b's is strictly smaller. The choice is made by
 * masking, because compilers turn `take_b ? b : a` into a mispredicted branch. */
static inline void merge_step(merge_cursor *c, pel_cmp_fn cmp, void *ctx, size_t z)
{
    uintptr_t take_b = cmp(c->b, c->a, ctx) < 0, pa = (uintptr_t)c->a;
    uintptr_t src = pa + (((uintptr_t)c->b - pa) & (0 - take_b));
    sort_copy(c->out, (const char *)src, z);
    c->out += z;
    c->a += z - take_b * z;
    c->b += take_b * z;
}

/* How many steps the merge can surely take before a run runs out. */
static inline size_t merge_safe_steps(const merge_cursor *c, size_t z)
{
    size_t ra = (size_t)(c->a_end - c->a) / z, rb = (size_t)(c->b_end - c->b) / z;
    return ra < rb ? ra : rb;
}

static inline void merge_finish(merge_cursor *c, pel_cmp_fn cmp, void *ctx, size_t z)
{
    while (c->a < c->a_end && c->b < c->b_end) merge_step(c, cmp, ctx, z);
    memcpy(c->out, c->a, (size_t)(c->a_end - c->a));
    memcpy(c->out + (c->a_end - c->a), c->b, (size_t)(c->b_end - c->b));
}

/* Cut the merge of a and b at co-ranks into SORT_MERGE_WAYS independent merges. Each
 * split is searched within what the previous one left, so the parts stay disjoint and
 * in bounds even if the comparator is inconsistent. */
static void merge_cut(merge_cursor *c, const char *a, size_t na, const char *b, size_t nb,
                      char *out, const pel__sorter *s)
{
    size_t z = s->size, n = na + nb, i0 = 0, k0 = 0;
    for (size_t w = 0; w < SORT_MERGE_WAYS; w++) {
        size_t k1 = n, i1 = na;
        if (w + 1 < SORT_MERGE_WAYS) {
            k1 = n / SORT_MERGE_WAYS * (w + 1);
            i1 = i0 + pel__sort_corank(k1 - k0, a + i0 * z, na - i0, b + (k0 - i0) * z,
                                       nb - (k0 - i0), s);
        }
        c[w] = (merge_cursor){a + i0 * z, a + i1 * z, b + (k0 - i0) * z, b + (k1 - i1) * z,
                              out + k0 * z};
        i0 = i1, k0 = k1;
    }
}

/* Each step of a merge waits for the previous one (its comparison picks the next
 * heads), so one merge is bound by that latency; SORT_MERGE_WAYS merges advanced in
 * lockstep overlap it. Steps are taken in rounds that no run can run out during, so
 * the loop checks no bounds. Inlined once per common element size (z constant). */
SORT_SPECIALISE void merge_interleaved(merge_cursor *c, pel_cmp_fn cmp, void *ctx, size_t z)
{
    for (;;) {
        size_t steps = SIZE_MAX;
        for (size_t w = 0; w < SORT_MERGE_WAYS; w++) {
            size_t k = merge_safe_steps(&c[w], z);
            steps = k < steps ? k : steps;
        }
        if (steps < SORT_MERGE_WAYS) break;
        for (; steps > 0; steps--)
            for (size_t w = 0; w < SORT_MERGE_WAYS; w++) merge_step(&c[w], cmp, ctx, z);
    }
    for (size_t w = 0; w < SORT_MERGE_WAYS; w++) merge_finish(&c[w], cmp, ctx, z);
}

void pel__sort_merge(const char *a, size_t na, const char *b, size_t nb, char *out,
                     const pel__sorter *s)
{
    size_t z = s->size;
    /* Already in order (presorted input): one comparison, then two copies. */
    if (na == 0 || nb == 0 || !sort_less(s, b, a + (na - 1) * z)) {
        memcpy(out, a, na * z);
        memcpy(out + na * z, b, nb * z);
        return;
    }
    merge_cursor c[SORT_MERGE_WAYS];
    if (na + nb < SORT_MERGE_SPLIT) {
        c[0] = (merge_cursor){a, a + na * z, b, b + nb * z, out};
        merge_finish(&c[0], s->cmp, s->ctx, z);
        return;
    }
    merge_cut(c, a, na, b, nb, out, s);
    switch (z) {
    case 4: merge_interleaved(c, s->cmp, s->ctx, 4); break;
    case 8: merge_interleaved(c, s->cmp, s->ctx, 8); break;
    default: merge_interleaved(c, s->cmp, s->ctx, z); break;
    }
}

size_t pel__sort_corank(size_t k, const char *a, size_t na, const char *b, size_t nb,
                        const pel__sorter *s)
{
    size_t z = s->size;
    size_t lo = k > nb ? k - nb : 0, hi = k < na ? k : na;
    /* a[i] is among the first k merged elements iff fewer than k - i elements of b are
     * strictly smaller than it, i.e. iff !(b[k-i-1] < a[i]). That holds for a prefix
     * of i: find its end. Below lo it always holds; at hi the count is capped. */
    while (lo < hi) {
        size_t i = lo + (hi - lo) / 2;
        if (sort_less(s, b + (k - i - 1) * z, a + i * z))
            hi = i;
        else
            lo = i + 1;
    }
    return lo;
}

void pel__sort_stable_serial(char *a, char *b, size_t n, int to_b, const pel__sorter *s)
{
    size_t z = s->size;
    if (n <= PEL_SORT_RUN) {
        pel__sort_insertion(a, n, s);
        if (to_b) memcpy(b, a, n * z);
        return;
    }
    /* Each half ends in the other array, so the merge of the halves lands where the
     * result is wanted: one pass per level and no copying back. */
    size_t h = n / 2;
    pel__sort_stable_serial(a, b, h, !to_b, s);
    pel__sort_stable_serial(a + h * z, b + h * z, n - h, !to_b, s);
    if (to_b)
        pel__sort_merge(a, h, a + h * z, n - h, b, s);
    else
        pel__sort_merge(b, h, b + h * z, n - h, a, s);
}
