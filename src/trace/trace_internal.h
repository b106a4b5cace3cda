/* trace_internal.h — the recorder: per-thread event buffers and the hooks that the core,
 * loop and dataflow layers call.
 *
 * Big theory.
 *   Every thread that records (a worker, or a thread that spawns, submits or waits) owns
 *   one buffer: a list of chunks of fixed-size events. Only the owner writes it, so
 *   recording takes no lock: the owner fills the next event and publishes it by storing
 *   the chunk's event count with release. An exporter (pel_trace_write, on any thread)
 *   walks the chunks and reads each chunk's count with acquire: it sees whole events
 *   only, and may run while the owners keep recording. Buffers are never freed while the
 *   process lives (they are on a global list; a restarted trace recycles their chunks),
 *   so an exporter never reads freed memory.
 *
 *   Every hook starts with one relaxed load of pel__trace_on, so a program that does not
 *   trace pays a predictable branch per task. Timestamps are the CPU's time-stamp counter
 *   (rdtsc on x86-64; the monotonic clock elsewhere), converted to nanoseconds when
 *   written out.
 *
 *   Adaptive detail (docs/tracing.md): a worker reads the clock once per 64 tasks it
 *   spawns or records; while those average under PEL_TRACE_FINE_NS it is "fine": the
 *   fork-join tasks it spawns then run unrecorded unless stolen (stolen and injected tasks
 *   carry an id and are always recorded). A slice's count of the tasks it ran unrecorded
 *   ("inlined") is not counted task by task: it is the worker's count of completed
 *   fork-join tasks at the slice's end minus the one at its start, minus what the slices
 *   nested in it account for (tbuf.accounted). So a fine task costs nothing when it runs.
 */
#ifndef PEL_TRACE_INTERNAL_H
#define PEL_TRACE_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>

#include "core/internal.h"
#include "pel/trace.h"
#include "trace/tbuf.h"

/* Event types. */
enum {
    PEL__EV_BEGIN = 1, /* a task starts: id, a = name, b = parent, c = group/flow, d = spawned */
    PEL__EV_END,       /* id ends; u32 = tasks inlined in it; flags = status */
    PEL__EV_WAIT_BEGIN, /* id = waiting task (0: root); a = group/flow id; kind = GROUP/FLOW */
    PEL__EV_WAIT_END,
    PEL__EV_PARK_BEGIN,
    PEL__EV_PARK_END,
    PEL__EV_STEAL, /* id = stolen task; u32 = victim tid */
    PEL__EV_WAKE,  /* u32 = woken worker's tid */
    PEL__EV_EDGE,  /* id = predecessor, a = successor (no time) */
};

/* Task kinds (BEGIN's kind) and wait kinds. */
enum { PEL__TK_SPAWN = 0, PEL__TK_FLOW, PEL__TK_LOOP, PEL__TK_SYNC };
enum { PEL__TW_GROUP = 0, PEL__TW_FLOW };

/* BEGIN flags: the name is a C string (else a function address). END flags: status. */
#define PEL__TEV_NAME_STR 1u
enum { PEL__TS_OK = 0, PEL__TS_FAILED = 1, PEL__TS_SKIPPED = 2 };

/* One event: 64 bytes, one cache line. */
typedef struct pel__tev {
    uint64_t ts;
    uint8_t type, kind;
    uint16_t flags;
    uint32_t u32;
    uint64_t id;
    uint64_t a, b, c, d, e;
} pel__tev;

_Static_assert(sizeof(pel__tev) == 64, "trace events are one 64-byte line");

/* A chunk of events. */
typedef struct pel__tchunk {
    /* release by the owner after writing an event; acquire by exporters. */
    _Atomic uint32_t n;
    uint32_t cap;
    /* release by the owner after initialising the next chunk; acquire by exporters. */
    _Atomic(struct pel__tchunk *) next;
    pel__tev ev[];
} pel__tchunk;

/* Detail of the current trace (written before pel__trace_on is set). */
extern _Atomic int pel__trace_full;
/* The current generation (incremented by each start). */
extern _Atomic uint64_t pel__trace_gen;


static inline int pel__tracing(void)
{
    return PEL_UNLIKELY(atomic_load_explicit(&pel__trace_on, memory_order_relaxed) != 0);
}

static inline uint64_t pel__trace_clock(void)
{
#if defined(__x86_64__) || defined(__i386__)
    return __builtin_ia32_rdtsc();
#else
    return pel__now_ns();
#endif
}

/* The calling thread's buffer, attached on first use; NULL when out of memory. */
pel__tbuf *pel__tbuf_attach(void);
static inline pel__tbuf *pel__tbuf_self(void)
{
    pel__tbuf *b = pel__tls_tbuf;
    return PEL_LIKELY(b != NULL) ? b : pel__tbuf_attach();
}

/* A slot for one event (NULL: dropped); pel__tev_commit publishes it. */
pel__tev *pel__tev_slow(pel__tbuf *b);
static inline pel__tev *pel__tev_new(pel__tbuf *b)
{
    pel__tchunk *c = b->cur;
    /* relaxed: the owner's own generation check; a stale value only delays the reset. */
    if (PEL_LIKELY(c != NULL && b->n < c->cap &&
                   b->gen == atomic_load_explicit(&pel__trace_gen, memory_order_relaxed)))
        return &c->ev[b->n];
    return pel__tev_slow(b);
}
static inline void pel__tev_commit(pel__tbuf *b)
{
    /* release: the event's fields before the count that makes it visible. */
    atomic_store_explicit(&b->cur->n, ++b->n, memory_order_release);
}

static inline uint64_t pel__trace_new_id(pel__tbuf *b)
{
    return ++b->next_id;
}

/* ---- hooks ---------------------------------------------------------------------- */

/* A fork-join task record is about to be published (pel_group_spawn and the injection
 * path). Sets PEL__TASK_TRACED and the record's trace fields. `give_id`: the task will
 * surely be recorded (injected from outside the runtime). */
void pel__trace_spawn(pel__task *t, int give_id);
/* The fast path of pel__trace_spawn(t, 0), for a fine stream: the parent, for a thief, and
 * the rate check's count (no clock read but once per 64). on: pel__trace_on's value, not 0. */
static inline void pel__trace_spawn_local(pel__task *t, uint64_t on)
{
    pel__tbuf *b = pel__tls_tbuf;
    if (PEL_LIKELY(b != NULL && b->fine == on)) { /* pel__tbuf_fine, knowing on != 0 */
        t->flags |= PEL__TASK_TRACED_FINE;
        t->trace_parent = b->task;
        if (PEL_UNLIKELY((++b->ntasks & 63) == 0)) pel__trace_rate_check(b);
        return;
    }
    pel__trace_spawn(t, 0);
}
/* The calling worker stole t from the thread whose tid is victim_tid (-1: a dataflow
 * submitter outside the runtime). */
void pel__trace_steal(pel__task *t, int victim_tid);
/* A group or flow wait begins or ends (kind PEL__TW_*; id of the group or flow). The
 * begin returns a token for the end (0: not recorded). */
int pel__trace_wait_begin(int kind, uint64_t id);
void pel__trace_wait_end(int token);
/* The calling worker parks (begin 1) / woke up (begin 0). */
void pel__trace_park(int begin);
/* The calling thread wakes worker w. */
void pel__trace_wake(pel__worker *w);
/* A new group/flow id. */
uint64_t pel__trace_object_id(void);
/* Dataflow: a task record was made (submission or a synthetic node). */
void pel__trace_flow_made(pel__task *core);
/* Dataflow: pred → succ. */
void pel__trace_edge(const pel__task *pred, const pel__task *succ);
/* Dataflow task begins / ends (status PEL__TS_*). name: C string or NULL (use fn). */
typedef struct pel__tframe {
    uint64_t task;      /* the enclosing slice's id (UINT64_MAX: nothing recorded) */
    uint64_t completed; /* the thread's completed fork-join tasks at the begin */
    uint64_t accounted; /* the thread's tbuf.accounted at the begin */
} pel__tframe;
void pel__trace_flow_begin(pel__task *core, const char *name, const void *fn, int kind,
                           uint64_t flow_id, pel__tframe *saved);
void pel__trace_flow_end(pel__task *core, int status, const pel__tframe *saved);
/* A loop runs body on [lo, hi): begin returns a token for the end (0: not recorded). */
int pel__trace_chunk_begin(const void *body, size_t lo, uint64_t *saved);
void pel__trace_chunk_end(int token, size_t hi, uint64_t saved);

/* The registry of buffers (buffer.c): its head, read under its lock. */
pel__tbuf *pel__tbuf_head(void);
void pel__tbuf_lock(void);
void pel__tbuf_unlock(void);

/* Diagnosis (diagnose.c): install the SIGUSR1 handler once; the dataflow half of the
 * report (flow/diagnose.c); every live runtime, under the list's lock (stats.c). */
void pel__diagnose_install(void);
void pel__flow_diagnose(FILE *out);
void pel__for_each_runtime(void (*fn)(pel_runtime *rt, void *arg), void *arg);

/* Names (names.c): the name of a function address, registered or from the symbol table;
 * writes into buf and returns it. An export brackets its lookups with open and close. */
void pel__trace_names_open(void);
void pel__trace_names_close(void);
const char *pel__trace_fn_name(const void *fn, char *buf, size_t size);

/* A trace starts: forget the counters saved for the last one (stats.c). */
void pel__stats_trace_started(void);
/* The counters of every worker as a JSON array; returns how many (stats.c). */
int pel__trace_counters_json(FILE *out);

/* Clock (clock.c): the start of a trace; the tick rate, measured at export; ticks →
 * nanoseconds since the start; a rough rate for thresholds. */
void pel__trace_clock_start(void);
void pel__trace_clock_calibrate(void);
double pel__trace_ns(uint64_t ticks);
uint64_t pel__trace_ticks_per_us(void);

#endif /* PEL_TRACE_INTERNAL_H */
