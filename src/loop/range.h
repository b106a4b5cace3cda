/* range.h — the range-splitting engine shared by parallel_for and parallel_reduce. */
#ifndef PEL_LOOP_RANGE_H
#define PEL_LOOP_RANGE_H

#include <stdatomic.h>
#include <stddef.h>

#include "pel/loop.h"

typedef struct pel__range_loop {
    pel_runtime *rt;
    int nworkers;
    size_t grain; /* 0: automatic */
    /* parallel_for uses for_body; parallel_reduce the other three and `size`. */
    pel_for_fn for_body;
    pel_reduce_fn reduce_body;
    pel_combine_fn combine;
    const void *identity;
    size_t size; /* accumulator size; 0 for parallel_for */
    void *ctx;
    _Atomic int stop; /* first non-zero body result; stops the loop */
} pel__range_loop;

/* Run the loop over [lo, hi) (lo < hi), folding into `acc` for a reduction (`acc` holds
 * the identity on entry). Uses the calling worker when it belongs to L->rt, otherwise
 * hands the range to the runtime and waits. Returns 0 or the first error. */
int pel__range_run(pel__range_loop *L, size_t lo, size_t hi, void *acc);

#endif /* PEL_LOOP_RANGE_H */
