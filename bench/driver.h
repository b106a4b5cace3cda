/* bench/driver.h — what the parts of bench-driver share: the benchmark catalogue's
 * types, the per-configuration results, the options, and the functions of
 * machine.c (the host), process.c (running one sample) and report.c (statistics and
 * output). */
#ifndef PEL_BENCH_DRIVER_H
#define PEL_BENCH_DRIVER_H

#include <stddef.h>
#include <stdio.h>

#define MAX_SYSTEMS 8
#define MAX_WORKERS 32
#define MAX_CONFIGS (MAX_SYSTEMS * MAX_WORKERS)
#define CHILD_TIMEOUT_S 600

/* What a benchmark's extra JSON keys are about. */
typedef enum kind {
    KIND_TASKS,   /* fork-join: tasks, ns_per_task */
    KIND_FOR,     /* loops: n, optionally bytes per element for GB/s */
    KIND_PERCALL, /* median_s is the time of one call: us_per_call */
    KIND_SORT,    /* n */
    KIND_IDLE,    /* median_s is CPU seconds used in the window: cpu_percent_of_core */
    KIND_WAKE,    /* samples are wake latencies: wake_median_us, wake_max_us */
    KIND_METG,    /* Task Bench granularity sweeps: metg_us (taskbench_driver.c) */
    KIND_GFLOPS,  /* a factorization of an N x N matrix: n, gflops (N^3/3 flops) */
} kind;

typedef struct bench_def {
    const char *group;    /* the NAME that selects it, with its siblings */
    const char *name;     /* the "bench" key */
    const char *systems;  /* space-separated, in display order */
    const char *baseline; /* whose answer the others must match */
    const char *full_args, *quick_args;   /* the benchmark's arguments */
    const char *params_fmt;               /* printf format of "params", from the args */
    kind kind;
    int bytes_per_elem; /* KIND_FOR: memory traffic per element, 0 if not memory-bound */
    int float_check;    /* answers compared with a relative tolerance */
    int max_workers_only;
} bench_def;

typedef struct config {
    const char *system;
    int workers;
    double *samples;
    int nsamples, cap;
    char check[128];
    int have_check;
    long tasks;
    double wall; /* idle: the measured window */
    int failed;
    int busy_samples; /* samples started while other processes were busy (--wait-idle) */
    /* trace group: what the trace file of its first traced sample held (trace_bench.h) */
    int have_trace;
    long trace_bytes, trace_events, trace_slices, trace_inlined, trace_dropped;
    double trace_write_s;
    /* trace group: median over the rounds of this sample ÷ the same round's tracing-off
     * sample (interleaved in one round, so a slow drift of the machine cancels) */
    int have_paired;
    double paired_ratio;
    /* results */
    double median, min, max;
} config;

typedef struct options {
    const char *bindir;
    int quick, table, reps;
    const char *markdown; /* --markdown FILE: the tables in Markdown, for RESULTS.md */
    const char *systems;  /* --systems a,b,...: only these (and each benchmark's baseline) */
    double wait_idle;     /* --wait-idle S: before each sample, wait up to S s for a quiet CPU */
    int workers[MAX_WORKERS], nworkers;
    const char *names[64];
    int nnames;
} options;

/* driver.c: the executable of `system` for benchmark `b`: BINDIR/bench-SYSTEM, or
 * BINDIR/bench-GROUP-SYSTEM for the groups whose systems are separate programs. */
void binary_path(const bench_def *b, const options *o, const char *system, char *out,
                 size_t size);

/* machine.c */
extern int exit_status; /* 1 once any error was reported */
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *xrealloc(void *p, size_t bytes);
double now_s(void);
int usable_cpus(void);
const char *load_average(void);
void cpu_model(char *out, size_t size);
double cpus_busy(double seconds);
int wait_for_quiet(double max_seconds);

/* process.c */
void run_once(config *c, const bench_def *b, const options *o);

/* report.c */
extern FILE *md; /* --markdown output, or NULL */
int is_serial(const char *system);
void format_params(const bench_def *b, const options *o, char *out, size_t size);
void check_answers(const bench_def *b, config *cs, int n);
void report_bench(const bench_def *b, const options *o, config *cs, int n, const char *params);
void print_floors(void);

/* taskbench_driver.c: run a KIND_METG benchmark on configurations cs[0..n): its graphs'
 * sweeps, rounds, METG, JSON lines and tables. Frees the samples; returns the number of
 * samples started while the machine was busy. */
extern double taskbench_floor_metg_us; /* pel, stencil_1d width 2 compute_bound, 2 workers */
int run_metg(const bench_def *b, const options *o, config *cs, int n);

/* cholesky_report.c: note a cholesky configuration's result (returns its GFLOP/s) and,
 * at the end, print each system's best per N and the floors judged on them. */
double cholesky_note(const bench_def *b, const options *o, const config *c);
void cholesky_print_best(void);

/* trace_report.c: the trace group (issue 4), its systems being variants of pel: "pel"
 * (tracing off), "pel-trace" (adaptive), "pel-trace-full", "pel-9325ad4" (the library
 * before tracing existed). */
int trace_group(const bench_def *b);
/* PEL_BENCH_TRACE for a system of the trace group: "off", "adaptive" or "full". */
const char *trace_variant(const char *system);
/* The program a system of the trace group runs (BINDIR/bench-...). */
void trace_binary(const bench_def *b, const options *o, const char *system, char *out,
                  size_t size);
/* Rounds for a trace benchmark: at least --reps, at least 15 (fib) or 11 (cholesky). */
int trace_rounds(const bench_def *b, const options *o);
/* Before the samples are sorted: each configuration's per-round ratio to tracing off. */
void trace_pair(config *cs, int n);
/* In the JSON line of c (after the common keys): the overhead and the trace file's facts;
 * remembers the figures for the summary. `off` is the tracing-off configuration with the
 * same worker count (NULL if it failed); `figure` ns/task or GFLOP/s. */
void trace_note(const bench_def *b, const char *params, const config *c, const config *off,
                double figure);
/* trace-fib: each variant's instructions per task on 1 worker under callgrind (nothing
 * without valgrind); JSON lines "trace-fib-instructions". */
void trace_instructions(const bench_def *b, const options *o, const config *cs, int n);
/* The overhead tables and the floors of issue 4 (nothing if the group did not run). */
void trace_print_summary(void);

#endif /* PEL_BENCH_DRIVER_H */
