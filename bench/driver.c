/* bench/driver.c — runs the benchmarks side by side and prints one JSON line per
 * (benchmark, system, worker count).
 *
 *     bench-driver --bindir DIR [--quick] [--table] [--markdown FILE] [--workers 1,2,...]
 *                  [--systems a,b,...] [--reps N] [--wait-idle S] [NAME...]
 *
 * For each benchmark it runs every configuration (system × worker count) once per round,
 * in turn (A B C A B C ...; the starting point rotates every round), each run in a
 * fresh process of that system's binary (see harness.c), for at least 5 rounds. Each
 * process does its own warm-up before its timed sample. The answers of every process are
 * checked against the baseline system's; a wrong answer is an error (exit status 1).
 * JSON goes to stdout, progress, tables and the floors verdict to stderr.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"

#define TASK_SYSTEMS "serial pel omp-gomp omp-libomp tbb"
#define IDLE_SYSTEMS "pel omp-gomp omp-libomp tbb"
#define TASKBENCH_SYSTEMS "serial pel omp-gomp omp-libomp starpu"
#define CHOL_SYSTEMS "pel openblas omp-gomp omp-libomp starpu"
/* The trace group's variants of pel (trace_report.c): the library before tracing existed,
 * tracing off, tracing off from a copy of the program, adaptive detail, full detail. */
#define TRACE_FIB_SYSTEMS "pel-9325ad4 pel pel-copy pel-trace pel-trace-full"
#define TRACE_CHOL_SYSTEMS "pel pel-trace"

static const bench_def benches[] = {
    {"fib", "fib", TASK_SYSTEMS, "serial", "35", "30", "n=%s", KIND_TASKS, 0, 0, 0},
    {"nqueens", "nqueens", TASK_SYSTEMS, "serial", "13", "11", "n=%s", KIND_TASKS, 0, 0, 0},
    {"uts", "uts", TASK_SYSTEMS, "serial", "2000 8 0.1249 0x5eed", "1000 8 0.1245 0x5eed",
     "binomial b0=%s m=%s q=%s seed=%s", KIND_TASKS, 0, 0, 0},
    {"for", "for-compute", TASK_SYSTEMS, "serial", "10000000", "2000000",
     "n=%s y=sqrt(x)sin(x)+cos(x/2)sqrt(x+1)", KIND_FOR, 0, 1, 0},
    {"for", "for-memory", TASK_SYSTEMS, "serial", "20000000 10", "4000000 10",
     "n=%s a=b+s*c, time per call of %s", KIND_FOR, 24, 0, 0},
    {"reduce", "reduce-sum", TASK_SYSTEMS, "serial", "100000000 5", "10000000 10",
     "n=%s sum, time per call of %s", KIND_FOR, 8, 0, 0},
    {"reduce", "reduce-tiny", TASK_SYSTEMS, "serial", "1000 20000", "1000 5000",
     "n=%s sum, time per call of %s", KIND_PERCALL, 0, 0, 0},
    {"sort", "sort", "serial std pel tbb", "serial", "10000000", "1000000", "n=%s int32",
     KIND_SORT, 0, 0, 0},
    {"sort", "stable-sort", "std pel", "std", "10000000", "1000000",
     "n=%s {key<1000,idx}", KIND_SORT, 0, 0, 0},
    {"idle", "idle", IDLE_SYSTEMS, "pel", "1000", "500", "window_ms=%s", KIND_IDLE, 0, 0, 1},
    {"idle", "wake", IDLE_SYSTEMS " futex", "pel", "10 100", "4 100", "trials_per_process=%s sleep_ms=%s",
     KIND_WAKE, 0, 0, 1},
    {"chains", "chains", "pel omp-gomp omp-libomp starpu", "omp-gomp", "1000000 64", "200000 64",
     "tasks=%s chains=%s, empty read-write tasks", KIND_TASKS, 0, 0, 0},
    {"taskbench", "taskbench", TASKBENCH_SYSTEMS, "serial", "all graphs", "quick graphs", "%s %s",
     KIND_METG, 0, 0, 0},
    {"taskbench-floor", "taskbench-floor", TASKBENCH_SYSTEMS, "serial", "floor graph",
     "floor graph", "%s %s", KIND_METG, 0, 0, 0},
    /* Tiled Cholesky: one benchmark per N and tile (openblas ignores the tile: it runs in
     * each, interleaved with the others), largest worker count only; NULL quick
     * arguments: not in --quick. */
    {"cholesky", "cholesky", CHOL_SYSTEMS, "pel", "2048 128", "2048 128", "n=%s tile=%s",
     KIND_GFLOPS, 0, 0, 1},
    {"cholesky", "cholesky", CHOL_SYSTEMS, "pel", "2048 256", "2048 256", "n=%s tile=%s",
     KIND_GFLOPS, 0, 0, 1},
    {"cholesky", "cholesky", CHOL_SYSTEMS, "pel", "2048 512", NULL, "n=%s tile=%s",
     KIND_GFLOPS, 0, 0, 1},
    {"cholesky", "cholesky", CHOL_SYSTEMS, "pel", "4096 128", NULL, "n=%s tile=%s",
     KIND_GFLOPS, 0, 0, 1},
    {"cholesky", "cholesky", CHOL_SYSTEMS, "pel", "4096 256", NULL, "n=%s tile=%s",
     KIND_GFLOPS, 0, 0, 1},
    {"cholesky", "cholesky", CHOL_SYSTEMS, "pel", "4096 512", NULL, "n=%s tile=%s",
     KIND_GFLOPS, 0, 0, 1},
    {"cholesky", "cholesky", CHOL_SYSTEMS, "pel", "8192 128", NULL, "n=%s tile=%s",
     KIND_GFLOPS, 0, 0, 1},
    {"cholesky", "cholesky", CHOL_SYSTEMS, "pel", "8192 256", NULL, "n=%s tile=%s",
     KIND_GFLOPS, 0, 0, 1},
    {"cholesky", "cholesky", CHOL_SYSTEMS, "pel", "8192 512", NULL, "n=%s tile=%s",
     KIND_GFLOPS, 0, 0, 1},
    /* Tracing overhead (issue 4): pel with tracing off and on, interleaved, more rounds
     * (trace_rounds); fib is the `fib` benchmark's pel kernel, cholesky bench-cholesky-pel
     * on the largest worker count. */
    {"trace", "trace-fib", TRACE_FIB_SYSTEMS, "pel", "30", "30", "n=%s", KIND_TASKS, 0, 0, 0},
    {"trace", "trace-cholesky", TRACE_CHOL_SYSTEMS, "pel", "2048 256", "2048 256",
     "n=%s tile=%s", KIND_GFLOPS, 0, 0, 1},
    {"trace", "trace-cholesky", TRACE_CHOL_SYSTEMS, "pel", "4096 256", NULL, "n=%s tile=%s",
     KIND_GFLOPS, 0, 0, 1},
    {"trace", "trace-cholesky", TRACE_CHOL_SYSTEMS, "pel", "4096 512", NULL, "n=%s tile=%s",
     KIND_GFLOPS, 0, 0, 1},
};
#define NBENCHES (sizeof benches / sizeof benches[0])

static int busy_samples; /* samples started while other processes kept the CPUs busy */

/* Whether --systems lets `system` run in `b` (the baseline always runs: it checks the
 * others' answers). */
static int system_wanted(const options *o, const bench_def *b, const char *system)
{
    if (o->systems == NULL || strcmp(system, b->baseline) == 0)
        return 1;
    size_t len = strlen(system);
    for (const char *p = o->systems; (p = strstr(p, system)) != NULL; p += len)
        if ((p == o->systems || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
            return 1;
    return 0;
}

/* Groups whose systems are programs of their own, bench-GROUP-SYSTEM (not harness.c);
 * a group named GROUP-SOMETHING uses GROUP's programs. */
static const char *const own_binary_groups[] = {"chains", "taskbench", "cholesky"};

void binary_path(const bench_def *b, const options *o, const char *system, char *out,
                 size_t size)
{
    if (trace_group(b)) { /* variants of pel: trace_report.c */
        trace_binary(b, o, system, out, size);
        return;
    }
    for (size_t i = 0; i < sizeof own_binary_groups / sizeof own_binary_groups[0]; i++) {
        const char *g = own_binary_groups[i];
        size_t len = strlen(g);
        if (strncmp(b->group, g, len) == 0 && (b->group[len] == '\0' || b->group[len] == '-')) {
            snprintf(out, size, "%s/bench-%s-%s", o->bindir, g, system);
            return;
        }
    }
    snprintf(out, size, "%s/bench-%s", o->bindir, system);
}

static int binary_exists(const bench_def *b, const options *o, const char *system)
{
    char path[4096];
    binary_path(b, o, system, path, sizeof path);
    return access(path, X_OK) == 0;
}

static void run_bench(const bench_def *b, const options *o)
{
    config cs[MAX_CONFIGS];
    int n = 0;
    int maxw = o->workers[o->nworkers - 1];
    if (o->quick && b->quick_args == NULL) /* not part of the quick run */
        return;
    if (b->kind == KIND_WAKE && maxw < 2) {
        /* The caller must not be the thread that runs the work. */
        fprintf(stderr, "bench: %s: skipped (needs at least 2 workers)\n", b->name);
        return;
    }
    char *names = strdup(b->systems), *save = NULL;
    for (char *s = strtok_r(names, " ", &save); s; s = strtok_r(NULL, " ", &save)) {
        if (!system_wanted(o, b, s))
            continue;
        if (!binary_exists(b, o, s)) {
            char path[4096];
            binary_path(b, o, s, path, sizeof path);
            fprintf(stderr, "bench: %s: skipping %s (%s was not built)\n", b->name, s,
                    strrchr(path, '/') + 1);
            continue;
        }
        for (int w = 0; w < o->nworkers && n < MAX_CONFIGS; w++) {
            int workers = o->workers[w];
            if (is_serial(s) && workers != 1)
                continue;
            if (b->max_workers_only && workers != maxw)
                continue;
            cs[n] = (config){0};
            cs[n].system = s;
            cs[n].workers = workers;
            n++;
        }
    }

    if (b->kind == KIND_METG) { /* taskbench_driver.c: rounds of sweeps, per graph */
        busy_samples += run_metg(b, o, cs, n);
        free(names);
        return;
    }
    char params[256];
    format_params(b, o, params, sizeof params);
    int reps = trace_group(b) ? trace_rounds(b, o) : o->reps;
    fprintf(stderr, "bench: %s (%s): %d configurations x %d rounds, load average %s\n", b->name,
            params, n, reps, load_average());
    for (int r = 0; r < reps; r++)
        for (int j = 0; j < n; j++) {
            config *c = &cs[(j + r) % n];
            if (!c->failed)
                run_once(c, b, o);
        }
    for (int i = 0; i < n; i++)
        busy_samples += cs[i].busy_samples;

    if (trace_group(b))
        trace_pair(cs, n); /* before check_answers sorts the samples */
    check_answers(b, cs, n);
    report_bench(b, o, cs, n, params);
    if (trace_group(b))
        trace_instructions(b, o, cs, n);
    for (int i = 0; i < n; i++)
        free(cs[i].samples);
    free(names);
}

/* ---- command line ------------------------------------------------------------------ */

static void usage(void)
{
    fprintf(stderr,
            "usage: bench-driver --bindir DIR [--quick] [--table] [--markdown FILE] "
            "[--workers 1,2,...] [--systems a,b,...] [--reps N] [--wait-idle S] [NAME...]\n"
            "NAME: a group (fib nqueens uts for reduce sort idle chains taskbench taskbench-floor "
            "cholesky trace) or one benchmark:\n");
    for (size_t i = 0; i < NBENCHES; i++)
        fprintf(stderr, "  %-12s (group %s) systems: %s\n", benches[i].name, benches[i].group,
                benches[i].systems);
}

static void default_workers(options *o)
{
    int cpus = usable_cpus();
    o->nworkers = 0;
    for (int w = 1; w <= cpus && o->nworkers < MAX_WORKERS; w *= 2)
        o->workers[o->nworkers++] = w;
    if (o->workers[o->nworkers - 1] != cpus && o->nworkers < MAX_WORKERS)
        o->workers[o->nworkers++] = cpus;
    if (o->nworkers == 1 && o->nworkers < MAX_WORKERS) /* always show 2 workers */
        o->workers[o->nworkers++] = 2;
}

static int parse_workers(options *o, const char *list)
{
    o->nworkers = 0;
    char *copy = strdup(list), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int w = atoi(t);
        if (w < 1 || w > 4096 || o->nworkers == MAX_WORKERS) {
            free(copy);
            return -1;
        }
        int at = o->nworkers++;
        while (at > 0 && o->workers[at - 1] > w) { /* keep the list sorted */
            o->workers[at] = o->workers[at - 1];
            at--;
        }
        o->workers[at] = w;
    }
    free(copy);
    return o->nworkers > 0 ? 0 : -1;
}

static int selected(const options *o, const bench_def *b)
{
    if (o->nnames == 0)
        return 1;
    for (int i = 0; i < o->nnames; i++)
        if (strcmp(o->names[i], b->group) == 0 || strcmp(o->names[i], b->name) == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    options o = {0};
    default_workers(&o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--bindir") == 0 && i + 1 < argc) {
            o.bindir = argv[++i];
        } else if (strcmp(a, "--quick") == 0) {
            o.quick = 1;
        } else if (strcmp(a, "--table") == 0) {
            o.table = 1;
        } else if (strcmp(a, "--workers") == 0 && i + 1 < argc) {
            if (parse_workers(&o, argv[++i]) != 0) {
                fprintf(stderr, "bench: bad --workers list '%s'\n", argv[i]);
                return 2;
            }
        } else if (strncmp(a, "--workers=", 10) == 0) {
            if (parse_workers(&o, a + 10) != 0) {
                fprintf(stderr, "bench: bad --workers list '%s'\n", a + 10);
                return 2;
            }
        } else if (strcmp(a, "--wait-idle") == 0 && i + 1 < argc) {
            o.wait_idle = atof(argv[++i]);
        } else if (strcmp(a, "--systems") == 0 && i + 1 < argc) {
            o.systems = argv[++i];
        } else if (strcmp(a, "--markdown") == 0 && i + 1 < argc) {
            o.markdown = argv[++i];
        } else if (strcmp(a, "--reps") == 0 && i + 1 < argc) {
            o.reps = atoi(argv[++i]);
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage();
            return 0;
        } else if (a[0] == '-') {
            fprintf(stderr, "bench: unknown option %s\n", a);
            usage();
            return 2;
        } else if (o.nnames < 64) {
            o.names[o.nnames++] = a;
        }
    }
    if (o.bindir == NULL) {
        usage();
        return 2;
    }
    if (o.reps == 0)
        o.reps = 5;
    if (o.reps < 1) {
        fprintf(stderr, "bench: --reps must be at least 1\n");
        return 2;
    }
    for (int i = 0; i < o.nnames; i++) {
        int known = 0;
        for (size_t j = 0; j < NBENCHES; j++)
            known |= !strcmp(o.names[i], benches[j].group) || !strcmp(o.names[i], benches[j].name);
        if (!known) {
            fprintf(stderr, "bench: unknown benchmark '%s'\n", o.names[i]);
            usage();
            return 2;
        }
    }
    if (o.markdown) {
        md = fopen(o.markdown, "w");
        if (md == NULL) {
            perror(o.markdown);
            return 2;
        }
        char model[256], date[64];
        cpu_model(model, sizeof model);
        time_t t = time(NULL);
        strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&t));
        const char *revision = getenv("PEL_BENCH_REVISION");
        fprintf(md, "Measured %s on %d usable CPUs (%s), load average at the start %s; "
                    "pel source %s.\nWorkers", date, usable_cpus(), model, load_average(),
                revision ? revision : "unknown");
        for (int i = 0; i < o.nworkers; i++)
            fprintf(md, "%s%d", i ? "," : " ", o.workers[i]);
        fprintf(md, ", %d rounds%s.\n", o.reps, o.quick ? " (quick sizes)" : "");
    }
    double busy = cpus_busy(0.5);
    if (busy >= 0.2)
        fprintf(stderr, "bench: warning: other processes keep %.1f CPUs busy: timings will be "
                        "distorted (rerun on a quiet machine, or use --wait-idle)\n", busy);
    fprintf(stderr, "bench: workers");
    for (int i = 0; i < o.nworkers; i++)
        fprintf(stderr, "%s%d", i ? "," : " ", o.workers[i]);
    fprintf(stderr, ", %d rounds%s\n", o.reps, o.quick ? " (quick)" : "");
    for (size_t i = 0; i < NBENCHES; i++)
        if (selected(&o, &benches[i]))
            run_bench(&benches[i], &o);
    if (busy_samples)
        fprintf(stderr, "bench: warning: %d samples started while other processes were busy\n",
                busy_samples);
    print_floors();
    cholesky_print_best();
    trace_print_summary();
    if (md) {
        if (busy_samples)
            fprintf(md, "\n%d samples started while other processes kept the CPUs busy "
                        "(--wait-idle %.0f gave up waiting).\n", busy_samples, o.wait_idle);
        fprintf(md, "\nLoad average at the end: %s.\n", load_average());
        fclose(md);
    }
    return exit_status;
}
