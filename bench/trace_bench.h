/* bench/trace_bench.h — tracing on or off in a benchmark program, for the `trace` group
 * (issue 4): bench-trace-pel (fib, trace_fib.c) and bench-cholesky-pel.
 *
 * The driver chooses the variant through the environment of each process:
 *
 *     PEL_BENCH_TRACE=off|adaptive|full   tracing during the timed region (default off)
 *     PEL_BENCH_TRACE_WRITE=DIR           after the timed region, write the trace to a
 *                                         temporary file in DIR, measure it, delete it
 *     PEL_BENCH_TRACE_KEEP=1              keep that file (its name goes to stderr)
 *
 * A program calls bench_trace_begin just before its timed region (pel_trace_start),
 * bench_trace_end just after it (pel_trace_stop) and bench_trace_write once its runtime
 * is destroyed. (Destroyed, because a worker records a task's end just after the task's
 * completion becomes visible: written straight after the wait, the trace may still show
 * the root task unfinished, its inlined count missing.) With PEL_BENCH_TRACE_WRITE,
 * bench_trace_write prints one line on stdout:
 *
 *     trace bytes=B events=E task_slices=S inlined=I dropped=D write_s=W
 *
 * (E: trace events in the file, metadata included; S: task slices; I: tasks counted in
 * an enclosing slice instead of their own, adaptive detail; D: events lost to the size
 * cap; W: seconds pel_trace_write took). Built against a pel without tracing (the commit
 * before it, for the "tracing off costs nothing" comparison), only `off` is accepted.
 */
#ifndef PEL_BENCH_TRACE_BENCH_H
#define PEL_BENCH_TRACE_BENCH_H

/* The variant asked for: BENCH_TRACE_OFF, or a pel_trace_detail (adaptive 0, full 1).
 * `prog` names the program in error messages; a bad value exits with status 1. */
#define BENCH_TRACE_OFF (-1)
int bench_trace_mode(const char *prog);

/* Start recording with `mode`'s detail (nothing when off). Exits 1 on failure. */
void bench_trace_begin(const char *prog, int mode);

/* Stop recording (nothing when off). Exits 1 on failure. */
void bench_trace_end(const char *prog, int mode);

/* With PEL_BENCH_TRACE_WRITE (and tracing on): write, measure and delete the file and
 * print the `trace` line. Exits 1 on failure. */
void bench_trace_write(const char *prog, int mode);

#endif /* PEL_BENCH_TRACE_BENCH_H */
