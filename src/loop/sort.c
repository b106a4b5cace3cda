/* sort.c — pel_parallel_sort and pel_parallel_stable_sort.
 *
 * Unstable sort: parallel quicksort in place. A range takes as pivot the median of a
 * sample, is partitioned around it, and its two sides are sorted as two fork-join
 * tasks; at most PEL_SORT_SPAWN_MIN elements are left to the serial introsort
 * (sort_quick.c). A serial partition at the top would cap the speedup (it touches all n
 * elements before a second task exists), so large ranges are partitioned in parallel:
 * the range is cut into chunks, each chunk is block-partitioned by its own task, then
 * the elements on the wrong side of the global split are swapped back in parallel.
 * Why that is a partition: with L_i elements going left in chunk i and L = sum L_i,
 * the "go right" elements inside [0, L) and the "go left" elements inside [L, n) are
 * equally many; swapping the t-th of one with the t-th of the other (pairs split among
 * tasks by rank t) leaves [0, L) all left and [L, n) all right. The rest is quicksort:
 * after a partition no element needs to cross the pivot. Keys equal to a previous
 * pivot are dropped in one "<=" partition (few distinct keys cost O(n log k)); after
 * about log2(n) badly unbalanced partitions a range goes to the serial introsort, whose
 * heapsort fallback keeps the worst case at O(n log n) comparisons. Expected cost
 * O(n log n); on p workers every partition of at least SORT_PAR_PARTITION_MIN elements
 * is shared by up to 2p tasks, so no level, the first included, runs on one core.
 *
 * Stable sort: parallel merge sort with a buffer of n elements. Both halves of a range
 * are sorted (in parallel) into the other array, then merged back, so each level makes
 * one pass. Merges are parallel too: the output is cut at its middle k,
 * pel__sort_corank finds how many of the first k come from each run (O(log n)
 * comparisons), and both parts merge independently. Why it is stable: runs of at most
 * PEL_SORT_RUN elements are insertion-sorted, which never moves an element past an
 * equal one; a merge takes the left run's element on ties, and the left run holds the
 * elements that came first; a merge cut at a co-rank yields exactly the two pieces of
 * that same stable merge. O(n log n) comparisons and moves; span O(log^3 n) plus the
 * serial leaves.
 *
 * Both use only the public fork-join API (pel_group_*), so they know nothing of the
 * scheduler. A spawn that fails, or a piece that the cancellation of an enclosing group
 * skips, runs on the calling thread: the array always ends sorted. A caller that is not
 * a worker hands the whole sort to the runtime as one task and waits.
 */
#include <stdint.h>
#include <stdlib.h>

#include "config.h"
#include "core/export.h"
#include "loop/sort_internal.h"
#include "pel/group.h"



/* Partitions of at least this many elements are done in parallel, in chunks of at
 * least SORT_CHUNK_MIN elements. */
#define SORT_PAR_PARTITION_MIN (1u << 16)
#define SORT_CHUNK_MIN (1u << 14)

/* The pivot of a range of at least SORT_PAR_PARTITION_MIN elements is the median of
 * this many sampled elements. */
#define SORT_SAMPLE 63

/* At most this many tasks in one fork (chunks of a partition, pieces of a swap). */
#define SORT_MAX_FORKS 64

_Static_assert(SORT_PAR_PARTITION_MIN >= 2 * SORT_SAMPLE, "the sample must fit");
_Static_assert(PEL_SORT_SPAWN_MIN >= 8, "pivot selection needs 8 elements");

/* One sort call: its runtime, elements and worker count. */
typedef struct sort_run {
    pel_runtime *rt;
    pel__sorter s;
    size_t workers;
} sort_run;

/* ---- forking: run tasks in parallel, and anything not run by the runtime here ---- */

typedef struct sort_fork {
    pel_task_fn fn;
    void *arg;
    int ran; /* set by the task; read after pel_group_wait, which orders it */
} sort_fork;

static int sort_fork_run(void *p)
{
    sort_fork *f = p;
    f->fn(f->arg);
    f->ran = 1;
    return 0;
}

/* Run fn on `count` (<= SORT_MAX_FORKS) arguments spaced `stride` bytes apart from
 * `args`: the first on this thread, the others as tasks other workers may take. Returns
 * when all have run; any that could not be spawned, or was skipped by a cancellation,
 * runs here. */
static void sort_fork_all(pel_runtime *rt, pel_task_fn fn, void *args, size_t stride,
                          size_t count)
{
    sort_fork forks[SORT_MAX_FORKS];
    pel_group g;
    int have_group = pel_group_init(&g, rt) == PEL_OK;
    for (size_t i = 1; i < count; i++) {
        forks[i] = (sort_fork){fn, (char *)args + i * stride, 0};
        if (have_group) (void)pel_group_spawn(&g, sort_fork_run, &forks[i]);
    }
    fn(args);
    if (have_group) (void)pel_group_wait(&g);
    for (size_t i = 1; i < count; i++)
        if (!forks[i].ran) fn(forks[i].arg);
}

/* ---- unstable sort: parallel partition ---- */

typedef struct chunk_job {
    const sort_run *run;
    char *lo;
    size_t n;
    const char *pivot;
    int le;
    size_t left; /* result: how many elements of the chunk go left */
} chunk_job;

static int chunk_task(void *p)
{
    chunk_job *j = p;
    j->left = pel__sort_partition(j->lo, j->n, j->pivot, &j->run->s, j->le);
    return 0;
}

/* A span [lo, hi) of element indexes holding misplaced elements. */
typedef struct sort_span {
    size_t lo, hi;
} sort_span;

/* Swaps misplaced pairs of rank [first, first + count): the r-th element of the spans
 * `a` (go right, inside [0, L)) with the r-th of the spans `b` (go left, beyond L). */
typedef struct swap_job {
    const sort_run *run;
    char *base;
    const sort_span *a, *b;
    size_t first, count;
} swap_job;

/* Advance to the span holding rank *r among the spans from sp; *r becomes the offset. */
static const sort_span *span_seek(const sort_span *sp, size_t *r)
{
    while (*r >= sp->hi - sp->lo) *r -= sp->hi - sp->lo, sp++;
    return sp;
}

static int swap_task(void *p)
{
    swap_job *j = p;
    size_t z = j->run->s.size, ra = j->first, rb = j->first, left = j->count;
    const sort_span *a = span_seek(j->a, &ra), *b = span_seek(j->b, &rb);
    while (left > 0) {
        size_t k = left;
        if (a->hi - a->lo - ra < k) k = a->hi - a->lo - ra;
        if (b->hi - b->lo - rb < k) k = b->hi - b->lo - rb;
        sort_swap_bytes((unsigned char *)j->base + (a->lo + ra) * z,
                        (unsigned char *)j->base + (b->lo + rb) * z, k * z);
        ra += k, rb += k, left -= k;
        if (ra == a->hi - a->lo) a++, ra = 0;
        if (rb == b->hi - b->lo) b++, rb = 0;
    }
    return 0;
}

/* Swap the m misplaced pairs described by the spans, in parallel pieces. */
static void swap_misplaced(const sort_run *run, char *base, const sort_span *a,
                           const sort_span *b, size_t m, size_t chunks)
{
    swap_job jobs[SORT_MAX_FORKS];
    size_t q = m / SORT_CHUNK_MIN;
    if (q > chunks) q = chunks;
    if (q < 1) q = 1;
    for (size_t i = 0; i < q; i++) {
        size_t first = m / q * i + (i < m % q ? i : m % q);
        jobs[i] = (swap_job){run, base, a, b, first, m / q + (i < m % q)};
    }
    sort_fork_all(run->rt, swap_task, jobs, sizeof jobs[0], q);
}

/* pel__sort_partition for large ranges: partition chunks in parallel, then swap the
 * elements on the wrong side of the global split in parallel. Returns the split. */
static size_t partition_parallel(const sort_run *run, char *lo, size_t n, const char *pivot,
                                 int le)
{
    size_t c = n / SORT_CHUNK_MIN, total = 0, m = 0;
    if (c > 2 * run->workers) c = 2 * run->workers;
    if (c > SORT_MAX_FORKS) c = SORT_MAX_FORKS;
    if (c < 2) return pel__sort_partition(lo, n, pivot, &run->s, le);
    chunk_job jobs[SORT_MAX_FORKS];
    for (size_t i = 0, start = 0; i < c; i++) {
        size_t len = n / c + (i < n % c);
        jobs[i] = (chunk_job){run, lo + start * run->s.size, len, pivot, le, 0};
        start += len;
    }
    sort_fork_all(run->rt, chunk_task, jobs, sizeof jobs[0], c);
    for (size_t i = 0; i < c; i++) total += jobs[i].left;
    sort_span a[SORT_MAX_FORKS], b[SORT_MAX_FORKS];
    for (size_t i = 0, s0 = 0; i < c; i++) {
        size_t s1 = s0 + jobs[i].left, s2 = s0 + jobs[i].n;
        a[i] = (sort_span){s1 < total ? s1 : total, s2 < total ? s2 : total};
        b[i] = (sort_span){s0 > total ? s0 : total, s1 > total ? s1 : total};
        m += a[i].hi - a[i].lo;
        s0 = s2;
    }
    if (m > 0) swap_misplaced(run, lo, a, b, m, c);
    return total;
}

/* ---- unstable sort: the recursion ---- */

typedef struct quick_job {
    const sort_run *run;
    char *base;
    size_t n;
    int budget;   /* unbalanced partitions still allowed (see pel__sort_quick) */
    int leftmost; /* 0: base[-1] is a pivot <= every element of the range */
} quick_job;

static int quick_task(void *p)
{
    quick_job *j = p;
    const pel__sorter *s = &j->run->s;
    size_t z = s->size, n = j->n;
    char *base = j->base;
    int leftmost = j->leftmost;
    while (n > PEL_SORT_SPAWN_MIN && j->budget > 0) {
        int big = n >= SORT_PAR_PARTITION_MIN;
        pel__sort_choose_pivot(base, n, big ? SORT_SAMPLE : 0, s);
        int le = !leftmost && !sort_less(s, base - z, base);
        size_t m = big ? partition_parallel(j->run, base + z, n - 1, base, le)
                       : pel__sort_partition(base + z, n - 1, base, s, le);
        if (le) { /* keys equal to the previous pivot: already in place */
            base += (m + 1) * z, n -= m + 1, leftmost = 0;
            continue;
        }
        sort_swap(base, base + m * z, z);
        size_t r = n - m - 1;
        int budget = j->budget - (m < n / 8 || r < n / 8);
        quick_job lo = {j->run, base, m, budget, leftmost};
        quick_job hi = {j->run, base + (m + 1) * z, r, budget, 0};
        /* The smaller side runs here, the larger is offered to other workers. */
        quick_job sides[2] = {m < r ? lo : hi, m < r ? hi : lo};
        sort_fork_all(j->run->rt, quick_task, sides, sizeof sides[0], 2);
        return 0;
    }
    pel__sort_quick(base, n, s, j->budget, leftmost);
    return 0;
}

/* ---- stable sort: parallel merge sort ---- */

typedef struct merge_job {
    const sort_run *run;
    const char *a, *b;
    size_t na, nb;
    char *out;
} merge_job;

static int merge_task(void *p)
{
    merge_job *j = p;
    const pel__sorter *s = &j->run->s;
    size_t z = s->size, k = (j->na + j->nb) / 2;
    if (j->na + j->nb <= PEL_SORT_MERGE_TASK_MIN) {
        pel__sort_merge(j->a, j->na, j->b, j->nb, j->out, s);
        return 0;
    }
    /* The first k outputs are the merge of a[0..i) and b[0..k-i); the rest, of the
     * remainders. Both halves are written independently. */
    size_t i = pel__sort_corank(k, j->a, j->na, j->b, j->nb, s);
    merge_job halves[2] = {
        {j->run, j->a, j->b, i, k - i, j->out},
        {j->run, j->a + i * z, j->b + (k - i) * z, j->na - i, j->nb - (k - i), j->out + k * z},
    };
    sort_fork_all(j->run->rt, merge_task, halves, sizeof halves[0], 2);
    return 0;
}

typedef struct stable_job {
    const sort_run *run;
    char *a, *b; /* the range and its scratch */
    size_t n;
    int to_b; /* the result ends in b (1) or in a (0) */
} stable_job;

static int stable_task(void *p)
{
    stable_job *j = p;
    size_t z = j->run->s.size, h = j->n / 2;
    if (j->n <= PEL_SORT_MERGE_TASK_MIN) {
        pel__sort_stable_serial(j->a, j->b, j->n, j->to_b, &j->run->s);
        return 0;
    }
    /* Each half ends in the other array; merging them lands where the result belongs. */
    stable_job halves[2] = {
        {j->run, j->a, j->b, h, !j->to_b},
        {j->run, j->a + h * z, j->b + h * z, j->n - h, !j->to_b},
    };
    sort_fork_all(j->run->rt, stable_task, halves, sizeof halves[0], 2);
    char *src = j->to_b ? j->a : j->b, *dst = j->to_b ? j->b : j->a;
    merge_job m = {j->run, src, src + h * z, h, j->n - h, dst};
    merge_task(&m);
    return 0;
}

/* ---- entry points ---- */

/* Check the arguments and the runtime; fill *run. */
static int sort_prepare(pel_runtime *rt, const void *base, size_t n, size_t size,
                        pel_cmp_fn cmp, void *ctx, sort_run *run)
{
    if (cmp == NULL || size == 0 || (base == NULL && n > 0) || n > SIZE_MAX / size)
        return PEL_EINVAL;
    int workers = pel_runtime_num_workers(rt);
    if (workers < 0) return workers;
    *run = (sort_run){rt, {size, cmp, ctx}, (size_t)workers};
    return PEL_OK;
}

/* Finish input that is already sorted, or strictly descending (reversed: with no equal
 * keys that is stable too). Returns 1 when done. Costs O(n) comparisons only on such
 * input; on other input it stops at the first pair out of line. */
static int sort_presorted(char *base, size_t n, const pel__sorter *s)
{
    size_t z = s->size, i = 1;
    if (sort_less(s, base + z, base)) {
        while (i < n && sort_less(s, base + i * z, base + (i - 1) * z)) i++;
        if (i < n) return 0;
        for (size_t lo = 0, hi = n - 1; lo < hi; lo++, hi--)
            sort_swap(base + lo * z, base + hi * z, z);
        return 1;
    }
    return pel__sort_is_sorted(base, n, s);
}

/* Run the top task of a sort. A thread that is not a worker would compete with the
 * workers for cores while it runs its share, so it hands the whole sort to the runtime
 * as one task and waits (a worker runs it inline). */
static void sort_start(const sort_run *run, pel_task_fn fn, void *job)
{
    if (pel_worker_index() < 0) {
        sort_fork f = {fn, job, 0};
        pel_group g;
        if (pel_group_init(&g, run->rt) == PEL_OK) {
            (void)pel_group_spawn(&g, sort_fork_run, &f);
            (void)pel_group_wait(&g);
        }
        if (f.ran) return;
    }
    fn(job);
}

PEL_EXPORT int pel_parallel_sort(pel_runtime *rt, void *base, size_t n, size_t size,
                                 pel_cmp_fn cmp, void *ctx)
{
    sort_run run;
    int rc = sort_prepare(rt, base, n, size, cmp, ctx, &run);
    if (rc != PEL_OK || n < 2 || sort_presorted(base, n, &run.s)) return rc;
    quick_job top = {&run, base, n, pel__sort_budget(n), 1};
    if (run.workers == 1 || n <= PEL_SORT_SPAWN_MIN)
        pel__sort_quick(base, n, &run.s, top.budget, 1);
    else
        sort_start(&run, quick_task, &top);
    return PEL_OK;
}

PEL_EXPORT int pel_parallel_stable_sort(pel_runtime *rt, void *base, size_t n, size_t size,
                                        pel_cmp_fn cmp, void *ctx)
{
    sort_run run;
    int rc = sort_prepare(rt, base, n, size, cmp, ctx, &run);
    /* Short or presorted input needs no buffer (sort_presorted changes nothing unless
     * it finishes the sort). */
    if (rc != PEL_OK || n < 2 || sort_presorted(base, n, &run.s)) return rc;
    if (n <= PEL_SORT_RUN) {
        pel__sort_insertion(base, n, &run.s);
        return PEL_OK;
    }
    if (n * size > SIZE_MAX - 64) return PEL_ENOMEM;
    /* The buffer starts at the same address modulo 64 as `base`, so its elements are
     * aligned like the caller's (the comparator sees them). */
    unsigned char *mem = malloc(n * size + 64);
    if (mem == NULL) return PEL_ENOMEM;
    char *buf = (char *)mem + ((uintptr_t)base - (uintptr_t)mem) % 64;
    stable_job top = {&run, base, buf, n, 0};
    if (run.workers == 1 || n <= PEL_SORT_MERGE_TASK_MIN)
        pel__sort_stable_serial(base, buf, n, 0, &run.s);
    else
        sort_start(&run, stable_task, &top);
    free(mem);
    return PEL_OK;
}
