/* pel/data.h — dataflow: tasks that declare the data they access; pel derives the order.
 *
 *     pel_flow *f;
 *     pel_flow_create(NULL, NULL, &f);                  // NULL: default runtime, defaults
 *     pel_data a, b;
 *     pel_data_register(f, x, sizeof x, &a);
 *     pel_data_register(f, y, sizeof y, &b);
 *     pel_access acc[] = {{a, PEL_READ}, {b, PEL_READWRITE}};
 *     pel_submit(f, &(pel_task_desc){.fn = axpy, .access = acc, .naccess = 2});
 *     ...                                               // more submissions
 *     int rc = pel_flow_wait(f);                        // every task done; first error
 *     pel_flow_destroy(f);
 *
 * Sequential semantics: whatever the schedule, the result equals running the tasks one
 * after another in submission order, provided each task touches only the data it
 * declared. pel links each task after the tasks it conflicts with (read after write,
 * write after read, write after write) and runs it when they have finished.
 *
 * Modes:
 *   PEL_READ       shared read; readers between two writers run concurrently.
 *   PEL_WRITE      the task overwrites the data without reading it.
 *   PEL_READWRITE  exclusive read and write.
 *   PEL_COMMUTE    exclusive, but consecutive COMMUTE tasks on a handle may run in any
 *                  order among themselves (never two at once).
 *   PEL_REDUCE     consecutive REDUCE tasks run concurrently, each contributing to a
 *                  private copy of the data (one per worker, initialised by the handle's
 *                  reduction); the copies are combined into the data before the next
 *                  other access, handle acquire or flow wait. See pel_data_set_reduction.
 *
 * Nesting: a task may submit tasks to its own flow while it runs. They are its children:
 * their accesses must lie within the task's own (a handle it declared; writing only what
 * it may write; under a REDUCE access, only REDUCE), they are ordered among themselves by the same rules, and the task counts
 * as finished (releasing its own successors) only when its children have finished.
 *
 * Failure: a task that returns non-zero has failed. Every task that reads what it would
 * have written (directly or through other tasks) does not run and finishes with
 * PEL_EDEPFAILED; work that does not depend on it continues. pel_flow_wait returns the
 * first failed task's own code and pel_flow_failure says which task that was.
 *
 * Threads: one thread at a time submits to a flow's top level (the thread that created
 * it, or any other, one after another); tasks submit their children concurrently.
 * Memory: at most `window` tasks are pending; a top-level submitter that finds the window
 * full runs ready tasks until it has room again, so a loop of 10^8 submissions stays
 * bounded. (Children count too, but tasks submitting children never block on the window:
 * a flood of children from running tasks can overshoot it by what they submit.)
 */
#ifndef PEL_DATA_H
#define PEL_DATA_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pel/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A dataflow context: its handles, its tasks and their dependency graph. Opaque. */
typedef struct pel_flow pel_flow;

/* A registered piece of data: a memory region or an abstract object. A plain value
 * (generation and slot); 0 is never a valid handle. Stale handles are detected. */
typedef uint64_t pel_data;

/* A running dataflow task, passed to its function. Opaque; valid only during the call. */
typedef struct pel_flow_task pel_flow_task;

/* Access modes; see the top of this file. */
typedef enum pel_mode {
    PEL_READ = 1,
    PEL_WRITE = 2,
    PEL_READWRITE = 3,
    PEL_COMMUTE = 4,
    PEL_REDUCE = 5,
} pel_mode;

/* One declared access of a task. */
typedef struct pel_access {
    pel_data data;
    pel_mode mode;
} pel_access;

/* A dataflow task's function: returns 0 on success, any other value on failure. */
typedef int (*pel_flow_fn)(pel_flow_task *task, void *arg);

/* Largest argument block pel_submit copies into the task (see arg_size). */
#define PEL_TASK_ARG_MAX 64

/* What to run and what it accesses. Zero-initialise, then set what you need. */
typedef struct pel_task_desc {
    pel_flow_fn fn;           /* required */
    void *arg;                /* passed to fn; see arg_size */
    size_t arg_size;          /* 0: arg is passed as is and must stay valid until the
                                 task ran; 1..PEL_TASK_ARG_MAX: pel copies that many bytes
                                 from arg and passes fn a pointer to its copy */
    const pel_access *access; /* the task's accesses; a handle appears at most once
                                 (twice only if both are PEL_READ) */
    unsigned naccess;
    int priority;             /* higher runs first among queued ready tasks, then the one
                                 submitted first; default 0 */
    const char *name;         /* label for errors, graphs and traces; must outlive the
                                 flow (a string literal); NULL: "task" */
    int *status;              /* optional: receives the task's final status when it
                                 finishes: 0, its own error, or PEL_EDEPFAILED */
} pel_task_desc;

/* Flow settings. Zero-initialise; a zero field means the default. */
typedef struct pel_flow_config {
    size_t window;    /* most pending (submitted, unfinished) tasks; default 16384 */
    int record_graph; /* non-zero: keep the task graph for pel_flow_write_dot */
} pel_flow_config;

/* A reduction for PEL_REDUCE accesses: `init` fills a private copy with the identity,
 * `combine` folds a private copy `from` into `into`. Both get the handle's size and `arg`.
 * They run on workers, possibly concurrently for different copies. */
typedef struct pel_reduction {
    void (*init)(void *copy, size_t size, void *arg);
    void (*combine)(void *into, const void *from, size_t size, void *arg);
    void *arg;
} pel_reduction;

/* Which task failed first (see pel_flow_failure). */
typedef struct pel_failure {
    int error;         /* the code it returned (0: no task failed) */
    uint64_t task_id;  /* its id: the n-th top-level submission is n (from 1); children
                          have ids with the top bit set */
    const char *name;  /* its name */
    long skipped;      /* tasks finished with PEL_EDEPFAILED because of failures */
} pel_failure;

/* pel_flow_create: a flow whose tasks run on `rt` (NULL: the default runtime) with
 * settings `cfg` (NULL: defaults). The calling thread may submit at once.
 * Returns PEL_OK, PEL_EINVAL (out is NULL, bad runtime), PEL_EDESTROYED or PEL_ENOMEM. */
int pel_flow_create(pel_runtime *rt, const pel_flow_config *cfg, pel_flow **out);

/* pel_flow_destroy: wait for every task of `f` (running ready ones meanwhile), then free
 * it and all its handles. Top-level thread only.
 * Returns PEL_OK, PEL_EINVAL (NULL), PEL_EBUSY (a handle is still acquired: release it
 * first; nothing is freed) or PEL_EDEADLK (called from one of f's tasks). */
int pel_flow_destroy(pel_flow *f);

/* pel_data_register: a new handle for `size` bytes at `ptr`. ptr may be NULL with size 0
 * for an abstract object (a file, a device, a key of your own) that orders tasks without
 * memory. Distinct handles are independent even if their regions overlap.
 * Returns PEL_OK, PEL_EINVAL (f or out NULL; ptr NULL with size > 0; called inside a
 * task) or PEL_ENOMEM. */
int pel_data_register(pel_flow *f, void *ptr, size_t size, pel_data *out);

/* pel_data_set_name: label `d` in graphs and errors (copied; at most 63 bytes kept).
 * Returns PEL_OK, PEL_EINVAL or PEL_ESTALE (d is not registered in f). */
int pel_data_set_name(pel_flow *f, pel_data d, const char *name);

/* pel_data_set_reduction: the reduction PEL_REDUCE accesses of `d` use (copied).
 * Set it before the first such access. Returns PEL_OK, PEL_EINVAL (NULL init/combine, or
 * d has no memory), or PEL_ESTALE. */
int pel_data_set_reduction(pel_flow *f, pel_data d, const pel_reduction *red);

/* pel_data_unregister: wait for every submitted task that accesses `d`, then forget it:
 * later uses of `d` fail with PEL_ESTALE. The memory stays the caller's.
 * Returns PEL_OK, PEL_EINVAL (inside a task), PEL_ESTALE, or PEL_EBUSY (d is acquired). */
int pel_data_unregister(pel_flow *f, pel_data d);

/* pel_submit: add the task `desc` describes. Called by the top-level submitter, or by a
 * task of f for a child. It returns at once unless the window is full; then it runs ready
 * tasks until there is room.
 * Returns PEL_OK; PEL_EINVAL (NULL fn or desc, naccess > 0 with NULL access, bad mode,
 * a handle twice with a non-READ mode, arg_size too big, REDUCE without a reduction, a
 * child accessing what its parent did not declare or writing what it only reads);
 * PEL_ESTALE (a handle not registered in f); PEL_EBUSY (a handle acquired by
 * pel_data_acquire and not yet released); PEL_ENOMEM. On failure the task never runs. */
int pel_submit(pel_flow *f, const pel_task_desc *desc);

/* pel_flow_data: inside a task, the memory of its i-th access (for PEL_REDUCE, this
 * worker's private copy). NULL if i is out of range or the handle has no memory. */
void *pel_flow_data(pel_flow_task *task, unsigned i);

/* pel_flow_task_id: the id of the running task (see pel_failure.task_id). */
uint64_t pel_flow_task_id(const pel_flow_task *task);

/* pel_flow_wait: wait until every task submitted so far has finished, running ready
 * tasks meanwhile. Called from a task of f, it waits for that task's children only.
 * Returns PEL_OK, or the code the first failed task returned (see pel_flow_failure);
 * PEL_EINVAL; PEL_EBUSY (top level, a handle is acquired: tasks after it could never
 * finish). The flow's failure record is cleared by this call (top level only). */
int pel_flow_wait(pel_flow *f);

/* pel_flow_failure: the first failure since the last top-level pel_flow_wait (error 0
 * if none). Returns PEL_OK or PEL_EINVAL. */
int pel_flow_failure(pel_flow *f, pel_failure *out);

/* pel_data_acquire: wait (running ready tasks) until the tasks submitted before this call
 * that `d` depends on have finished, then give the caller access in `mode` (PEL_READ,
 * PEL_WRITE or PEL_READWRITE) and store the data's address in *ptr (ptr may be NULL).
 * Until pel_data_release, tasks submitted later that access `d` wait; submitting one from
 * the acquiring thread would wait for itself, so that fails with PEL_EBUSY. Top level only.
 * Returns PEL_OK; PEL_EDEPFAILED (the data was written by a failed task: *ptr is set,
 * its contents are not trustworthy); PEL_EINVAL; PEL_ESTALE; PEL_EBUSY (acquired). */
int pel_data_acquire(pel_flow *f, pel_data d, pel_mode mode, void **ptr);

/* pel_data_release: end the access pel_data_acquire gave. Returns PEL_OK, PEL_EINVAL
 * (d is not acquired) or PEL_ESTALE. */
int pel_data_release(pel_flow *f, pel_data d);

/* pel_flow_write_dot: write the graph of the tasks submitted since the flow was created
 * (needs cfg.record_graph) to `out` in Graphviz DOT: a node per task (name and id; red
 * if failed, grey if skipped), an edge per dependency labelled with the handle.
 * Returns PEL_OK, PEL_EINVAL (NULL, or recording was off) or PEL_ESYSTEM (write error). */
int pel_flow_write_dot(pel_flow *f, FILE *out);

#ifdef __cplusplus
}
#endif

#endif /* PEL_DATA_H */
