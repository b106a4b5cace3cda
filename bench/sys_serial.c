/* bench/sys_serial.c — the serial C baseline: the best plain single-threaded code for
 * each kernel (no task runtime at all), and qsort for the sort. */
#include <stdlib.h>

#include "common.h"

static int serial_setup(int workers)
{
    (void)workers;
    return 0;
}

static void serial_teardown(void)
{
}

static long serial_fib(int n)
{
    return bench_fib_serial(n);
}

static long serial_nqueens(int n)
{
    long nodes = 0;
    return bench_nqueens_serial(n, 0, 0, 0, 0, &nodes);
}

static long serial_uts(const bench_uts_params *p)
{
    long total = 1;
    for (int i = 0; i < p->b0; i++)
        total += bench_uts_serial(p, bench_uts_child(p->seed, i));
    return total;
}

static void serial_for_compute(double *y, const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = bench_compute_elem(x[i]);
}

static void serial_for_memory(double *a, const double *b, const double *c, double s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        a[i] = b[i] + s * c[i];
}

static double serial_reduce_sum(const double *x, size_t n)
{
    return bench_sum_range(x, 0, n);
}

static int compare_int32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static void serial_sort_int(int32_t *a, size_t n)
{
    qsort(a, n, sizeof *a, compare_int32);
}

const bench_system bench_system_impl = {
    .name = "serial",
    .setup = serial_setup,
    .teardown = serial_teardown,
    .fib = serial_fib,
    .nqueens = serial_nqueens,
    .uts = serial_uts,
    .for_compute = serial_for_compute,
    .for_memory = serial_for_memory,
    .reduce_sum = serial_reduce_sum,
    .sort_int = serial_sort_int,
};
