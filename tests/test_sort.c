/* test_sort.c — pel_parallel_sort and pel_parallel_stable_sort.
 *
 * Every run sorts records whose key comes from a pattern (random, sorted, reversed, all
 * equal, few distinct, organ pipe, ...) and whose other bytes are derived from the
 * record's original index. The reference is qsort with the index as a tie-break, which
 * is the one stable order. The stable sort must reproduce it byte for byte; the
 * unstable sort must produce the same key sequence and, once its equal keys are
 * re-sorted by index, the same bytes (so it is a permutation of the input). Sizes cover
 * the internal cutoffs (insertion runs, partition blocks, spawn and parallel-partition
 * thresholds) and element sizes from 1 to 1000 bytes.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "loop/sort_internal.h"
#include "pel.h"

static pel_runtime *g_rt;

/* ---- records: key, original index, filler derived from both ---- */

static uint64_t rec_key(const void *p, size_t size)
{
    switch (size) {
    case 1: return *(const uint8_t *)p;
    case 4:
    case 12:
    case 100: return *(const uint32_t *)p; /* aligned types: UBSan checks our buffers */
    case 8:
    case 16:
    case 24: return *(const uint64_t *)p;
    default: {
        uint32_t k;
        memcpy(&k, p, sizeof k);
        return k;
    }
    }
}

/* Bytes of a record beyond its key. Records of 1 and 4 bytes are their key alone. */
static size_t rec_key_bytes(size_t size)
{
    return size == 1 ? 1 : (size == 8 || size == 16 || size == 24) ? 8 : 4;
}

static void rec_make(void *p, size_t size, uint64_t key, uint32_t index)
{
    unsigned char *b = p;
    size_t kb = rec_key_bytes(size);
    if (kb == 1) *b = (uint8_t)key;
    if (kb == 4) {
        uint32_t k = (uint32_t)key;
        memcpy(b, &k, 4);
    }
    if (kb == 8) memcpy(b, &key, 8);
    if (size >= kb + 4) memcpy(b + kb, &index, 4);
    for (size_t i = kb + 4; i < size; i++) b[i] = (unsigned char)(index * 31 + i);
}

static uint32_t rec_index(const void *p, size_t size)
{
    uint32_t idx = 0;
    if (size >= rec_key_bytes(size) + 4) memcpy(&idx, (const char *)p + rec_key_bytes(size), 4);
    return idx;
}

/* The comparator under test. ctx carries the element size and a marker proving that the
 * sort passed ctx through unchanged. */
typedef struct cmp_ctx {
    size_t size;
    int descending;
    uint32_t magic;
} cmp_ctx;

#define CTX_MAGIC 0x5047534fu

static int cmp_key(const void *a, const void *b, void *ctx)
{
    const cmp_ctx *c = ctx;
    CHECK_EQ(c->magic, CTX_MAGIC);
    uint64_t x = rec_key(a, c->size), y = rec_key(b, c->size);
    int r = (x > y) - (x < y);
    return c->descending ? -r : r;
}

/* qsort's reference order: key, then original index (stable). */
static size_t g_ref_size;
static int g_ref_descending;

static int cmp_ref(const void *a, const void *b)
{
    cmp_ctx c = {g_ref_size, g_ref_descending, CTX_MAGIC};
    int r = cmp_key(a, b, &c);
    if (r) return r;
    uint32_t i = rec_index(a, g_ref_size), j = rec_index(b, g_ref_size);
    return (i > j) - (i < j);
}

/* ---- one case: build, sort, compare with the reference ---- */

enum pattern { RANDOM, SORTED, REVERSED, EQUAL, FEW, ORGAN, SAWTOOTH, ALMOST, NPATTERNS };
static const char *const pattern_names[] = {"random", "sorted",   "reversed", "equal",
                                             "few",    "organ",    "sawtooth", "almost"};

static uint64_t pattern_key(int pattern, size_t i, size_t n, uint64_t *rng)
{
    switch (pattern) {
    case RANDOM: return test_rand(rng);
    case SORTED: return i;
    case REVERSED: return n - i;
    case EQUAL: return 7;
    case FEW: return test_rand(rng) % 4;
    case ORGAN: return i < n / 2 ? i : n - i;
    case SAWTOOTH: return i % 97;
    default: return test_rand(rng) % 16 == 0 ? test_rand(rng) % (n + 1) : i;
    }
}

static void check_same(const unsigned char *got, const unsigned char *want, size_t n,
                       size_t size, const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(got + i * size, want + i * size, size) != 0)
            CHECK_FAIL_("%s: element %zu of %zu differs (key %llu index %u, want key %llu "
                        "index %u)",
                        what, i, n, (unsigned long long)rec_key(got + i * size, size),
                        rec_index(got + i * size, size),
                        (unsigned long long)rec_key(want + i * size, size),
                        rec_index(want + i * size, size));
}

/* Sort equal-key runs of the unstable sort's output by original index: the result must
 * then be the reference itself. */
static void sort_equal_runs(unsigned char *v, size_t n, size_t size, const cmp_ctx *c)
{
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && cmp_key(v + i * size, v + j * size, (void *)c) == 0; j++) {
        }
        if (j - i > 1) qsort(v + i * size, j - i, size, cmp_ref);
    }
}

/* Sort one input with both sorts (or one: which = 1 unstable, 2 stable, 3 both). */
static void run_case(int pattern, size_t n, size_t size, int which, int descending)
{
    uint64_t rng = 0x1234 + n * 977 + size * 13 + (uint64_t)pattern;
    unsigned char *in = malloc(n * size + 1), *out = malloc(n * size + 1);
    unsigned char *ref = malloc(n * size + 1);
    CHECK(in && out && ref);
    for (size_t i = 0; i < n; i++)
        rec_make(in + i * size, size, pattern_key(pattern, i, n, &rng), (uint32_t)i);
    memcpy(ref, in, n * size);
    g_ref_size = size, g_ref_descending = descending;
    qsort(ref, n, size, cmp_ref);

    cmp_ctx c = {size, descending, CTX_MAGIC};
    char what[160];
    for (int stable = 0; stable < 2; stable++) {
        if (!(which & (1 << stable))) continue;
        snprintf(what, sizeof what, "%s sort, %s, n=%zu, size=%zu%s",
                 stable ? "stable" : "unstable", pattern_names[pattern], n, size,
                 descending ? ", descending" : "");
        memcpy(out, in, n * size);
        if (stable) {
            CHECK_OK(pel_parallel_stable_sort(g_rt, out, n, size, cmp_key, &c));
        } else {
            CHECK_OK(pel_parallel_sort(g_rt, out, n, size, cmp_key, &c));
            for (size_t i = 0; i < n; i++)
                if (cmp_key(out + i * size, ref + i * size, &c) != 0)
                    CHECK_FAIL_("%s: key %zu out of order", what, i);
            sort_equal_runs(out, n, size, &c);
        }
        check_same(out, ref, n, size, what);
    }
    free(in);
    free(out);
    free(ref);
}

/* Lengths around every internal threshold: insertion runs (16, 20), merge splits (64),
 * partition blocks (128), task grains (4096, 16384), parallel partitions (2^14 chunks,
 * 2^16). */
static const size_t small_lengths[] = {0,  1,  2,  3,   5,   7,   13,  15,  16,  17,  19,
                                       20, 21, 31, 63,  64,  65,  100, 127, 128, 129, 131,
                                       257, 1009, 4095, 4096, 4097};
static const size_t large_lengths[] = {8191, 8193, 16383, 16385, 65535, 65536, 65537, 131101};
static const size_t element_sizes[] = {1, 4, 8, 12, 13, 16, 24, 100, 1000};

static void test_patterns(void)
{
    for (size_t e = 0; e < sizeof element_sizes / sizeof *element_sizes; e++) {
        size_t size = element_sizes[e];
        for (int p = 0; p < NPATTERNS; p++) {
            for (size_t k = 0; k < sizeof small_lengths / sizeof *small_lengths; k++) {
                if (size >= 100 && small_lengths[k] > 1009) continue;
                run_case(p, small_lengths[k], size, 3, 0);
            }
            /* Odd and large sizes at full scale only (sanitizer builds run scaled down). */
            if (size != 4 && (test_scale() < 1 || (size != 13 && size != 24))) continue;
            for (size_t k = 0; k < sizeof large_lengths / sizeof *large_lengths; k++)
                run_case(p, large_lengths[k], size, 3, 0);
        }
    }
}

/* About 10^6 elements (scaled), the size the parallel paths are built for. */
static void test_large(void)
{
    size_t n = (size_t)(1000000 * test_scale());
    if (n < 70000) n = 70000;
    static const int patterns[] = {RANDOM, FEW, SORTED, ORGAN, ALMOST};
    for (size_t p = 0; p < sizeof patterns / sizeof *patterns; p++) {
        run_case(patterns[p], n, 4, 3, 0);
    }
    run_case(RANDOM, n / 2, 16, 3, 0);
}

/* ctx reaches the comparator unchanged: here it also reverses the order. */
static void test_context(void)
{
    static const size_t lengths[] = {10, 1000, 100000};
    for (size_t k = 0; k < 3; k++) {
        run_case(RANDOM, lengths[k], 12, 1, 1);
        run_case(FEW, lengths[k], 12, 2, 1);
    }
}

/* ---- error paths ---- */

static void test_errors(void)
{
    int a[4] = {3, 1, 2, 0};
    cmp_ctx c = {4, 0, CTX_MAGIC};
    int (*const sorts[2])(pel_runtime *, void *, size_t, size_t, pel_cmp_fn, void *) = {
        pel_parallel_sort, pel_parallel_stable_sort};
    for (int k = 0; k < 2; k++) {
        CHECK_RC(sorts[k](g_rt, a, 4, 4, NULL, &c), PEL_EINVAL);
        CHECK_RC(sorts[k](g_rt, a, 4, 0, cmp_key, &c), PEL_EINVAL);
        CHECK_RC(sorts[k](g_rt, NULL, 4, 4, cmp_key, &c), PEL_EINVAL);
        CHECK_RC(sorts[k](g_rt, a, SIZE_MAX / 2, 4, cmp_key, &c), PEL_EINVAL);
        CHECK_OK(sorts[k](g_rt, NULL, 0, 4, cmp_key, &c));
        CHECK_OK(sorts[k](g_rt, a, 1, 4, cmp_key, &c));
        CHECK_EQ(a[0], 3); /* nothing was touched by the failed calls */
    }
    CHECK_OK(pel_parallel_sort(g_rt, a, 4, 4, cmp_key, &c));
    CHECK(a[0] == 0 && a[1] == 1 && a[2] == 2 && a[3] == 3);

    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = test_workers();
    pel_runtime *dead;
    CHECK_OK(pel_runtime_create(&cfg, &dead));
    CHECK_OK(pel_runtime_destroy(dead));
    CHECK_RC(pel_parallel_sort(dead, a, 4, 4, cmp_key, &c), PEL_EDESTROYED);
    CHECK_RC(pel_parallel_stable_sort(dead, a, 4, 4, cmp_key, &c), PEL_EDESTROYED);
}

/* ---- internals: the heapsort fallback, reached at once with a zero budget ---- */

static void test_heapsort_fallback(void)
{
    uint64_t rng = 99;
    size_t n = 5000;
    uint32_t *v = malloc(n * sizeof *v);
    CHECK(v);
    cmp_ctx c = {4, 0, CTX_MAGIC};
    pel__sorter s = {4, cmp_key, &c};
    for (size_t i = 0; i < n; i++) v[i] = (uint32_t)(test_rand(&rng) % 1000);
    pel__sort_quick((char *)v, n, &s, 0, 1);
    CHECK(pel__sort_is_sorted((const char *)v, n, &s));
    for (size_t i = 1; i < n; i++) CHECK_LE(v[i - 1], v[i]);
    free(v);
}

/* ---- a comparator that contradicts itself must not break memory safety ---- */

static int cmp_liar(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    uint64_t x = rec_key(a, 16) * 0x9e3779b97f4a7c15ull ^ rec_key(b, 16);
    return (int)((x >> 17) % 3) - 1;
}

static void test_lying_comparator(void)
{
    size_t n = 100003, size = 16;
    unsigned char *v = malloc(n * size);
    char *seen = calloc(n, 1);
    CHECK(v && seen);
    for (int stable = 0; stable < 2; stable++) {
        uint64_t rng = 5;
        for (size_t i = 0; i < n; i++) rec_make(v + i * size, size, test_rand(&rng), (uint32_t)i);
        CHECK_OK((stable ? pel_parallel_stable_sort : pel_parallel_sort)(g_rt, v, n, size,
                                                                         cmp_liar, NULL));
        memset(seen, 0, n);
        for (size_t i = 0; i < n; i++) { /* still a permutation of the input */
            uint32_t idx = rec_index(v + i * size, size);
            CHECK_LT(idx, n);
            CHECK_EQ(seen[idx], 0);
            seen[idx] = 1;
        }
    }
    free(v);
    free(seen);
}

/* ---- sorting from inside tasks and from several threads at once ---- */

typedef struct sort_job {
    pel_runtime *rt;
    uint32_t *v;
    size_t n;
    int stable;
    uint64_t seed;
} sort_job;

static int sort_job_run(void *arg)
{
    sort_job *j = arg;
    uint64_t rng = j->seed;
    cmp_ctx c = {4, 0, CTX_MAGIC};
    for (size_t i = 0; i < j->n; i++) j->v[i] = (uint32_t)test_rand(&rng);
    int rc = (j->stable ? pel_parallel_stable_sort : pel_parallel_sort)(j->rt, j->v, j->n, 4,
                                                                        cmp_key, &c);
    CHECK_OK(rc);
    for (size_t i = 1; i < j->n; i++) CHECK_LE(j->v[i - 1], j->v[i]);
    return 0;
}

static void *sort_job_thread(void *arg)
{
    sort_job_run(arg);
    return NULL;
}

enum { NJOBS = 6 };

static void make_jobs(sort_job *jobs, pel_runtime *rt, size_t n)
{
    for (int i = 0; i < NJOBS; i++) {
        jobs[i] = (sort_job){rt, malloc(n * sizeof(uint32_t)), n, i % 2, 1000u + (uint64_t)i};
        CHECK(jobs[i].v);
    }
}

static void test_in_tasks(void)
{
    sort_job jobs[NJOBS];
    make_jobs(jobs, g_rt, (size_t)(200000 * test_scale()) + 5000);
    pel_group g;
    CHECK_OK(pel_group_init(&g, g_rt));
    for (int i = 0; i < NJOBS; i++) CHECK_OK(pel_group_spawn(&g, sort_job_run, &jobs[i]));
    CHECK_OK(pel_group_wait(&g));
    for (int i = 0; i < NJOBS; i++) free(jobs[i].v);
}

static void test_threads(void)
{
    sort_job jobs[NJOBS];
    pthread_t th[NJOBS];
    make_jobs(jobs, g_rt, (size_t)(200000 * test_scale()) + 5000);
    jobs[0].rt = NULL; /* one of them through the default runtime */
    for (int i = 0; i < NJOBS; i++)
        CHECK_EQ(pthread_create(&th[i], NULL, sort_job_thread, &jobs[i]), 0);
    for (int i = 0; i < NJOBS; i++) CHECK_EQ(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < NJOBS; i++) free(jobs[i].v);
}

/* A sort inside a task whose group is cancelled: the sort's own groups inherit the
 * cancellation, so its spawns are refused or skipped; it must still sort everything. */
typedef struct cancel_job {
    pel_group *group;
    sort_job sort;
} cancel_job;

static int cancel_then_sort(void *arg)
{
    cancel_job *j = arg;
    CHECK_OK(pel_group_cancel(j->group));
    return sort_job_run(&j->sort);
}

static void test_cancelled_parent(void)
{
    cancel_job jobs[2];
    pel_group g;
    size_t n = (size_t)(300000 * test_scale()) + 70000;
    CHECK_OK(pel_group_init(&g, g_rt));
    for (int i = 0; i < 2; i++) {
        jobs[i] = (cancel_job){&g, {g_rt, malloc(n * sizeof(uint32_t)), n, i, 77u + (uint64_t)i}};
        CHECK(jobs[i].sort.v);
    }
    CHECK_OK(pel_group_spawn(&g, cancel_then_sort, &jobs[0]));
    int rc = pel_group_spawn(&g, cancel_then_sort, &jobs[1]);
    if (rc == PEL_ECANCELED) cancel_then_sort(&jobs[1]); /* the first task already ran */
    else CHECK_OK(rc);
    rc = pel_group_wait(&g);
    CHECK(rc == PEL_OK || rc == PEL_ECANCELED);
    for (int i = 0; i < 2; i++) free(jobs[i].sort.v);
}

int main(void)
{
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = test_workers();
    CHECK_OK(pel_runtime_create(&cfg, &g_rt));
    test_errors();
    test_heapsort_fallback();
    test_context();
    test_patterns();
    test_large();
    test_lying_comparator();
    test_in_tasks();
    test_threads();
    test_cancelled_parent();
    CHECK_OK(pel_runtime_destroy(g_rt));
    printf("test_sort: ok (%d workers)\n", test_workers());
    return 0;
}
