/* wf_lines.c — `pel run --lines`: each line a shell command, all independent. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wf_internal.h"

static int is_command(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t')) i++;
    return i < len && s[i] != '#';
}

static int fill(wf *w, const char *data, size_t len, const char *file, char *err)
{
    uint64_t count = 0;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(data + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - data) : len;
        count += (uint64_t)is_command(data + i, end - i);
        i = end + 1;
    }
    if (count > wf__limits.max_tasks) {
        wf__errf(err, file, 0, 0, "more than %llu commands",
                 (unsigned long long)wf__limits.max_tasks);
        return -1;
    }
    w->tasks = wf_arena_zalloc(w->arena, (count ? count : 1) * sizeof *w->tasks);
    if (!w->tasks) goto oom;
    uint32_t line = 0;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(data + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - data) : len;
        size_t n = end - i;
        line++;
        if (n > 0 && data[i + n - 1] == '\r') n--;
        if (is_command(data + i, n)) {
            if (memchr(data + i, '\0', n)) {
                wf__errf(err, file, line, (uint32_t)((const char *)memchr(data + i, '\0', n) -
                                                     (data + i)) + 1,
                         "a NUL character in a command");
                return -1;
            }
            wf_task *t = &w->tasks[w->n_tasks++];
            char name[32];
            int nlen = snprintf(name, sizeof name, "line-%u", line);
            t->name = wf_arena_strndup(w->arena, name, (size_t)nlen);
            t->shell = wf_arena_strndup(w->arena, data + i, n);
            if (!t->name || !t->shell) goto oom;
            t->dir = w->base_dir;
            t->cores = 1;
            t->retry_delay = 1;
            t->estimate = -1;
            t->line = line;
            t->column = 1;
        }
        i = end + 1;
    }
    return 0;
oom:
    wf__errf(err, file, 0, 0, "out of memory");
    return -1;
}

int wf_load_lines(const char *path, wf **out, char err[WF_ERR_LEN])
{
    char base[PATH_MAX];
    size_t len = 0;
    *out = NULL;
    err[0] = '\0';
    const char *file = wf__display_name(path);
    char *data = wf__read_input(path, &len, base, err);
    if (!data) return -1;
    /* Commands run where pel runs, not where the list lives. */
    if (!getcwd(base, sizeof base)) {
        wf__errf(err, file, 0, 0, "cannot get the current directory");
        free(data);
        return -1;
    }
    wf *w = wf__new(path, base);
    int rc = -1;
    if (!w) wf__errf(err, file, 0, 0, "out of memory");
    else rc = fill(w, data, len, file, err);
    free(data);
    if (rc != 0) {
        wf_free(w);
        return -1;
    }
    *out = w;
    return 0;
}
