/* test_wf_errors — every error of the YAML loader, with its exact message and position
 * (FILE:LINE:COL, 1-based). Graph errors are in test_wf_graph, files in bad/. */
#include <stdlib.h>

#include "check.h"
#include "wf.h"
#include "wf_internal.h"

typedef struct error_case {
    const char *yaml;
    const char *message;
} error_case;

static const error_case cases[] = {
    /* The file as a whole */
    {"", "t.yaml: empty workflow: expected a mapping with a tasks: list"},
    {"# only a comment\n", "t.yaml: empty workflow: expected a mapping with a tasks: list"},
    {"~\n", "t.yaml:1:1: empty workflow: expected a mapping with a tasks: list"},
    {"- a\n", "t.yaml:1:1: a workflow is a mapping with a tasks: list (and defaults:), not a list"},
    {"defaults: {}\n", "t.yaml:1:1: the workflow has no tasks: list"},
    {"tasks: []\ntask: []\n", "t.yaml:2:1: unknown top-level key \"task\" (expected tasks or defaults)"},
    {"tasks: []\ntasks: []\n", "t.yaml:2:1: tasks is given twice"},
    {"tasks: x\n", "t.yaml:1:8: tasks: expected a list of tasks, not a string"},
    {"tasks: []\n---\ntasks: []\n",
     "t.yaml:2:1: a second YAML document: a workflow file holds one document"},
    /* Syntax, from libyaml */
    {"tasks: [a, b\n",
     "t.yaml:2:1: did not find expected ',' or ']' while parsing a flow sequence (line 1 column 8)"},
    {"tasks:\n  - name: a\n   run: x\n",
     "t.yaml:3:4: did not find expected '-' indicator while parsing a block collection (line 2 "
     "column 3)"},
    {"tasks: [*nope]\n", "t.yaml:1:9: alias *nope names no earlier complete anchor"},
    {"tasks: &a [*a]\n", "t.yaml:1:12: alias *a names no earlier complete anchor"},
    {"tasks: \"a\\0b\"\n",
     "t.yaml:1:8: a string holds a NUL character (\\0), which no command can take"},
    {"tasks: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]"
     "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
     "t.yaml:1:71: nesting deeper than 64 levels"},
    /* Task structure */
    {"tasks: [x]\n", "t.yaml:1:9: a task must be a mapping (key: value), not a string"},
    {"tasks:\n  - run: x\n", "t.yaml:2:5: a task needs a name"},
    {"tasks:\n  - name: a\n", "t.yaml:2:5: task a has neither cmd (a list) nor run (a shell string)"},
    {"tasks:\n  - name: a\n    run: x\n    cmd: [y]\n",
     "t.yaml:4:5: a task has either cmd (a list) or run (a shell string), not both"},
    {"tasks:\n  - name: a\n    comand: x\n",
     "t.yaml:3:5: unknown key \"comand\" in a task (known: name, for, cmd, run, inputs, outputs, "
     "after, cores, memory, retries, retry_delay, timeout, estimate, env, dir)"},
    {"tasks:\n  - name: a\n    run: x\n    run: y\n",
     "t.yaml:4:5: run is given twice (first at line 3 column 5)"},
    {"tasks:\n  - {name: a, run: x, <<: {cores: 2}}\n",
     "t.yaml:2:23: YAML merge keys (<<) are not supported; put shared keys under defaults:"},
    {"tasks:\n  - {name: a, run: x, [k]: 1}\n", "t.yaml:2:23: a task's keys are strings"},
    {"tasks:\n  - name: [a]\n    run: x\n", "t.yaml:2:11: name: expected a string, not a list"},
    {"tasks:\n  - name:\n    run: x\n", "t.yaml:2:10: name: expected a string, not nothing (null)"},
    {"tasks:\n  - name: a\n    run: {x: 1}\n", "t.yaml:3:10: run: expected a string, not a mapping"},
    {"tasks:\n  - name: ''\n    run: x\n", "t.yaml:2:11: name: a task name must not be empty"},
    {"tasks:\n  - name: \"a\\nb\"\n    run: x\n",
     "t.yaml:2:11: name: \"a\nb\" holds a control character (a newline?)"},
    {"tasks:\n  - {name: a, run: x}\n  - {name: a, run: y}\n",
     "t.yaml:3:5: duplicate task name \"a\" (first at line 2 column 5)"},
    /* cmd */
    {"tasks:\n  - {name: a, cmd: ls -l}\n",
     "t.yaml:2:20: cmd: expected a list (program and arguments), not a string; use run: for a "
     "shell string"},
    {"tasks:\n  - {name: a, cmd: []}\n",
     "t.yaml:2:20: cmd: the list is empty; it needs at least a program"},
    {"tasks:\n  - {name: a, cmd: ['', x]}\n", "t.yaml:2:21: cmd: the program (the first item) is empty"},
    {"tasks:\n  - {name: a, cmd: [x, [y]]}\n", "t.yaml:2:24: cmd: expected a string, not a list"},
    /* lists and paths */
    {"tasks:\n  - {name: a, run: x, inputs: {a: b}}\n",
     "t.yaml:2:31: inputs: expected a list of strings, not a mapping"},
    {"tasks:\n  - {name: a, run: x, outputs: [ok, '']}\n",
     "t.yaml:2:37: outputs: an empty string is neither a path nor a task name"},
    {"tasks:\n  - {name: a, run: x, after: [~]}\n",
     "t.yaml:2:31: after: expected a string, not nothing (null)"},
    {"tasks:\n  - {name: a, run: x, dir: ''}\n",
     "t.yaml:2:28: dir: must not be empty (leave it out for the workflow's directory)"},
    /* numbers */
    {"tasks:\n  - {name: a, run: x, cores: 0}\n",
     "t.yaml:2:30: cores: expected an integer >= 1, not \"0\""},
    {"tasks:\n  - {name: a, run: x, cores: 1.5}\n",
     "t.yaml:2:30: cores: expected an integer >= 1, not \"1.5\""},
    {"tasks:\n  - {name: a, run: x, retries: -1}\n",
     "t.yaml:2:32: retries: expected an integer >= 0, not \"-1\""},
    {"tasks:\n  - {name: a, run: x, retries: [1]}\n",
     "t.yaml:2:32: retries: expected an integer >= 0, not a list"},
    {"tasks:\n  - {name: a, run: x, cores: 4294967296}\n",
     "t.yaml:2:30: cores: expected an integer >= 1, not \"4294967296\""},
    {"tasks:\n  - {name: a, run: x, memory: 12Q}\n",
     "t.yaml:2:31: memory: expected a size in bytes such as 1048576, 512M or 2GiB, not \"12Q\""},
    {"tasks:\n  - {name: a, run: x, timeout: 10 minutes}\n",
     "t.yaml:2:32: timeout: expected a duration such as 30, 1.5s, 500ms, 10m or 1h30m, not "
     "\"10 minutes\""},
    {"tasks:\n  - {name: a, run: x, retry_delay: -1s}\n",
     "t.yaml:2:36: retry_delay: expected a duration such as 30, 1.5s, 500ms, 10m or 1h30m, not "
     "\"-1s\""},
    {"tasks:\n  - {name: a, run: x, estimate: {}}\n",
     "t.yaml:2:33: estimate: expected a duration such as 30, 1.5s, 500ms, 10m or 1h30m, not a "
     "mapping"},
    /* env */
    {"tasks:\n  - {name: a, run: x, env: [A=1]}\n",
     "t.yaml:2:28: env: expected a mapping of variable names to values, not a list"},
    {"tasks:\n  - {name: a, run: x, env: {A=B: 1}}\n",
     "t.yaml:2:29: env: \"A=B\" is not a variable name (empty, or holds '=')"},
    {"tasks:\n  - {name: a, run: x, env: {A: 1, A: 2}}\n",
     "t.yaml:2:35: env: variable A is set twice (first at line 2 column 29)"},
    {"tasks:\n  - {name: a, run: x, env: {A: [1]}}\n",
     "t.yaml:2:32: env: the value of A must be a string, not a list"},
    /* for */
    {"tasks:\n  - {name: a, run: x, for: [1, 2]}\n",
     "t.yaml:2:28: for: expected a mapping of parameter names to lists or ranges, not a list"},
    {"tasks:\n  - {name: a, run: x, for: {}}\n",
     "t.yaml:2:28: for: a task array needs at least one parameter"},
    {"tasks:\n  - {name: 'a{i}', run: x, for: {i: []}}\n", "t.yaml:2:37: for: the list of i is empty"},
    {"tasks:\n  - {name: 'a{i}', run: x, for: {i: 3}}\n",
     "t.yaml:2:37: for: i takes a list of values or a range {from, to, step}, not a string"},
    {"tasks:\n  - {name: 'a{1i}', run: x, for: {1i: [a]}}\n",
     "t.yaml:2:35: for: parameter names are identifiers (letters, digits, _), not \"1i\""},
    {"tasks:\n  - {name: 'a{i}', run: x, for: {i: [a], i: [b]}}\n",
     "t.yaml:2:42: for: parameter i is given twice"},
    {"tasks:\n  - {name: 'a{i}', run: x, for: {i: {from: 1}}}\n",
     "t.yaml:2:37: for: the range of i needs both from: and to:"},
    {"tasks:\n  - {name: 'a{i}', run: x, for: {i: {from: 1, to: 5, step: 0}}}\n",
     "t.yaml:2:60: for: a range's step must not be 0"},
    {"tasks:\n  - {name: 'a{i}', run: x, for: {i: {from: 1, to: 5, step: -1}}}\n",
     "t.yaml:2:60: for: the range of i from 1 to 5 by -1 is empty"},
    {"tasks:\n  - {name: 'a{i}', run: x, for: {i: {from: 1, to: x}}}\n",
     "t.yaml:2:51: for: range bounds and steps are integers, not \"x\""},
    {"tasks:\n  - {name: 'a{i}', run: x, for: {i: {from: 1, to: 2, by: 1}}}\n",
     "t.yaml:2:54: for: a range has the keys from, to and step, not \"by\""},
    {"tasks:\n  - {name: 'a{i}', run: x, for: {i: {from: 1, from: 2}}}\n",
     "t.yaml:2:47: for: from is given twice"},
    {"tasks:\n  - {name: a, run: x, for: {i: [1, 2]}}\n",
     "t.yaml:2:12: name: a task array's name must use each of its parameters, or its tasks "
     "share names; add {i}"},
    {"tasks:\n  - {name: 'a-{{i}}', run: x, for: {i: [1, 2]}}\n",
     "t.yaml:2:12: name: a task array's name must use each of its parameters, or its tasks "
     "share names; add {i}"},
    {"tasks:\n  - {name: 'a-{i}', run: x, for: {i: [1, '1']}}\n",
     "t.yaml:2:5: task array gives the name \"a-1\" to two tasks: two combinations of its "
     "parameters print the same"},
    {"tasks:\n  - {name: 'a-{i}', run: x, for: {i: [1, 2]}}\n  - {name: a-2, run: y}\n",
     "t.yaml:3:5: duplicate task name \"a-2\" (first at line 2 column 5)"},
    {"tasks:\n  - {name: 'a-{i}', run: x, for: {i: ['', b]}, cmd: ['{i}']}\n",
     "t.yaml:2:48: a task has either cmd (a list) or run (a shell string), not both"},
    {"tasks:\n  - {name: 'a-{i}', for: {i: ['', b]}, cmd: ['{i}']}\n",
     "t.yaml:2:46: cmd: the program (the first item) is empty"},
    {"tasks:\n  - {name: 'a-{i}', run: x, for: {i: ['', b]}, dir: '{i}'}\n",
     "t.yaml:2:53: dir: empty after its placeholders are replaced"},
    {"tasks:\n  - {name: 'a-{i}', run: x, for: {i: ['', b]}, inputs: ['{i}']}\n",
     "t.yaml:2:57: inputs: an empty string is neither a path nor a task name"},
    {"tasks:\n  - {name: '{i}', run: x, for: {i: ['', b]}}\n",
     "t.yaml:2:12: name: a task name must not be empty"},
    {"tasks:\n  - name: 'a{i}'\n    run: x\n    for: {i: {from: 1, to: 20000000}}\n",
     "t.yaml:2:5: the workflow expands to more than 10000000 tasks"},
    {"tasks:\n  - name: 'a{i}{j}'\n    run: x\n    for: {i: {from: 1, to: 10000}, j: {from: 1, "
     "to: 10000}}\n",
     "t.yaml:2:5: the workflow expands to more than 10000000 tasks"},
    {"tasks:\n  - name: 'a{i}'\n    run: x\n    for: {i: {from: -9223372036854775808, to: "
     "9223372036854775807}}\n",
     "t.yaml:2:5: the workflow expands to more than 10000000 tasks"},
    /* defaults */
    {"defaults: {name: x}\ntasks: []\n",
     "t.yaml:1:12: defaults cannot set name: it belongs to each task"},
    {"defaults: {for: {i: [1]}}\ntasks: []\n",
     "t.yaml:1:12: defaults cannot set for: it belongs to each task"},
    {"defaults: [1]\ntasks: []\n", "t.yaml:1:11: defaults must be a mapping (key: value), not a list"},
    {"defaults: {run: x, cmd: [y]}\ntasks: []\n",
     "t.yaml:1:20: defaults has either cmd (a list) or run (a shell string), not both"},
    {"defaults: {cores: x}\ntasks: []\n", "t.yaml:1:19: cores: expected an integer >= 1, not \"x\""},
};

static char *load_error(const char *yaml, char *err)
{
    wf *w = NULL;
    CHECK_EQ(wf_load_buffer(yaml, strlen(yaml), "t.yaml", "/base", &w, err), -1);
    CHECK(w == NULL);
    return err;
}

/* Aliases make the tree a DAG: 300 aliases of a task with 1000 inputs are 300k visits,
 * which the (lowered) work limit stops. */
static void test_alias_bomb(void)
{
    wf_limits saved = wf__limits;
    wf__limits.max_work = 100000;
    size_t cap = 64 * 1024, off = 0;
    char *y = malloc(cap), err[WF_ERR_LEN];
    CHECK(y != NULL);
    off += (size_t)snprintf(y + off, cap - off, "tasks:\n  - &t\n    name: a\n    run: x\n    inputs: [");
    for (int i = 0; i < 1000; i++) off += (size_t)snprintf(y + off, cap - off, "f,");
    off += (size_t)snprintf(y + off, cap - off, "f]\n");
    for (int i = 0; i < 300; i++) off += (size_t)snprintf(y + off, cap - off, "  - *t\n");
    CHECK_LT(off, cap - 1);
    load_error(y, err);
    CHECK(strstr(err, ": the workflow takes more than 100000 steps to read: do aliases "
                      "multiply it (a \"billion laughs\" file)?") != NULL);
    free(y);
    wf__limits = saved;
}

/* The arena's byte limit turns an expansion too big for memory into an error. */
static void test_memory_limit(void)
{
    wf_limits saved = wf__limits;
    wf__limits.max_bytes = 4 << 20;
    char err[WF_ERR_LEN];
    load_error("tasks:\n  - name: 'a-{i}-with-a-rather-long-name-to-fill-the-arena'\n"
               "    for: {i: {from: 1, to: 200000}}\n    run: x\n",
               err);
    CHECK(strstr(err, "t.yaml") == err);
    CHECK(strstr(err, "the workflow is too large") != NULL);
    wf__limits = saved;
}

int main(void)
{
    int failed = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[WF_ERR_LEN] = "";
        wf *w = NULL;
        int rc = wf_load_buffer(cases[i].yaml, strlen(cases[i].yaml), "t.yaml", "/base", &w, err);
        if (rc == 0) {
            fprintf(stderr, "case %zu loaded, expected: %s\n", i, cases[i].message);
            wf_free(w);
            failed++;
        } else if (w != NULL || strcmp(err, cases[i].message) != 0) {
            fprintf(stderr, "case %zu:\n  got:      %s\n  expected: %s\n", i, err,
                    cases[i].message);
            failed++;
        }
    }
    test_alias_bomb();
    test_memory_limit();
    CHECK_EQ(failed, 0);
    printf("test_wf_errors: %zu cases ok\n", sizeof cases / sizeof cases[0]);
    return 0;
}
