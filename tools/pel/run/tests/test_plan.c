/* test_plan — every reason a task runs, propagation along a chain and a diamond ("a
 * changed input re-runs its task and everything downstream, and nothing else"), force,
 * missing inputs, costs and priorities, a read error, and the time to plan 100k tasks
 * that never ran. Workflows are built by hand here (deps, succ and topo included), and
 * tasks "run" by writing their outputs and journaling them as the executor would. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "test_tmp.h"
#include "fingerprint.h"
#include "plan.h"

static char root[256];

/* ---- building workflows ---- */

typedef struct spec {
    const char *name, *shell;
    const char *in[3], *out[2]; /* relative to root */
    double estimate;
} spec;

static void *take(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    CHECK(p != NULL);
    return p;
}

static char *abs_path(const char *rel)
{
    char *p = take(strlen(root) + strlen(rel) + 2);
    sprintf(p, "%s/%s", root, rel);
    return p;
}

/* deps: the tasks writing one of t's inputs; succ the other way; topo by Kahn, ties in
 * file order (what wf_graph_build fills). */
static void link_graph(wf *w)
{
    uint32_t n = w->n_tasks;
    for (uint32_t i = 0; i < n; i++) {
        wf_task *t = &w->tasks[i];
        t->deps = take(n * sizeof *t->deps);
        for (uint32_t d = 0; d < n; d++)
            for (uint32_t a = 0; a < t->n_inputs; a++)
                for (uint32_t b = 0; b < w->tasks[d].n_outputs; b++)
                    if (strcmp(t->inputs[a], w->tasks[d].outputs[b]) == 0 &&
                        (!t->n_deps || t->deps[t->n_deps - 1] != d))
                        t->deps[t->n_deps++] = d;
    }
    for (uint32_t i = 0; i < n; i++) w->tasks[i].succ = take(n * sizeof(uint32_t));
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t d = 0; d < w->tasks[i].n_deps; d++) {
            wf_task *p = &w->tasks[w->tasks[i].deps[d]];
            p->succ[p->n_succ++] = i;
        }
    w->topo = take(n * sizeof *w->topo);
    uint8_t *done = take(n);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = 0;
        for (;; i++) {
            int ready = !done[i];
            for (uint32_t d = 0; ready && d < w->tasks[i].n_deps; d++)
                ready = done[w->tasks[i].deps[d]];
            if (ready) break;
        }
        done[i] = 1;
        w->topo[k] = i;
    }
    free(done);
}

static wf *make_wf(const spec *s, uint32_t n)
{
    wf *w = take(sizeof *w);
    w->tasks = take(n * sizeof *w->tasks);
    w->n_tasks = n;
    for (uint32_t i = 0; i < n; i++) {
        wf_task *t = &w->tasks[i];
        t->name = s[i].name;
        t->shell = s[i].shell ? s[i].shell : s[i].name;
        t->dir = root;
        t->estimate = s[i].estimate ? s[i].estimate : -1;
        const char **in = take(3 * sizeof *in), **out = take(2 * sizeof *out);
        while (t->n_inputs < 3 && s[i].in[t->n_inputs]) {
            in[t->n_inputs] = abs_path(s[i].in[t->n_inputs]);
            t->n_inputs++;
        }
        while (t->n_outputs < 2 && s[i].out[t->n_outputs]) {
            out[t->n_outputs] = abs_path(s[i].out[t->n_outputs]);
            t->n_outputs++;
        }
        t->inputs = in;
        t->outputs = out;
    }
    link_graph(w);
    return w;
}

static void free_wf(wf *w)
{
    for (uint32_t i = 0; i < w->n_tasks; i++) {
        wf_task *t = &w->tasks[i];
        for (uint32_t k = 0; k < t->n_inputs; k++) free((char *)t->inputs[k]);
        for (uint32_t k = 0; k < t->n_outputs; k++) free((char *)t->outputs[k]);
        free((void *)t->inputs);
        free((void *)t->outputs);
        free(t->deps);
        free(t->succ);
    }
    free(w->tasks);
    free(w->topo);
    free(w);
}

/* ---- files and runs ---- */

static void write_rel(const char *rel, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static void remove_rel(const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    CHECK_EQ(unlink(p), 0);
}

static int generation;

/* What the executor does: print the inputs, start, write the outputs, print them, end. */
static void run_task(journal *j, const wf *w, uint32_t i, double duration)
{
    const wf_task *t = &w->tasks[i];
    uint64_t h = fp_task_hash(t);
    jr_fp in[3], out[2];
    uint32_t bad;
    CHECK_EQ(fp_files(t->n_inputs, t->inputs, NULL, in, &bad), 0);
    CHECK_EQ(journal_start(j, t->name, h), 0);
    for (uint32_t k = 0; k < t->n_outputs; k++) {
        char text[64];
        snprintf(text, sizeof text, "%s made this, run %d", t->name, ++generation);
        write_rel(t->outputs[k] + strlen(root) + 1, text);
    }
    CHECK_EQ(fp_files(t->n_outputs, t->outputs, NULL, out, &bad), 0);
    CHECK_EQ(journal_end(j, t->name, h, 1, 0, duration, t->n_inputs, t->inputs, in,
                         t->n_outputs, t->outputs, out),
             0);
}

static plan make_plan(const wf *w, const journal *j, int force)
{
    plan p;
    char err[512];
    if (plan_make(w, j, force, &p, err) != 0) CHECK_FAIL_("plan_make: %s", err);
    CHECK_EQ(p.n, w->n_tasks);
    return p;
}

/* Run what the plan says, in topological order. */
static void run_plan(journal *j, const wf *w, const plan *p)
{
    for (uint32_t k = 0; k < w->n_tasks; k++)
        if (p->items[w->topo[k]].run) run_task(j, w, w->topo[k], 1.0 + w->topo[k]);
}

static void expect(const plan *p, uint32_t i, plan_reason reason, const char *text)
{
    char buf[600];
    const char *got = plan_reason_text(&p->items[i], buf, sizeof buf);
    if (p->items[i].reason != reason || strcmp(got, text) != 0)
        CHECK_FAIL_("task %u: reason %d \"%s\", expected %d \"%s\"", i, (int)p->items[i].reason,
                    got, (int)reason, text);
    CHECK_EQ(p->items[i].run, reason != PLAN_UP_TO_DATE);
}

static char *txt(const char *fmt, const char *rel)
{
    static char buf[4][600];
    static int next;
    char *b = buf[next++ % 4], p[512];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    snprintf(b, 600, fmt, p);
    return b;
}

static journal *open_journal(const char *rel)
{
    char dir[512], err[512];
    snprintf(dir, sizeof dir, "%s/%s", root, rel);
    journal *j;
    if (journal_open(dir, &j, NULL, err) != 0) CHECK_FAIL_("%s", err);
    return j;
}

/* ---- the tests ---- */

static const spec chain[] = {
    {"a", NULL, {"src"}, {"f1"}, 0},
    {"b", NULL, {"f1"}, {"f2"}, 0},
    {"c", NULL, {"f2"}, {"f3"}, 0},
};

static void test_chain(void)
{
    write_rel("src", "source data");
    wf *w = make_wf(chain, 3);
    journal *j = open_journal("state-chain");
    plan p = make_plan(w, j, 0);
    for (uint32_t i = 0; i < 3; i++) expect(&p, i, PLAN_NEVER_RAN, "never ran");
    CHECK_EQ(p.n_run, 3);
    run_plan(j, w, &p);
    plan_free(&p);

    p = make_plan(w, j, 0);
    for (uint32_t i = 0; i < 3; i++) expect(&p, i, PLAN_UP_TO_DATE, "up to date");
    CHECK_EQ(p.n_run, 0);
    CHECK(p.items[0].cost == 1.0 && p.items[2].cost == 3.0); /* learned */
    CHECK(p.prio[0] == 0); /* nothing remains */
    plan_free(&p);

    write_rel("src", "source data, edited");
    p = make_plan(w, j, 0);
    expect(&p, 0, PLAN_INPUT_CHANGED, txt("input %s changed", "src"));
    expect(&p, 1, PLAN_UPSTREAM, "upstream task a re-runs");
    expect(&p, 2, PLAN_UPSTREAM, "upstream task b re-runs");
    CHECK(p.prio[0] == 6.0 && p.prio[1] == 5.0 && p.prio[2] == 3.0);
    run_plan(j, w, &p);
    plan_free(&p);

    remove_rel("f3");
    p = make_plan(w, j, 0);
    expect(&p, 0, PLAN_UP_TO_DATE, "up to date");
    expect(&p, 1, PLAN_UP_TO_DATE, "up to date");
    expect(&p, 2, PLAN_OUTPUT_MISSING, txt("output %s is missing", "f3"));
    run_plan(j, w, &p);
    plan_free(&p);

    write_rel("f2", "edited by hand");
    p = make_plan(w, j, 0);
    expect(&p, 0, PLAN_UP_TO_DATE, "up to date");
    expect(&p, 1, PLAN_OUTPUT_CHANGED, txt("output %s changed since it was made", "f2"));
    expect(&p, 2, PLAN_UPSTREAM, "upstream task b re-runs");
    run_plan(j, w, &p);
    plan_free(&p);

    p = make_plan(w, j, 1);
    for (uint32_t i = 0; i < 3; i++) expect(&p, i, PLAN_FORCED, "forced (--force)");
    plan_free(&p);

    /* The command of b changed. */
    wf *w2 = make_wf(chain, 3);
    w2->tasks[1].shell = "b --new-flag";
    p = make_plan(w2, j, 0);
    expect(&p, 0, PLAN_UP_TO_DATE, "up to date");
    expect(&p, 1, PLAN_COMMAND_CHANGED, "command changed");
    expect(&p, 2, PLAN_UPSTREAM, "upstream task b re-runs");
    CHECK(p.items[1].cost == 0); /* nothing learned for the new command, no estimate */
    plan_free(&p);
    free_wf(w2);

    /* Interrupted, then failed (an exit status, then a signal). */
    CHECK_EQ(journal_start(j, "a", fp_task_hash(&w->tasks[0])), 0);
    p = make_plan(w, j, 0);
    expect(&p, 0, PLAN_INTERRUPTED, "interrupted");
    expect(&p, 1, PLAN_UPSTREAM, "upstream task a re-runs");
    plan_free(&p);
    CHECK_EQ(journal_end(j, "a", fp_task_hash(&w->tasks[0]), 0, 3, 0.5, 0, NULL, NULL, 0, NULL,
                         NULL),
             0);
    p = make_plan(w, j, 0);
    expect(&p, 0, PLAN_FAILED_BEFORE, "failed last time (exit 3)");
    plan_free(&p);
    CHECK_EQ(journal_end(j, "a", fp_task_hash(&w->tasks[0]), 0, -9, 0.5, 0, NULL, NULL, 0, NULL,
                         NULL),
             0);
    p = make_plan(w, j, 0);
    expect(&p, 0, PLAN_FAILED_BEFORE, "failed last time (signal 9)");
    CHECK(p.items[0].cost == 1.0); /* the learned duration of a's successful run */
    run_plan(j, w, &p);
    plan_free(&p);

    /* A missing source input: reported whatever else is true, --force included. */
    remove_rel("src");
    for (int force = 0; force <= 1; force++) {
        p = make_plan(w, j, force);
        expect(&p, 0, PLAN_INPUT_MISSING, txt("input %s is missing and no task makes it", "src"));
        expect(&p, 1, force ? PLAN_FORCED : PLAN_UPSTREAM,
               force ? "forced (--force)" : "upstream task a re-runs");
        plan_free(&p);
    }
    write_rel("src", "source data, edited");
    p = make_plan(w, j, 0);
    CHECK_EQ(p.n_run, 0);
    plan_free(&p);

    CHECK_EQ(journal_close(j), 0);
    free_wf(w);
}

static const spec diamond[] = {
    {"top", NULL, {"d-src"}, {"d-top"}, 0},
    {"left", NULL, {"d-top", "d-left-src"}, {"d-left"}, 0},
    {"right", NULL, {"d-top"}, {"d-right"}, 0},
    {"join", NULL, {"d-left", "d-right"}, {"d-join"}, 0},
    {"other", NULL, {"d-other-src"}, {"d-other"}, 0},
};

static void test_diamond(void)
{
    write_rel("d-src", "s");
    write_rel("d-left-src", "l");
    write_rel("d-other-src", "o");
    wf *w = make_wf(diamond, 5);
    journal *j = open_journal("state-diamond");
    plan p = make_plan(w, j, 0);
    run_plan(j, w, &p);
    plan_free(&p);

    write_rel("d-left-src", "l2");
    p = make_plan(w, j, 0);
    CHECK_EQ(p.n_run, 2);
    expect(&p, 0, PLAN_UP_TO_DATE, "up to date");
    expect(&p, 1, PLAN_INPUT_CHANGED, txt("input %s changed", "d-left-src"));
    expect(&p, 2, PLAN_UP_TO_DATE, "up to date");
    expect(&p, 3, PLAN_UPSTREAM, "upstream task left re-runs");
    expect(&p, 4, PLAN_UP_TO_DATE, "up to date");
    run_plan(j, w, &p);
    plan_free(&p);

    write_rel("d-src", "s2");
    p = make_plan(w, j, 0);
    CHECK_EQ(p.n_run, 4);
    expect(&p, 0, PLAN_INPUT_CHANGED, txt("input %s changed", "d-src"));
    expect(&p, 1, PLAN_UPSTREAM, "upstream task top re-runs");
    expect(&p, 2, PLAN_UPSTREAM, "upstream task top re-runs");
    expect(&p, 3, PLAN_UPSTREAM, "upstream task left re-runs");
    expect(&p, 4, PLAN_UP_TO_DATE, "up to date");
    /* Critical path over what runs: costs 1, 2, 3, 4 (learned) */
    CHECK(p.prio[3] == 4.0 && p.prio[1] == 6.0 && p.prio[2] == 7.0 && p.prio[0] == 8.0);
    CHECK(p.prio[4] == 0);
    run_plan(j, w, &p);
    plan_free(&p);

    /* An input that became unreadable (a directory) is an error when it matters. */
    remove_rel("d-other-src");
    char dir[512];
    snprintf(dir, sizeof dir, "%s/d-other-src", root);
    CHECK_EQ(mkdir(dir, 0755), 0);
    char err[512];
    CHECK_EQ(plan_make(w, j, 0, &p, err), -1);
    CHECK(strstr(err, "d-other-src (an input of task other): Is a directory") != NULL);
    CHECK(p.items == NULL && p.prio == NULL);
    p = make_plan(w, j, 1); /* forced: the print is not needed */
    CHECK_EQ(p.n_run, 5);
    plan_free(&p);
    CHECK_EQ(journal_close(j), 0);
    free_wf(w);
}

static void test_costs(void)
{
    const spec s[] = {
        {"est", NULL, {NULL}, {"c-est"}, 4.5},
        {"none", NULL, {"c-est"}, {"c-none"}, 0},
    };
    wf *w = make_wf(s, 2);
    plan p = make_plan(w, NULL, 0); /* no journal: nothing ever ran */
    expect(&p, 0, PLAN_NEVER_RAN, "never ran");
    CHECK(p.items[0].cost == 4.5 && p.items[1].cost == 0);
    CHECK(p.prio[0] == 4.5 && p.prio[1] == 0);
    CHECK_EQ(p.items[0].cmd_hash, fp_task_hash(&w->tasks[0]));
    plan_free(&p);
    free_wf(w);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* 100k tasks that never ran, in chains of 100 from one source file each. */
static void test_many_never_ran(void)
{
    enum { N = 100000 };
    CHECK_EQ(mkdir(txt("%s", "many"), 0755), 0);
    wf w = {0};
    w.n_tasks = N;
    w.tasks = take(N * sizeof *w.tasks);
    w.topo = take(N * sizeof *w.topo);
    char **names = take(N * sizeof *names), **paths = take(N * sizeof *paths);
    uint32_t *idx = take(N * sizeof *idx);
    for (uint32_t i = 0; i < N; i++) {
        CHECK(asprintf(&names[i], "t%u", i) > 0);
        CHECK(asprintf(&paths[i], "%s/many/out-%u", root, i) > 0);
        idx[i] = i;
    }
    for (uint32_t i = 0; i < N; i++) {
        wf_task *t = &w.tasks[i];
        t->name = names[i];
        t->shell = names[i];
        t->dir = root;
        t->estimate = -1;
        t->outputs = (const char *const *)&paths[i];
        t->n_outputs = 1;
        if (i % 100) {
            t->inputs = (const char *const *)&paths[i - 1];
            t->deps = &idx[i - 1];
            t->n_deps = 1;
        } else {
            static const char *src[1];
            src[0] = txt("%s", "src");
            t->inputs = src;
        }
        t->n_inputs = 1;
        if (i % 100 != 99) {
            t->succ = &idx[i + 1];
            t->n_succ = 1;
        }
        w.topo[i] = i;
    }
    journal *j = open_journal("state-many");
    double t0 = now_s();
    plan p = make_plan(&w, j, 0);
    double t1 = now_s();
    CHECK_EQ(p.n_run, N);
    expect(&p, N - 1, PLAN_NEVER_RAN, "never ran");
    /* Printed, not asserted: speed is for the benchmarks (bench/workflow). */
    printf("plan: %d tasks that never ran in %.3f s\n", N, t1 - t0);
    plan_free(&p);
    CHECK_EQ(journal_close(j), 0);
    for (uint32_t i = 0; i < N; i++) {
        free(names[i]);
        free(paths[i]);
    }
    free(names);
    free(paths);
    free(idx);
    free(w.tasks);
    free(w.topo);
}

int main(void)
{
    test_tmpdir("pel-plan", root, sizeof root);
    test_chain();
    test_diamond();
    test_costs();
    test_many_never_ran();
    test_rmtree(root);
    printf("test_plan: ok\n");
    return 0;
}
