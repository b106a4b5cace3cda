/* test_wf_load — the YAML loader: every key and its default, task arrays, placeholders,
 * defaults, paths, aliases, and wf_load_file's base directory. */
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "test_tmp.h"
#include "wf.h"

static wf *load(const char *yaml)
{
    char err[WF_ERR_LEN];
    wf *w = NULL;
    if (wf_load_buffer(yaml, strlen(yaml), "t.yaml", "/base", &w, err) != 0)
        CHECK_FAIL_("loading failed: %s", err);
    CHECK(w != NULL);
    return w;
}

static void check_list(const char *const *got, uint32_t n, const char *const *want)
{
    uint32_t k = 0;
    for (; want[k]; k++) {
        CHECK_LT(k, n);
        CHECK_STREQ(got[k], want[k]);
    }
    CHECK_EQ(k, n);
    if (n) CHECK(got[n] == NULL);
}

#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_defaults_of_every_key(void)
{
    wf *w = load("tasks:\n  - name: a\n    run: echo hi\n");
    CHECK_STREQ(w->path, "t.yaml");
    CHECK_STREQ(w->base_dir, "/base");
    CHECK_EQ(w->n_tasks, 1);
    const wf_task *t = &w->tasks[0];
    CHECK_STREQ(t->name, "a");
    CHECK_STREQ(t->shell, "echo hi");
    CHECK(t->argv == NULL);
    CHECK(t->env == NULL);
    CHECK_STREQ(t->dir, "/base");
    CHECK_EQ(t->n_inputs, 0);
    CHECK_EQ(t->n_outputs, 0);
    CHECK_EQ(t->n_after, 0);
    CHECK_EQ(t->cores, 1);
    CHECK_EQ(t->memory, 0);
    CHECK_EQ(t->retries, 0);
    CHECK(t->retry_delay == 1);
    CHECK(t->timeout == 0);
    CHECK(t->estimate < 0);
    CHECK_EQ(t->line, 2);
    CHECK_EQ(t->column, 5);
    CHECK(t->deps == NULL && t->succ == NULL && w->topo == NULL);
    wf_free(w);
}

static void test_every_key(void)
{
    wf *w = load("tasks:\n"
                 "  - name: sim\n"
                 "    cmd: [./sim, --seed, '42', \"\"]\n"
                 "    inputs: [data.txt, /abs/in.txt, ../up.txt]\n"
                 "    outputs: out.txt\n"
                 "    after: [prep, 'x*']\n"
                 "    cores: 4\n"
                 "    memory: 512M\n"
                 "    retries: 2\n"
                 "    retry_delay: 500ms\n"
                 "    timeout: 1h30m\n"
                 "    estimate: 30\n"
                 "    env: {SEED: 42, EMPTY: , Q: 'a b'}\n"
                 "    dir: work/sub\n");
    const wf_task *t = &w->tasks[0];
    check_list(t->argv, 4, LIST("./sim", "--seed", "42", ""));
    CHECK(t->shell == NULL);
    check_list(t->inputs, t->n_inputs,
               LIST("/base/work/sub/data.txt", "/abs/in.txt", "/base/work/up.txt"));
    check_list(t->outputs, t->n_outputs, LIST("/base/work/sub/out.txt"));
    check_list(t->after, t->n_after, LIST("prep", "x*"));
    CHECK_EQ(t->cores, 4);
    CHECK_EQ(t->memory, 512ull << 20);
    CHECK_EQ(t->retries, 2);
    CHECK(t->retry_delay == 0.5);
    CHECK(t->timeout == 5400);
    CHECK(t->estimate == 30);
    check_list(t->env, 3, LIST("SEED=42", "EMPTY=", "Q=a b"));
    CHECK_STREQ(t->dir, "/base/work/sub");
    wf_free(w);
}

static void test_numbers_as_yaml_numbers(void)
{
    wf *w = load("tasks:\n"
                 "- {name: a, run: x, timeout: 1.5, retry_delay: 0, estimate: 0, memory: 1024}\n"
                 "- {name: b, run: x, timeout: 2e1, memory: 1.5K, cores: +3}\n");
    CHECK(w->tasks[0].timeout == 1.5);
    CHECK(w->tasks[0].retry_delay == 0);
    CHECK(w->tasks[0].estimate == 0);
    CHECK_EQ(w->tasks[0].memory, 1024);
    CHECK(w->tasks[1].timeout == 20);
    CHECK_EQ(w->tasks[1].memory, 1536);
    CHECK_EQ(w->tasks[1].cores, 3);
    wf_free(w);
}

static void test_arrays(void)
{
    wf *w = load("tasks:\n"
                 "  - name: sim-{seed}-{model}\n"
                 "    for:\n"
                 "      seed: {from: 1, to: 3}\n"
                 "      model: [small, large]\n"
                 "    cmd: [./sim, --seed, '{seed}', --model, '{model}']\n"
                 "  - name: down-{i}\n"
                 "    for: {i: {from: 10, to: 1, step: -4}}\n"
                 "    run: echo {i}\n"
                 "  - name: impl-{i}\n"
                 "    for: {i: {from: 5, to: 3}}\n"
                 "    run: echo\n"
                 "  - name: step-{i}\n"
                 "    for: {i: {from: -2, to: 5, step: 3}}\n"
                 "    run: echo\n"
                 "  - name: one\n"
                 "    for: {only: [x]}\n"
                 "    run: echo {only}\n");
    const char *names[] = {"sim-1-small", "sim-1-large", "sim-2-small", "sim-2-large",
                           "sim-3-small", "sim-3-large", "down-10", "down-6", "down-2",
                           "impl-5", "impl-4", "impl-3", "step--2", "step-1", "step-4", "one"};
    CHECK_EQ(w->n_tasks, sizeof names / sizeof names[0]);
    for (uint32_t i = 0; i < w->n_tasks; i++) CHECK_STREQ(w->tasks[i].name, names[i]);
    check_list(w->tasks[3].argv, 5, LIST("./sim", "--seed", "2", "--model", "large"));
    CHECK_STREQ(w->tasks[7].shell, "echo 6");
    CHECK_STREQ(w->tasks[15].shell, "echo x");
    for (uint32_t i = 0; i < 6; i++) {
        CHECK_EQ(w->tasks[i].line, 2); /* every task of an array points at the array */
        CHECK_EQ(w->tasks[i].column, 5);
    }
    /* An argv without placeholders would be shared; this one varies. */
    CHECK(w->tasks[0].argv != w->tasks[1].argv);
    wf_free(w);
}

static void test_extreme_range(void)
{
    wf *w = load("tasks:\n"
                 "  - name: r-{i}\n"
                 "    for: {i: {from: 9223372036854775806, to: 9223372036854775807}}\n"
                 "    run: x\n"
                 "  - name: s-{i}\n"
                 "    for: {i: {from: -9223372036854775807, to: -9223372036854775808}}\n"
                 "    run: x\n");
    CHECK_EQ(w->n_tasks, 4);
    CHECK_STREQ(w->tasks[1].name, "r-9223372036854775807");
    CHECK_STREQ(w->tasks[3].name, "s--9223372036854775808");
    wf_free(w);
}

static void test_placeholder_in_every_field(void)
{
    wf *w = load("tasks:\n"
                 "  - name: t-{p}\n"
                 "    for: {p: [a, b]}\n"
                 "    run: make {p}\n"
                 "    inputs: ['in/{p}.txt', fixed.txt]\n"
                 "    outputs: ['out/{p}.txt']\n"
                 "    after: ['prep-{p}']\n"
                 "    env: {P: '{p}', K: const}\n"
                 "    dir: 'd/{p}'\n");
    const wf_task *t = &w->tasks[1];
    CHECK_STREQ(t->name, "t-b");
    CHECK_STREQ(t->shell, "make b");
    check_list(t->inputs, t->n_inputs, LIST("/base/d/b/in/b.txt", "/base/d/b/fixed.txt"));
    check_list(t->outputs, t->n_outputs, LIST("/base/d/b/out/b.txt"));
    check_list(t->after, t->n_after, LIST("prep-b"));
    check_list(t->env, 2, LIST("P=b", "K=const"));
    CHECK_STREQ(t->dir, "/base/d/b");
    CHECK_STREQ(w->tasks[0].dir, "/base/d/a");
    wf_free(w);
}

static void test_shared_when_constant(void)
{
    wf *w = load("tasks:\n"
                 "  - name: t-{p}\n"
                 "    for: {p: [a, b, c]}\n"
                 "    cmd: [tool, x]\n"
                 "    inputs: [in.txt]\n"
                 "    env: {A: b}\n");
    CHECK(w->tasks[0].argv == w->tasks[2].argv);
    CHECK(w->tasks[0].inputs == w->tasks[2].inputs);
    CHECK(w->tasks[0].env == w->tasks[2].env);
    CHECK_STREQ(w->tasks[2].inputs[0], "/base/in.txt");
    wf_free(w);
}

static void test_braces(void)
{
    wf *w = load("tasks:\n"
                 "  - name: b-{x}\n"
                 "    for: {x: [1]}\n"
                 "    run: >-\n"
                 "      awk '{print $1}' {x} {{x}} {y} {{y}} { x} {x {} {{ }} {{x} {x}} {{{x}}}\n");
    CHECK_STREQ(w->tasks[0].shell,
                "awk '{print $1}' 1 {x} {y} {{y}} { x} {x {} {{ }} {1 1} {{x}}");
    wf_free(w);
    /* Without for, nothing is a placeholder. */
    w = load("tasks: [{name: '{a}', run: 'echo {a} {{a}}'}]\n");
    CHECK_STREQ(w->tasks[0].name, "{a}");
    CHECK_STREQ(w->tasks[0].shell, "echo {a} {{a}}");
    wf_free(w);
}

static void test_defaults(void)
{
    wf *w = load("defaults:\n"
                 "  retries: 1\n"
                 "  timeout: 10s\n"
                 "  run: default-cmd {p}\n"
                 "  env: {A: '1', B: '2'}\n"
                 "  inputs: [common.txt]\n"
                 "  dir: w\n"
                 "tasks:\n"
                 "  - name: a\n"
                 "  - name: b\n"
                 "    retries: 3\n"
                 "    cmd: [own]\n"
                 "    env: {B: '20', C: '30'}\n"
                 "    inputs: [own.txt]\n"
                 "  - name: c-{p}\n"
                 "    for: {p: [x]}\n"
                 "    timeout: null\n"
                 "    inputs: ~\n"
                 "    dir: null\n");
    const wf_task *a = &w->tasks[0], *b = &w->tasks[1], *c = &w->tasks[2];
    CHECK_EQ(a->retries, 1);
    CHECK(a->timeout == 10);
    CHECK_STREQ(a->shell, "default-cmd {p}");
    check_list(a->env, 2, LIST("A=1", "B=2"));
    check_list(a->inputs, a->n_inputs, LIST("/base/w/common.txt"));
    CHECK_STREQ(a->dir, "/base/w");
    CHECK_EQ(b->retries, 3);
    CHECK(b->shell == NULL);
    check_list(b->argv, 1, LIST("own"));
    check_list(b->env, 3, LIST("A=1", "B=20", "C=30"));
    check_list(b->inputs, b->n_inputs, LIST("/base/w/own.txt"));
    CHECK_STREQ(c->shell, "default-cmd x"); /* defaults take the task's placeholders */
    CHECK(c->timeout == 0);                  /* null: the built-in default */
    CHECK_EQ(c->n_inputs, 0);
    CHECK_STREQ(c->dir, "/base");
    wf_free(w);
}

static void test_aliases_and_styles(void)
{
    wf *w = load("tasks:\n"
             "  - name: a\n"
             "    run: |\n"
             "      echo one\n"
             "      echo two\n"
             "    inputs: &files [x.txt, y.txt]\n"
             "  - name: b\n"
             "    run: \"tab\\there\"\n"
             "    inputs: *files\n");
    CHECK_STREQ(w->tasks[0].shell, "echo one\necho two\n");
    CHECK_STREQ(w->tasks[1].shell, "tab\there");
    check_list(w->tasks[1].inputs, w->tasks[1].n_inputs, LIST("/base/x.txt", "/base/y.txt"));
    wf_free(w);
}

static void test_empty_task_list(void)
{
    wf *w = load("tasks: []\n");
    CHECK_EQ(w->n_tasks, 0);
    wf_free(w);
}

static void test_load_file(void)
{
    char dir[PATH_MAX - 32];
    test_tmpdir("test_wf_load", dir, sizeof dir);
    char sub[PATH_MAX], file[PATH_MAX], real[PATH_MAX];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    CHECK_EQ(mkdir(sub, 0700), 0);
    snprintf(file, sizeof file, "%s/sub/../sub/wf.yaml", dir);
    FILE *f = fopen(file, "w");
    CHECK(f != NULL);
    fputs("tasks:\n  - {name: a, run: x, outputs: [o.txt]}\n", f);
    CHECK_EQ(fclose(f), 0);
    char err[WF_ERR_LEN];
    wf *w = NULL;
    CHECK_EQ(wf_load_file(file, &w, err), 0);
    CHECK(realpath(sub, real) != NULL);
    CHECK_STREQ(w->base_dir, real);
    CHECK_STREQ(w->path, file);
    char want[PATH_MAX + 8];
    snprintf(want, sizeof want, "%s/o.txt", real);
    CHECK_STREQ(w->tasks[0].outputs[0], want);
    wf_free(w);
    /* A missing file names itself and the reason. */
    snprintf(file, sizeof file, "%s/missing.yaml", dir);
    CHECK_EQ(wf_load_file(file, &w, err), -1);
    CHECK(w == NULL);
    CHECK(strstr(err, "missing.yaml: cannot open: No such file or directory") != NULL);
    snprintf(file, sizeof file, "%s/sub/wf.yaml", dir);
    CHECK_EQ(unlink(file), 0);
    CHECK_EQ(rmdir(sub), 0);
    CHECK_EQ(rmdir(dir), 0);
}

int main(void)
{
    test_defaults_of_every_key();
    test_every_key();
    test_numbers_as_yaml_numbers();
    test_arrays();
    test_extreme_range();
    test_placeholder_in_every_field();
    test_shared_when_constant();
    test_braces();
    test_defaults();
    test_aliases_and_styles();
    test_empty_task_list();
    test_load_file();
    puts("test_wf_load: ok");
    return 0;
}
