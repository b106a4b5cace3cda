// bench/sys_std.cpp — the serial C++ baselines for the sorts: std::sort and
// std::stable_sort with their default (inlined) comparisons.
#include <algorithm>

#include "common.h"

namespace {

int std_setup(int)
{
    return 0;
}

void std_teardown()
{
}

void std_sort_int(int32_t *a, size_t n)
{
    std::sort(a, a + n);
}

void std_stable_sort_kv(bench_kv *a, size_t n)
{
    std::stable_sort(a, a + n, [](const bench_kv &x, const bench_kv &y) { return x.key < y.key; });
}

bench_system make_system()
{
    bench_system s{};
    s.name = "std";
    s.setup = std_setup;
    s.teardown = std_teardown;
    s.sort_int = std_sort_int;
    s.stable_sort_kv = std_stable_sort_kv;
    return s;
}

} // namespace

extern "C" const bench_system bench_system_impl = make_system();
