/* range.c — parallel loops by splitting ranges on demand.
 *
 * Big theory.
 *   A loop starts as one range on one worker. The worker processes it from the low end
 *   in chunks that start at one iteration and double, and between chunks it may split:
 *   the upper half of what remains becomes a task in its own deque, which an idle worker
 *   steals and treats the same way. This is lazy binary splitting (Tzannes, Caragea,
 *   Barua, Vishkin, PPoPP 2010) with an auto-partitioner's taste for splitting only when
 *   it helps (oneTBB's design): a worker splits only when its deque is empty (nobody has
 *   anything to steal from it) and
 *     - another worker is searching for work: split if the remaining work, estimated
 *       from the time per iteration measured so far, is worth a steal (PEL_SPLIT_STEAL_NS);
 *     - other workers are parked: split if it is worth a wake-up (PEL_SPLIT_WAKE_NS);
 *     - every worker is busy: split anyway, so that one piece waits for whoever frees up.
 *   A chunk never exceeds 1/(4P) of what remains, so a thief waits at most that long for
 *   the next split, and chunks shrink towards the end of the range, balancing the load.
 *   1000 cheap iterations thus run as a handful of chunks on one worker with no wake-up,
 *   and 10^9 iterations split about log2 times per worker and then run in large chunks.
 *
 *   Each split halves the remaining range, so a worker makes at most 64 splits of one
 *   range; their descriptors (and a reduction's partial accumulators, unless large) live in the
 *   splitting frame, which waits for its pieces before it returns.
 *
 *   Reductions: the frame's own accumulator covers [lo, the last split point); the k-th
 *   split covers [mid_k, mid_{k-1}). Combining the pieces from the last split back to the
 *   first therefore joins partial results in index order, so `combine` need only be
 *   associative.
 *
 *   An explicit grain replaces all of this by plain recursive halving down to pieces of
 *   at most `grain` iterations.
 */
#include "loop/range.h"

#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "pel/group.h"
#include "trace/trace_internal.h"

/* Partial accumulators up to this many bytes in total live on the stack. */
#define STACK_ACC_BYTES 4096u
#define MAX_SPLITS 64

typedef struct piece {
    pel__range_loop *L;
    size_t lo, hi;
    void *acc;
} piece;

static int run_range(pel__range_loop *L, size_t lo, size_t hi, void *acc);

static int piece_task(void *arg)
{
    piece *p = arg;
    return run_range(p->L, p->lo, p->hi, p->acc);
}

static int process_body(pel__range_loop *L, size_t lo, size_t hi, void *acc)
{
    return L->size ? L->reduce_body(lo, hi, acc, L->ctx) : L->for_body(lo, hi, L->ctx);
}

static pthread_once_t piece_name_once = PTHREAD_ONCE_INIT;
static void name_piece_task(void)
{
    pel_trace_name((const void *)piece_task, "loop piece");
}

/* A chunk while tracing: a "loop" slice named after the body, with its range. */
static int process_traced(pel__range_loop *L, size_t lo, size_t hi, void *acc)
{
    pthread_once(&piece_name_once, name_piece_task);
    const void *body = L->size ? (const void *)L->reduce_body : (const void *)L->for_body;
    uint64_t saved;
    int token = pel__trace_chunk_begin(body, lo, &saved);
    int rc = process_body(L, lo, hi, acc);
    pel__trace_chunk_end(token, hi, saved);
    return rc;
}

static inline int process(pel__range_loop *L, size_t lo, size_t hi, void *acc)
{
    if (pel__tracing()) return process_traced(L, lo, hi, acc);
    return process_body(L, lo, hi, acc);
}

/* Should worker w split a remaining range of n iterations (auto grain)? ns_per_iter is
 * the measured cost so far, or 0 when unknown (no split then, unless all are busy). */
static int want_split(const pel__range_loop *L, pel__worker *w, size_t n, double ns_per_iter)
{
    if (n < 2 || pel__deque_size_estimate(&w->deque) > 0) return 0;
    pel_runtime *rt = L->rt;
    /* relaxed: scheduling hints only. */
    double remaining_ns = ns_per_iter * (double)n;
    if (atomic_load_explicit(&rt->num_searching, memory_order_relaxed) > 0)
        return remaining_ns > PEL_SPLIT_STEAL_NS;
    if (atomic_load_explicit(&rt->num_sleeping, memory_order_relaxed) > 0)
        return remaining_ns > PEL_SPLIT_WAKE_NS;
    return 1;
}

static int run_range(pel__range_loop *L, size_t lo, size_t hi, void *acc)
{
    pel__worker *w = pel__tls_worker;
    piece pieces[MAX_SPLITS];
    /* Partial accumulators: in this frame when they fit, else one malloc per split. */
    unsigned char stack_accs[STACK_ACC_BYTES];
    int heap_accs = L->size * MAX_SPLITS > STACK_ACC_BYTES;
    int npieces = 0, have_group = 0, rc = 0;
    int can_split = L->nworkers > 1;
    pel_group g;
    size_t chunk = 1, done = 0;
    uint64_t t0 = 0;
    while (lo < hi) {
        /* relaxed: a stop request only needs to be seen eventually. */
        if (atomic_load_explicit(&L->stop, memory_order_relaxed)) break;
        size_t n = hi - lo;
        int split = 0;
        if (can_split && npieces < MAX_SPLITS) {
            if (L->grain) {
                split = n > L->grain;
            } else {
                double ns = done ? (double)(pel__now_ns() - t0) / (double)done : 0;
                split = want_split(L, w, n, ns);
            }
        }
        if (split) {
            size_t mid = lo + n / 2;
            piece *p = &pieces[npieces];
            p->L = L;
            p->lo = mid;
            p->hi = hi;
            p->acc = NULL;
            if (L->size) {
                p->acc = heap_accs ? malloc(L->size) : stack_accs + L->size * (size_t)npieces;
                if (p->acc) memcpy(p->acc, L->identity, L->size);
            }
            if (!have_group) have_group = pel_group_init(&g, L->rt) == PEL_OK;
            if ((p->acc || !L->size) && have_group &&
                pel_group_spawn(&g, piece_task, p) == PEL_OK) {
                npieces++;
                hi = mid;
                continue;
            }
            if (heap_accs) free(p->acc);
            can_split = 0; /* out of memory or cancelled: finish this range serially */
        }
        size_t c = n;
        if (L->grain) {
            if (c > L->grain) c = L->grain;
        } else if (can_split) {
            size_t cap = n / (4u * (size_t)L->nworkers);
            if (cap < 1) cap = 1;
            if (chunk > cap) chunk = cap;
            if (c > chunk) c = chunk;
            chunk *= 2;
            if (!done) t0 = pel__now_ns();
        }
        int r = process(L, lo, lo + c, acc);
        if (r != 0) {
            int none = 0;
            /* relaxed: the error value itself reaches the caller through group waits. */
            atomic_compare_exchange_strong_explicit(&L->stop, &none, r, memory_order_relaxed,
                                                    memory_order_relaxed);
            rc = r;
            break;
        }
        lo += c;
        done += c;
    }
    if (have_group) {
        int wrc = pel_group_wait(&g);
        if (rc == 0) rc = wrc;
    }
    if (rc == 0 && L->size)
        for (int k = npieces - 1; k >= 0; k--) L->combine(acc, pieces[k].acc, L->ctx);
    if (heap_accs)
        for (int k = 0; k < npieces; k++) free(pieces[k].acc);
    return rc;
}

/* The caller is not one of the runtime's workers. Handing a range over costs a few
 * microseconds (and a wake-up when the workers sleep), more than a short loop takes, so
 * the caller first runs growing chunks itself for about PEL_INLINE_BUDGET_NS, then hands
 * the rest to the runtime and waits. */
static int run_external(pel__range_loop *L, size_t lo, size_t hi, void *acc)
{
    uint64_t deadline = pel__now_ns() + PEL_INLINE_BUDGET_NS;
    for (size_t chunk = 1; lo < hi; chunk += chunk < hi - lo ? chunk : 0) {
        size_t c = hi - lo;
        if (c > chunk) c = chunk;
        if (L->grain && c > L->grain) c = L->grain;
        int rc = process(L, lo, lo + c, acc);
        if (rc != 0) return rc;
        lo += c;
        if (pel__now_ns() > deadline) break;
    }
    if (lo == hi) return PEL_OK;
    void *rest_acc = NULL;
    if (L->size) {
        rest_acc = malloc(L->size);
        if (!rest_acc) return PEL_ENOMEM;
        memcpy(rest_acc, L->identity, L->size);
    }
    piece rest = {L, lo, hi, rest_acc};
    pel_group g;
    int rc = pel_group_init(&g, L->rt);
    if (rc == PEL_OK) rc = pel_group_spawn(&g, piece_task, &rest);
    if (rc == PEL_OK) rc = pel_group_wait(&g);
    /* The caller's prefix comes first in index order. */
    if (rc == PEL_OK && L->size) L->combine(acc, rest_acc, L->ctx);
    free(rest_acc);
    return rc;
}

int pel__range_run(pel__range_loop *L, size_t lo, size_t hi, void *acc)
{
    atomic_init(&L->stop, 0);
    pel__worker *w = pel__tls_worker;
    int rc = w && w->rt == L->rt ? run_range(L, lo, hi, acc) : run_external(L, lo, hi, acc);
    /* relaxed: all pieces have been waited for. */
    int first = atomic_load_explicit(&L->stop, memory_order_relaxed);
    return first ? first : rc;
}
