/* sort.c — parallel sorting of any element type with a comparator.
 *
 * Sorts n random ints with pel_parallel_sort and checks the result against qsort, then
 * sorts records by a small key with pel_parallel_stable_sort and checks that records with
 * equal keys kept their original order.
 *
 *     usage: pel_example_sort [n]      (default 4000000)
 */
#include <pel.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct record {
    int key;
    size_t origin; /* position before sorting */
};

static int cmp_int(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int cmp_int_qsort(const void *a, const void *b)
{
    return cmp_int(a, b, NULL);
}

static int cmp_key(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    int x = ((const struct record *)a)->key, y = ((const struct record *)b)->key;
    return (x > y) - (x < y);
}

static double now(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC); /* C11; fine for timing a demonstration */
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t next_random(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static int sort_ints(size_t n)
{
    int *a = malloc((n ? n : 1) * sizeof *a), *b = malloc((n ? n : 1) * sizeof *b);
    if (!a || !b) {
        free(a);
        free(b);
        fprintf(stderr, "sort: out of memory\n");
        return 1;
    }
    uint64_t x = 7;
    for (size_t i = 0; i < n; i++) a[i] = b[i] = (int)(uint32_t)next_random(&x);

    double t0 = now();
    qsort(b, n, sizeof *b, cmp_int_qsort);
    double t_qsort = now() - t0;
    t0 = now();
    int rc = pel_parallel_sort(NULL, a, n, sizeof *a, cmp_int, NULL);
    double t_pel = now() - t0;

    int bad = rc != PEL_OK || memcmp(a, b, n * sizeof *a) != 0;
    free(a);
    free(b);
    if (rc != PEL_OK) {
        fprintf(stderr, "sort: %s\n", pel_strerror(rc));
        return 1;
    }
    printf("  pel_parallel_sort of %zu ints: %.3f s (qsort: %.3f s)\n", n, t_pel, t_qsort);
    if (bad) fprintf(stderr, "sort: result differs from qsort\n");
    return bad;
}

static int sort_records_stable(size_t n)
{
    struct record *r = malloc((n ? n : 1) * sizeof *r);
    if (!r) {
        fprintf(stderr, "sort: out of memory\n");
        return 1;
    }
    uint64_t x = 11;
    for (size_t i = 0; i < n; i++) r[i] = (struct record){(int)(next_random(&x) % 100), i};

    double t0 = now();
    int rc = pel_parallel_stable_sort(NULL, r, n, sizeof *r, cmp_key, NULL);
    double t = now() - t0;
    if (rc != PEL_OK) {
        free(r);
        fprintf(stderr, "stable sort: %s\n", pel_strerror(rc));
        return 1;
    }
    size_t bad_at = SIZE_MAX;
    for (size_t i = 1; i < n && bad_at == SIZE_MAX; i++) {
        if (r[i - 1].key > r[i].key ||
            (r[i - 1].key == r[i].key && r[i - 1].origin > r[i].origin))
            bad_at = i;
    }
    free(r);
    printf("  pel_parallel_stable_sort of %zu records, 100 distinct keys: %.3f s\n", n, t);
    if (bad_at != SIZE_MAX) {
        fprintf(stderr, "stable sort: out of order at %zu\n", bad_at);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 4000000;
    if (n < 0) {
        fprintf(stderr, "usage: %s [n], n >= 0\n", argv[0]);
        return 2;
    }
    if (!pel_runtime_default()) { /* start the workers now, outside the timed parts */
        fprintf(stderr, "pel: %s\n", pel_strerror(pel_runtime_default_error()));
        return 1;
    }
    printf("sort on %d workers\n", pel_runtime_num_workers(NULL));
    int bad = sort_ints((size_t)n);
    bad |= sort_records_stable((size_t)n);
    return bad;
}
