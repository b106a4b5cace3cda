/* analysis.h — what pel computes from a loaded trace: the critical path (critical_path.c)
 * and per-name task statistics (stats.c). */
#ifndef PEL_TOOL_ANALYSIS_H
#define PEL_TOOL_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* A task on the critical path and the own time it contributes there. */
typedef struct cp_task {
    uint32_t slice;
    int64_t contribution; /* ns */
} cp_task;

typedef struct cp_result {
    int64_t work; /* T1, ns */
    int64_t span; /* T∞, ns */
    /* Tasks on the path in the order the path first reaches them (a parent comes back
     * after its children's join: it is listed once, with both parts summed). */
    cp_task *tasks;
    size_t ntasks;
    uint8_t *on_path; /* per slice: 1 for a task on the critical path */
    /* The path as a sequence of slices (NO_INDEX: a thread root), consecutive repeats
     * removed: the DAG highlights the spawn and dep edges between neighbours. */
    uint32_t *seq;
    size_t nseq;
    int upper_bound;        /* adaptive detail with inlined tasks: span is an upper bound */
    size_t unknown_parents; /* tasks whose parent id has no slice: joined to the root */
    size_t missing_deps;    /* deps naming no task slice */
    size_t unjoined;        /* children that no wait on their group or flow covers */
    size_t late_joins;      /* children joined by a wait that ended before they did */
    int64_t max_late;       /* the most one of them ended after its wait, ns */
    size_t unwaited;        /* adaptive: children whose group has no recorded wait,
                             * joined to their parent right after their end */
} cp_result;

/* Work, span and the critical path (docs/tracing.md, "Work, span, critical path").
 * Needs trace_nest. 0, or -1 after printing why (out of memory, a cyclic graph). */
int critical_path(const trace *t, cp_result *r);
void cp_free(cp_result *r);

/* Task statistics per name, by total own time, largest first. */
typedef struct name_stats {
    uint32_t name;
    size_t count;
    int64_t total; /* own time, ns */
    int64_t max;
    int64_t total_dur; /* slice durations, ns */
    uint64_t inlined;
} name_stats;

/* *out gets one entry per task name (free it); -1 when out of memory. */
int task_stats(const trace *t, name_stats **out, size_t *n);

#endif
