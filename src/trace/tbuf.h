/* tbuf.h — a thread's trace buffer, and the recording flag: what the core's inline fast
 * paths need to know about tracing (the rest is in trace_internal.h).
 */
#ifndef PEL_TRACE_TBUF_H
#define PEL_TRACE_TBUF_H

#include <stdatomic.h>
#include <stdint.h>

struct pel__tchunk;

/* A thread's buffer. */
typedef struct pel__tbuf {
    /* Owner only. */
    struct pel__tchunk *cur;   /* chunk being filled (NULL: none yet in this generation) */
    uint32_t n;         /* cur's event count (the owner's copy of cur->n) */
    uint64_t gen;       /* trace generation the chunks belong to */
    uint64_t task;      /* id of the recorded task this thread runs now (0: root) */
    uint64_t next_id;   /* ids: (tid + 1) << 40 | serial */
    uint64_t accounted; /* fork-join tasks accounted for by the slices ended on this
                         * thread: each counts itself and its inlined tasks (record.c) */
    uint32_t ntasks;    /* tasks spawned or recorded, for the rate check */
    uint64_t rate_ts;   /* clock at the last rate check */
    uint64_t fine;      /* tasks average under PEL_TRACE_FINE_NS (adaptive detail): the
                         * trace generation this was measured in, else 0 */
    int tid;
    /* Read by exporters. */
    _Atomic(struct pel__tchunk *) head; /* first chunk of the current generation; release/acquire */
    _Atomic uint64_t head_gen;   /* generation of head (release/acquire with head) */
    _Atomic uint64_t dropped;    /* relaxed: a count read at export */
    struct pel__tbuf *next_buf;  /* global list, guarded by the registry lock */
    char name[48];
} pel__tbuf;

/* The generation of the trace being recorded, 0 when not recording (relaxed loads:
 * starting or stopping takes effect "soon" on each thread; nothing depends on the exact
 * instant). A buffer's `fine` counts only when it equals this, so a fine stream never
 * outlives the trace it was measured in. */
/* Hidden: read with one RIP-relative load, not through the GOT, on every spawn and wait. */
extern _Atomic uint64_t pel__trace_on __attribute__((visibility("hidden")));

/* Is b a fine stream of the current trace? (on: pel__trace_on's value.) */
static inline int pel__tbuf_fine(const pel__tbuf *b, uint64_t on)
{
    return b && on && b->fine == on;
}

/* The calling thread's buffer, or NULL before its first event. */
extern __thread pel__tbuf *pel__tls_tbuf __attribute__((tls_model("initial-exec")));

#endif /* PEL_TRACE_TBUF_H */
