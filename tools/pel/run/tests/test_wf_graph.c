/* test_wf_graph — dependencies from names, patterns and files; deduplication; the
 * topological order and its ties; priorities; DOT; and every graph error. */
#include "check.h"
#include "wf.h"

static wf *load(const char *yaml)
{
    char err[WF_ERR_LEN];
    wf *w = NULL;
    if (wf_load_buffer(yaml, strlen(yaml), "g.yaml", "/base", &w, err) != 0)
        CHECK_FAIL_("loading failed: %s", err);
    return w;
}

static wf *build(const char *yaml)
{
    wf *w = load(yaml);
    char err[WF_ERR_LEN];
    if (wf_graph_build(w, err) != 0) CHECK_FAIL_("graph failed: %s", err);
    return w;
}

static uint32_t idx(const wf *w, const char *name)
{
    for (uint32_t i = 0; i < w->n_tasks; i++)
        if (strcmp(w->tasks[i].name, name) == 0) return i;
    CHECK_FAIL_("no task %s", name);
}

/* The names of a list of task indices, space-separated. */
static const char *names(const wf *w, const uint32_t *v, uint32_t n)
{
    static char buf[1024];
    size_t off = 0;
    buf[0] = '\0';
    for (uint32_t k = 0; k < n; k++)
        off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s", k ? " " : "",
                                w->tasks[v[k]].name);
    return buf;
}

#define DEPS(w, name) names(w, (w)->tasks[idx(w, name)].deps, (w)->tasks[idx(w, name)].n_deps)
#define SUCC(w, name) names(w, (w)->tasks[idx(w, name)].succ, (w)->tasks[idx(w, name)].n_succ)

static void test_names_patterns_files(void)
{
    wf *w = build("tasks:\n"
                  "  - {name: gather, run: x, after: ['sim-*', prep], inputs: [sorted.txt]}\n"
                  "  - {name: prep, run: x, outputs: [sorted.txt, ./other.txt]}\n"
                  "  - name: sim-{s}\n"
                  "    for: {s: [1, 2, 3]}\n"
                  "    run: x\n"
                  "    inputs: [other.txt, 'sub/../sorted.txt', missing.txt]\n"
                  "    after: [prep, prep]\n"
                  "  - {name: solo, run: x, after: ['sim-[13]', 's?m-2']}\n"
                  "  - {name: self, run: x, inputs: [s.txt], outputs: [s.txt], after: ['s*']}\n");
    CHECK_STREQ(DEPS(w, "gather"), "prep sim-1 sim-2 sim-3"); /* names, pattern, file: once */
    CHECK_STREQ(DEPS(w, "sim-2"), "prep");
    CHECK_STREQ(DEPS(w, "solo"), "sim-1 sim-2 sim-3");
    CHECK_STREQ(DEPS(w, "self"), "sim-1 sim-2 sim-3 solo"); /* never itself */
    CHECK_STREQ(DEPS(w, "prep"), "");
    CHECK_STREQ(SUCC(w, "prep"), "gather sim-1 sim-2 sim-3");
    CHECK_STREQ(SUCC(w, "sim-3"), "gather solo self");
    CHECK_STREQ(SUCC(w, "gather"), "");
    /* Ties in file order: prep is the first task without pending deps. */
    CHECK_STREQ(names(w, w->topo, w->n_tasks), "prep sim-1 sim-2 sim-3 gather solo self");
    wf_free(w);
}

static void test_topo_ties_in_file_order(void)
{
    wf *w = build("tasks:\n"
                  "  - {name: e, run: x, after: [d]}\n"
                  "  - {name: a, run: x}\n"
                  "  - {name: d, run: x, after: [c]}\n"
                  "  - {name: b, run: x}\n"
                  "  - {name: c, run: x, after: [a]}\n"
                  "  - {name: f, run: x}\n");
    CHECK_STREQ(names(w, w->topo, w->n_tasks), "a b c d e f");
    wf_free(w);
    w = build("tasks:\n"
              "  - {name: z, run: x}\n"
              "  - {name: y, run: x, after: [w]}\n"
              "  - {name: w, run: x}\n"
              "  - {name: v, run: x}\n");
    CHECK_STREQ(names(w, w->topo, w->n_tasks), "z w y v");
    wf_free(w);
}

static void test_priorities(void)
{
    /* a -> b -> d, a -> c -> d, c heavier than b. */
    wf *w = build("tasks:\n"
                  "  - {name: a, run: x}\n"
                  "  - {name: b, run: x, after: [a]}\n"
                  "  - {name: c, run: x, after: [a]}\n"
                  "  - {name: d, run: x, after: [b, c]}\n"
                  "  - {name: e, run: x}\n");
    double cost[5] = {1, 2, 5, 3, 4}, prio[5];
    wf_priorities(w, cost, prio);
    CHECK(prio[3] == 3);
    CHECK(prio[1] == 5);
    CHECK(prio[2] == 8);
    CHECK(prio[0] == 9);
    CHECK(prio[4] == 4);
    wf_free(w);
}

static void test_dot(void)
{
    wf *w = build("tasks:\n"
                  "  - {name: 'say \"hi\"', run: x, outputs: [a]}\n"
                  "  - {name: 'back\\slash', run: x, inputs: [a]}\n"
                  "  - {name: third, run: x}\n");
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    CHECK(f != NULL);
    uint8_t run[3] = {1, 1, 0};
    CHECK_EQ(wf_write_dot(w, run, f), 0);
    CHECK_EQ(fclose(f), 0);
    CHECK(strncmp(text, "digraph workflow {\n", 19) == 0);
    CHECK(strstr(text, "t0 [label=\"say \\\"hi\\\"\"];") != NULL);
    CHECK(strstr(text, "t1 [label=\"back\\\\slash\"];") != NULL);
    CHECK(strstr(text, "t2 [label=\"third\", fillcolor=\"#f2f2f2\"") != NULL);
    CHECK(strstr(text, "t0 -> t1;") != NULL);
    CHECK(strstr(text, "-> t2") == NULL);
    CHECK(strcmp(text + len - 2, "}\n") == 0);
    free(text);
    /* A failing stream is reported. */
    f = fopen("/dev/full", "w");
    if (f) {
        CHECK_EQ(wf_write_dot(w, NULL, f), -1);
        fclose(f);
    }
    wf_free(w);
}

static void graph_error(const char *yaml, const char *want)
{
    wf *w = load(yaml);
    char err[WF_ERR_LEN];
    CHECK_EQ(wf_graph_build(w, err), -1);
    if (strcmp(err, want) != 0) CHECK_FAIL_("got:\n  %s\nexpected:\n  %s", err, want);
    wf_free(w);
}

static void test_errors(void)
{
    graph_error("tasks:\n  - {name: a, run: x, after: [b]}\n",
                "g.yaml:2:5: task \"a\" runs after \"b\", but no task has that name");
    graph_error("tasks:\n  - {name: a, run: x}\n  - {name: b, run: x, after: ['c*']}\n",
                "g.yaml:3:5: task \"b\" runs after \"c*\", but that pattern matches no other task");
    graph_error("tasks:\n  - {name: a, run: x, after: ['a*']}\n",
                "g.yaml:2:5: task \"a\" runs after \"a*\", but that pattern matches no other task");
    graph_error("tasks:\n  - {name: a, run: x, after: [a]}\n",
                "g.yaml:2:5: task \"a\" lists itself in after");
    graph_error("tasks:\n  - {name: a, run: x, outputs: [o.txt]}\n"
                "  - {name: b, run: x, outputs: [./o.txt]}\n",
                "g.yaml:3:5: tasks \"a\" (line 2) and \"b\" both write /base/o.txt");
    graph_error("tasks:\n  - {name: a, run: x, after: [c]}\n  - {name: b, run: x, after: [a]}\n"
                "  - {name: c, run: x, after: [b]}\n",
                "g.yaml:2:5: dependency cycle: a -> b -> c -> a");
    graph_error("tasks:\n  - {name: ok, run: x}\n  - {name: p, run: x, inputs: [q.txt], outputs: [p.txt]}\n"
                "  - {name: q, run: x, inputs: [p.txt], outputs: [q.txt]}\n",
                "g.yaml:3:5: dependency cycle: p -> q -> p");
    /* A long cycle is shortened: c-1 runs after c-20, c-i after c-(i-1). */
    char yaml[4096];
    size_t off = (size_t)snprintf(yaml, sizeof yaml, "tasks:\n");
    for (int i = 1; i <= 20; i++)
        off += (size_t)snprintf(yaml + off, sizeof yaml - off,
                                "  - {name: c-%d, run: x, after: [c-%d]}\n", i, i == 1 ? 20 : i - 1);
    graph_error(yaml, "g.yaml:2:5: dependency cycle: c-1 -> c-2 -> c-3 -> c-4 -> ... (14 tasks) "
                      "... -> c-19 -> c-20 -> c-1");
    /* A cycle beside tasks that are fine, entered from a task outside it. */
    graph_error("tasks:\n  - {name: in, run: x, after: [y]}\n  - {name: x, run: x, after: [y]}\n"
                "  - {name: y, run: x, after: [x]}\n",
                "g.yaml:3:5: dependency cycle: x -> y -> x");
}

int main(void)
{
    test_names_patterns_files();
    test_topo_ties_in_file_order();
    test_priorities();
    test_dot();
    test_errors();
    puts("test_wf_graph: ok");
    return 0;
}
