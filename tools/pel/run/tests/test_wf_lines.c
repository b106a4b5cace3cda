/* test_wf_lines — `pel run --lines`: one task per command line, comments and blank
 * lines skipped, names after line numbers, the current directory as base. */
#include <limits.h>
#include <unistd.h>

#include "check.h"
#include "wf.h"

int main(void)
{
    char path[] = "/tmp/test_wf_lines.XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char *text = "echo one\n"
                       "\n"
                       "   # a comment\n"
                       "#another\n"
                       "  echo 'two  words' | wc -c\r\n"
                       "   \t \n"
                       "last-without-newline {x}";
    CHECK_EQ(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    CHECK_EQ(close(fd), 0);
    char err[WF_ERR_LEN], cwd[PATH_MAX];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    wf *w = NULL;
    CHECK_EQ(wf_load_lines(path, &w, err), 0);
    CHECK_EQ(w->n_tasks, 3);
    CHECK_STREQ(w->path, path);
    CHECK_STREQ(w->base_dir, cwd);
    CHECK_STREQ(w->tasks[0].name, "line-1");
    CHECK_STREQ(w->tasks[0].shell, "echo one");
    CHECK_STREQ(w->tasks[1].name, "line-5");
    CHECK_STREQ(w->tasks[1].shell, "  echo 'two  words' | wc -c");
    CHECK_STREQ(w->tasks[2].name, "line-7");
    CHECK_STREQ(w->tasks[2].shell, "last-without-newline {x}");
    for (uint32_t i = 0; i < 3; i++) {
        const wf_task *t = &w->tasks[i];
        CHECK(t->argv == NULL && t->env == NULL);
        CHECK_STREQ(t->dir, cwd);
        CHECK_EQ(t->cores, 1);
        CHECK_EQ(t->n_inputs + t->n_outputs + t->n_after, 0);
        CHECK(t->estimate < 0 && t->retry_delay == 1);
    }
    CHECK_EQ(w->tasks[1].line, 5);
    CHECK_EQ(wf_graph_build(w, err), 0);
    CHECK_EQ(w->topo[0], 0);
    CHECK_EQ(w->topo[2], 2);
    CHECK_EQ(w->tasks[2].n_deps, 0);
    wf_free(w);

    /* Only comments: no tasks, not an error. */
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    fputs("# nothing\n\n", f);
    CHECK_EQ(fclose(f), 0);
    CHECK_EQ(wf_load_lines(path, &w, err), 0);
    CHECK_EQ(w->n_tasks, 0);
    wf_free(w);

    /* A NUL byte cannot be passed to a shell. */
    f = fopen(path, "w");
    CHECK(f != NULL);
    fwrite("ok\nab\0c\n", 1, 8, f);
    CHECK_EQ(fclose(f), 0);
    CHECK_EQ(wf_load_lines(path, &w, err), -1);
    CHECK(w == NULL);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "%s:2:3: a NUL character in a command", path);
    CHECK_STREQ(err, want);

    CHECK_EQ(unlink(path), 0);
    CHECK_EQ(wf_load_lines(path, &w, err), -1);
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
    CHECK_STREQ(err, want);
    puts("test_wf_lines: ok");
    return 0;
}
