/* mandelbrot.c — a parallel loop with uneven work per iteration.
 *
 * Counts the points of a size × size grid over [-2, 0.5] × [-1.25, 1.25] that stay bounded
 * for 256 iterations. Rows inside the set cost far more than rows outside it; pel's
 * automatic grain balances that without tuning. The loop runs twice, with the automatic
 * grain and with one row per chunk, and both counts must equal a serial count.
 *
 *     usage: pel_example_mandelbrot [size]      (default 1024)
 */
#include <pel.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MAX_ITER 256

struct grid {
    int size;
    atomic_long inside; /* points found inside the set, summed over chunks */
};

static long count_row(int size, int y)
{
    double ci = -1.25 + 2.5 * y / size;
    long inside = 0;
    for (int x = 0; x < size; x++) {
        double cr = -2.0 + 2.5 * x / size, zr = 0.0, zi = 0.0;
        int it = 0;
        while (it < MAX_ITER && zr * zr + zi * zi <= 4.0) {
            double t = zr * zr - zi * zi + cr;
            zi = 2.0 * zr * zi + ci;
            zr = t;
            it++;
        }
        inside += it == MAX_ITER;
    }
    return inside;
}

static int count_rows(size_t lo, size_t hi, void *ctx)
{
    struct grid *g = ctx;
    long inside = 0;
    for (size_t y = lo; y < hi; y++) inside += count_row(g->size, (int)y);
    atomic_fetch_add_explicit(&g->inside, inside, memory_order_relaxed);
    return 0;
}

static double now(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC); /* C11; fine for timing a demonstration */
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Count in parallel with the given grain; returns 0 if it matches `expected`. */
static int check_parallel(int size, size_t grain, long expected)
{
    struct grid g = {.size = size};
    atomic_init(&g.inside, 0);
    double t0 = now();
    int rc = pel_parallel_for(NULL, 0, (size_t)size, grain, count_rows, &g);
    double t = now() - t0;
    if (rc != PEL_OK) {
        fprintf(stderr, "mandelbrot: %s\n", pel_strerror(rc));
        return 1;
    }
    long got = atomic_load_explicit(&g.inside, memory_order_relaxed);
    printf("  parallel, grain %-4zu %ld points in %.3f s\n", grain, got, t);
    if (got != expected) {
        fprintf(stderr, "mandelbrot: wrong count %ld, expected %ld\n", got, expected);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int size = argc > 1 ? atoi(argv[1]) : 1024;
    if (size < 1 || size > 100000) {
        fprintf(stderr, "usage: %s [size], 1 <= size <= 100000\n", argv[0]);
        return 2;
    }
    if (!pel_runtime_default()) { /* start the workers now, outside the timed parts */
        fprintf(stderr, "pel: %s\n", pel_strerror(pel_runtime_default_error()));
        return 1;
    }
    printf("mandelbrot %d x %d, %d iterations, %d workers\n", size, size, MAX_ITER,
           pel_runtime_num_workers(NULL));
    double t0 = now();
    long expected = 0;
    for (int y = 0; y < size; y++) expected += count_row(size, y);
    printf("  serial              %ld points in %.3f s\n", expected, now() - t0);
    int bad = check_parallel(size, 0, expected);
    bad |= check_parallel(size, 1, expected);
    return bad;
}
