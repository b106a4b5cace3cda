/* test_loop.c — pel_parallel_for and pel_parallel_reduce.
 *
 * parallel_for: at many sizes (0, 1, 2, 3, primes, 2^k±1, 10^6, 10^7) and grains (auto,
 * 1, 2, 7, larger than the range), every index is visited exactly once, every body range
 * is non-empty, inside the loop's range and no longer than an explicit grain; ranges far
 * from zero (up to SIZE_MAX) work; errors stop the loop and are returned.
 * parallel_reduce: sums, a non-commutative combine that proves index order (range
 * concatenation and a product of 2x2 matrices), the identity for empty ranges and as the
 * start of every partial result, aliasing of result and identity, odd and large
 * accumulator sizes, argument errors (result then unchanged).
 */
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <pel.h>

#include "check.h"

static pel_runtime *rt;

/* ---- parallel_for: coverage ----------------------------------------------------------- */

/* Visits are counted in a plain byte per index: correct ranges are disjoint, so there is
 * no data race (ThreadSanitizer reports one if two bodies ever share an index), and the
 * loop's end must make every body's writes visible to the caller. Since the lengths of
 * all body ranges add up to exactly n (counted atomically), every count being non-zero
 * means every count is exactly one. */
typedef struct visit {
    size_t lo, hi, grain;
    unsigned char *count;         /* per index, relative to lo */
    _Atomic size_t calls;
    _Atomic size_t total;         /* sum of the lengths of the body ranges */
    _Atomic int bad;
    size_t bad_lo, bad_hi;        /* first bad range (written by the thread that set bad) */
} visit;

static int visit_body(size_t lo, size_t hi, void *ctx)
{
    visit *v = ctx;
    if (lo >= hi || lo < v->lo || hi > v->hi || (v->grain && hi - lo > v->grain)) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&v->bad, &expected, 1)) {
            v->bad_lo = lo;
            v->bad_hi = hi;
        }
        return 0;
    }
    for (size_t i = lo; i < hi; i++) v->count[i - v->lo]++;
    atomic_fetch_add_explicit(&v->calls, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&v->total, hi - lo, memory_order_relaxed);
    return 0;
}

static unsigned char *counts;
static size_t counts_cap;

static void check_for(size_t lo, size_t hi, size_t grain)
{
    size_t n = hi - lo;
    if (n > counts_cap) {
        free(counts);
        counts = malloc(n * sizeof(*counts));
        CHECK(counts != NULL);
        counts_cap = n;
    }
    if (n) memset(counts, 0, n * sizeof(*counts));
    visit v = {.lo = lo, .hi = hi, .grain = grain, .count = counts};
    atomic_init(&v.calls, 0);
    atomic_init(&v.total, 0);
    atomic_init(&v.bad, 0);
    int rc = pel_parallel_for(rt, lo, hi, grain, visit_body, &v);
    if (rc != PEL_OK)
        CHECK_FAIL_("for [%zu, %zu) grain %zu returned %s", lo, hi, grain, pel_errname(rc));
    if (atomic_load(&v.bad))
        CHECK_FAIL_("for [%zu, %zu) grain %zu: body got [%zu, %zu)", lo, hi, grain, v.bad_lo,
                    v.bad_hi);
    if (atomic_load(&v.total) != n)
        CHECK_FAIL_("for [%zu, %zu) grain %zu: body ranges add up to %zu iterations", lo, hi,
                    grain, atomic_load(&v.total));
    for (size_t i = 0; i < n; i++)
        if (counts[i] != 1)
            CHECK_FAIL_("for [%zu, %zu) grain %zu: index %zu visited %d times", lo, hi, grain,
                        lo + i, (int)counts[i]);
    size_t calls = atomic_load(&v.calls);
    CHECK(n == 0 ? calls == 0 : calls >= 1 && calls <= n);
    if (grain) CHECK_GE(calls, n / grain + (n % grain != 0));
}

static size_t sizes[64];
static int num_sizes;
static size_t small_grain_cap; /* largest range run with grains 1 and 2 */

static void make_sizes(void)
{
    const size_t fixed[] = {0, 1, 2, 3, 7, 97, 1009, 10007, 1000000};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) sizes[num_sizes++] = fixed[i];
    for (int k = 1; k <= 20; k++) {
        if (k > 1) sizes[num_sizes++] = ((size_t)1 << k) - 1; /* 2^1-1 = 1 is there */
        sizes[num_sizes++] = ((size_t)1 << k) + 1;
    }
    sizes[num_sizes++] = (size_t)test_scaled(10000000, 1000000);
    small_grain_cap = (size_t)test_scaled((1L << 20) + 1, 1L << 16);
}

static void test_for_sizes(void)
{
    for (int s = 0; s < num_sizes; s++) {
        size_t n = sizes[s];
        const size_t grains[] = {0, 1, 2, 7, n + 1, SIZE_MAX};
        for (size_t g = 0; g < sizeof(grains) / sizeof(grains[0]); g++) {
            /* Grains 1 and 2 cost a task per iteration or two: keep them to 2^20+1
             * (less in sanitizer builds). */
            if ((grains[g] == 1 || grains[g] == 2) && n > small_grain_cap) continue;
            check_for(0, n, grains[g]);
        }
    }
}

static void test_for_offsets(void)
{
    const size_t grains[] = {0, 1, 3, 64, SIZE_MAX};
    for (size_t g = 0; g < sizeof(grains) / sizeof(grains[0]); g++) {
        check_for(5, 1000, grains[g]);
        check_for(1000, 1001, grains[g]);
        check_for(123456789, 123456789 + 100003, grains[g]);
        /* Near the top of size_t: midpoints and lo + grain must not overflow. */
        check_for(SIZE_MAX - 100003, SIZE_MAX, grains[g]);
        check_for(SIZE_MAX - 1, SIZE_MAX, grains[g]);
        check_for(SIZE_MAX / 2 - 5000, SIZE_MAX / 2 + 5000, grains[g]);
    }
}

/* ---- parallel_for: errors ------------------------------------------------------------ */

static _Atomic int body_calls;

static int counting_body(size_t lo, size_t hi, void *ctx)
{
    (void)lo, (void)hi, (void)ctx;
    atomic_fetch_add(&body_calls, 1);
    return 0;
}

typedef struct stopping {
    size_t fail_at;             /* the chunk holding this index fails */
    int code;
    _Atomic size_t visited;     /* iterations of chunks that succeeded */
} stopping;

static int failing_body(size_t lo, size_t hi, void *ctx)
{
    stopping *s = ctx;
    if (lo <= s->fail_at && s->fail_at < hi) return s->code;
    /* A little work per iteration, so that the loop is long enough to be stopped. */
    volatile size_t sink = 0;
    for (size_t i = lo; i < hi; i++) sink = sink + i;
    (void)sink;
    atomic_fetch_add_explicit(&s->visited, hi - lo, memory_order_relaxed);
    return 0;
}

static int always_failing(size_t lo, size_t hi, void *ctx)
{
    (void)lo, (void)hi, (void)ctx;
    return 5;
}

static void test_for_errors(void)
{
    atomic_store(&body_calls, 0);
    CHECK_RC(pel_parallel_for(rt, 10, 9, 0, counting_body, NULL), PEL_EINVAL);
    CHECK_RC(pel_parallel_for(rt, SIZE_MAX, 0, 1, counting_body, NULL), PEL_EINVAL);
    CHECK_RC(pel_parallel_for(rt, 0, 0, 0, counting_body, NULL), PEL_OK);
    CHECK_RC(pel_parallel_for(rt, 777, 777, 1, counting_body, NULL), PEL_OK);
    CHECK_RC(pel_parallel_for(rt, SIZE_MAX, SIZE_MAX, 0, counting_body, NULL), PEL_OK);
    CHECK_EQ(atomic_load(&body_calls), 0);
    CHECK_RC(pel_parallel_for(rt, 0, 100, 0, NULL, NULL), PEL_EINVAL);
    CHECK_RC(pel_parallel_for(rt, 0, 0, 0, NULL, NULL), PEL_EINVAL);

    /* An error early in a large range: returned, and the rest of the loop is skipped. */
    size_t n = (size_t)test_scaled(10000000, 1000000);
    const size_t grains[] = {0, 1000};
    for (size_t g = 0; g < 2; g++) {
        stopping s = {.fail_at = 0, .code = 42};
        atomic_init(&s.visited, 0);
        CHECK_RC(pel_parallel_for(rt, 0, n, grains[g], failing_body, &s), 42);
        size_t visited = atomic_load(&s.visited);
        if (visited >= n) CHECK_FAIL_("grain %zu: the error did not stop the loop", grains[g]);
        printf("error at index 0, grain %zu: %zu of %zu iterations ran\n", grains[g], visited, n);
    }
    /* An error at the very end is returned too (negative user codes pass through). */
    stopping late = {.fail_at = n - 1, .code = -77};
    atomic_init(&late.visited, 0);
    CHECK_RC(pel_parallel_for(rt, 0, n, 0, failing_body, &late), -77);
    /* Every chunk fails. */
    CHECK_RC(pel_parallel_for(rt, 0, 100000, 0, always_failing, NULL), 5);
    CHECK_RC(pel_parallel_for(rt, 0, 100000, 1, always_failing, NULL), 5);
    CHECK_RC(pel_parallel_for(rt, 0, 1, 0, always_failing, NULL), 5);
}

/* ---- parallel_reduce: sums --------------------------------------------------------- */

typedef struct range_check {
    size_t lo, hi, grain;
    _Atomic int bad;
} range_check;

static int range_ok(range_check *c, size_t lo, size_t hi)
{
    if (lo < hi && lo >= c->lo && hi <= c->hi && (!c->grain || hi - lo <= c->grain)) return 1;
    atomic_store(&c->bad, 1);
    return 0;
}

static int sum_body(size_t lo, size_t hi, void *acc, void *ctx)
{
    if (!range_ok(ctx, lo, hi)) return 0;
    uint64_t s = 0;
    for (size_t i = lo; i < hi; i++) s += i;
    *(uint64_t *)acc += s;
    return 0;
}

static void sum_combine(void *acc, const void *other, void *ctx)
{
    (void)ctx;
    *(uint64_t *)acc += *(const uint64_t *)other;
}

/* The sum of i over [lo, hi), modulo 2^64: n*lo + n(n-1)/2. */
static uint64_t sum_of(size_t lo, size_t hi)
{
    uint64_t n = hi - lo;
    uint64_t triangle = n % 2 == 0 ? (n / 2) * (n - 1) : n * ((n - 1) / 2);
    return n * (uint64_t)lo + triangle;
}

static void check_sum(size_t lo, size_t hi, size_t grain)
{
    range_check c = {lo, hi, grain, 0};
    uint64_t result = 0xdeadbeef, zero = 0;
    int rc = pel_parallel_reduce(rt, lo, hi, grain, &result, &zero, sizeof(result), sum_body,
                                 sum_combine, &c);
    if (rc != PEL_OK)
        CHECK_FAIL_("reduce [%zu, %zu) grain %zu returned %s", lo, hi, grain, pel_errname(rc));
    CHECK_EQ(atomic_load(&c.bad), 0);
    if (result != sum_of(lo, hi))
        CHECK_FAIL_("reduce [%zu, %zu) grain %zu: sum %" PRIu64 ", expected %" PRIu64, lo, hi,
                    grain, result, sum_of(lo, hi));
    CHECK_EQ(zero, 0); /* the identity is not written to */
}

static void test_reduce_sum(void)
{
    for (int s = 0; s < num_sizes; s++) {
        size_t n = sizes[s];
        const size_t grains[] = {0, 1, 7, n + 1, SIZE_MAX};
        for (size_t g = 0; g < sizeof(grains) / sizeof(grains[0]); g++) {
            if (grains[g] == 1 && n > small_grain_cap) continue;
            check_sum(0, n, grains[g]);
        }
    }
    check_sum(5, 1000, 0);
    check_sum(SIZE_MAX - 100000, SIZE_MAX, 0);
    check_sum(SIZE_MAX - 100000, SIZE_MAX, 3);

    /* The result may alias the identity. */
    uint64_t x = 0;
    range_check c = {0, 100000, 0, 0};
    CHECK_OK(pel_parallel_reduce(rt, 0, 100000, 0, &x, &x, sizeof(x), sum_body, sum_combine, &c));
    CHECK_EQ(x, sum_of(0, 100000));
}

/* ---- parallel_reduce: order ---------------------------------------------------------- */

/* A contiguous range of indices; combining non-adjacent ranges, or joining them out of
 * order, is flagged. `magic` proves every partial accumulator began as the identity. */
typedef struct span {
    uint64_t magic;
    size_t first, end;
    int empty;
    int bad;
} span;

#define SPAN_MAGIC 0x5ba4c0de5ba4c0deull

static int span_body(size_t lo, size_t hi, void *acc, void *ctx)
{
    span *s = acc;
    if (!range_ok(ctx, lo, hi) || s->magic != SPAN_MAGIC) {
        s->bad = 1;
        return 0;
    }
    if (s->empty) {
        s->first = lo;
        s->empty = 0;
    } else if (s->end != lo) {
        s->bad = 1;
    }
    s->end = hi;
    return 0;
}

static void span_combine(void *acc, const void *other_, void *ctx)
{
    (void)ctx;
    span *s = acc;
    const span *o = other_;
    if (s->magic != SPAN_MAGIC || o->magic != SPAN_MAGIC) s->bad = 1;
    s->bad |= o->bad;
    if (o->empty) return;
    if (s->empty) {
        s->first = o->first;
        s->empty = 0;
    } else if (s->end != o->first) {
        s->bad = 1; /* `other` must cover the iterations right after acc's */
    }
    s->end = o->end;
}

/* 2x2 matrices modulo 2^64: M(i) = [[i+1, 1], [1, 0]]; their product in index order. */
typedef struct mat2 {
    uint64_t a, b, c, d;
} mat2;

static mat2 mat_mul(mat2 x, mat2 y)
{
    return (mat2){x.a * y.a + x.b * y.c, x.a * y.b + x.b * y.d, x.c * y.a + x.d * y.c,
                  x.c * y.b + x.d * y.d};
}

static int mat_body(size_t lo, size_t hi, void *acc, void *ctx)
{
    if (!range_ok(ctx, lo, hi)) return 0;
    mat2 *m = acc;
    for (size_t i = lo; i < hi; i++) *m = mat_mul(*m, (mat2){i + 1, 1, 1, 0});
    return 0;
}

static void mat_combine(void *acc, const void *other, void *ctx)
{
    (void)ctx;
    *(mat2 *)acc = mat_mul(*(mat2 *)acc, *(const mat2 *)other);
}

static void test_reduce_order(void)
{
    const size_t ns[] = {1, 2, 3, 100, 1009, 65537, 1000000};
    const size_t grains[] = {0, 1, 2, 7, 1000, SIZE_MAX};
    for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
        size_t lo = 3, hi = 3 + ns[k];
        mat2 expected = {1, 0, 0, 1};
        for (size_t i = lo; i < hi; i++) expected = mat_mul(expected, (mat2){i + 1, 1, 1, 0});
        for (size_t g = 0; g < sizeof(grains) / sizeof(grains[0]); g++) {
            if (grains[g] < 7 && ns[k] > 100000) continue;
            range_check c = {lo, hi, grains[g], 0};
            span identity = {SPAN_MAGIC, 0, 0, 1, 0}, result;
            memset(&result, 0, sizeof(result));
            CHECK_OK(pel_parallel_reduce(rt, lo, hi, grains[g], &result, &identity,
                                         sizeof(span), span_body, span_combine, &c));
            CHECK_EQ(atomic_load(&c.bad), 0);
            if (result.bad || result.empty || result.first != lo || result.end != hi)
                CHECK_FAIL_("n=%zu grain %zu: spans joined out of order (bad %d, [%zu, %zu))",
                            ns[k], grains[g], result.bad, result.first, result.end);
            mat2 m = {0, 0, 0, 0}, one = {1, 0, 0, 1};
            CHECK_OK(pel_parallel_reduce(rt, lo, hi, grains[g], &m, &one, sizeof(m), mat_body,
                                         mat_combine, &c));
            if (memcmp(&m, &expected, sizeof(m)) != 0)
                CHECK_FAIL_("n=%zu grain %zu: matrix product differs from the serial one", ns[k],
                            grains[g]);
        }
    }
    /* Aliasing with a non-commutative combine. */
    span s = {SPAN_MAGIC, 0, 0, 1, 0};
    range_check c = {0, 54321, 0, 0};
    CHECK_OK(pel_parallel_reduce(rt, 0, 54321, 0, &s, &s, sizeof(s), span_body, span_combine, &c));
    CHECK(!s.bad && !s.empty && s.first == 0 && s.end == 54321);
}

/* ---- parallel_reduce: identity, sizes, errors -------------------------------------- */

static int never_called(size_t lo, size_t hi, void *acc, void *ctx)
{
    (void)lo, (void)hi, (void)acc, (void)ctx;
    atomic_fetch_add(&body_calls, 1);
    return 0;
}

static void test_reduce_identity(void)
{
    atomic_store(&body_calls, 0);
    uint64_t identity = 12345, result = 0;
    CHECK_OK(pel_parallel_reduce(rt, 0, 0, 0, &result, &identity, sizeof(result), never_called,
                                 sum_combine, NULL));
    CHECK_EQ(result, 12345);
    result = 0;
    CHECK_OK(pel_parallel_reduce(rt, 99, 99, 1, &result, &identity, sizeof(result), never_called,
                                 sum_combine, NULL));
    CHECK_EQ(result, 12345);
    CHECK_EQ(atomic_load(&body_calls), 0);

    /* A non-zero identity is the start of every partial result: with a sum, it is then
     * counted once per partial accumulator, so only check it appears at least once. */
    range_check c = {0, 1000, 0, 0};
    result = 0;
    identity = 1;
    CHECK_OK(pel_parallel_reduce(rt, 0, 1000, 0, &result, &identity, sizeof(result), sum_body,
                                 sum_combine, &c));
    CHECK_GE(result, sum_of(0, 1000) + 1);
    CHECK_LE(result, sum_of(0, 1000) + 1000 + 64);
}

/* A 3-byte accumulator: no alignment or size rounding assumed. */
typedef struct bytes3 {
    unsigned char b[3];
} bytes3;

static int bytes_body(size_t lo, size_t hi, void *acc, void *ctx)
{
    (void)ctx;
    unsigned char *b = acc;
    for (size_t i = lo; i < hi; i++) {
        b[0] = (unsigned char)(b[0] + i);
        b[1] ^= (unsigned char)(i >> 3);
        b[2] = (unsigned char)(b[2] + 1);
    }
    return 0;
}

static void bytes_combine(void *acc, const void *other, void *ctx)
{
    (void)ctx;
    unsigned char *a = acc;
    const unsigned char *o = other;
    a[0] = (unsigned char)(a[0] + o[0]);
    a[1] ^= o[1];
    a[2] = (unsigned char)(a[2] + o[2]);
}

/* A 4 KiB accumulator: a histogram of i modulo 511 with each bucket's sum of indices. */
enum { BUCKETS = 511 };

typedef struct histogram {
    uint64_t count;
    uint64_t sum[BUCKETS];
} histogram;

static int hist_body(size_t lo, size_t hi, void *acc, void *ctx)
{
    (void)ctx;
    histogram *h = acc;
    for (size_t i = lo; i < hi; i++) {
        h->sum[i % BUCKETS] += i;
        h->count++;
    }
    return 0;
}

static void hist_combine(void *acc, const void *other, void *ctx)
{
    (void)ctx;
    histogram *h = acc;
    const histogram *o = other;
    h->count += o->count;
    for (int k = 0; k < BUCKETS; k++) h->sum[k] += o->sum[k];
}

/* An accumulator with the strictest fundamental alignment: every partial accumulator
 * handed to body and combine must be aligned for it. */
typedef struct aligned_acc {
    _Alignas(max_align_t) uint64_t sum;
    unsigned char tag;
} aligned_acc;

static _Atomic int misaligned;

static int aligned_body(size_t lo, size_t hi, void *acc, void *ctx)
{
    (void)ctx;
    if ((uintptr_t)acc % _Alignof(max_align_t) != 0) atomic_store(&misaligned, 1);
    for (size_t i = lo; i < hi; i++) ((aligned_acc *)acc)->sum += i;
    return 0;
}

static void aligned_combine(void *acc, const void *other, void *ctx)
{
    (void)ctx;
    if ((uintptr_t)acc % _Alignof(max_align_t) != 0 ||
        (uintptr_t)other % _Alignof(max_align_t) != 0)
        atomic_store(&misaligned, 1);
    ((aligned_acc *)acc)->sum += ((const aligned_acc *)other)->sum;
}

static void test_reduce_alignment(void)
{
    const size_t grains[] = {0, 1, 10};
    for (size_t g = 0; g < 3; g++) {
        aligned_acc zero = {0, 0}, got = {1, 1};
        CHECK_OK(pel_parallel_reduce(rt, 0, 100000, grains[g], &got, &zero, sizeof(got),
                                     aligned_body, aligned_combine, NULL));
        CHECK_EQ(got.sum, sum_of(0, 100000));
        CHECK_EQ(atomic_load(&misaligned), 0);
    }
}

static void test_reduce_sizes(void)
{
    const size_t n = 300007;
    bytes3 zero3 = {{0, 0, 0}}, got3 = {{9, 9, 9}}, want3 = {{0, 0, 0}};
    bytes_body(0, n, &want3, NULL);
    const size_t grains[] = {0, 1, 13};
    for (size_t g = 0; g < 3; g++) {
        CHECK_OK(pel_parallel_reduce(rt, 0, n, grains[g], &got3, &zero3, sizeof(got3), bytes_body,
                                     bytes_combine, NULL));
        CHECK_EQ(memcmp(&got3, &want3, sizeof(got3)), 0);
    }

    CHECK_EQ(sizeof(histogram), 4096);
    histogram *zero = calloc(1, sizeof(histogram)), *got = malloc(sizeof(histogram)),
              *want = calloc(1, sizeof(histogram));
    CHECK(zero && got && want);
    hist_body(0, n, want, NULL);
    const size_t hist_grains[] = {0, 64, 5000};
    for (size_t g = 0; g < 3; g++) {
        memset(got, 0xab, sizeof(*got));
        CHECK_OK(pel_parallel_reduce(rt, 0, n, hist_grains[g], got, zero, sizeof(histogram),
                                     hist_body, hist_combine, NULL));
        CHECK_EQ(got->count, n);
        CHECK_EQ(memcmp(got, want, sizeof(histogram)), 0);
    }
    free(zero);
    free(got);
    free(want);
}

static int failing_reduce(size_t lo, size_t hi, void *acc, void *ctx)
{
    (void)acc;
    stopping *s = ctx;
    if (lo <= s->fail_at && s->fail_at < hi) return s->code;
    atomic_fetch_add_explicit(&s->visited, hi - lo, memory_order_relaxed);
    return 0;
}

static void test_reduce_errors(void)
{
    uint64_t result = 777, zero = 0;
    range_check c = {0, 100, 0, 0};
#define REDUCE_FAILS(lo, hi, res, id, size, body, combine)                                 \
    do {                                                                                   \
        result = 777;                                                                      \
        CHECK_RC(pel_parallel_reduce(rt, lo, hi, 0, res, id, size, body, combine, &c),     \
                 PEL_EINVAL);                                                              \
        CHECK_EQ(result, 777);                                                             \
    } while (0)
    REDUCE_FAILS(0, 100, &result, &zero, sizeof(result), sum_body, NULL);
    REDUCE_FAILS(0, 100, NULL, &zero, sizeof(result), sum_body, sum_combine);
    REDUCE_FAILS(0, 100, &result, NULL, sizeof(result), sum_body, sum_combine);
    REDUCE_FAILS(0, 100, &result, &zero, 0, sum_body, sum_combine);
    REDUCE_FAILS(0, 100, &result, &zero, sizeof(result), NULL, sum_combine);
    REDUCE_FAILS(100, 0, &result, &zero, sizeof(result), sum_body, sum_combine);
    REDUCE_FAILS(0, 0, &result, &zero, 0, sum_body, sum_combine);
    REDUCE_FAILS(0, 0, &result, &zero, sizeof(result), sum_body, NULL);
#undef REDUCE_FAILS

    /* A failing body: its code is returned and the result is left unchanged. */
    size_t n = (size_t)test_scaled(4000000, 1000000);
    const size_t fail_at[] = {0, n / 2, n - 1};
    for (int k = 0; k < 3; k++) {
        stopping s = {.fail_at = fail_at[k], .code = 1234 + k};
        atomic_init(&s.visited, 0);
        result = 777;
        CHECK_RC(pel_parallel_reduce(rt, 0, n, 0, &result, &zero, sizeof(result), failing_reduce,
                                     sum_combine, &s), 1234 + k);
        CHECK_EQ(result, 777);
    }
    stopping s = {.fail_at = 0, .code = 99};
    atomic_init(&s.visited, 0);
    CHECK_RC(pel_parallel_reduce(rt, 0, n, 0, &result, &zero, sizeof(result), failing_reduce,
                                 sum_combine, &s), 99);
    CHECK_LT(atomic_load(&s.visited), n); /* and it stopped the loop */

    /* A destroyed runtime. */
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = 1;
    pel_runtime *dead = NULL;
    CHECK_OK(pel_runtime_create(&cfg, &dead));
    CHECK_OK(pel_runtime_destroy(dead));
    result = 777;
    CHECK_RC(pel_parallel_reduce(dead, 0, 100, 0, &result, &zero, sizeof(result), sum_body,
                                 sum_combine, &c), PEL_EDESTROYED);
    CHECK_EQ(result, 777);
    CHECK_RC(pel_parallel_for(dead, 0, 100, 0, counting_body, NULL), PEL_EDESTROYED);
}

int main(void)
{
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = test_workers();
    CHECK_OK(pel_runtime_create(&cfg, &rt));
    make_sizes();
    test_for_sizes();
    test_for_offsets();
    test_for_errors();
    test_reduce_sum();
    test_reduce_order();
    test_reduce_identity();
    test_reduce_sizes();
    test_reduce_alignment();
    test_reduce_errors();
    free(counts);
    CHECK_OK(pel_runtime_destroy(rt));
    return 0;
}
