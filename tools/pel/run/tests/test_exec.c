/* test_exec — the executor against real processes, one case per run (`test_exec CASE`;
 * ctest runs each case as its own test, so a case that hangs or crashes is alone).
 * Each case works in a fresh temporary directory. Timing is only ever checked from one
 * side (at least the backoff, at most a generous bound), so a loaded machine passes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"
#include "exec_internal.h"
#include "exec_log.h"
#include "test_exec_wf.h"

static int failures;

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);       \
            failures++;                                                                    \
        }                                                                                  \
    } while (0)
#define CHECK_EQ(a, b)                                                                     \
    do {                                                                                   \
        long long a_ = (long long)(a), b_ = (long long)(b);                                \
        if (a_ != b_) {                                                                    \
            fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, \
                    #a, a_, #b, b_);                                                       \
            failures++;                                                                    \
        }                                                                                  \
    } while (0)
#define CHECK_STR(a, b)                                                                    \
    do {                                                                                   \
        const char *a_ = (a), *b_ = (b);                                                   \
        if (strcmp(a_, b_) != 0) {                                                         \
            fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__,   \
                    #a, a_, b_);                                                           \
            failures++;                                                                    \
        }                                                                                  \
    } while (0)

#define MAXT 64

static double now_mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* --- what the hooks saw -------------------------------------------------------------- */

typedef struct rec {
    twf *g;
    uint32_t jobs;
    uint32_t order[4 * MAXT], n_order;   /* tasks in the order their attempts began */
    double t_attempt[MAXT][8];           /* when each attempt began */
    uint32_t seq_start[MAXT], seq_end[MAXT], seq; /* event numbers */
    uint32_t running, max_running, slots, max_slots;
    uint64_t mem, max_mem;
    uint32_t n_done[MAXT];
    exec_result done[MAXT];
    uint32_t reject_attempts[MAXT]; /* after_success rejects attempts 1..this */
} rec;

static uint32_t slots_of(const rec *r, uint32_t task)
{
    uint32_t c = r->g->w.tasks[task].cores;
    return c < r->jobs ? c : r->jobs;
}

static int on_before(void *ctx, uint32_t task, uint32_t attempt, char message[256])
{
    rec *r = ctx;
    (void)message;
    r->order[r->n_order++] = task;
    if (attempt <= 8)
        r->t_attempt[task][attempt - 1] = now_mono();
    r->seq_start[task] = ++r->seq;
    r->running++;
    r->slots += slots_of(r, task);
    r->mem += r->g->w.tasks[task].memory;
    if (r->running > r->max_running)
        r->max_running = r->running;
    if (r->slots > r->max_slots)
        r->max_slots = r->slots;
    if (r->mem > r->max_mem)
        r->max_mem = r->mem;
    return 0;
}

/* Every attempt in the cases that count concurrency exits 0, so this is each end. */
static int on_success(void *ctx, uint32_t task, const exec_result *res, char message[256])
{
    rec *r = ctx;
    r->seq_end[task] = ++r->seq;
    r->running--;
    r->slots -= slots_of(r, task);
    r->mem -= r->g->w.tasks[task].memory;
    if (res->attempt <= r->reject_attempts[task]) {
        snprintf(message, 256, "output missing");
        return 1;
    }
    return 0;
}

static void on_done(void *ctx, uint32_t task, const exec_result *res)
{
    rec *r = ctx;
    r->n_done[task]++;
    r->done[task] = *res;
}

static exec_opts opts(uint32_t jobs)
{
    return (exec_opts){.jobs = jobs, .progress = -1, .kill_grace = 1.0, .log_dir = "logs"};
}

static int run(twf *g, rec *r, const exec_opts *o, exec_summary *s)
{
    r->g = g;
    r->jobs = o->jobs;
    exec_hooks h = {.ctx = r, .before_attempt = on_before, .after_success = on_success,
                    .task_done = on_done};
    return exec_run(&g->w, g->run, g->prio, o, &h, s);
}

/* --- files and processes --------------------------------------------------------------- */

static char *slurp(const char *path)
{
    static char buf[65536];
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    if (fd >= 0)
        close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Processes whose command line holds `marker` (other than zombies, which have none). */
static int count_marked(const char *marker)
{
    int n = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        char path[300], buf[4096];
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        int fd = open(path, O_RDONLY);
        ssize_t len = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
        if (fd >= 0)
            close(fd);
        if (len <= 0)
            continue;
        for (ssize_t i = 0; i < len; i++)
            if (buf[i] == '\0')
                buf[i] = ' ';
        buf[len] = '\0';
        n += strstr(buf, marker) != NULL;
    }
    if (d)
        closedir(d);
    return n;
}

/* Wait up to `limit` seconds for no process with the marker. */
static int marked_gone(const char *marker, double limit)
{
    double end = now_mono() + limit;
    while (count_marked(marker) > 0) {
        if (now_mono() > end)
            return 0;
        usleep(20000);
    }
    return 1;
}

/* The largest number of [start, end) intervals (from iv.* files) open at once. */
static int max_overlap(int n)
{
    long long s[MAXT], e[MAXT];
    int got = 0, best = 0;
    for (int i = 0; i < n; i++) {
        char path[64];
        snprintf(path, sizeof path, "iv.%d", i);
        if (sscanf(slurp(path), "%lld %lld", &s[got], &e[got]) == 2)
            got++;
    }
    CHECK_EQ(got, n);
    for (int i = 0; i < got; i++) {
        int open_ = 0;
        for (int j = 0; j < got; j++)
            open_ += s[j] <= s[i] && s[i] < e[j];
        if (open_ > best)
            best = open_;
    }
    return best;
}

static uint32_t add_interval_task(twf *g, int i, const char *sleep_s)
{
    char name[32], cmd[200];
    snprintf(name, sizeof name, "t%d", i);
    snprintf(cmd, sizeof cmd,
             "s=$(date +%%s%%N); sleep %s; e=$(date +%%s%%N); echo $s $e > iv.%d", sleep_s, i);
    return twf_add(g, name, cmd, NULL);
}

/* --- cases ------------------------------------------------------------------------------- */

static void slots_case(uint32_t jobs)
{
    twf g;
    rec r = {0};
    exec_summary s;
    int n = 3 * (int)jobs < 8 ? 8 : 3 * (int)jobs;
    twf_init(&g);
    for (int i = 0; i < n; i++)
        add_interval_task(&g, i, "0.2");
    twf_finish(&g);
    exec_opts o = opts(jobs);
    CHECK_EQ(run(&g, &r, &o, &s), 0);
    CHECK_EQ(s.ok, n);
    /* pel's own view is exact: all slots filled, never more. */
    CHECK_EQ(r.max_running, jobs);
    /* The processes' own clocks (inside pel's view of them) never overlap more. */
    CHECK(max_overlap(n) <= (int)jobs);
    twf_free(&g);
}

static void case_slots1(void) { slots_case(1); }
static void case_slots2(void) { slots_case(2); }
static void case_slots8(void) { slots_case(8); }

static void case_cores(void)
{
    twf g;
    rec r = {0};
    exec_summary s;
    twf_init(&g);
    for (int i = 0; i < 6; i++)
        add_interval_task(&g, i, "0.15");
    g.w.tasks[0].cores = 2; /* two slots of two */
    g.w.tasks[3].cores = 8; /* more than there are: all of them */
    twf_finish(&g);
    exec_opts o = opts(2);
    CHECK_EQ(run(&g, &r, &o, &s), 0);
    CHECK_EQ(s.ok, 6);
    CHECK_EQ(r.max_slots, 2);
    /* The wide tasks ran alone. */
    for (uint32_t wide = 0; wide < 6; wide += 3)
        for (uint32_t i = 0; i < 6; i++)
            if (i != wide)
                CHECK(r.seq_end[i] < r.seq_start[wide] || r.seq_start[i] > r.seq_end[wide]);
    twf_free(&g);
}

static void case_memory(void)
{
    twf g;
    rec r = {0};
    exec_summary s;
    twf_init(&g);
    for (int i = 0; i < 6; i++)
        add_interval_task(&g, i, "0.1");
    for (int i = 0; i < 6; i++)
        g.w.tasks[i].memory = i < 4 ? 60 : 40;
    twf_finish(&g);
    exec_opts o = opts(4);
    o.mem_budget = 100;
    CHECK_EQ(run(&g, &r, &o, &s), 0);
    CHECK_EQ(s.ok, 6);
    CHECK(r.max_mem <= 100);
    CHECK(r.max_running >= 2); /* a 60 and a 40 fit together */
    twf_free(&g);
}

static void case_memory_too_big(void)
{
    twf g;
    rec r = {0};
    exec_summary s;
    twf_init(&g);
    uint32_t a = twf_add(&g, "big", "true", NULL);
    uint32_t b = twf_add(&g, "after-big", "true", NULL);
    uint32_t c = twf_add(&g, "other", "true", NULL);
    g.w.tasks[a].memory = 3u << 20;
    twf_dep(&g, a, b);
    twf_finish(&g);
    exec_opts o = opts(2);
    o.mem_budget = 2u << 20;
    o.keep_going = 1;
    CHECK_EQ(run(&g, &r, &o, &s), 1);
    CHECK_EQ(r.n_done[a], 1);
    CHECK_EQ(r.done[a].outcome, EXEC_SPAWN_ERROR);
    CHECK_STR(r.done[a].message, "needs 3.0 MiB of memory, more than the budget of 2.0 MiB");
    CHECK_EQ(r.n_done[b], 0);
    CHECK_EQ(r.done[c].outcome, EXEC_OK);
    CHECK_EQ(s.ok, 1);
    CHECK_EQ(s.failed, 1);
    CHECK_EQ(s.skipped_after_failure, 1);
    twf_free(&g);
}

static void case_prio(void)
{
    static const double prio[] = {1, 5, 3, 5, 2};
    static const uint32_t expect[] = {1, 3, 2, 4, 0}; /* ties in file order */
    twf g;
    rec r = {0};
    exec_summary s;
    twf_init(&g);
    for (int i = 0; i < 5; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", i);
        twf_add(&g, name, "true", NULL);
    }
    twf_finish(&g);
    memcpy(g.prio, prio, sizeof prio);
    exec_opts o = opts(1);
    CHECK_EQ(run(&g, &r, &o, &s), 0);
    CHECK_EQ(r.n_order, 5);
    for (int i = 0; i < 5; i++)
        CHECK_EQ(r.order[i], expect[i]);
    twf_free(&g);
}

static void case_deps(void)
{
    twf g;
    rec r = {0};
    exec_summary s;
    twf_init(&g);
    uint32_t a = twf_add(&g, "a", "sleep 0.1; touch a.done", NULL);
    uint32_t b = twf_add(&g, "b", "test -f a.done && touch b.done", NULL);
    uint32_t c = twf_add(&g, "c", "test -f a.done && sleep 0.1 && touch c.done", NULL);
    uint32_t d = twf_add(&g, "d", "test -f b.done && test -f c.done", NULL);
    uint32_t e = twf_add(&g, "e", "true", NULL);
    twf_dep(&g, a, b);
    twf_dep(&g, a, c);
    twf_dep(&g, b, d);
    twf_dep(&g, c, d);
    twf_finish(&g);
    g.prio[d] = g.prio[b] = g.prio[c] = 10; /* priority never beats a dependency */
    exec_opts o = opts(2);
    CHECK_EQ(run(&g, &r, &o, &s), 0);
    CHECK_EQ(s.ok, 5);
    uint32_t edges[][2] = {{a, b}, {a, c}, {b, d}, {c, d}};
    for (int i = 0; i < 4; i++)
        CHECK(r.seq_end[edges[i][0]] < r.seq_start[edges[i][1]]);
    CHECK_EQ(r.n_done[e], 1);
    twf_free(&g);
}

/* A fails; B depends on it; C and D are independent; one slot, so A runs first. */
static void failure_case(int keep_going)
{
    twf g;
    rec r = {0};
    exec_summary s;
    twf_init(&g);
    uint32_t a = twf_add(&g, "A", "exit 3", NULL);
    uint32_t b = twf_add(&g, "B", "touch B.ran", NULL);
    twf_add(&g, "C", "touch C.ran", NULL);
    twf_add(&g, "D", "touch D.ran", NULL);
    twf_dep(&g, a, b);
    twf_finish(&g);
    exec_opts o = opts(1);
    o.keep_going = keep_going;
    CHECK_EQ(run(&g, &r, &o, &s), 1);
    CHECK_EQ(r.done[a].outcome, EXEC_EXIT);
    CHECK_EQ(r.done[a].code, 3);
    CHECK_EQ(r.n_done[b], 0);
    CHECK(!exists("B.ran"));
    CHECK_EQ(s.failed, 1);
    CHECK_EQ(s.skipped_after_failure, 1);
    CHECK_EQ(s.ok, keep_going ? 2 : 0);
    CHECK_EQ(s.not_started, keep_going ? 0 : 2);
    CHECK_EQ(exists("C.ran"), keep_going);
    twf_free(&g);
}

static void case_fail_stops(void) { failure_case(0); }
static void case_keep_going(void) { failure_case(1); }

static void case_retries(void)
{
    twf g;
    rec r = {0};
    exec_summary s;
    twf_init(&g);
    uint32_t a = twf_add(&g, "always-fails", "exit 1", NULL);
    uint32_t b = twf_add(&g, "second-time", "if [ -f m ]; then exit 0; fi; touch m; exit 1",
                         NULL);
    g.w.tasks[a].retries = 2;
    g.w.tasks[a].retry_delay = 0.1;
    g.w.tasks[b].retries = 3;
    g.w.tasks[b].retry_delay = 0.05;
    twf_finish(&g);
    exec_opts o = opts(2);
    o.keep_going = 1;
    CHECK_EQ(run(&g, &r, &o, &s), 1);
    CHECK_EQ(r.n_done[a], 1);
    CHECK_EQ(r.done[a].attempt, 3);
    CHECK_EQ(r.done[a].outcome, EXEC_EXIT);
    CHECK_EQ(r.n_done[b], 1);
    CHECK_EQ(r.done[b].attempt, 2);
    CHECK_EQ(r.done[b].outcome, EXEC_OK);
    /* Backoff: 0.1 s, then 0.2 s (at least; the exits themselves take time too). */
    CHECK(r.t_attempt[a][1] - r.t_attempt[a][0] >= 0.1);
    CHECK(r.t_attempt[a][2] - r.t_attempt[a][1] >= 0.2);
    CHECK_EQ(s.ok, 1);
    CHECK_EQ(s.failed, 1);
    twf_free(&g);
}

/* The backoff is a timer: with one slot, another task runs while R waits. */
static void case_retry_backoff(void)
{
    twf g;
    rec r = {0};
    exec_summary s;
    twf_init(&g);
    uint32_t rt = twf_add(&g, "R", "exit 1", NULL);
    uint32_t st = twf_add(&g, "S", "true", NULL);
    g.w.tasks[rt].retries = 1;
    g.w.tasks[rt].retry_delay = 1.0;
    twf_finish(&g);
    g.prio[rt] = 10;
    exec_opts o = opts(1);
    o.keep_going = 1;
    CHECK_EQ(run(&g, &r, &o, &s), 1);
    CHECK_EQ(r.n_order, 3);
    CHECK_EQ(r.order[0], rt);
    CHECK_EQ(r.order[1], st);
    CHECK_EQ(r.order[2], rt);
    CHECK_EQ(r.done[rt].attempt, 2);
    twf_free(&g);
}

static void case_reject(void)
{
    twf g;
    rec r = {0};
    exec_summary s;
    twf_init(&g);
    uint32_t x = twf_add(&g, "x", "true", NULL);
    uint32_t y = twf_add(&g, "y", "true", NULL);
    g.w.tasks[x].retries = 1;
    g.w.tasks[x].retry_delay = 0.01;
    twf_finish(&g);
    r.reject_attempts[x] = 1;
    r.reject_attempts[y] = 1;
    exec_opts o = opts(2);
    o.keep_going = 1;
    CHECK_EQ(run(&g, &r, &o, &s), 1);
    CHECK_EQ(r.done[x].outcome, EXEC_OK);
    CHECK_EQ(r.done[x].attempt, 2);
    CHECK_EQ(r.done[y].outcome, EXEC_REJECTED);
    CHECK_STR(r.done[y].message, "output missing");
    CHECK_EQ(r.n_done[y], 1);
    twf_free(&g);
}

static void case_timeout(void)
{
    twf g;
    rec r = {0};
    exec_summary s;
    twf_init(&g);
    char tree[128], stubborn[128], marker[32];
    /* The marker holds our pid: another build's tests may run at the same time. */
    snprintf(marker, sizeof marker, "100.%d", (int)getpid());
    snprintf(tree, sizeof tree, "sleep %s1 & sleep %s2; wait", marker, marker);
    /* Ignores SIGTERM: SIGKILL after the grace period. */
    snprintf(stubborn, sizeof stubborn, "trap '' TERM; sleep %s3; sleep %s4", marker, marker);
    uint32_t a = twf_add(&g, "tree", tree, NULL);
    uint32_t b = twf_add(&g, "stubborn", stubborn, NULL);
    g.w.tasks[a].timeout = 0.3;
    g.w.tasks[b].timeout = 0.3;
    twf_finish(&g);
    exec_opts o = opts(2);
    o.keep_going = 1;
    o.kill_grace = 0.5;
    double t0 = now_mono();
    CHECK_EQ(run(&g, &r, &o, &s), 1);
    CHECK(now_mono() - t0 < 30);
    for (uint32_t i = 0; i < 2; i++) {
        CHECK_EQ(r.done[i].outcome, EXEC_TIMEOUT);
        CHECK_STR(r.done[i].message, "timed out after 0.3 s");
        CHECK(r.done[i].duration >= 0.3);
    }
    CHECK(marked_gone(marker, 10));
    twf_free(&g);
}

static void case_not_found(void)
{
    twf g;
    rec r = {0};
    exec_summary s;
    twf_init(&g);
    const char *argv1[] = {"no-such-prog-pel", "x", NULL};
    const char *argv2[] = {"./no-such-prog-pel", NULL};
    twf_add(&g, "argv", NULL, argv1);
    twf_add(&g, "plain", "no-such-prog-pel x", NULL);
    twf_add(&g, "slash", NULL, argv2);
    twf_finish(&g);
    exec_opts o = opts(2);
    o.keep_going = 1;
    CHECK_EQ(run(&g, &r, &o, &s), 1);
    for (uint32_t i = 0; i < 3; i++) {
        CHECK_EQ(r.done[i].outcome, EXEC_NOT_FOUND);
        CHECK_EQ(r.done[i].code, 127);
    }
    CHECK_STR(r.done[0].message, "command not found: no-such-prog-pel");
    CHECK_STR(r.done[1].message, "command not found: no-such-prog-pel");
    CHECK_STR(r.done[2].message, "command not found: ./no-such-prog-pel");
    CHECK_EQ(s.failed, 3);
    twf_free(&g);
}

static void case_bad_dir(void)
{
    twf g;
    rec r = {0};
    exec_summary s;
    twf_init(&g);
    const char *argv[] = {"true", NULL};
    uint32_t a = twf_add(&g, "a", NULL, argv);
    uint32_t b = twf_add(&g, "b", "echo a b > f", NULL);
    g.w.tasks[a].dir = "/nonexistent-pel/dir";
    g.w.tasks[b].dir = "/nonexistent-pel/dir";
    twf_finish(&g);
    exec_opts o = opts(2);
    o.keep_going = 1;
    CHECK_EQ(run(&g, &r, &o, &s), 1);
    for (uint32_t i = 0; i < 2; i++) {
        CHECK_EQ(r.done[i].outcome, EXEC_SPAWN_ERROR);
        CHECK_EQ(r.done[i].code, ENOENT);
        CHECK_STR(r.done[i].message,
                  "cannot enter directory /nonexistent-pel/dir: No such file or directory");
    }
    twf_free(&g);
}

static void case_shell_words(void)
{
    static const char *const plain[] = {"true", "touch x", "cc -O2 -o a.out a.c",
                                        "make CC=gcc -j4", "  echo\ta,b:c+d@e%f^g  ",
                                        "/bin/echo hi", NULL};
    static const char *const shell[] = {
        "", "   ", "echo a b > f", "echo $HOME", "a | b", "a && b", "a; b", "echo 'q'",
        "echo \"q\"", "echo `x`", "ls *", "ls ?", "ls [a]", "echo ~", "echo {a,b}",
        "echo #c", "! true", "X=1 true", "cd /tmp", "exit 1", "export A", "set -e", ". f",
        "exec true", "eval x", "if", "for", "while", "wait", "umask 0", "read x",
        "echo a\nb", "a\\b", "(true)", "true &", NULL};
    for (const char *const *p = plain; *p; p++)
        if (!exec__shell_is_plain(*p)) {
            fprintf(stderr, "should be plain: \"%s\"\n", *p);
            failures++;
        }
    for (const char *const *p = shell; *p; p++)
        if (exec__shell_is_plain(*p)) {
            fprintf(stderr, "should need sh: \"%s\"\n", *p);
            failures++;
        }
}

static void case_shell_results(void)
{
    twf g;
    rec r = {0};
    exec_summary s;
    twf_init(&g);
    mkdir("sub", 0755);
    twf_add(&g, "redirect", "echo a b > f", NULL);
    twf_add(&g, "direct", "touch x", NULL);
    twf_add(&g, "quoted", "printf '%s|' 'q w' > g", NULL);
    twf_add(&g, "cd", "cd sub && touch y", NULL);
    twf_add(&g, "words", "sh -c false\t  x ", NULL); /* plain: argv sh -c false x */
    twf_finish(&g);
    exec_opts o = opts(2);
    o.keep_going = 1;
    CHECK_EQ(run(&g, &r, &o, &s), 1);
    CHECK_STR(slurp("f"), "a b\n");
    CHECK(exists("x"));
    CHECK_STR(slurp("g"), "q w|");
    CHECK(exists("sub/y"));
    CHECK_EQ(r.done[4].outcome, EXEC_EXIT);
    CHECK_EQ(r.done[4].code, 1);
    CHECK_EQ(s.ok, 4);
    twf_free(&g);
}

static void case_env_dir(void)
{
    twf g;
    rec r = {0};
    exec_summary s;
    char cwd[PATH_MAX], want[PATH_MAX + 64];
    twf_init(&g);
    mkdir("d", 0755);
    const char *env[] = {"PEL_T1=hello", "HOME=/custom-home", NULL};
    uint32_t a = twf_add(&g, "shell", "echo $PEL_T1 $HOME; pwd", NULL);
    twf_add(&g, "plain", "printenv PEL_T1", NULL);
    const char *argv[] = {"printenv", "HOME", NULL};
    uint32_t c = twf_add(&g, "argv", NULL, argv);
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    snprintf(want, sizeof want, "%s/d", cwd);
    for (uint32_t i = a; i <= c; i++) {
        g.w.tasks[i].env = twf_list(&g, env);
        g.w.tasks[i].dir = twf_str(&g, want);
    }
    twf_finish(&g);
    exec_opts o = opts(2); /* a relative log_dir: pel opens the logs, not the tasks */
    CHECK_EQ(run(&g, &r, &o, &s), 0);
    char p[PATH_MAX];
    snprintf(want, sizeof want, "hello /custom-home\n%s/d\n", cwd);
    CHECK_STR(slurp(exec_log_path(o.log_dir, "shell", p)), want);
    CHECK_STR(slurp(exec_log_path(o.log_dir, "plain", p)), "hello\n");
    CHECK_STR(slurp(exec_log_path(o.log_dir, "argv", p)), "/custom-home\n");
    CHECK(getenv("PEL_T1") == NULL); /* pel's own environment is untouched */
    twf_free(&g);
}

static void case_logs(void)
{
    twf g;
    rec r = {0};
    exec_summary s;
    twf_init(&g);
    twf_add(&g, "out/err", "echo out; echo err >&2; cat", NULL); /* cat: stdin is empty */
    twf_finish(&g);
    exec_opts o = opts(1);
    CHECK_EQ(run(&g, &r, &o, &s), 0);
    char p[PATH_MAX];
    CHECK_STR(slurp(exec_log_path("logs", "out/err", p)), "out\nerr\n");
    twf_free(&g);
}

static void case_log_path(void)
{
    char p[PATH_MAX], q[PATH_MAX];
    CHECK_STR(exec_log_path("L", "plain-name_1.x", p), "L/plain-name_1.x.log");
    exec_log_path("L", "a/b", p);
    CHECK(strncmp(p, "L/a_b-", 6) == 0 && strlen(p) == strlen("L/a_b-12345678.log"));
    CHECK_STR(exec_log_path("L", "a_b", q), "L/a_b.log");
    CHECK(strcmp(exec_log_path("L", "a b", q), p) != 0);
    exec_log_path("L", "..", p);
    CHECK(strncmp(p, "L/..-", 5) == 0);
    char longname[600];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    exec_log_path("L", longname, p);
    CHECK(strlen(strrchr(p, '/') + 1) <= NAME_MAX);
}

static void case_log_tail(void)
{
    FILE *f = fopen("l", "w");
    fputs("1\n2\n3\n4\n5\n", f);
    fclose(f);
    f = fopen("out", "w");
    CHECK_EQ(exec_log_tail("l", 2, f), 0);
    CHECK_EQ(exec_log_tail("l", 10, f), 0);
    fclose(f);
    CHECK_STR(slurp("out"), "4\n5\n1\n2\n3\n4\n5\n");
    f = fopen("l", "w");
    fputs("a\nb", f);
    fclose(f);
    f = fopen("out", "w");
    CHECK_EQ(exec_log_tail("l", 1, f), 0);
    fclose(f);
    CHECK_STR(slurp("out"), "b\n");
    CHECK_EQ(exec_log_tail("missing", 1, stdout), -1);
}

static void case_interrupt(void)
{
    twf g;
    rec r = {0};
    exec_summary s;
    twf_init(&g);
    twf_add(&g, "killer", "sleep 0.3; kill -INT $PPID", NULL); /* $PPID: this process */
    char l_cmd[128], m_cmd[128], marker[32];
    snprintf(marker, sizeof marker, "30.%d", (int)getpid());
    snprintf(l_cmd, sizeof l_cmd, "sleep %s1", marker);
    snprintf(m_cmd, sizeof m_cmd, "trap '' TERM; sleep %s2; sleep %s2", marker, marker);
    uint32_t l = twf_add(&g, "long1", l_cmd, NULL);
    uint32_t m = twf_add(&g, "long2", m_cmd, NULL);
    uint32_t n = twf_add(&g, "never", "touch never.ran", NULL);
    twf_dep(&g, l, n);
    twf_finish(&g);
    exec_opts o = opts(3);
    o.kill_grace = 0.5;
    double t0 = now_mono();
    CHECK_EQ(run(&g, &r, &o, &s), 130);
    CHECK(now_mono() - t0 < 20);
    CHECK_EQ(r.done[l].outcome, EXEC_INTERRUPTED);
    CHECK_EQ(r.done[m].outcome, EXEC_INTERRUPTED);
    CHECK_EQ(r.n_done[n], 0);
    CHECK(!exists("never.ran"));
    CHECK(s.interrupted >= 2);
    CHECK_EQ(s.not_started, 1);
    CHECK(marked_gone(marker, 10));
    twf_free(&g);
}

static void case_trace(void)
{
    twf g;
    rec r = {0};
    exec_summary s;
    twf_init(&g);
    twf_add(&g, "one", "true", NULL);
    uint32_t b = twf_add(&g, "two \"quoted\"", "echo 'tab\there' > /dev/null", NULL);
    uint32_t c = twf_add(&g, "three", "exit 1", NULL);
    g.w.tasks[c].retries = 1;
    g.w.tasks[c].retry_delay = 0.01;
    (void)b;
    twf_finish(&g);
    exec_opts o = opts(2);
    o.keep_going = 1;
    o.trace_path = "trace.json";
    CHECK_EQ(run(&g, &r, &o, &s), 1);
    const char *t = slurp("trace.json");
    int x = 0;
    for (const char *p = t; (p = strstr(p, "\"ph\":\"X\"")) != NULL; p++)
        x++;
    CHECK_EQ(x, 4);
    CHECK(strncmp(t, "{\"traceEvents\":[", 16) == 0);
    CHECK(strstr(t, "\"name\":\"two \\\"quoted\\\"\"") != NULL);
    CHECK(strstr(t, "tab\\there") != NULL);
    CHECK(strstr(t, "\"args\":{\"name\":\"slot 1\"}") != NULL);
    CHECK(strstr(t, "\"outcome\":\"exit\",\"exit_code\":1") != NULL);
    CHECK(!exists("trace.json.tmp"));
    if (system("command -v python3 >/dev/null 2>&1") == 0)
        CHECK_EQ(system("python3 -c 'import json,sys; json.load(open(\"trace.json\"))'"), 0);
    twf_free(&g);
}

/* Run tasks with stderr going to a file; return its contents. */
static const char *progress_run(int mode, int n_ok, const char *fail_cmd)
{
    twf g;
    rec r = {0};
    exec_summary s;
    twf_init(&g);
    for (int i = 0; i < n_ok; i++) {
        char name[32];
        snprintf(name, sizeof name, "alpha%d", i);
        twf_add(&g, name, mode == 1 ? "sleep 0.15" : "true", NULL);
    }
    if (fail_cmd)
        twf_add(&g, "beta", fail_cmd, NULL);
    twf_finish(&g);
    exec_opts o = opts(2);
    o.progress = mode;
    o.keep_going = 1;
    fflush(stderr);
    int saved = dup(2);
    int fd = open("stderr.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 2);
    close(fd);
    run(&g, &r, &o, &s);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    twf_free(&g);
    return slurp("stderr.txt");
}

static void case_progress_lines(void)
{
    const char *t = progress_run(0, 1, "exit 2");
    CHECK(strstr(t, "ok   alpha0 0.") != NULL);
    CHECK(strstr(t, "FAIL beta exit 2 (attempt 1/1) log: logs/beta.log\n") != NULL);
    t = progress_run(-1, 1, "exit 2");
    CHECK(strstr(t, "alpha0") == NULL);
    CHECK(strstr(t, "FAIL beta exit 2 (attempt 1/1)") != NULL);
}

static void case_progress_bar(void)
{
    const char *t = progress_run(1, 6, NULL);
    CHECK(strstr(t, "] 0/6 done,") != NULL || strstr(t, "/6 done, 2 running") != NULL);
    CHECK(strstr(t, "elapsed, ETA ") != NULL);
    size_t len = strlen(t);
    CHECK(len >= 4 && strcmp(t + len - 4, "\r\033[K") == 0); /* erased at the end */
}

/* Many short tasks, direct and through sh, with 1, 2 and 8 slots. */
static void case_many(void)
{
    static const uint32_t jobs[] = {1, 2, 8};
    for (int k = 0; k < 3; k++) {
        twf g;
        exec_summary s;
        twf_init(&g);
        for (int i = 0; i < 200; i++) {
            char name[16];
            snprintf(name, sizeof name, "m%d", i);
            twf_add(&g, name, i % 4 ? "true" : "true; true", NULL);
        }
        twf_finish(&g);
        exec_opts o = opts(jobs[k]);
        CHECK_EQ(exec_run(&g.w, g.run, NULL, &o, NULL, &s), 0);
        CHECK_EQ(s.ok, 200);
        twf_free(&g);
    }
}

static const struct {
    const char *name;
    void (*fn)(void);
} cases[] = {
    {"slots1", case_slots1},
    {"slots2", case_slots2},
    {"slots8", case_slots8},
    {"cores", case_cores},
    {"memory", case_memory},
    {"memory_too_big", case_memory_too_big},
    {"prio", case_prio},
    {"deps", case_deps},
    {"fail_stops", case_fail_stops},
    {"keep_going", case_keep_going},
    {"retries", case_retries},
    {"retry_backoff", case_retry_backoff},
    {"reject", case_reject},
    {"timeout", case_timeout},
    {"not_found", case_not_found},
    {"bad_dir", case_bad_dir},
    {"shell_words", case_shell_words},
    {"shell_results", case_shell_results},
    {"env_dir", case_env_dir},
    {"logs", case_logs},
    {"log_path", case_log_path},
    {"log_tail", case_log_tail},
    {"interrupt", case_interrupt},
    {"trace", case_trace},
    {"progress_lines", case_progress_lines},
    {"progress_bar", case_progress_bar},
    {"many", case_many},
};

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_exec CASE\n");
        return 2;
    }
    char dir[] = "/tmp/pel-test-exec-XXXXXX";
    if (!mkdtemp(dir) || chdir(dir) != 0) {
        perror("mkdtemp");
        return 2;
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (strcmp(cases[i].name, argv[1]) != 0)
            continue;
        cases[i].fn();
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (failures == 0 && system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
        if (failures)
            fprintf(stderr, "%s: %d checks failed (files in %s)\n", argv[1], failures, dir);
        return failures ? 1 : 0;
    }
    fprintf(stderr, "test_exec: no case %s\n", argv[1]);
    return 2;
}
