/* bench/taskbench_core.h — a Task Bench-style task graph (Slaughter et al., "Task Bench:
 * A Parameterized Benchmark for Evaluating Parallel Runtime Performance", SC 2020), shared
 * by every taskbench system binary and by bench-driver. Written from the paper's
 * definitions; no code of the Task Bench project is used.
 *
 * A graph has `steps` timesteps of at most `width` points. Task (t, x) runs the kernel,
 * then computes its output from the outputs of a set of points of timestep t-1 that the
 * dependence pattern gives (tb_deps). Only the ordering differs between systems: each one
 * runs tb_run_task(g, slots, scratch, t, x) for every task, once, after the tasks it depends
 * on, and the final tb_checksum must equal tb_expected_checksum (a serial evaluation).
 *
 * Storage: point x has `fields` output slots; task (t, x) writes slot t % fields of x and
 * reads slot (t-1) % fields of each dependency. With fields = steps (the default, as in
 * Task Bench) every task has its own slot and the dependences a runtime derives from the
 * declared reads and writes are exactly the pattern's; with fewer slots the reuse adds
 * write-after-read edges (double buffering: fields = 2). A task also reads its own slot
 * (the accumulated value of the earlier tasks that used it), so declare it read-write.
 */
#ifndef PEL_BENCH_TASKBENCH_CORE_H
#define PEL_BENCH_TASKBENCH_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest width (and so largest number of dependencies of one task). */
#define TB_MAX_WIDTH 1024

typedef enum tb_pattern {
    TB_TRIVIAL,             /* no dependencies */
    TB_NO_COMM,             /* x */
    TB_STENCIL_1D,          /* x-1, x, x+1 within the width */
    TB_STENCIL_1D_PERIODIC, /* x-1, x, x+1 modulo the width */
    TB_DOM,                 /* x-1, x; the graph is a parallelogram (widths grow, then shrink) */
    TB_TREE,                /* x/2; width 2^t until `width`: a tree unfolding downwards */
    TB_FFT,                 /* x - 2^k, x, x + 2^k, k cycling over log2(width) butterflies */
    TB_ALL_TO_ALL,          /* every point */
    TB_NEAREST,             /* the `radix` points around x: x - radix/2 .. x + (radix-1)/2 */
    TB_SPREAD,              /* `radix` points spread evenly over the width, shifted by t % period */
    TB_RANDOM_NEAREST,      /* x, and each other point of nearest with probability `fraction`,
                               drawn by a hash of (seed, t % period, x, dependency) */
    TB_NPATTERNS
} tb_pattern;

typedef enum tb_kernel {
    TB_EMPTY,          /* nothing */
    TB_COMPUTE_BOUND,  /* `iterations` of 24 independent dependent multiply-add chains */
    TB_MEMORY_BOUND,   /* `iterations` copies of TB_MEMORY_BLOCK bytes in a large buffer */
    TB_LOAD_IMBALANCE, /* compute_bound, iterations scaled by 1 + (u - 1/2) * imbalance */
    TB_NKERNELS
} tb_kernel;

/* compute_bound: floating-point operations per iteration (12 two-lane multiply-adds). */
#define TB_FLOPS_PER_ITERATION 48
/* memory_bound: bytes copied per iteration (each read once and written once). */
#define TB_MEMORY_BLOCK 256

typedef struct tb_graph {
    tb_pattern pattern;
    tb_kernel kernel;
    long width, steps;
    long radix;       /* nearest, spread, random_nearest (default 3) */
    long period;      /* spread, random_nearest: dependence sets cycled over t (default 3) */
    double fraction;  /* random_nearest: probability of each non-central link (0.25) */
    long iterations;  /* of the kernel */
    double imbalance; /* load_imbalance: 0 .. 2 (default 1: iterations x [0.5, 1.5)) */
    long scratch;     /* memory_bound: bytes of the buffer each thread copies in (32 MiB) */
    long fields;      /* output slots per point, 2 .. steps; 0: steps */
    uint64_t seed;    /* of random_nearest and load_imbalance (default 0x7a5cbe4c) */
} tb_graph;

/* One output slot: 64 bytes so that two points never share a cache line. */
typedef struct tb_slot {
    uint64_t value; /* the output of the last task that wrote the slot */
    uint64_t acc;   /* the outputs of every task that wrote it, folded in order */
    uint64_t pad[6];
} tb_slot;

/* tb_parse: fill `g` from a spec "PATTERN,KERNEL[,key=value...]" with keys width, steps,
 * radix, period, fraction, iterations, imbalance, scratch, fields, seed; unset keys get
 * their defaults. Returns 0, or -1 (the reason is written to `err`). */
int tb_parse(tb_graph *g, const char *spec, char *err, size_t errsize);

/* tb_describe: a short human-readable description of `g` for the "params" key. */
void tb_describe(const tb_graph *g, char *out, size_t size);

const char *tb_pattern_name(tb_pattern p);
const char *tb_kernel_name(tb_kernel k);

/* The points of timestep t are offset(t) .. offset(t) + width(t) - 1. */
long tb_offset(const tb_graph *g, long t);
long tb_width_at(const tb_graph *g, long t);
long tb_tasks(const tb_graph *g);

/* tb_deps: the points of timestep t-1 that task (t, x) reads, ascending, without
 * duplicates, only points that exist at t-1; none for t = 0. Returns how many (at most
 * tb_max_deps(g)). */
int tb_deps(const tb_graph *g, long t, long x, long *deps);
int tb_max_deps(const tb_graph *g);

/* Kernel iterations of task (t, x) (differs from g->iterations for load_imbalance). */
long tb_task_iterations(const tb_graph *g, long t, long x);

/* Work of the whole graph in the kernel's unit: floating-point operations
 * (compute_bound, load_imbalance), bytes moved (memory_bound), 0 (empty). */
double tb_work(const tb_graph *g);
const char *tb_work_unit(const tb_graph *g); /* "flop", "byte" or "" */

/* Slots: fields(g) * width, slot of (t, x) at tb_slot_index. Zeroed; free with free(). */
long tb_fields(const tb_graph *g);
tb_slot *tb_slots_new(const tb_graph *g);
static inline size_t tb_slot_index(const tb_graph *g, long fields, long t, long x)
{
    return (size_t)((t % fields) * g->width + x);
}

/* Per-thread scratch for memory_bound: one per thread that runs tasks, each of
 * g->scratch bytes (NULL for the other kernels). Allocated and touched by the caller
 * before timing; the first 64 bytes hold that thread's position. */
void *tb_scratch_new(const tb_graph *g, int threads);
void *tb_scratch_of(const tb_graph *g, void *all, int thread);

/* tb_run_task: run task (t, x): its kernel (with `scratch`, the running thread's own
 * buffer, for memory_bound), then its output into its slot from its dependencies'. */
void tb_run_task(const tb_graph *g, tb_slot *slots, void *scratch, long t, long x);

/* tb_checksum: a hash of every slot; tb_expected_checksum: the same after a serial
 * evaluation of the graph without kernels. */
uint64_t tb_checksum(const tb_graph *g, const tb_slot *slots);
uint64_t tb_expected_checksum(const tb_graph *g);

/* ---- granularity sweeps ------------------------------------------------------------
 * A sweep runs a graph with decreasing kernel iterations: iterations = hi, hi/2, ..., lo
 * (one point, iterations 0, for the empty kernel). Each point's steps are chosen so that
 * it holds about `budget` iterations in all (so the large tasks do not take forever),
 * between min_tasks and max_tasks tasks. */
typedef struct tb_sweep {
    long hi, lo;
    double budget;
    long min_tasks, max_tasks;
} tb_sweep;

/* tb_sweep_parse: "HI:LO:BUDGET:MINTASKS:MAXTASKS". Returns 0 or -1. */
int tb_sweep_parse(tb_sweep *s, const char *text);
int tb_sweep_points(const tb_graph *g, const tb_sweep *s);
/* The graph of point k (0 = largest tasks): `base` with its iterations and steps. */
tb_graph tb_sweep_graph(const tb_graph *base, const tb_sweep *s, int k);

#ifdef __cplusplus
}
#endif

#endif /* PEL_BENCH_TASKBENCH_CORE_H */
