/* for.c — pel_parallel_for (the splitting is in range.c). */
#include "core/internal.h"
#include "loop/range.h"
#include "pel/loop.h"

PEL_EXPORT int pel_parallel_for(pel_runtime *rt, size_t lo, size_t hi, size_t grain,
                                pel_for_fn body, void *ctx)
{
    if (!body || lo > hi) return PEL_EINVAL;
    rt = pel__runtime_resolve(rt);
    if (!rt) return PEL_EINVAL;
    int rc = pel__runtime_check(rt);
    if (rc != PEL_OK || lo == hi) return rc;
    pel__range_loop L = {.rt = rt, .nworkers = rt->nworkers, .grain = grain,
                         .for_body = body, .ctx = ctx};
    return pel__range_run(&L, lo, hi, NULL);
}
