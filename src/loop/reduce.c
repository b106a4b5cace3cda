/* reduce.c — pel_parallel_reduce (the splitting and ordered combining are in range.c). */
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "loop/range.h"
#include "pel/loop.h"

PEL_EXPORT int pel_parallel_reduce(pel_runtime *rt, size_t lo, size_t hi, size_t grain,
                                   void *result, const void *identity, size_t size,
                                   pel_reduce_fn body, pel_combine_fn combine, void *ctx)
{
    if (!body || !combine || !result || !identity || size == 0 || lo > hi) return PEL_EINVAL;
    rt = pel__runtime_resolve(rt);
    if (!rt) return PEL_EINVAL;
    int rc = pel__runtime_check(rt);
    if (rc != PEL_OK) return rc;
    if (lo == hi) {
        memmove(result, identity, size);
        return PEL_OK;
    }
    /* The root accumulator is separate from `result` (which may alias `identity`, still
     * read while the loop runs) and from the caller's data until the loop succeeded. */
    void *acc = malloc(size);
    if (!acc) return PEL_ENOMEM;
    memcpy(acc, identity, size);
    pel__range_loop L = {.rt = rt, .nworkers = rt->nworkers, .grain = grain,
                         .reduce_body = body, .combine = combine, .identity = identity,
                         .size = size, .ctx = ctx};
    rc = pel__range_run(&L, lo, hi, acc);
    if (rc == PEL_OK) memcpy(result, acc, size);
    free(acc);
    return rc;
}
