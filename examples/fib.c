/* fib.c — fork-join with task groups: the Fibonacci numbers, the classic way.
 *
 * Each call fib(n) spawns fib(n-1) into a group, computes fib(n-2) itself, then waits.
 * No cutoff: every call below the top is a task, so this measures what a spawn costs.
 * The result is checked against a simple loop.
 *
 *     usage: pel_example_fib [n]      (default 35)
 */
#include <pel.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct fib {
    int n;
    long long result;
};

static int fib_task(void *arg)
{
    struct fib *f = arg;
    if (f->n < 2) {
        f->result = f->n;
        return 0;
    }
    struct fib a = {f->n - 1, 0}, b = {f->n - 2, 0};
    pel_group g;
    int rc = pel_group_init(&g, NULL);
    if (rc != PEL_OK) return rc;
    rc = pel_group_spawn(&g, fib_task, &a); /* may be stolen by another worker */
    int rc_b = fib_task(&b);                /* meanwhile, do the other half here */
    int rc_wait = pel_group_wait(&g);       /* runs other work until `a` is done */
    if (rc == PEL_OK) rc = rc_b;
    if (rc == PEL_OK) rc = rc_wait;
    f->result = a.result + b.result;
    return rc;
}

static long long fib_serial(int n)
{
    long long x = 0, y = 1;
    for (int i = 0; i < n; i++) {
        long long t = x + y;
        x = y;
        y = t;
    }
    return x;
}

static double now(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC); /* C11; fine for timing a demonstration */
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 35;
    if (n < 0 || n > 60) {
        fprintf(stderr, "usage: %s [n], 0 <= n <= 60\n", argv[0]);
        return 2;
    }
    if (!pel_runtime_default()) { /* start the workers now, outside the timed parts */
        fprintf(stderr, "pel: %s\n", pel_strerror(pel_runtime_default_error()));
        return 1;
    }
    struct fib top = {n, 0};
    pel_group g;
    double t0 = now();
    int rc = pel_group_init(&g, NULL); /* the default runtime */
    if (rc == PEL_OK) rc = pel_group_spawn(&g, fib_task, &top);
    if (rc == PEL_OK) rc = pel_group_wait(&g);
    double t = now() - t0;
    if (rc != PEL_OK) {
        fprintf(stderr, "fib: %s\n", pel_strerror(rc));
        return 1;
    }
    long long expected = fib_serial(n);
    /* fib_task(n) runs once per call of the recursion: 2 fib(n+1) - 1 calls. */
    long long tasks = 2 * fib_serial(n + 1) - 1;
    printf("fib(%d) = %lld on %d workers: %lld tasks in %.3f s\n", n, top.result,
           pel_runtime_num_workers(NULL), tasks, t);
    if (top.result != expected) {
        fprintf(stderr, "fib: wrong result, expected %lld\n", expected);
        return 1;
    }
    return 0;
}
