/* pel/loop.h — parallel loops: for, reduce and sort.
 *
 * Loops split their range on demand: a worker keeps processing its part in growing
 * chunks and hands half of what remains to other workers only when they are idle, so a
 * loop of 10^3 cheap iterations and one of 10^9 both run well with no tuning. An
 * explicit grain (> 0) instead cuts the range into pieces of at most `grain` iterations.
 *
 * Loops may be called from any thread, including from inside tasks and other loops, to
 * any depth. A thread that is not one of the runtime's workers runs the first few
 * microseconds of iterations itself (a short loop is cheaper to run than to hand over)
 * and hands the rest to the workers, so a body may run on the calling thread.
 *
 * The first non-zero value returned by a body stops the loop (chunks not yet started are
 * skipped) and is returned. A loop run by a task whose group (or an enclosing group) is
 * cancelled may skip pieces that have not started, and then returns PEL_ECANCELED:
 * PEL_OK always means that every iteration ran. Every function returns PEL_OK on success,
 * PEL_EINVAL for a NULL body/function or an inverted range (lo > hi), or PEL_EDESTROYED.
 * `rt` NULL means the default runtime.
 */
#ifndef PEL_LOOP_H
#define PEL_LOOP_H

#include <stddef.h>

#include "pel/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A loop body: process iterations [lo, hi). Returns 0, or non-zero to stop the loop. */
typedef int (*pel_for_fn)(size_t lo, size_t hi, void *ctx);

/* pel_parallel_for: call body(lo', hi', ctx) on disjoint sub-ranges that together
 * cover [lo, hi) exactly once. `grain` 0 chooses chunk sizes automatically. */
int pel_parallel_for(pel_runtime *rt, size_t lo, size_t hi, size_t grain, pel_for_fn body,
                     void *ctx);

/* A reduction body: fold iterations [lo, hi) into the accumulator `acc`. */
typedef int (*pel_reduce_fn)(size_t lo, size_t hi, void *acc, void *ctx);
/* A combine function: acc = acc ⊕ other, where `other` covers iterations that come
 * after those of `acc` (so a non-commutative but associative ⊕ is fine). */
typedef void (*pel_combine_fn)(void *acc, const void *other, void *ctx);

/* pel_parallel_reduce: reduce [lo, hi) into `result`, an object of `size` bytes.
 * Every partial accumulator starts as a copy of `identity` (size bytes); sub-ranges are
 * folded with `body` and joined in index order with `combine`; the total is written to
 * `result` (which may alias `identity`). An empty range yields the identity.
 * Errors as above, plus PEL_EINVAL for NULL result/identity/combine or size 0, and
 * PEL_ENOMEM. On error `result` is left unchanged. */
int pel_parallel_reduce(pel_runtime *rt, size_t lo, size_t hi, size_t grain, void *result,
                        const void *identity, size_t size, pel_reduce_fn body,
                        pel_combine_fn combine, void *ctx);

/* A comparator in the style of qsort_r: negative, zero or positive as a < b, a == b,
 * a > b. */
typedef int (*pel_cmp_fn)(const void *a, const void *b, void *ctx);

/* pel_parallel_sort: sort `n` elements of `size` bytes at `base` in place, ascending by
 * `cmp`. Not stable. A sort always finishes: called from a task of a cancelled group, it
 * sorts on the calling thread what it cannot hand to other workers. Returns PEL_OK,
 * PEL_EINVAL (NULL base with n > 0, NULL cmp, size 0, or n * size overflows), PEL_ENOMEM
 * (the array is then unchanged) or PEL_EDESTROYED. */
int pel_parallel_sort(pel_runtime *rt, void *base, size_t n, size_t size, pel_cmp_fn cmp,
                      void *ctx);

/* pel_parallel_stable_sort: like pel_parallel_sort, but equal elements keep their order.
 * Uses a temporary buffer of n * size bytes. */
int pel_parallel_stable_sort(pel_runtime *rt, void *base, size_t n, size_t size,
                             pel_cmp_fn cmp, void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* PEL_LOOP_H */
