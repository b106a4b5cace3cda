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
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

#define TASK_SYSTEMS "serial pel omp-gomp omp-libomp tbb"
#define IDLE_SYSTEMS "pel omp-gomp omp-libomp tbb"

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
    {"idle", "wake", IDLE_SYSTEMS, "pel", "10 100", "4 100", "trials_per_process=%s sleep_ms=%s",
     KIND_WAKE, 0, 0, 1},
};
#define NBENCHES (sizeof benches / sizeof benches[0])

/* Systems that are serial by nature: run with one worker only. */
static int is_serial(const char *system)
{
    return strcmp(system, "serial") == 0 || strcmp(system, "std") == 0;
}

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

static int exit_status;
static FILE *md; /* --markdown output, or NULL */

static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bench: error: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit_status = 1;
}

static void *xrealloc(void *p, size_t bytes)
{
    p = realloc(p, bytes);
    if (p == NULL) {
        fprintf(stderr, "bench: out of memory\n");
        exit(1);
    }
    return p;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int usable_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* ---- running one process ---------------------------------------------------------- */

/* Run `path argv...` with the worker count in the environment; its stdout goes into
 * *out (malloc'd). Returns its exit status, or -1 if it could not run or timed out. */
static int run_child(const char *path, char **argv, int workers, char **out)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        char w[16];
        snprintf(w, sizeof w, "%d", workers);
        setenv("OMP_NUM_THREADS", w, 1);
        setenv("PEL_NUM_WORKERS", w, 1);
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execv(path, argv);
        perror(path);
        _exit(127);
    }
    close(fds[1]);
    size_t len = 0, cap = 4096;
    char *buf = xrealloc(NULL, cap);
    double deadline = now_s() + CHILD_TIMEOUT_S;
    int timed_out = 0;
    for (;;) {
        struct pollfd pfd = {fds[0], POLLIN, 0};
        int left_ms = (int)((deadline - now_s()) * 1000);
        if (left_ms <= 0) {
            timed_out = 1;
            break;
        }
        int r = poll(&pfd, 1, left_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            timed_out = 1;
            break;
        }
        if (len + 1024 > cap)
            buf = xrealloc(buf, cap *= 2);
        ssize_t got = read(fds[0], buf + len, cap - len - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    buf[len] = '\0';
    close(fds[0]);
    if (timed_out)
        kill(pid, SIGKILL);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    *out = buf;
    if (timed_out) {
        fail("%s timed out after %d s", path, CHILD_TIMEOUT_S);
        return -1;
    }
    if (WIFSIGNALED(status)) {
        fail("%s %s killed by signal %d", path, argv[1], WTERMSIG(status));
        return -1;
    }
    return WEXITSTATUS(status);
}

static void add_sample(config *c, double v)
{
    if (c->nsamples == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->samples = xrealloc(c->samples, (size_t)c->cap * sizeof *c->samples);
    }
    c->samples[c->nsamples++] = v;
}

/* Take one process's output into `c`: its samples and its answer. */
static void take_output(config *c, const bench_def *b, char *text)
{
    char *lsave = NULL;
    for (char *line = strtok_r(text, "\n", &lsave); line; line = strtok_r(NULL, "\n", &lsave)) {
        if (strncmp(line, "t=", 2) == 0) {
            add_sample(c, atof(line + 2));
            continue;
        }
        if (strncmp(line, "check", 5) != 0)
            continue;
        char *save = NULL;
        for (char *tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
            char *eq = strchr(tok, '=');
            if (eq == NULL)
                continue;
            *eq = '\0';
            const char *val = eq + 1;
            if (strcmp(tok, "check") == 0 || strcmp(tok, "checkf") == 0) {
                if (c->have_check && strcmp(c->check, val) != 0 && !b->float_check) {
                    fail("%s: %s on %d workers gave %s, then %s", b->name, c->system, c->workers,
                         c->check, val);
                    c->failed = 1;
                }
                snprintf(c->check, sizeof c->check, "%s", val);
                c->have_check = 1;
            } else if (strcmp(tok, "tasks") == 0) {
                c->tasks = atol(val);
            } else if (strcmp(tok, "wall") == 0) {
                c->wall = atof(val);
            }
        }
    }
}

/* Busy and total jiffies of all CPUs, from /proc/stat; 0 on failure. */
static int cpu_jiffies(unsigned long long *busy, unsigned long long *total)
{
    FILE *f = fopen("/proc/stat", "r");
    if (f == NULL)
        return 0;
    unsigned long long v[8] = {0};
    int got = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                     &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (got < 5)
        return 0;
    *total = 0;
    for (int i = 0; i < 8; i++)
        *total += v[i];
    *busy = *total - v[3] - v[4]; /* all but idle and iowait */
    return 1;
}

static int busy_samples; /* samples started while other processes kept the CPUs busy */

/* How many CPUs the other processes keep busy, measured over `seconds`; -1 if unknown. */
static double cpus_busy(double seconds)
{
    unsigned long long b0, t0, b1, t1;
    if (!cpu_jiffies(&b0, &t0))
        return -1;
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    nanosleep(&ts, NULL);
    if (!cpu_jiffies(&b1, &t1) || t1 == t0)
        return -1;
    return (double)(b1 - b0) / (double)(t1 - t0) * usable_cpus();
}

/* --wait-idle: wait (up to o->wait_idle seconds) until the other processes on the machine
 * use less than 10% of one CPU over a quarter of a second. */
static void wait_for_quiet(const options *o)
{
    double give_up = now_s() + o->wait_idle;
    do {
        double busy = cpus_busy(0.25);
        if (busy < 0.1) /* quiet, or unknown */
            return;
    } while (now_s() < give_up);
    busy_samples++;
}

static void run_once(config *c, const bench_def *b, const options *o)
{
    if (o->wait_idle > 0)
        wait_for_quiet(o);
    char path[4096];
    snprintf(path, sizeof path, "%s/bench-%s", o->bindir, c->system);
    char args[256];
    snprintf(args, sizeof args, "%s", o->quick ? b->quick_args : b->full_args);
    char workers[16];
    snprintf(workers, sizeof workers, "%d", c->workers);
    char *argv[16] = {path, (char *)b->name, workers};
    int argc = 3;
    char *save = NULL;
    for (char *tok = strtok_r(args, " ", &save); tok && argc < 15; tok = strtok_r(NULL, " ", &save))
        argv[argc++] = tok;
    argv[argc] = NULL;
    char *out = NULL;
    int rc = run_child(path, argv, c->workers, &out);
    if (rc == 0) {
        take_output(c, b, out);
    } else {
        if (rc == 3)
            fail("%s does not implement %s", c->system, b->name);
        else if (rc > 0)
            fail("%s %s on %d workers exited with status %d", c->system, b->name, c->workers, rc);
        c->failed = 1;
    }
    free(out);
}

/* ---- statistics ----------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void summarise(config *c)
{
    qsort(c->samples, (size_t)c->nsamples, sizeof *c->samples, cmp_double);
    int n = c->nsamples;
    c->min = c->samples[0];
    c->max = c->samples[n - 1];
    c->median = n % 2 ? c->samples[n / 2] : 0.5 * (c->samples[n / 2 - 1] + c->samples[n / 2]);
}

static config *find(config *cs, int n, const char *system, int workers)
{
    for (int i = 0; i < n; i++)
        if (strcmp(cs[i].system, system) == 0 && cs[i].workers == workers && !cs[i].failed &&
            cs[i].nsamples > 0)
            return &cs[i];
    return NULL;
}

/* The baseline's configuration: its 1-worker run, or its only one. */
static config *find_baseline(config *cs, int n, const bench_def *b)
{
    config *c = find(cs, n, b->baseline, 1);
    for (int i = 0; c == NULL && i < n; i++)
        if (strcmp(cs[i].system, b->baseline) == 0 && !cs[i].failed && cs[i].nsamples > 0)
            c = &cs[i];
    return c;
}

/* Whether two answers agree: exactly, or within a relative 1e-9 for float checks. */
static int same_answer(const bench_def *b, const char *x, const char *y)
{
    if (!b->float_check)
        return strcmp(x, y) == 0;
    double a = atof(x), c = atof(y);
    return fabs(a - c) <= 1e-9 * fmax(fabs(a), fabs(c));
}

/* ---- output ---------------------------------------------------------------------- */

/* The figures the floors are judged on, remembered across benchmarks. */
typedef struct figures {
    double fib_pel_ns1, fib_pel_speedup2, fib_tbb_over_pel2;
    double for_pel_speedup2;
    double sort_pel_speedup2, sort_tbb_over_pel2;
    double idle_pel_percent, wake_pel_median_us, wake_pel_max_us;
} figures;

static figures fig = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};

static void json_num(const char *key, double v)
{
    if (isfinite(v))
        printf(",\"%s\":%.6g", key, v);
}

static void format_params(const bench_def *b, const options *o, char *out, size_t size)
{
    char args[256];
    snprintf(args, sizeof args, "%s", o->quick ? b->quick_args : b->full_args);
    const char *a[4] = {"", "", "", ""};
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(args, " ", &save); tok && n < 4; tok = strtok_r(NULL, " ", &save))
        a[n++] = tok;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(out, size, b->params_fmt, a[0], a[1], a[2], a[3]);
#pragma GCC diagnostic pop
}

/* Print the JSON line of `c`, and its row of the tables. */
static void report(const bench_def *b, const options *o, config *cs, int n, config *c,
                   const char *params, FILE *table)
{
    config *base = find_baseline(cs, n, b);
    config *pel = find(cs, n, "pel", is_serial(c->system) ? 1 : c->workers);
    config *own1 = is_serial(c->system) ? NULL : find(cs, n, c->system, 1);
    long tasks = c->tasks ? c->tasks : (base ? base->tasks : 0);
    char nbuf[64];
    snprintf(nbuf, sizeof nbuf, "%s", o->quick ? b->quick_args : b->full_args);
    double nelems = atof(nbuf);

    printf("{\"bench\":\"%s\",\"params\":\"%s\",\"system\":\"%s\",\"workers\":%d,\"runs\":%d",
           b->name, params, c->system, c->workers, c->nsamples);
    json_num("median_s", c->median);
    json_num("min_s", c->min);
    json_num("max_s", c->max);
    double extra = NAN;
    const char *extra_name = "";
    switch (b->kind) {
    case KIND_TASKS:
        if (tasks > 0) {
            printf(",\"tasks\":%ld", tasks);
            extra = c->median * 1e9 / (double)tasks;
            json_num("ns_per_task", extra);
            extra_name = "ns/task";
        }
        break;
    case KIND_FOR:
        printf(",\"n\":%.0f", nelems);
        if (b->bytes_per_elem) {
            extra = (double)b->bytes_per_elem * nelems / c->median * 1e-9;
            json_num("gbytes_per_s", extra);
            extra_name = "GB/s";
        } else {
            extra = c->median * 1e9 / nelems;
            json_num("ns_per_elem", extra);
            extra_name = "ns/elem";
        }
        break;
    case KIND_PERCALL:
        printf(",\"n\":%.0f", nelems);
        extra = c->median * 1e6;
        json_num("us_per_call", extra);
        extra_name = "us/call";
        break;
    case KIND_SORT:
        printf(",\"n\":%.0f", nelems);
        extra = nelems / c->median * 1e-6;
        json_num("melems_per_s", extra);
        extra_name = "Melem/s";
        break;
    case KIND_IDLE: {
        double window = c->wall > 0 ? c->wall : nelems * 1e-3;
        extra = c->median / window * 100;
        json_num("window_s", window);
        json_num("cpu_percent_of_core", extra);
        json_num("max_cpu_percent_of_core", c->max / window * 100);
        extra_name = "%core";
        break;
    }
    case KIND_WAKE:
        extra = c->median * 1e6;
        json_num("wake_median_us", extra);
        json_num("wake_max_us", c->max * 1e6);
        extra_name = "us(med)";
        break;
    }
    double speedup1 = own1 ? own1->median / c->median : NAN;
    double vs_pel = pel ? c->median / pel->median : NAN;
    double vs_base = (base && b->kind != KIND_IDLE && b->kind != KIND_WAKE)
                         ? base->median / c->median
                         : NAN;
    json_num("speedup_vs_1", speedup1);
    json_num("ratio_vs_pel", vs_pel);
    if (strcmp(c->system, b->baseline) != 0)
        json_num("speedup_vs_baseline", vs_base);
    printf("}\n");
    fflush(stdout);

    if (table) {
        fprintf(table, "  %-11s %3d %5d %11.4g %11.4g %11.4g %10.4g %-8s %8.3g %8.3g %8.3g\n",
                c->system, c->workers, c->nsamples, c->median, c->min, c->max, extra, extra_name,
                speedup1, vs_pel, vs_base);
    }
    if (md) {
        fprintf(md, "| %s | %d | %d | %.4g | %.4g | %.4g | %.4g %s |", c->system, c->workers,
                c->nsamples, c->median, c->min, c->max, extra, extra_name);
        const double ratios[3] = {speedup1, vs_pel, vs_base};
        for (int i = 0; i < 3; i++)
            fprintf(md, isfinite(ratios[i]) ? " %.3g |" : " – |", ratios[i]);
        fprintf(md, "\n");
    }

    /* Remember what the floors are judged on. */
    int is_pel = strcmp(c->system, "pel") == 0;
    if (strcmp(b->name, "fib") == 0 && is_pel && c->workers == 1)
        fig.fib_pel_ns1 = extra;
    if (strcmp(b->name, "fib") == 0 && is_pel && c->workers == 2)
        fig.fib_pel_speedup2 = speedup1;
    if (strcmp(b->name, "fib") == 0 && !strcmp(c->system, "tbb") && c->workers == 2)
        fig.fib_tbb_over_pel2 = vs_pel;
    if (strcmp(b->name, "for-compute") == 0 && is_pel && c->workers == 2)
        fig.for_pel_speedup2 = speedup1;
    if (strcmp(b->name, "sort") == 0 && is_pel && c->workers == 2)
        fig.sort_pel_speedup2 = speedup1;
    if (strcmp(b->name, "sort") == 0 && !strcmp(c->system, "tbb") && c->workers == 2)
        fig.sort_tbb_over_pel2 = vs_pel;
    if (b->kind == KIND_IDLE && is_pel)
        fig.idle_pel_percent = extra;
    if (b->kind == KIND_WAKE && is_pel) {
        fig.wake_pel_median_us = extra;
        fig.wake_pel_max_us = c->max * 1e6;
    }
}

static void floor_line(const char *what, double v, int ok, const char *fmt)
{
    char val[64];
    if (isnan(v)) {
        fprintf(stderr, "  %-62s not measured\n", what);
        if (md)
            fprintf(md, "| %s | – | not measured |\n", what);
        return;
    }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(val, sizeof val, fmt, v);
#pragma GCC diagnostic pop
    fprintf(stderr, "  %-62s %-12s %s\n", what, val, ok ? "MET" : "MISSED");
    if (md)
        fprintf(md, "| %s | %s | %s |\n", what, val, ok ? "met" : "**missed**");
}

static void print_floors(void)
{
    fprintf(stderr, "\nFloors (issue 2, judged on this run):\n");
    if (md)
        fprintf(md, "\n### Floors (issue 2), judged on this run\n\n| floor | figure | verdict |\n"
                    "|---|---|---|\n");
    floor_line("fib: pel 1 worker, ns per spawned task <= 20", fig.fib_pel_ns1,
               fig.fib_pel_ns1 <= 20, "%.1f ns");
    floor_line("fib: pel 2 workers >= 1.8x its 1-worker speed", fig.fib_pel_speedup2,
               fig.fib_pel_speedup2 >= 1.8, "%.2fx");
    floor_line("fib: pel 2 workers >= 5x faster than oneTBB on 2", fig.fib_tbb_over_pel2,
               fig.fib_tbb_over_pel2 >= 5, "%.2fx");
    floor_line("for-compute: pel 2 workers >= 1.9x its 1-worker speed", fig.for_pel_speedup2,
               fig.for_pel_speedup2 >= 1.9, "%.2fx");
    floor_line("sort: pel 2 workers >= 1.7x its 1-worker speed", fig.sort_pel_speedup2,
               fig.sort_pel_speedup2 >= 1.7, "%.2fx");
    floor_line("sort: pel 2 workers faster than tbb::parallel_sort on 2", fig.sort_tbb_over_pel2,
               fig.sort_tbb_over_pel2 > 1, "%.2fx");
    floor_line("idle: pel idle runtime uses < 1% of a core", fig.idle_pel_percent,
               fig.idle_pel_percent < 1, "%.3f%%");
    floor_line("wake: pel parked worker starts new work within 50 us (median)",
               fig.wake_pel_median_us, fig.wake_pel_median_us <= 50, "%.1f us");
    floor_line("wake: pel, the slowest of all trials within 50 us", fig.wake_pel_max_us,
               fig.wake_pel_max_us <= 50, "%.1f us");
}

/* ---- one benchmark ---------------------------------------------------------------- */

/* The three load averages, as /proc/loadavg has them ("?" if unknown). */
static const char *load_average(void)
{
    static char buf[64];
    snprintf(buf, sizeof buf, "?");
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        double a, b, c;
        if (fscanf(f, "%lf %lf %lf", &a, &b, &c) == 3)
            snprintf(buf, sizeof buf, "%.2f %.2f %.2f", a, b, c);
        fclose(f);
    }
    return buf;
}

static void cpu_model(char *out, size_t size)
{
    snprintf(out, size, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        return;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "model name", 10) == 0) {
            char *v = strchr(line, ':');
            if (v) {
                v += 1 + strspn(v + 1, " \t");
                v[strcspn(v, "\n")] = '\0';
                snprintf(out, size, "%s", v);
            }
            break;
        }
    fclose(f);
}

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

static int binary_exists(const options *o, const char *system)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/bench-%s", o->bindir, system);
    return access(path, X_OK) == 0;
}

static void run_bench(const bench_def *b, const options *o)
{
    config cs[MAX_CONFIGS];
    int n = 0;
    char *names = strdup(b->systems), *save = NULL;
    int maxw = o->workers[o->nworkers - 1];
    for (char *s = strtok_r(names, " ", &save); s; s = strtok_r(NULL, " ", &save)) {
        if (!system_wanted(o, b, s))
            continue;
        if (!binary_exists(o, s)) {
            fprintf(stderr, "bench: %s: skipping %s (bench-%s was not built)\n", b->name, s, s);
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

    char params[256];
    format_params(b, o, params, sizeof params);
    int reps = o->reps;
    fprintf(stderr, "bench: %s (%s): %d configurations x %d rounds, load average %s\n", b->name,
            params, n, reps, load_average());
    for (int r = 0; r < reps; r++)
        for (int j = 0; j < n; j++) {
            config *c = &cs[(j + r) % n];
            if (!c->failed)
                run_once(c, b, o);
        }

    config *base = find_baseline(cs, n, b);
    if (base == NULL || !base->have_check)
        fail("%s: no answer from the baseline %s", b->name, b->baseline);
    for (int i = 0; i < n; i++) {
        config *c = &cs[i];
        if (c->failed || c->nsamples == 0)
            continue;
        if (base && base->have_check && !same_answer(b, base->check, c->check)) {
            fail("%s: %s on %d workers answered %s, %s answered %s", b->name, c->system,
                 c->workers, c->check, b->baseline, base->check);
            c->failed = 1;
            continue;
        }
        summarise(c);
    }
    char *table_text = NULL;
    size_t table_len = 0;
    FILE *table = o->table ? open_memstream(&table_text, &table_len) : NULL;
    if (table)
        fprintf(table,
                "\n%s  %s\n  %-11s %3s %5s %11s %11s %11s %10s %-8s %8s %8s %8s\n", b->name,
                params, "system", "w", "runs", "median_s", "min_s", "max_s", "figure", "",
                "vs_1w", "vs_pel", "vs_base");
    if (md)
        fprintf(md,
                "\n### %s — %s\n\n| system | workers | runs | median (s) | min (s) | max (s) | "
                "figure | own 1-worker ÷ this | this ÷ pel | %s ÷ this |\n"
                "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
                b->name, params, b->baseline);
    for (int i = 0; i < n; i++)
        if (!cs[i].failed && cs[i].nsamples > 0)
            report(b, o, cs, n, &cs[i], params, table);
    if (md)
        fflush(md);
    if (table)
        fprintf(table, "  (vs_1w: own 1-worker time / this time; vs_pel: this time / pel's "
                       "time, > 1 means pel is faster; vs_base: %s's time / this time)\n",
                b->baseline);
    if (table) {
        fclose(table);
        fputs(table_text, stderr);
        free(table_text);
    }
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
            "NAME: a group (fib nqueens uts for reduce sort idle) or one benchmark:\n");
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
    if (md) {
        if (busy_samples)
            fprintf(md, "\n%d samples started while other processes kept the CPUs busy "
                        "(--wait-idle %.0f gave up waiting).\n", busy_samples, o.wait_idle);
        fprintf(md, "\nLoad average at the end: %s.\n", load_average());
        fclose(md);
    }
    return exit_status;
}
