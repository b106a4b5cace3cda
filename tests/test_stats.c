/* test_stats.c — per-worker counters: tasks counted exactly (fork-join, dataflow, loop
 * pieces), steals within probes and none with one worker, an idle runtime parking and
 * accumulating idle time, argument errors and a destroyed runtime, the printed table, and
 * PEL_STATS printing at destroy and, for the default runtime, at exit (in child
 * processes of this program).
 */
#include <sched.h>
#include <stdatomic.h>

#include "trace_check.h"

static int workers;

static uint64_t sum_tasks(pel_runtime *r, pel_worker_stats *per)
{
    int n = pel_runtime_num_workers(r);
    CHECK_GT(n, 0);
    uint64_t sum = 0;
    for (int i = 0; i < n; i++) {
        pel_worker_stats s;
        CHECK_OK(pel_runtime_stats(r, i, &s));
        CHECK_LE(s.steals_won, s.steals_tried);
        sum += s.tasks;
        if (per) per[i] = s;
    }
    return sum;
}

/* A fork-join task counts when its worker has accounted for it, which may be just after
 * its group's owner returned from the wait: wait (10 s at most) for the sum to reach
 * `want`, then check it stays there. */
static void expect_tasks(pel_runtime *r, uint64_t want)
{
    double end = test_now() + 10;
    uint64_t got;
    while ((got = sum_tasks(r, NULL)) < want) {
        if (test_now() > end) break;
        test_sleep_us(100);
    }
    if (got != want) CHECK_FAIL_("workers ran %" PRIu64 " tasks, expected %" PRIu64, got, want);
    test_sleep_ms(20);
    CHECK_EQ(sum_tasks(r, NULL), want);
}

static pel_runtime *make_runtime(int n)
{
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = n;
    pel_runtime *r;
    CHECK_OK(pel_runtime_create(&cfg, &r));
    CHECK_EQ(pel_runtime_num_workers(r), n);
    return r;
}

/* ---- tasks ------------------------------------------------------------------------ */

static pel_runtime *cur;

static int leaf(void *arg)
{
    (void)arg;
    return 0;
}

static int spin_leaf(void *arg)
{
    (void)arg;
    tr_spin_us(50);
    return 0;
}

/* Spawns `n` leaves into a group of its own, from a worker. */
static int parent_task(void *arg)
{
    int n = *(int *)arg;
    pel_group g;
    CHECK_OK(pel_group_init(&g, cur));
    for (int i = 0; i < n; i++) CHECK_OK(pel_group_spawn(&g, spin_leaf, NULL));
    CHECK_OK(pel_group_wait(&g));
    return 0;
}

static _Atomic long flow_on_workers, flow_ran;

static int flow_fn(pel_flow_task *t, void *arg)
{
    (void)t;
    (void)arg;
    atomic_fetch_add_explicit(&flow_ran, 1, memory_order_relaxed);
    if (pel_worker_index() >= 0) atomic_fetch_add_explicit(&flow_on_workers, 1, memory_order_relaxed);
    tr_spin_us(10);
    return 0;
}

/* Submits `n` independent dataflow tasks from a worker and waits for them there. */
static int flow_parent(void *arg)
{
    int n = *(int *)arg;
    pel_flow *f;
    CHECK_OK(pel_flow_create(cur, NULL, &f));
    pel_data d[8]; /* abstract objects: 8 independent chains */
    for (int i = 0; i < 8; i++) CHECK_OK(pel_data_register(f, NULL, 0, &d[i]));
    for (int i = 0; i < n; i++) {
        pel_access acc[] = {{d[i % 8], PEL_READWRITE}};
        CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = flow_fn, .access = acc, .naccess = 1}));
    }
    CHECK_OK(pel_flow_wait(f));
    CHECK_OK(pel_flow_destroy(f));
    return 0;
}

static int count_body(size_t lo, size_t hi, void *ctx)
{
    _Atomic long *iters = ctx;
    atomic_fetch_add_explicit(iters, (long)(hi - lo), memory_order_relaxed);
    for (size_t i = lo; i < hi; i++)
        for (volatile int k = 0; k < 50; k++) {
        }
    return 0;
}

static void test_task_counts(void)
{
    pel_runtime *r = cur = make_runtime(workers);
    pel_worker_stats before[64];
    CHECK_LE(workers, 64);
    /* a new runtime has run nothing */
    CHECK_EQ(sum_tasks(r, before), 0);

    /* K tasks spawned from outside */
    const int K = (int)test_scaled(1000, 100);
    pel_group g;
    CHECK_OK(pel_group_init(&g, r));
    for (int i = 0; i < K; i++) CHECK_OK(pel_group_spawn(&g, leaf, NULL));
    CHECK_OK(pel_group_wait(&g));
    expect_tasks(r, (uint64_t)K);

    /* P tasks spawning C children each: P + P*C */
    const int P = 2 * workers, C = 20;
    int c = C;
    for (int i = 0; i < P; i++) CHECK_OK(pel_group_spawn(&g, parent_task, &c));
    CHECK_OK(pel_group_wait(&g));
    uint64_t total = (uint64_t)K + (uint64_t)P * (1 + C);
    expect_tasks(r, total);

    /* dataflow from a worker: every task runs on a worker, plus the submitting task */
    atomic_store(&flow_ran, 0);
    atomic_store(&flow_on_workers, 0);
    int nf = (int)test_scaled(400, 40);
    CHECK_OK(pel_group_spawn(&g, flow_parent, &nf));
    CHECK_OK(pel_group_wait(&g));
    CHECK_EQ(atomic_load(&flow_ran), nf);
    CHECK_EQ(atomic_load(&flow_on_workers), nf);
    total += 1 + (uint64_t)nf;
    expect_tasks(r, total);

    /* dataflow from this thread: it runs some of the tasks itself (those are not a
     * worker's); the workers count exactly those they ran */
    atomic_store(&flow_ran, 0);
    atomic_store(&flow_on_workers, 0);
    CHECK_OK(pel_group_spawn(&g, leaf, NULL)); /* nothing */
    CHECK_OK(pel_group_wait(&g));
    total += 1;
    pel_flow *f;
    CHECK_OK(pel_flow_create(r, NULL, &f));
    static long cell;
    pel_data d;
    CHECK_OK(pel_data_register(f, &cell, sizeof cell, &d));
    for (int i = 0; i < nf; i++) {
        pel_access acc[] = {{d, PEL_READ}};
        CHECK_OK(pel_submit(f, &(pel_task_desc){.fn = flow_fn, .access = acc, .naccess = 1}));
    }
    CHECK_OK(pel_flow_wait(f));
    CHECK_OK(pel_flow_destroy(f));
    CHECK_EQ(atomic_load(&flow_ran), nf);
    total += (uint64_t)atomic_load(&flow_on_workers);
    expect_tasks(r, total);

    /* a parallel_for from a worker with an explicit grain: its pieces are tasks; every
     * iteration runs once */
    _Atomic long iters = 0;
    size_t n = (size_t)test_scaled(100000, 10000);
    CHECK_OK(pel_parallel_for(r, 0, n, n / 16, count_body, &iters));
    CHECK_EQ(atomic_load(&iters), (long)n);
    /* loop pieces are counted as tasks: from outside the runtime, a loop longer than a
     * few microseconds hands what remains to the workers as a task (and with several
     * workers that one splits into more); it may be counted just after the loop returns */
    double end = test_now() + 10;
    while (sum_tasks(r, NULL) <= total && test_now() < end) test_sleep_us(100);
    CHECK_GT(sum_tasks(r, NULL), total);
    if (workers == 1) expect_tasks(r, total + 1); /* one worker: no split */

    /* steals within probes, counts that never go back (with one worker, steals are not
     * 0 here: a worker steals from the deque of an outside dataflow submitter) */
    pel_worker_stats now[64];
    sum_tasks(r, now);
    for (int i = 0; i < workers; i++) {
        CHECK_LE(now[i].steals_won, now[i].steals_tried);
        CHECK_GE(now[i].tasks, before[i].tasks);
    }
    CHECK_OK(pel_runtime_destroy(r));
}

static void test_one_worker_steals(void)
{
    pel_runtime *r = cur = make_runtime(1);
    pel_group g;
    CHECK_OK(pel_group_init(&g, r));
    int c = 50;
    for (int i = 0; i < 20; i++) CHECK_OK(pel_group_spawn(&g, parent_task, &c));
    CHECK_OK(pel_group_wait(&g));
    expect_tasks(r, 20 * 51);
    pel_worker_stats s;
    CHECK_OK(pel_runtime_stats(r, 0, &s));
    CHECK_EQ(s.steals_tried, 0);
    CHECK_EQ(s.steals_won, 0);
    CHECK_EQ(s.tasks, 20 * 51);
    CHECK_OK(pel_runtime_destroy(r));
}

/* With several workers and work that only one of them spawns, the others steal. */
static void test_steals_happen(void)
{
    if (workers < 2) return;
    pel_runtime *r = cur = make_runtime(workers);
    pel_group g;
    CHECK_OK(pel_group_init(&g, r));
    int c = 200;
    CHECK_OK(pel_group_spawn(&g, parent_task, &c));
    CHECK_OK(pel_group_wait(&g));
    expect_tasks(r, 201);
    pel_worker_stats s[64];
    sum_tasks(r, s);
    uint64_t won = 0, tried = 0;
    for (int i = 0; i < workers; i++) won += s[i].steals_won, tried += s[i].steals_tried;
    /* 200 tasks of 50 µs on one worker's deque take 10 ms: idle workers probe it */
    CHECK_GT(tried, 0);
    CHECK_LE(won, tried);
    CHECK_OK(pel_runtime_destroy(r));
}

/* ---- idle ------------------------------------------------------------------------- */

static void test_idle(void)
{
    pel_runtime *r = make_runtime(workers);
    pel_worker_stats a[64], b[64];
    test_sleep_ms(200);
    /* every worker went to sleep at least once and counted its idle time (a park is
     * counted when it ends: a 50 ms timeout at most) */
    double end = test_now() + 10;
    for (;;) {
        sum_tasks(r, a);
        int ok = 1;
        for (int i = 0; i < workers; i++) ok &= a[i].parks >= 1 && a[i].idle_ns > 0;
        if (ok) break;
        if (test_now() > end) {
            for (int i = 0; i < workers; i++)
                fprintf(stderr, "worker %d: parks %" PRIu64 ", idle %" PRIu64 " ns\n", i,
                        a[i].parks, a[i].idle_ns);
            CHECK_FAIL_("an idle worker did not park");
        }
        test_sleep_ms(10);
    }
    for (int i = 0; i < workers; i++) CHECK_EQ(a[i].tasks, 0);
    /* idle time grows with idleness, and is bounded by the time that passed */
    double t0 = test_now();
    test_sleep_ms(200);
    sum_tasks(r, b);
    double waited_ns = (test_now() - t0) * 1e9;
    for (int i = 0; i < workers; i++) {
        CHECK_GE(b[i].parks, a[i].parks);
        CHECK_GE(b[i].idle_ns, a[i].idle_ns);
        /* no more idle time than wall time since the runtime started (a bound, not
         * tight: the first 200 ms and the checks above came before t0) */
        CHECK_LT((double)(b[i].idle_ns - a[i].idle_ns), waited_ns + 100e6);
    }
    uint64_t grew = 0;
    for (int i = 0; i < workers; i++) grew += b[i].idle_ns > a[i].idle_ns;
    CHECK_GT(grew, 0);
    CHECK_OK(pel_runtime_destroy(r));
}

/* ---- errors ----------------------------------------------------------------------- */

static void test_errors(void)
{
    pel_runtime *r = make_runtime(workers);
    pel_worker_stats s;
    memset(&s, 0xab, sizeof s);
    CHECK_RC(pel_runtime_stats(r, 0, NULL), PEL_EINVAL);
    CHECK_RC(pel_runtime_stats(r, -1, &s), PEL_EINVAL);
    CHECK_RC(pel_runtime_stats(r, workers, &s), PEL_EINVAL);
    CHECK_RC(pel_runtime_stats(r, 1 << 30, &s), PEL_EINVAL);
    /* a refused call leaves *out alone */
    unsigned char *bytes = (unsigned char *)&s;
    for (size_t i = 0; i < sizeof s; i++) CHECK_EQ(bytes[i], 0xab);
    CHECK_OK(pel_runtime_stats(r, workers - 1, &s));
    CHECK_RC(pel_runtime_stats_print(r, NULL), PEL_EINVAL);
    CHECK_OK(pel_runtime_destroy(r));
    CHECK_RC(pel_runtime_stats(r, 0, &s), PEL_EDESTROYED);
    CHECK_RC(pel_runtime_stats_print(r, stderr), PEL_EDESTROYED);
}

/* ---- the table -------------------------------------------------------------------- */

typedef struct table_row {
    int worker;
    unsigned long long tasks, tried, won, parks;
    double idle_ms;
} table_row;

/* Parse pel_runtime_stats_print's table: header lines, one row per worker in order, and
 * the total row, which must be the sum of the others. Returns the total. */
static table_row parse_table(const char *text, int n, pel_runtime *r)
{
    const char *p = text;
    char line[512];
    int lineno = 0, rows = 0, have_total = 0;
    table_row total = {0}, sum = {0};
    while (*p) {
        const char *nl = strchr(p, '\n');
        CHECK(nl != NULL); /* every line ends */
        size_t len = (size_t)(nl - p);
        CHECK_LT(len, sizeof line);
        memcpy(line, p, len);
        line[len] = 0;
        p = nl + 1;
        lineno++;
        if (lineno == 1) {
            char want[128];
            snprintf(want, sizeof want, "pel: runtime %p, %d workers", (void *)r, n);
            if (r) CHECK_STREQ(line, want);
            else CHECK(strncmp(line, "pel: runtime ", 13) == 0);
            continue;
        }
        if (lineno == 2) {
            CHECK(strstr(line, "worker") && strstr(line, "tasks") && strstr(line, "steals tried") &&
                  strstr(line, "steals won") && strstr(line, "parks") && strstr(line, "idle ms"));
            continue;
        }
        CHECK(!have_total); /* nothing after the total */
        table_row row;
        char first[32];
        CHECK_EQ(sscanf(line, " %31s %llu %llu %llu %llu %lf", first, &row.tasks, &row.tried,
                        &row.won, &row.parks, &row.idle_ms),
                 6);
        if (strcmp(first, "total") == 0) {
            total = row;
            have_total = 1;
            continue;
        }
        row.worker = atoi(first);
        CHECK_EQ(row.worker, rows);
        CHECK_LE(row.won, row.tried);
        rows++;
        sum.tasks += row.tasks;
        sum.tried += row.tried;
        sum.won += row.won;
        sum.parks += row.parks;
        sum.idle_ms += row.idle_ms;
    }
    CHECK_EQ(rows, n);
    CHECK(have_total);
    CHECK_EQ(total.tasks, sum.tasks);
    CHECK_EQ(total.tried, sum.tried);
    CHECK_EQ(total.won, sum.won);
    CHECK_EQ(total.parks, sum.parks);
    /* printed to 0.1 ms each: the rounding of n + 1 numbers */
    CHECK(fabs(total.idle_ms - sum.idle_ms) <= 0.05 * (n + 1) + 1e-9);
    return total;
}

static void test_print(void)
{
    pel_runtime *r = cur = make_runtime(workers);
    pel_group g;
    CHECK_OK(pel_group_init(&g, r));
    for (int i = 0; i < 300; i++) CHECK_OK(pel_group_spawn(&g, leaf, NULL));
    CHECK_OK(pel_group_wait(&g));
    expect_tasks(r, 300);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    CHECK(mem != NULL);
    CHECK_OK(pel_runtime_stats_print(r, mem));
    CHECK_EQ(fclose(mem), 0);
    /* a header, a line per worker, the total */
    int lines = 0;
    for (size_t i = 0; i < len; i++) lines += buf[i] == '\n';
    CHECK_EQ(lines, 2 + workers + 1);
    table_row total = parse_table(buf, workers, r);
    CHECK_EQ(total.tasks, 300);
    free(buf);
    CHECK_OK(pel_runtime_destroy(r));
}

/* ---- PEL_STATS, in child processes ------------------------------------------------ */

#define CHILD_TASKS 123

static int child_stats(int use_default)
{
    pel_runtime *r = NULL;
    if (!use_default) {
        r = make_runtime(workers);
    } else {
        CHECK_EQ(pel_runtime_num_workers(NULL), workers); /* PEL_NUM_WORKERS */
    }
    cur = r;
    pel_group g;
    CHECK_OK(pel_group_init(&g, r));
    for (int i = 0; i < CHILD_TASKS; i++) CHECK_OK(pel_group_spawn(&g, leaf, NULL));
    CHECK_OK(pel_group_wait(&g));
    /* a worker counts a task just after its group's owner may have returned from the
     * wait; destroy waits for that, the print at exit does not: let the counts settle */
    if (use_default) expect_tasks(NULL, CHILD_TASKS);
    if (!use_default) {
        fprintf(stderr, "before destroy\n");
        CHECK_OK(pel_runtime_destroy(r));
        fprintf(stderr, "after destroy\n");
    } else {
        fprintf(stderr, "before exit\n");
    }
    return 0;
}

static void test_env(void)
{
    char *dir = tr_tmpdir();
    char err[1024];
    snprintf(err, sizeof err, "%s/stderr.txt", dir);
    char nw[64];
    snprintf(nw, sizeof nw, "PEL_NUM_WORKERS=%d", workers);

    /* at destroy, exactly once, with exact totals (destroy waits for every task) */
    const char *on[] = {"PEL_STATS=1", nw, "PEL_TRACE=", NULL};
    CHECK_EQ(tr_run_self("stats-destroy", on, err), 0);
    char *text = tr_read_file(err, NULL);
    CHECK(strncmp(text, "before destroy\n", 15) == 0);
    char *after = strstr(text, "after destroy\n");
    CHECK(after != NULL);
    CHECK_STREQ(after, "after destroy\n"); /* nothing at exit */
    *after = 0;
    table_row total = parse_table(text + 15, workers, NULL);
    CHECK_EQ(total.tasks, CHILD_TASKS);
    free(text);

    /* PEL_STATS=0 and unset: nothing */
    const char *off[] = {"PEL_STATS=0", nw, "PEL_TRACE=", NULL};
    CHECK_EQ(tr_run_self("stats-destroy", off, err), 0);
    text = tr_read_file(err, NULL);
    CHECK_STREQ(text, "before destroy\nafter destroy\n");
    free(text);
    const char *unset[] = {"PEL_STATS=", nw, "PEL_TRACE=", NULL};
    CHECK_EQ(tr_run_self("stats-destroy", unset, err), 0);
    text = tr_read_file(err, NULL);
    CHECK_STREQ(text, "before destroy\nafter destroy\n");
    free(text);

    /* the default runtime: at exit */
    CHECK_EQ(tr_run_self("stats-default", on, err), 0);
    text = tr_read_file(err, NULL);
    CHECK(strncmp(text, "before exit\n", 12) == 0);
    total = parse_table(text + 12, workers, NULL);
    CHECK_EQ(total.tasks, CHILD_TASKS);
    free(text);
    tr_rmdir(dir);
}

/* ---- the default runtime ---------------------------------------------------------- */

static void test_default(void)
{
    /* rt NULL reads the default runtime (created on first use) */
    pel_worker_stats s;
    CHECK_OK(pel_runtime_stats(NULL, 0, &s));
    int n = pel_runtime_num_workers(NULL);
    CHECK_GT(n, 0);
    CHECK_RC(pel_runtime_stats(NULL, n, &s), PEL_EINVAL);
    CHECK_OK(pel_runtime_stats(NULL, n - 1, &s));
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    CHECK(mem != NULL);
    CHECK_OK(pel_runtime_stats_print(NULL, mem));
    CHECK_EQ(fclose(mem), 0);
    parse_table(buf, n, pel_runtime_default());
    free(buf);
}

int main(int argc, char **argv)
{
    workers = test_workers();
    if (argc > 1) {
        if (strcmp(argv[1], "stats-destroy") == 0) return child_stats(0);
        if (strcmp(argv[1], "stats-default") == 0) return child_stats(1);
        CHECK_FAIL_("unknown mode %s", argv[1]);
    }
    test_task_counts();
    test_one_worker_steals();
    test_steals_happen();
    test_idle();
    test_errors();
    test_print();
    test_env();
    test_default();
    return 0;
}
