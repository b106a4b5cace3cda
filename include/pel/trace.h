/* pel/trace.h — recording what the workers do, and reading their counters.
 *
 *     pel_trace_start(NULL);            // or run with PEL_TRACE=out.json
 *     ... parallel work ...
 *     pel_trace_stop();
 *     pel_trace_write("out.json");      // Chrome trace JSON: open it in ui.perfetto.dev
 *
 * Tracing is process-wide: every runtime's workers and every thread that spawns, submits
 * or waits record into buffers of their own (no locks, no system calls while tasks run).
 * The file format, the detail levels and the `pel trace` command that draws and analyses
 * traces are described in docs/tracing.md.
 *
 * Environment: PEL_TRACE=FILE starts tracing when the first runtime is created and writes
 * FILE when the process exits; PEL_TRACE_DETAIL=adaptive|full chooses the detail (default
 * adaptive); PEL_TRACE_MAX_MB caps the buffers (default 1024; events beyond are counted
 * as dropped); PEL_STATS=1 prints every runtime's counters when it is destroyed (the
 * default runtime's at exit). SIGUSR1 prints pel_diagnose's report when PEL_DIAGNOSE is
 * not 0 (see pel_diagnose).
 */
#ifndef PEL_TRACE_H
#define PEL_TRACE_H

#include <stdint.h>
#include <stdio.h>

#include "pel/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How much a trace records (see docs/tracing.md, "Detail"). */
typedef enum pel_trace_detail {
    /* Fork-join tasks that a worker takes from its own deque while its tasks average
     * under 2 µs are counted in the enclosing slice, not recorded one by one. */
    PEL_TRACE_ADAPTIVE = 0,
    /* Every task, with its spawn time: exact critical paths, slower on tiny tasks. */
    PEL_TRACE_FULL = 1
} pel_trace_detail;

/* Options of pel_trace_start. Zero-initialised means the defaults. */
typedef struct pel_trace_config {
    pel_trace_detail detail;
    /* Cap on the memory of all buffers together, in MiB; 0: 1024. */
    unsigned max_mb;
} pel_trace_config;

/* pel_trace_start: start recording (cfg NULL: defaults). Events recorded before, if any,
 * are discarded.
 * Returns PEL_OK, PEL_EBUSY (already recording), PEL_EINVAL (bad detail), PEL_ENOMEM.
 * Thread-safe, but must not overlap a pel_trace_write. */
int pel_trace_start(const pel_trace_config *cfg);

/* pel_trace_stop: stop recording; what was recorded stays for pel_trace_write. Tasks that
 * are running still record their end. Returns PEL_OK, or PEL_EINVAL when not recording. */
int pel_trace_stop(void);

/* pel_trace_is_on: 1 while recording, else 0. */
int pel_trace_is_on(void);

/* pel_trace_write: write what was recorded since the last start as Chrome trace JSON to
 * `path` (a regular file is written to a temporary file beside it, then renamed: a
 * reader never sees half a file; a device or FIFO such as /dev/stdout is written in
 * place). Can be called while recording (it writes what has been recorded so far; tasks
 * still running appear with args.unfinished). Returns PEL_OK, PEL_EINVAL (path NULL or
 * empty; nothing was ever recorded), PEL_EIO (the file cannot be written: errno says
 * why), PEL_ENOMEM. */
int pel_trace_write(const char *path);

/* pel_trace_write_file: the same JSON to an open stream (not closed). */
int pel_trace_write_file(FILE *out);

/* pel_trace_name: name the tasks that run `fn` (a pel_task_fn, pel_flow_fn or loop body)
 * in traces. Without a name, pel uses the function's symbol, found through the program's
 * symbol table, or its address. `name` is copied. Returns PEL_OK, PEL_EINVAL, PEL_ENOMEM. */
int pel_trace_name(const void *fn, const char *name);

/* Counters of one worker since its runtime started. Always kept (tracing or not). */
typedef struct pel_worker_stats {
    uint64_t tasks;        /* tasks run (fork-join tasks, dataflow tasks, loop pieces) */
    uint64_t steals_tried; /* deques probed for a task to steal */
    uint64_t steals_won;   /* tasks stolen */
    uint64_t parks;        /* times it went to sleep */
    uint64_t idle_ns;      /* time spent looking for work or asleep */
} pel_worker_stats;

/* pel_runtime_stats: copy worker `worker`'s counters of `rt` (NULL: the default runtime)
 * to *out. Counters are read while the workers run, so a snapshot is only approximately
 * simultaneous across fields. Returns PEL_OK, PEL_EINVAL (out NULL, worker out of range,
 * or rt NULL and no default runtime), PEL_EDESTROYED. */
int pel_runtime_stats(pel_runtime *rt, int worker, pel_worker_stats *out);

/* pel_runtime_stats_print: a table of every worker's counters and their totals. Returns
 * PEL_OK, PEL_EINVAL, PEL_EDESTROYED. */
int pel_runtime_stats_print(pel_runtime *rt, FILE *out);

/* pel_diagnose: print, for every live runtime and flow, what each worker is doing (running
 * which task, since when; looking for work; asleep) and every pending dataflow task with
 * the tasks it still waits for. Meant for a program that seems to hang: SIGUSR1 calls it
 * (printing to stderr) unless PEL_DIAGNOSE=0. Reads the runtime's state without stopping
 * it, so a busy program may be printed mid-change. Returns PEL_OK or PEL_EINVAL. */
int pel_diagnose(FILE *out);

#ifdef __cplusplus
}
#endif

#endif /* PEL_TRACE_H */
