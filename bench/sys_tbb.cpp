// bench/sys_tbb.cpp — the kernels written with oneTBB: tbb::task_group for fib, nqueens
// and uts (one task per child, no cutoff), tbb::parallel_for and tbb::parallel_reduce
// over a blocked_range with the default auto_partitioner for the loops, and
// tbb::parallel_sort. The worker count is set with tbb::global_control; the calling
// thread takes part in the work, as TBB intends.
#include <atomic>
#include <cstdlib>
#include <functional>
#include <thread>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>
#include <tbb/parallel_sort.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include "common.h"

namespace {

tbb::global_control *control;
tbb::task_arena *arena;

int tbb_setup(int workers)
{
    control = new tbb::global_control(tbb::global_control::max_allowed_parallelism,
                                      static_cast<size_t>(workers));
    arena = new tbb::task_arena(workers);
    arena->initialize();
    return 0;
}

void tbb_teardown()
{
    delete arena;
    delete control;
}

void tbb_touch()
{
    std::atomic<long> sink{0};
    tbb::parallel_for(0, 4096, [&](int i) { sink.fetch_add(i, std::memory_order_relaxed); });
    arena->execute([&] {
        tbb::parallel_for(0, 4096, [&](int i) { sink.fetch_add(i, std::memory_order_relaxed); });
    });
}

// ---- fib ----

long fib_rec(int n)
{
    if (n < 2)
        return n;
    long x;
    tbb::task_group g;
    g.run([&x, n] { x = fib_rec(n - 1); });
    long y = fib_rec(n - 2);
    g.wait();
    return x + y;
}

long tbb_fib(int n)
{
    return fib_rec(n);
}

// ---- nqueens ----

long nq_rec(int n, int row, uint32_t cols, uint32_t d1, uint32_t d2)
{
    if (row == n)
        return 1;
    long res[BENCH_NQUEENS_MAX];
    int k = 0;
    tbb::task_group g;
    for (uint32_t free_ = bench_nqueens_free(n, cols, d1, d2); free_ != 0; free_ &= free_ - 1) {
        uint32_t c = cols, a = d1, b = d2;
        bench_nqueens_place(free_ & (0u - free_), &c, &a, &b);
        g.run([&res, k, n, row, c, a, b] { res[k] = nq_rec(n, row + 1, c, a, b); });
        k++;
    }
    g.wait();
    long total = 0;
    for (int i = 0; i < k; i++)
        total += res[i];
    return total;
}

long tbb_nqueens(int n)
{
    return nq_rec(n, 0, 0, 0, 0);
}

// ---- uts ----

long uts_rec(const bench_uts_params *p, uint64_t id)
{
    int nc = bench_uts_children(p, id);
    long total = 1;
    if (nc > 0) {
        long res[BENCH_UTS_MAX_M];
        tbb::task_group g;
        for (int i = 0; i < nc; i++)
            g.run([&res, p, id, i] { res[i] = uts_rec(p, bench_uts_child(id, i)); });
        g.wait();
        for (int i = 0; i < nc; i++)
            total += res[i];
    }
    return total;
}

long tbb_uts(const bench_uts_params *p)
{
    std::vector<long> res(static_cast<size_t>(p->b0));
    tbb::task_group g;
    for (int i = 0; i < p->b0; i++)
        g.run([&res, p, i] { res[static_cast<size_t>(i)] = uts_rec(p, bench_uts_child(p->seed, i)); });
    g.wait();
    long total = 1;
    for (long r : res)
        total += r;
    return total;
}

// ---- for / reduce ----

using range = tbb::blocked_range<size_t>;

void tbb_for_compute(double *y, const double *x, size_t n)
{
    tbb::parallel_for(range(0, n), [=](const range &r) {
        for (size_t i = r.begin(); i != r.end(); ++i)
            y[i] = bench_compute_elem(x[i]);
    });
}

void tbb_for_memory(double *a, const double *b, const double *c, double s, size_t n)
{
    tbb::parallel_for(range(0, n), [=](const range &r) {
        for (size_t i = r.begin(); i != r.end(); ++i)
            a[i] = b[i] + s * c[i];
    });
}

double tbb_reduce_sum(const double *x, size_t n)
{
    return tbb::parallel_reduce(
        range(0, n), 0.0,
        [=](const range &r, double acc) { return acc + bench_sum_range(x, r.begin(), r.end()); },
        std::plus<double>());
}

// ---- sort ----

void tbb_sort_int(int32_t *a, size_t n)
{
    tbb::parallel_sort(a, a + n);
}

// ---- wake: enqueue a task into an arena whose workers have gone idle; the calling
// thread does not join the arena, so a worker thread must wake up to run it. ----

double tbb_wake_trial(double *started)
{
    std::atomic<int> done{0};
    double when = 0;
    double t0 = bench_now();
    arena->enqueue([&] {
        when = bench_now();
        done.store(1, std::memory_order_release);
    });
    while (done.load(std::memory_order_acquire) == 0)
        std::this_thread::yield();
    *started = when;
    return t0;
}

bench_system make_system()
{
    bench_system s{};
    s.name = "tbb";
    s.setup = tbb_setup;
    s.teardown = tbb_teardown;
    s.touch = tbb_touch;
    s.fib = tbb_fib;
    s.nqueens = tbb_nqueens;
    s.uts = tbb_uts;
    s.for_compute = tbb_for_compute;
    s.for_memory = tbb_for_memory;
    s.reduce_sum = tbb_reduce_sum;
    s.sort_int = tbb_sort_int;
    s.wake_trial = tbb_wake_trial;
    return s;
}

} // namespace

extern "C" const bench_system bench_system_impl = make_system();
