/* test_trace_api.c — the tracing API's edges: errors of start, stop, write and name;
 * names in the file (registered, escaped, unnamed); a restart discarding what came
 * before; writing while tasks run (unfinished slices); a buffer cap that drops events;
 * a stream that cannot be written; and the environment (PEL_TRACE, PEL_TRACE_DETAIL,
 * PEL_TRACE_MAX_MB) in child processes of this same program, which also check that
 * pel_trace_write before any start is refused.
 */
#include <sched.h>
#include <stdatomic.h>

#include "trace_check.h"

static pel_runtime *rt;
static int workers;
static char *dir;

static int tiny_task(void *arg)
{
    (void)arg;
    return 0;
}

static int named_task(void *arg)
{
    (void)arg;
    return 0;
}

static int unnamed_task(void *arg)
{
    (void)arg;
    return 0;
}

static int old_task(void *arg)
{
    (void)arg;
    return 0;
}

static int new_task(void *arg)
{
    (void)arg;
    return 0;
}

static void spawn_wait(pel_task_fn fn, int n)
{
    pel_group g;
    CHECK_OK(pel_group_init(&g, rt));
    for (int i = 0; i < n; i++) CHECK_OK(pel_group_spawn(&g, fn, NULL));
    CHECK_OK(pel_group_wait(&g));
}

static void path_in(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

/* ---- a cap on the buffers (first: before other traces allocated chunks) ----------- */

typedef struct flood_arg {
    int n;
} flood_arg;

static int flood_task(void *arg)
{
    flood_arg *a = arg;
    pel_group g;
    CHECK_OK(pel_group_init(&g, rt));
    for (int i = 0; i < a->n; i++) CHECK_OK(pel_group_spawn(&g, tiny_task, NULL));
    CHECK_OK(pel_group_wait(&g));
    return 0;
}

/* A thread outside the runtime waits for empty groups: a wait slice each. */
#define EMPTY_WAITS 50
static void *empty_waits(void *arg)
{
    (void)arg;
    for (int i = 0; i < EMPTY_WAITS; i++) {
        pel_group g;
        CHECK_OK(pel_group_init(&g, rt));
        CHECK_OK(pel_group_wait(&g));
    }
    return NULL;
}

static void test_cap(void)
{
    /* 1 MiB holds three chunks of 4096 events; 40000 tasks in full detail need 80000 */
    const int N = 40000;
    pel_trace_config cfg = {.detail = PEL_TRACE_FULL, .max_mb = 1};
    CHECK_OK(pel_trace_start(&cfg));
    flood_arg a = {N};
    pel_group g;
    CHECK_OK(pel_group_init(&g, rt));
    CHECK_OK(pel_group_spawn(&g, flood_task, &a));
    CHECK_OK(pel_group_wait(&g));
    /* The cap is spent. A thread that starts recording now gets no chunk at all: each of
     * its events is dropped, and counted like any other (PEL_TRACE_MAX_MB's docs). */
    trace t;
    trace_capture(&t);
    uint64_t dropped_before = t.dropped;
    trace_free(&t);
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, empty_waits, NULL), 0);
    CHECK_EQ(pthread_join(th, NULL), 0);
    CHECK_OK(pel_trace_stop());
    trace_capture(&t);
    /* each wait's begin is dropped (its end is then not attempted) */
    if (t.dropped < dropped_before + EMPTY_WAITS)
        CHECK_FAIL_("a thread without a chunk dropped %d events, the count grew by %" PRIu64,
                    EMPTY_WAITS, t.dropped - dropped_before);
    trace_check_wellformed(&t, 0);
    CHECK_GT(t.dropped, 0);
    size_t recorded = trace_count(&t, "tiny");
    CHECK_GT(recorded, 0);
    CHECK_LT(recorded, (size_t)N);
    /* at most 3 × 4096 events: a begin and an end per task */
    CHECK_LE(t.n, 3 * 4096 + 64);
    /* what is lost is counted: every task not in the file lost at least its begin */
    CHECK_GE(t.dropped, (uint64_t)N - recorded);
    trace_free(&t);
    /* the next trace, with the default cap, starts again from zero drops */
    CHECK_OK(pel_trace_start(NULL));
    spawn_wait(tiny_task, 10);
    CHECK_OK(pel_trace_stop());
    trace_capture(&t);
    trace_check_wellformed(&t, 1);
    CHECK_EQ(trace_unfinished(&t), 0);
    CHECK_EQ(t.dropped, 0);
    CHECK_EQ(trace_count(&t, "tiny"), 10);
    trace_free(&t);
}

static ssize_t refuse_write(void *cookie, const char *buf, size_t size)
{
    (void)cookie;
    (void)buf;
    (void)size;
    errno = ENOSPC;
    return -1;
}

/* ---- errors ----------------------------------------------------------------------- */

static void test_errors(void)
{
    /* stop and state when not recording */
    CHECK_EQ(pel_trace_is_on(), 0);
    CHECK_RC(pel_trace_stop(), PEL_EINVAL);
    /* bad detail: refused, and nothing started */
    pel_trace_config bad = {.detail = (pel_trace_detail)2};
    CHECK_RC(pel_trace_start(&bad), PEL_EINVAL);
    bad.detail = (pel_trace_detail)-1;
    CHECK_RC(pel_trace_start(&bad), PEL_EINVAL);
    CHECK_EQ(pel_trace_is_on(), 0);
    /* twice */
    CHECK_OK(pel_trace_start(NULL));
    CHECK_EQ(pel_trace_is_on(), 1);
    CHECK_RC(pel_trace_start(NULL), PEL_EBUSY);
    pel_trace_config full = {.detail = PEL_TRACE_FULL};
    CHECK_RC(pel_trace_start(&full), PEL_EBUSY);
    CHECK_RC(pel_trace_start(&bad), PEL_EINVAL); /* the argument is checked first */
    CHECK_EQ(pel_trace_is_on(), 1);
    CHECK_OK(pel_trace_stop());
    CHECK_EQ(pel_trace_is_on(), 0);
    CHECK_RC(pel_trace_stop(), PEL_EINVAL);

    /* write: bad paths */
    CHECK_RC(pel_trace_write(NULL), PEL_EINVAL);
    CHECK_RC(pel_trace_write(""), PEL_EINVAL);
    CHECK_RC(pel_trace_write_file(NULL), PEL_EINVAL);
    char path[1024];
    path_in(path, sizeof path, "no-such-dir/trace.json");
    errno = 0;
    CHECK_RC(pel_trace_write(path), PEL_EIO);
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(tr_dir_entries(dir), 0);
    /* the target is a directory: the temporary file is written, the rename fails, and
     * the temporary is removed */
    char sub[1024];
    path_in(sub, sizeof sub, "a-directory");
    CHECK_EQ(mkdir(sub, 0700), 0);
    CHECK_RC(pel_trace_write(sub), PEL_EIO);
    CHECK_EQ(tr_dir_entries(dir), 1);
    CHECK_EQ(tr_dir_entries(sub), 0);
    CHECK_EQ(rmdir(sub), 0);
    /* a stream that cannot take the data (as a full disk would refuse it) */
    FILE *failing = fopencookie(NULL, "w", (cookie_io_functions_t){.write = refuse_write});
    CHECK(failing != NULL);
    CHECK_RC(pel_trace_write_file(failing), PEL_EIO);
    fclose(failing);
    /* a trace with nothing in it is still a valid file */
    CHECK_OK(pel_trace_start(NULL));
    CHECK_OK(pel_trace_stop());
    path_in(path, sizeof path, "empty.json");
    CHECK_OK(pel_trace_write(path));
    trace t;
    trace_load_file(path, &t);
    trace_check_wellformed(&t, 1);
    CHECK_EQ(trace_count(&t, NULL), 0);
    CHECK_STREQ(t.detail, "adaptive");
    trace_free(&t);
    CHECK_EQ(unlink(path), 0);

    /* names */
    CHECK_RC(pel_trace_name(NULL, "x"), PEL_EINVAL);
    CHECK_RC(pel_trace_name((const void *)named_task, NULL), PEL_EINVAL);
    CHECK_RC(pel_trace_name((const void *)named_task, ""), PEL_EINVAL);
}

/* ---- names in the file ------------------------------------------------------------ */

static void test_names(void)
{
    /* a later registration replaces an earlier one; the name is copied */
    char name[64];
    snprintf(name, sizeof name, "first name");
    CHECK_OK(pel_trace_name((const void *)named_task, name));
    snprintf(name, sizeof name, "q\"uote\\back\nline\ttab\x01 caf\xc3\xa9");
    CHECK_OK(pel_trace_name((const void *)named_task, name));
    memset(name, 'x', sizeof name - 1);
    CHECK_OK(pel_trace_name((const void *)tiny_task, "tiny"));
    pel_trace_config full = {.detail = PEL_TRACE_FULL};
    CHECK_OK(pel_trace_start(&full));
    spawn_wait(named_task, 3);
    spawn_wait(unnamed_task, 2);
    CHECK_OK(pel_trace_stop());
    trace t;
    trace_capture(&t);
    trace_check_wellformed(&t, 1);
    CHECK_EQ(trace_count(&t, "q\"uote\\back\nline\ttab\x01 caf\xc3\xa9"), 3);
    CHECK_EQ(trace_count(&t, "first name"), 0);
    /* without a name: the symbol, or for a static function its address */
    size_t unnamed = 0;
    char want[64];
    snprintf(want, sizeof want, "task@%p", (void *)unnamed_task);
    for (size_t i = 0; i < t.n; i++)
        if (tr_is_task(&t.ev[i]) && (strcmp(t.ev[i].name, "unnamed_task") == 0 ||
                                     strcmp(t.ev[i].name, want) == 0))
            unnamed++;
    CHECK_EQ(unnamed, 2);
    CHECK_EQ(trace_count(&t, NULL), 5);
    trace_free(&t);
}

/* ---- restart ---------------------------------------------------------------------- */

static void test_restart(void)
{
    CHECK_OK(pel_trace_name((const void *)old_task, "old"));
    CHECK_OK(pel_trace_name((const void *)new_task, "new"));
    pel_trace_config full = {.detail = PEL_TRACE_FULL};
    for (int round = 0; round < 3; round++) {
        CHECK_OK(pel_trace_start(&full));
        spawn_wait(old_task, 5);
        CHECK_OK(pel_trace_stop());
        trace t;
        trace_capture(&t);
        CHECK_EQ(trace_unfinished(&t), 0);
        CHECK_EQ(trace_count(&t, "old"), 5);
        trace_free(&t);
        /* a new start discards the old events, on every thread */
        CHECK_OK(pel_trace_start(&full));
        spawn_wait(new_task, 7);
        CHECK_OK(pel_trace_stop());
        trace_capture(&t);
        trace_check_wellformed(&t, 1);
        CHECK_EQ(trace_count(&t, "old"), 0);
        CHECK_EQ(trace_count(&t, "new"), 7);
        CHECK_EQ(trace_count(&t, NULL), 7);
        trace_free(&t);
    }
    /* a restart without a stop is refused and keeps the trace */
    CHECK_OK(pel_trace_start(&full));
    spawn_wait(old_task, 4);
    CHECK_RC(pel_trace_start(&full), PEL_EBUSY);
    spawn_wait(new_task, 2);
    CHECK_OK(pel_trace_stop());
    trace t;
    trace_capture(&t);
    CHECK_EQ(trace_count(&t, "old"), 4);
    CHECK_EQ(trace_count(&t, "new"), 2);
    trace_free(&t);
}

/* ---- writing while tasks run ------------------------------------------------------ */

static _Atomic int blockers_started, blockers_release;

static int blocker_task(void *arg)
{
    (void)arg;
    atomic_fetch_add_explicit(&blockers_started, 1, memory_order_acq_rel);
    double end = test_now() + 60;
    while (!atomic_load_explicit(&blockers_release, memory_order_acquire)) {
        if (test_now() > end) CHECK_FAIL_("never released");
        sched_yield();
    }
    return 0;
}

static void test_write_while_running(void)
{
    CHECK_OK(pel_trace_name((const void *)blocker_task, "blocker"));
    atomic_store(&blockers_started, 0);
    atomic_store(&blockers_release, 0);
    pel_trace_config full = {.detail = PEL_TRACE_FULL};
    CHECK_OK(pel_trace_start(&full));
    pel_group g;
    CHECK_OK(pel_group_init(&g, rt));
    for (int i = 0; i < workers; i++) CHECK_OK(pel_group_spawn(&g, blocker_task, NULL));
    double end = test_now() + 60;
    while (atomic_load_explicit(&blockers_started, memory_order_acquire) < workers) {
        if (test_now() > end) CHECK_FAIL_("blockers did not start");
        sched_yield();
    }
    /* while recording, with every worker inside a task */
    char path[1024];
    path_in(path, sizeof path, "running.json");
    CHECK_OK(pel_trace_write(path));
    trace t;
    trace_load_file(path, &t);
    trace_check_wellformed(&t, 1);
    CHECK_EQ(trace_count(&t, "blocker"), (size_t)workers);
    CHECK_EQ(trace_unfinished(&t), (size_t)workers);
    double first_end = 0;
    for (size_t i = 0; i < t.n; i++) {
        if (!tr_is_task(&t.ev[i])) continue;
        CHECK(!tr_is_external_tid(t.ev[i].tid));
        if (t.ev[i].end > first_end) first_end = t.ev[i].end;
    }
    trace_free(&t);
    CHECK_EQ(unlink(path), 0);
    CHECK_EQ(pel_trace_is_on(), 1);
    /* and again to memory, still recording */
    trace_capture(&t);
    CHECK_EQ(trace_unfinished(&t), (size_t)workers);
    trace_free(&t);
    tr_spin_us(2000);
    atomic_store_explicit(&blockers_release, 1, memory_order_release);
    CHECK_OK(pel_group_wait(&g));
    CHECK_OK(pel_trace_stop());
    trace_capture(&t);
    trace_check_wellformed(&t, 1);
    CHECK_EQ(trace_count(&t, "blocker"), (size_t)workers);
    CHECK_EQ(trace_unfinished(&t), 0);
    /* they ran past the first write and the 2 ms after it */
    for (size_t i = 0; i < t.n; i++)
        if (tr_is_task(&t.ev[i])) CHECK(t.ev[i].end >= first_end + 2000 - TR_EPS);
    trace_free(&t);
}

/* ---- the environment, in child processes ------------------------------------------ */

#define ENV_TASKS 50

static int env_task(void *arg)
{
    (void)arg;
    tr_spin_us(20);
    return 0;
}

/* Child: PEL_TRACE is read when the first runtime is created. */
static int child_env_trace(void)
{
    const char *expect = getenv("PEL_TEST_EXPECT_ON");
    CHECK_EQ(pel_trace_is_on(), 0);
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = test_workers();
    CHECK_OK(pel_runtime_create(&cfg, &rt));
    CHECK_EQ(pel_trace_is_on(), expect ? atoi(expect) : 1);
    CHECK_OK(pel_trace_name((const void *)env_task, "envtask"));
    spawn_wait(env_task, ENV_TASKS);
    CHECK_OK(pel_runtime_destroy(rt));
    return 0; /* the trace is written at exit */
}

/* Child: nothing was ever recorded. */
static int child_write_before_start(void)
{
    const char *d = getenv("PEL_TEST_DIR");
    CHECK(d != NULL);
    char path[1024];
    snprintf(path, sizeof path, "%s/never.json", d);
    CHECK_RC(pel_trace_write(path), PEL_EINVAL);
    CHECK_RC(pel_trace_write_file(stderr), PEL_EINVAL);
    CHECK_RC(pel_trace_stop(), PEL_EINVAL);
    /* a runtime without PEL_TRACE does not start anything either */
    pel_runtime *r;
    CHECK_OK(pel_runtime_create(NULL, &r));
    CHECK_EQ(pel_trace_is_on(), 0);
    CHECK_RC(pel_trace_write(path), PEL_EINVAL);
    CHECK_OK(pel_runtime_destroy(r));
    CHECK_EQ(tr_dir_entries(d), 0); /* no file, no temporary */
    return 0;
}

static void check_env_trace(const char *path, const char *detail)
{
    trace t;
    trace_load_file(path, &t);
    trace_check_wellformed(&t, 1);
    CHECK_STREQ(t.detail, detail);
    /* spawned from outside the runtime: recorded in either detail */
    CHECK_EQ(trace_count(&t, "envtask"), ENV_TASKS);
    /* the runtime was destroyed before exit: its counters were kept, exactly */
    CHECK_EQ(t.ncounters, (size_t)workers);
    uint64_t tasks = 0;
    for (size_t i = 0; i < t.ncounters; i++) {
        json_t *c = tj()->array_get(t.counters, i);
        CHECK_EQ(tj_uint(c, "worker"), i);
        tasks += tj_uint(c, "tasks");
    }
    CHECK_EQ(tasks, ENV_TASKS);
    trace_free(&t);
}

static void test_env(void)
{
    char path[1024], err[1024], envtrace[1100], envdir[1100];
    path_in(path, sizeof path, "env.json");
    path_in(err, sizeof err, "stderr.txt");
    snprintf(envtrace, sizeof envtrace, "PEL_TRACE=%s", path);
    snprintf(envdir, sizeof envdir, "PEL_TEST_DIR=%s", dir);

    /* full detail */
    const char *full[] = {envtrace, "PEL_TRACE_DETAIL=full", "PEL_TRACE_MAX_MB=", NULL};
    CHECK_EQ(tr_run_self("env-trace", full, err), 0);
    size_t len;
    char *msg = tr_read_file(err, &len);
    CHECK_EQ(len, 0);
    free(msg);
    check_env_trace(path, "full");
    CHECK_EQ(unlink(path), 0);

    /* a bad detail: a warning, and adaptive */
    const char *bogus[] = {envtrace, "PEL_TRACE_DETAIL=bogus", "PEL_TRACE_MAX_MB=", NULL};
    CHECK_EQ(tr_run_self("env-trace", bogus, err), 0);
    msg = tr_read_file(err, NULL);
    CHECK_STREQ(msg, "pel: PEL_TRACE_DETAIL=bogus is not 'adaptive' or 'full'; using adaptive\n");
    free(msg);
    check_env_trace(path, "adaptive");
    CHECK_EQ(unlink(path), 0);

    /* explicit adaptive, and a bad size: a warning, and the default cap */
    const char *badmb[] = {envtrace, "PEL_TRACE_DETAIL=adaptive", "PEL_TRACE_MAX_MB=12x", NULL};
    CHECK_EQ(tr_run_self("env-trace", badmb, err), 0);
    msg = tr_read_file(err, NULL);
    CHECK_STREQ(msg, "pel: PEL_TRACE_MAX_MB=12x is not a size in MiB; using 1024\n");
    free(msg);
    check_env_trace(path, "adaptive");
    CHECK_EQ(unlink(path), 0);

    /* a file that cannot be written: a message at exit, the exit status unchanged */
    char bad[1200], envbad[1300];
    snprintf(bad, sizeof bad, "%s/missing/env.json", dir);
    snprintf(envbad, sizeof envbad, "PEL_TRACE=%s", bad);
    const char *unwritable[] = {envbad, "PEL_TRACE_DETAIL=", "PEL_TRACE_MAX_MB=", NULL};
    CHECK_EQ(tr_run_self("env-trace", unwritable, err), 0);
    msg = tr_read_file(err, NULL);
    char want[1500];
    snprintf(want, sizeof want, "pel: PEL_TRACE: cannot write %s: %s\n", bad, pel_strerror(PEL_EIO));
    CHECK_STREQ(msg, want);
    free(msg);

    /* PEL_TRACE empty or unset: no tracing */
    const char *empty[] = {"PEL_TRACE=", "PEL_TEST_EXPECT_ON=0", NULL};
    CHECK_EQ(tr_run_self("env-trace", empty, err), 0);
    CHECK_EQ(unlink(err), 0);
    CHECK_EQ(tr_dir_entries(dir), 0);

    /* before any start, pel_trace_write is refused */
    const char *none[] = {"PEL_TRACE=", envdir, NULL};
    CHECK_EQ(tr_run_self("write-before-start", none, NULL), 0);
    CHECK_EQ(tr_dir_entries(dir), 0);
}

int main(int argc, char **argv)
{
    workers = test_workers();
    if (argc > 1) {
        if (strcmp(argv[1], "env-trace") == 0) return child_env_trace();
        if (strcmp(argv[1], "write-before-start") == 0) return child_write_before_start();
        CHECK_FAIL_("unknown mode %s", argv[1]);
    }
    /* this process traces through the API only */
    CHECK(getenv("PEL_TRACE") == NULL || !*getenv("PEL_TRACE"));
    dir = tr_tmpdir();
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = workers;
    CHECK_OK(pel_runtime_create(&cfg, &rt));
    CHECK_OK(pel_trace_name((const void *)tiny_task, "tiny"));
    test_cap();
    test_errors();
    test_names();
    test_restart();
    test_write_while_running();
    test_env();
    CHECK_OK(pel_runtime_destroy(rt));
    tr_rmdir(dir);
    return 0;
}
