/* bench/taskbench_test.c — self-check of the taskbench graph core (taskbench_core.c):
 *
 *   - each pattern's dependency sets on small graphs, against hand-computed ones;
 *   - properties of every pattern at widths 1..12: sorted, no duplicates, only points of
 *     the previous timestep, at most tb_max_deps; the shapes of dom and tree;
 *   - the checksum: any order that respects the conflicts a dataflow runtime derives from
 *     the tasks' declared accesses (own slot read-write, dependencies' slots read), with
 *     as many slots per point as timesteps or only two, gives tb_expected_checksum; an
 *     order that breaks a dependence does not;
 *   - spec and sweep parsing.
 *
 * Run by bench/run before the taskbench benchmark, and by `ctest` in the bench build.
 * Prints each failure with the values involved; exit status 1 if any. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taskbench_core.h"

static int failures;

#define EXPECT(cond, ...)                                                                     \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "taskbench_test:%d: %s: ", __LINE__, #cond);                      \
            fprintf(stderr, __VA_ARGS__);                                                     \
            fprintf(stderr, "\n");                                                            \
            failures++;                                                                       \
        }                                                                                     \
    } while (0)

static tb_graph graph(const char *spec)
{
    tb_graph g;
    char err[200];
    if (tb_parse(&g, spec, err, sizeof err) != 0) {
        fprintf(stderr, "taskbench_test: cannot parse '%s': %s\n", spec, err);
        exit(1);
    }
    return g;
}

static void format_set(const long *v, int n, char *out, size_t size)
{
    size_t used = (size_t)snprintf(out, size, "{");
    for (int i = 0; i < n && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, i ? ",%ld" : "%ld", v[i]);
    if (used < size)
        snprintf(out + used, size - used, "}");
}

/* Expect the dependencies of (t, x) in graph `spec` to be `want` ("{a,b,...}"). */
static void expect_deps(const char *spec, long t, long x, const char *want)
{
    tb_graph g = graph(spec);
    long deps[TB_MAX_WIDTH];
    char got[512];
    format_set(deps, tb_deps(&g, t, x, deps), got, sizeof got);
    EXPECT(strcmp(got, want) == 0, "%s (t=%ld, x=%ld): got %s, want %s", spec, t, x, got, want);
}

static void test_known_sets(void)
{
    expect_deps("trivial,empty,width=8", 3, 4, "{}");
    expect_deps("no_comm,empty,width=8", 3, 4, "{4}");
    expect_deps("no_comm,empty,width=8", 0, 4, "{}");
    expect_deps("stencil_1d,empty,width=8", 1, 0, "{0,1}");
    expect_deps("stencil_1d,empty,width=8", 1, 4, "{3,4,5}");
    expect_deps("stencil_1d,empty,width=8", 1, 7, "{6,7}");
    expect_deps("stencil_1d,empty,width=2", 5, 0, "{0,1}");
    expect_deps("stencil_1d,empty,width=1", 5, 0, "{0}");
    expect_deps("stencil_1d_periodic,empty,width=8", 1, 0, "{0,1,7}");
    expect_deps("stencil_1d_periodic,empty,width=8", 1, 7, "{0,6,7}");
    expect_deps("stencil_1d_periodic,empty,width=2", 1, 0, "{0,1}");
    /* dom, 20 steps of width 8: timestep t has points max(0, t-12) .. min(t, 7) */
    expect_deps("dom,empty,width=8,steps=20", 3, 3, "{2}");
    expect_deps("dom,empty,width=8,steps=20", 3, 0, "{0}");
    expect_deps("dom,empty,width=8,steps=20", 15, 3, "{2,3}");
    expect_deps("dom,empty,width=8,steps=20", 15, 7, "{6,7}");
    /* tree: widths 1, 2, 4, 8, 8, ... */
    expect_deps("tree,empty,width=8", 1, 1, "{0}");
    expect_deps("tree,empty,width=8", 3, 5, "{2}");
    expect_deps("tree,empty,width=8", 9, 7, "{3}");
    /* fft, width 8: 3 stages, distance 1, 2, 4 at t = 1, 2, 3, then again */
    expect_deps("fft,empty,width=8", 1, 4, "{3,4,5}");
    expect_deps("fft,empty,width=8", 2, 4, "{2,4,6}");
    expect_deps("fft,empty,width=8", 3, 4, "{0,4}");
    expect_deps("fft,empty,width=8", 3, 1, "{1,5}");
    expect_deps("fft,empty,width=8", 4, 0, "{0,1}");
    expect_deps("all_to_all,empty,width=5", 2, 3, "{0,1,2,3,4}");
    expect_deps("nearest,empty,width=8", 1, 4, "{3,4,5}");
    expect_deps("nearest,empty,width=8,radix=5", 1, 4, "{2,3,4,5,6}");
    expect_deps("nearest,empty,width=8,radix=4", 1, 4, "{2,3,4,5}");
    expect_deps("nearest,empty,width=8,radix=5", 1, 0, "{0,1,2}");
    /* spread, radix 3, period 3, width 8: x, x + 8/3 + s, x + 16/3 + s (s = t % 3; 0 for
     * the first) modulo 8 */
    expect_deps("spread,empty,width=8", 1, 4, "{2,4,7}");
    expect_deps("spread,empty,width=8", 3, 4, "{1,4,6}");
    expect_deps("spread,empty,width=8", 2, 0, "{0,4,7}");
    expect_deps("random_nearest,empty,width=8,radix=5,fraction=1", 1, 4, "{2,3,4,5,6}");
    expect_deps("random_nearest,empty,width=8,radix=5,fraction=0", 1, 4, "{4}");
}

static const char *const patterns[] = {
    "trivial", "no_comm", "stencil_1d", "stencil_1d_periodic", "dom", "tree",
    "fft", "all_to_all", "nearest", "spread", "random_nearest",
};
#define NPATTERNS (sizeof patterns / sizeof patterns[0])

static void test_properties(void)
{
    for (size_t p = 0; p < NPATTERNS; p++)
        for (long w = 1; w <= 12; w++) {
            char spec[128];
            snprintf(spec, sizeof spec, "%s,empty,width=%ld,steps=17,radix=5", patterns[p], w);
            tb_graph g = graph(spec);
            long total = 0;
            for (long t = 0; t < g.steps; t++) {
                long lo = tb_offset(&g, t), n = tb_width_at(&g, t);
                long plo = tb_offset(&g, t - 1), phi = plo + tb_width_at(&g, t - 1);
                EXPECT(n >= 1 && lo >= 0 && lo + n <= w, "%s t=%ld: points %ld..%ld", spec, t,
                       lo, lo + n - 1);
                total += n;
                for (long x = lo; x < lo + n; x++) {
                    long deps[TB_MAX_WIDTH];
                    int k = tb_deps(&g, t, x, deps);
                    EXPECT(k <= tb_max_deps(&g), "%s (%ld,%ld): %d deps > max %d", spec, t, x,
                           k, tb_max_deps(&g));
                    EXPECT(t > 0 || k == 0, "%s: %d deps at t=0", spec, k);
                    for (int i = 0; i < k; i++) {
                        EXPECT(deps[i] >= plo && deps[i] < phi, "%s (%ld,%ld): dep %ld not at t-1",
                               spec, t, x, deps[i]);
                        EXPECT(i == 0 || deps[i - 1] < deps[i], "%s (%ld,%ld): not sorted/unique",
                               spec, t, x);
                    }
                    if (strcmp(patterns[p], "random_nearest") == 0 && t > 0)
                        EXPECT(k >= 1, "%s (%ld,%ld): no dependency", spec, t, x);
                }
            }
            EXPECT(total == tb_tasks(&g), "%s: %ld tasks, tb_tasks says %ld", spec, total,
                   tb_tasks(&g));
        }
    /* random_nearest always keeps x itself, and is the same for the same seed. */
    tb_graph g = graph("random_nearest,empty,width=12,radix=7,fraction=0.5");
    int kept = 0, possible = 0;
    for (long t = 1; t < 40; t++)
        for (long x = 0; x < 12; x++) {
            long a[TB_MAX_WIDTH], b[TB_MAX_WIDTH];
            int na = tb_deps(&g, t, x, a), nb = tb_deps(&g, t, x, b), self = 0;
            EXPECT(na == nb && memcmp(a, b, (size_t)na * sizeof *a) == 0, "not deterministic");
            for (int i = 0; i < na; i++)
                self |= a[i] == x;
            EXPECT(self, "random_nearest (%ld,%ld) lacks x", t, x);
            kept += na - 1;
            possible += (int)((x + 3 < 12 ? x + 3 : 11) - (x - 3 > 0 ? x - 3 : 0));
        }
    EXPECT(kept > possible / 4 && kept < possible * 3 / 4,
           "random_nearest kept %d of %d links at fraction 0.5", kept, possible);
    /* dom: a parallelogram of 20 * 8 - 8 * 7 tasks; tree: 1 + 2 + 4 + 8 * 7. */
    tb_graph dom = graph("dom,empty,width=8,steps=20"), tree = graph("tree,empty,width=8,steps=10");
    EXPECT(tb_tasks(&dom) == 20 * 8 - 8 * 7, "dom tasks %ld", tb_tasks(&dom));
    EXPECT(tb_tasks(&tree) == 1 + 2 + 4 + 8 * 7, "tree tasks %ld", tb_tasks(&tree));
}

/* ---- schedules ---------------------------------------------------------------------- */

/* Task i in sequential order: its coordinates. */
typedef struct task_ref {
    long t, x;
} task_ref;

static long list_tasks(const tb_graph *g, task_ref *out)
{
    long n = 0;
    for (long t = 0; t < g->steps; t++)
        for (long x = tb_offset(g, t), e = x + tb_width_at(g, t); x < e; x++)
            out[n++] = (task_ref){t, x};
    return n;
}

/* Whether tasks a (earlier) and b conflict through their declared accesses: a slot that
 * one writes and the other reads or writes. */
static int conflict(const tb_graph *g, task_ref a, task_ref b)
{
    long fields = tb_fields(g);
    size_t wa = tb_slot_index(g, fields, a.t, a.x), wb = tb_slot_index(g, fields, b.t, b.x);
    if (wa == wb)
        return 1;
    long da[TB_MAX_WIDTH], db[TB_MAX_WIDTH];
    int na = tb_deps(g, a.t, a.x, da), nb = tb_deps(g, b.t, b.x, db);
    for (int i = 0; i < nb; i++)
        if (tb_slot_index(g, fields, b.t - 1, db[i]) == wa)
            return 1;
    for (int i = 0; i < na; i++)
        if (tb_slot_index(g, fields, a.t - 1, da[i]) == wb)
            return 1;
    return 0;
}

/* Run the graph's tasks in a random order that respects every conflict (what a dataflow
 * runtime would allow) and return the checksum. */
static uint64_t random_schedule(const tb_graph *g, unsigned seed)
{
    task_ref tasks[4096];
    long n = list_tasks(g, tasks);
    char *done = calloc((size_t)n, 1);
    long *ready = malloc((size_t)n * sizeof *ready);
    tb_slot *slots = tb_slots_new(g);
    for (long left = n; left > 0; left--) {
        long nready = 0;
        for (long i = 0; i < n; i++) {
            if (done[i])
                continue;
            int ok = 1;
            for (long j = 0; j < i && ok; j++)
                ok = done[j] || !conflict(g, tasks[j], tasks[i]);
            if (ok)
                ready[nready++] = i;
        }
        seed = seed * 1103515245u + 12345u;
        long pick = ready[(seed >> 8) % (unsigned long)nready];
        tb_run_task(g, slots, NULL, tasks[pick].t, tasks[pick].x);
        done[pick] = 1;
    }
    uint64_t h = tb_checksum(g, slots);
    free(slots);
    free(ready);
    free(done);
    return h;
}

static void test_checksums(void)
{
    for (size_t p = 0; p < NPATTERNS; p++)
        for (int fields = 0; fields <= 2; fields += 2) {
            char spec[128];
            snprintf(spec, sizeof spec, "%s,empty,width=6,steps=9,fields=%d", patterns[p], fields);
            tb_graph g = graph(spec);
            uint64_t want = tb_expected_checksum(&g);
            for (unsigned s = 1; s <= 3; s++) {
                uint64_t got = random_schedule(&g, s);
                EXPECT(got == want, "%s schedule %u: checksum %016llx, serial %016llx", spec, s,
                       (unsigned long long)got, (unsigned long long)want);
            }
        }
    /* A dependence broken: timestep 1 of a stencil before timestep 0. */
    tb_graph g = graph("stencil_1d,empty,width=4,steps=3");
    tb_slot *slots = tb_slots_new(&g);
    for (long x = 0; x < 4; x++)
        tb_run_task(&g, slots, NULL, 1, x);
    for (long x = 0; x < 4; x++)
        tb_run_task(&g, slots, NULL, 0, x);
    for (long x = 0; x < 4; x++)
        tb_run_task(&g, slots, NULL, 2, x);
    EXPECT(tb_checksum(&g, slots) != tb_expected_checksum(&g), "a wrong order went unnoticed");
    free(slots);
    /* A task run twice is noticed too (its slot's accumulated value). */
    g = graph("trivial,empty,width=2,steps=4,fields=2");
    slots = tb_slots_new(&g);
    for (long t = 0; t < 4; t++)
        for (long x = 0; x < 2; x++)
            tb_run_task(&g, slots, NULL, t, x);
    tb_run_task(&g, slots, NULL, 3, 1);
    EXPECT(tb_checksum(&g, slots) != tb_expected_checksum(&g), "a repeated task went unnoticed");
    free(slots);
}

static void test_parsing_and_sweeps(void)
{
    tb_graph g;
    char err[200];
    EXPECT(tb_parse(&g, "stencil_1d", err, sizeof err) != 0, "a kernel is required");
    EXPECT(tb_parse(&g, "nope,empty", err, sizeof err) != 0, "unknown pattern accepted");
    EXPECT(tb_parse(&g, "fft,empty,width=0", err, sizeof err) != 0, "width 0 accepted");
    EXPECT(tb_parse(&g, "fft,empty,fields=1", err, sizeof err) != 0, "fields=1 accepted");
    EXPECT(tb_parse(&g, "fft,empty,colour=3", err, sizeof err) != 0, "unknown key accepted");
    EXPECT(tb_parse(&g, "spread,load_imbalance,width=16,imbalance=0.5,seed=7", err,
                    sizeof err) == 0 && g.width == 16 && g.imbalance == 0.5 && g.seed == 7,
           "valid spec rejected: %s", err);
    tb_sweep s;
    EXPECT(tb_sweep_parse(&s, "65536:1:0.02:200:20000") == 0, "valid sweep rejected");
    g = graph("stencil_1d,compute_bound,width=2");
    EXPECT(tb_sweep_points(&g, &s) == 17, "points %d", tb_sweep_points(&g, &s));
    for (int k = 0; k < 17; k++) {
        tb_graph p = tb_sweep_graph(&g, &s, k);
        long tasks = tb_tasks(&p);
        EXPECT(p.iterations == 65536 >> k, "point %d iterations %ld", k, p.iterations);
        EXPECT(tasks >= 200 && tasks <= 20000 + 1, "point %d tasks %ld", k, tasks);
        EXPECT(tb_work(&p) == (double)tasks * (double)p.iterations * TB_FLOPS_PER_ITERATION,
               "point %d work %g", k, tb_work(&p));
    }
    g = graph("stencil_1d,empty,width=2");
    EXPECT(tb_sweep_points(&g, &s) == 1 && tb_work(&g) == 0, "empty sweep");
    /* load_imbalance: iterations spread over [0.5, 1.5) x, about x on average. */
    g = graph("no_comm,load_imbalance,width=10,steps=100,iterations=1000");
    long lo = 1l << 40, hi = 0;
    for (long t = 0; t < 100; t++)
        for (long x = 0; x < 10; x++) {
            long it = tb_task_iterations(&g, t, x);
            lo = it < lo ? it : lo;
            hi = it > hi ? it : hi;
        }
    double mean = tb_work(&g) / TB_FLOPS_PER_ITERATION / 1000.0;
    EXPECT(lo >= 500 && hi <= 1500 && hi - lo > 800, "imbalance range %ld..%ld", lo, hi);
    EXPECT(mean > 950 && mean < 1050, "imbalance mean %g", mean);
}

int main(void)
{
    test_known_sets();
    test_properties();
    test_checksums();
    test_parsing_and_sweeps();
    if (failures) {
        fprintf(stderr, "taskbench_test: %d failures\n", failures);
        return 1;
    }
    printf("taskbench_test: graph core ok (%zu patterns)\n", NPATTERNS);
    return 0;
}
