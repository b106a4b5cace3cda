/* consumer.c — a program built against an installed pel, to check the packaging:
 * the headers compile on their own, the library links, and the parallel loops work. */
#include <pel.h>

#include <stdio.h>
#include <string.h>

#define N 1000

static int fill(size_t lo, size_t hi, void *ctx)
{
    unsigned long long *a = ctx;
    for (size_t i = lo; i < hi; i++) a[i] = i + 1;
    return 0;
}

static int sum_range(size_t lo, size_t hi, void *acc, void *ctx)
{
    const unsigned long long *a = ctx;
    unsigned long long *sum = acc;
    for (size_t i = lo; i < hi; i++) *sum += a[i];
    return 0;
}

static void add(void *acc, const void *other, void *ctx)
{
    (void)ctx;
    *(unsigned long long *)acc += *(const unsigned long long *)other;
}

int main(void)
{
    if (strcmp(pel_version(), PEL_VERSION_STRING) != 0) {
        fprintf(stderr, "library %s does not match header %s\n", pel_version(),
                PEL_VERSION_STRING);
        return 1;
    }
    static unsigned long long a[N];
    unsigned long long zero = 0, sum = 0;
    int rc = pel_parallel_for(NULL, 0, N, 0, fill, a);
    if (rc == PEL_OK)
        rc = pel_parallel_reduce(NULL, 0, N, 0, &sum, &zero, sizeof sum, sum_range, add, a);
    if (rc != PEL_OK || sum != 500500) {
        fprintf(stderr, "sum 1..1000: rc %d (%s), got %llu, expected 500500\n", rc,
                pel_strerror(rc), sum);
        return 1;
    }
    printf("pel %s: sum 1..1000 = %llu on %d workers\n", pel_version(), sum,
           pel_runtime_num_workers(NULL));
    return 0;
}
