/* model.h — a pel trace in memory.
 *
 * trace_load.c turns the Chrome-trace JSON (docs/tracing.md) into flat arrays and frees
 * the JSON tree: a million-task trace then costs about a hundred bytes per event here
 * instead of jansson's kilobyte. Times are integer nanoseconds since the trace start (the
 * file's microseconds with three decimals, exactly), so sums and comparisons are exact.
 * trace_nest.c then orders each thread's slices and finds how they nest, which gives
 * every task its own time (the work).
 */
#ifndef PEL_TOOL_MODEL_H
#define PEL_TOOL_MODEL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "map.h"

#define NO_TIME INT64_MIN
#define NO_INDEX UINT32_MAX

enum slice_kind { SLICE_TASK, SLICE_WAIT, SLICE_PARK };
enum task_kind { TK_OTHER, TK_SPAWN, TK_FLOW, TK_LOOP, TK_SYNC };
enum instant_kind { INSTANT_STEAL, INSTANT_WAKE };

/* A complete ("X") event of category task, wait or park. */
typedef struct slice {
    int64_t ts, end;   /* ns */
    uint64_t id;       /* task: its id (0: none); wait: the waiting task (0: a root) */
    uint64_t parent;   /* task: the spawning task (0: a thread's root) */
    uint64_t group;    /* task or wait: the group (0: none) */
    uint64_t flow;     /* task or wait: the flow (0: none) */
    int64_t spawned;   /* task: spawn or submission time, or NO_TIME */
    uint64_t inlined;  /* task: tasks run inside it without a slice */
    uint32_t name;     /* index into trace.names */
    uint32_t lane;     /* index into trace.lanes */
    uint32_t deps_at;  /* task: its deps are trace.deps[deps_at .. deps_at + ndeps) */
    uint32_t ndeps;
    uint8_t kind;      /* enum slice_kind */
    uint8_t task_kind; /* enum task_kind */
    uint8_t failed;    /* task: status "failed" or "skipped" */
    /* Set by trace_nest: */
    uint16_t depth;    /* slices enclosing it on its thread */
    uint32_t up;       /* the innermost enclosing slice, or NO_INDEX */
    int64_t own;       /* task: its duration less the slices nested in it */
} slice;

typedef struct instant {
    int64_t ts;
    uint32_t lane;
    uint8_t kind;  /* enum instant_kind */
    int64_t other; /* steal: the victim's tid; wake: the woken worker's tid */
    uint64_t task; /* steal: the stolen task */
} instant;

/* One thread: a lane of the Gantt chart. */
typedef struct lane {
    int64_t pid, tid;
    char *name;    /* thread_name metadata, or NULL */
    int worker;    /* a worker of the runtime (tid below 1000), drawn first */
    size_t ntasks; /* task slices on it */
} lane;

typedef struct trace {
    const char *path; /* as given on the command line, for messages */

    slice *slices;
    size_t nslices;
    uint64_t *deps;
    size_t ndeps;
    instant *instants;
    size_t ninstants;
    lane *lanes; /* workers by tid, then the other threads by tid */
    size_t nlanes;
    strtab names;
    u64map task_by_id; /* (id, 0) → slice index */

    /* otherData */
    char *pel_version; /* NULL: not written by pel */
    char *detail;      /* "adaptive", "full" or NULL */
    long long workers; /* -1: not given */
    long long dropped;
    json_t *counters;  /* otherData.counters (an array, a reference we own) or NULL */

    size_t ntasks;      /* task slices */
    size_t ndep_events; /* dataflow flow events ("s"/"f"): counted, args.deps is used */
    size_t nignored;    /* events pel does not draw (other phases or categories) */
    size_t nduplicate;  /* task slices whose id was already taken */
    int64_t t0, t1;     /* earliest start and latest end of everything, ns */

    /* Set by trace_nest: */
    uint32_t *order;    /* slice indices by lane; in a lane outer before inner, by time */
    size_t *lane_first; /* lane l's slices: order[lane_first[l] .. lane_first[l + 1]) */
    uint32_t *kids;     /* slices directly nested in slice s, by time: */
    uint32_t *kid_first; /*   kids[kid_first[s] .. kid_first[s + 1]) */
    uint64_t inlined;   /* sum of args.inlined */
    int64_t work;       /* T1: the sum of the tasks' own times */
    size_t noverlap;    /* slices sticking out of the slice enclosing them */
} trace;

/* Read and check path ("-": stdin). Returns 0, or -1 after printing why. */
int trace_load(const char *path, trace *t);
/* Nesting, own times and work (after trace_load). 0, or -1 when out of memory. */
int trace_nest(trace *t);
void trace_free(trace *t);

/* The slice of the task with this id, or NO_INDEX. */
static inline uint32_t trace_task(const trace *t, uint64_t id)
{
    return id == 0 ? NO_INDEX : u64map_get(&t->task_by_id, id, 0);
}

static inline const char *slice_name(const trace *t, const slice *s)
{
    return t->names.strs[s->name];
}

#endif
