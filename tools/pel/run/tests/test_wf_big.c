/* test_wf_big — 100k-task workflows, loaded and their graph built, each in a child
 * process so its peak RSS is its own: a short file whose task arrays have 100000
 * entries each, and a ~10 MB file listing 100000 tasks one by one. The results are
 * checked (counts, a few dependencies); the time and memory are only printed, as JSON
 * lines, never asserted:
 *   {"bench":"wf_load_100k_array","tasks":...,"load_s":...,"graph_s":...,
 *    "seconds":...,"max_rss_mb":...}
 */
#include <limits.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "test_tmp.h"
#include "wf.h"

#define N 100000

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void write_array_file(const char *path)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    fprintf(f, "defaults:\n  retries: 1\n"
               "tasks:\n"
               "  - name: prep\n    run: sort data.txt > sorted.txt\n"
               "    inputs: [data.txt]\n    outputs: [sorted.txt]\n"
               "  - name: a-{i}\n    for: {i: {from: 1, to: %d}}\n"
               "    cmd: [./sim, --seed, '{i}']\n    inputs: [sorted.txt]\n"
               "    outputs: ['out/{i}.txt']\n    env: {SEED: '{i}'}\n"
               "  - name: b-{i}\n    for: {i: {from: 1, to: %d}}\n"
               "    run: wc -l out/{i}.txt > count/{i}.txt\n    after: ['a-{i}']\n"
               "    outputs: ['count/{i}.txt']\n"
               "  - name: gather\n    run: cat count/*.txt > all.txt\n    after: ['b-*']\n",
            N, N);
    CHECK_EQ(fclose(f), 0);
}

static void write_list_file(const char *path)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    fputs("tasks:\n", f);
    for (int i = 0; i < N; i++) {
        fprintf(f, "  - name: t%d\n    run: \"./step --in f%d.dat --out f%d.dat\"\n", i, i - 1, i);
        if (i > 0) fprintf(f, "    inputs: [data/f%d.dat]\n", i - 1);
        fprintf(f, "    outputs: [data/f%d.dat]\n", i);
        if (i >= 10 && i % 10 == 0) fprintf(f, "    after: [t%d]\n", i - 10);
        fputs("    cores: 1\n    timeout: 10m\n", f);
    }
    CHECK_EQ(fclose(f), 0);
}

static uint32_t idx(const wf *w, const char *name)
{
    for (uint32_t i = 0; i < w->n_tasks; i++)
        if (strcmp(w->tasks[i].name, name) == 0) return i;
    CHECK_FAIL_("no task %s", name);
}

static void check_array(const wf *w)
{
    CHECK_EQ(w->n_tasks, 2 * N + 2);
    uint32_t a7 = idx(w, "a-7"), b7 = idx(w, "b-7"), g = w->n_tasks - 1;
    CHECK_EQ(a7, 7);
    CHECK_EQ(b7, N + 7);
    CHECK_EQ(w->tasks[a7].n_deps, 1);
    CHECK_EQ(w->tasks[a7].deps[0], 0);
    CHECK_EQ(w->tasks[b7].n_deps, 1);
    CHECK_EQ(w->tasks[b7].deps[0], a7);
    CHECK_EQ(w->tasks[0].n_succ, N);
    CHECK_EQ(w->tasks[g].n_deps, N);
    CHECK_EQ(w->tasks[g].deps[0], N + 1);
    CHECK_STREQ(w->tasks[a7].env[0], "SEED=7");
    CHECK_EQ(w->topo[0], 0);
    CHECK_EQ(w->topo[w->n_tasks - 1], g);
}

static void check_list(const wf *w)
{
    CHECK_EQ(w->n_tasks, N);
    const wf_task *t = &w->tasks[500];
    CHECK_STREQ(t->name, "t500");
    CHECK_EQ(t->n_deps, 2);
    CHECK_EQ(t->deps[0], 490);
    CHECK_EQ(t->deps[1], 499);
    CHECK_EQ(w->tasks[499].n_succ, 1);
    CHECK_EQ(w->tasks[490].n_succ, 2);
    for (uint32_t i = 0; i < N; i++) CHECK_EQ(w->topo[i], i);
}

/* In a child: load, build, check, print one JSON line. */
static void bench(const char *label, const char *path, void (*check)(const wf *))
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        char err[WF_ERR_LEN];
        wf *w = NULL;
        double t0 = now();
        if (wf_load_file(path, &w, err) != 0) CHECK_FAIL_("%s: %s", label, err);
        double t1 = now();
        if (wf_graph_build(w, err) != 0) CHECK_FAIL_("%s: %s", label, err);
        double t2 = now();
        check(w);
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        printf("{\"bench\":\"%s\",\"tasks\":%u,\"load_s\":%.3f,\"graph_s\":%.3f,"
               "\"seconds\":%.3f,\"max_rss_mb\":%.1f}\n",
               label, w->n_tasks, t1 - t0, t2 - t1, t2 - t0, ru.ru_maxrss / 1024.0);
        fflush(stdout);
        wf_free(w);
        exit(0);
    }
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(void)
{
    char dir[PATH_MAX], a[PATH_MAX + 16], l[PATH_MAX + 16];
    test_tmpdir("test_wf_big", dir, sizeof dir);
    snprintf(a, sizeof a, "%s/array.yaml", dir);
    snprintf(l, sizeof l, "%s/list.yaml", dir);
    write_array_file(a);
    write_list_file(l);
    bench("wf_load_100k_array", a, check_array);
    bench("wf_load_100k_list", l, check_list);
    CHECK_EQ(unlink(a), 0);
    CHECK_EQ(unlink(l), 0);
    CHECK_EQ(rmdir(dir), 0);
    return 0;
}
