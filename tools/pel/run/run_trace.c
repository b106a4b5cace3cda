/* run_trace.c — a Chrome trace of a run (chrome://tracing, Perfetto): one complete ("X")
 * event per attempt on the lane of the lowest slot it held, and metadata naming the
 * process and the lanes. Attempts are recorded in memory (a growing array, so no
 * allocation per task in the common case) and written at the end through a temporary
 * file renamed into place, so a reader never sees half a trace. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec_internal.h"
#include "exec_log.h"

typedef struct attempt_rec {
    uint32_t task, attempt, slot;
    exec_outcome outcome;
    int code;
    double start, duration;
} attempt_rec;

struct exec_trace {
    attempt_rec *v;
    size_t n, cap;
};

exec_trace *exec__trace_create(void)
{
    return calloc(1, sizeof(exec_trace));
}

void exec__trace_destroy(exec_trace *tr)
{
    if (tr)
        free(tr->v);
    free(tr);
}

int exec__trace_add(exec_trace *tr, uint32_t task, const exec_result *r)
{
    if (tr->n == tr->cap) {
        size_t cap = tr->cap ? 2 * tr->cap : 256;
        attempt_rec *v = realloc(tr->v, cap * sizeof *v);
        if (!v)
            return -1;
        tr->v = v;
        tr->cap = cap;
    }
    tr->v[tr->n++] = (attempt_rec){task, r->attempt, r->slot, r->outcome, r->code, r->start,
                                   r->duration};
    return 0;
}

/* s as a JSON string body: quotes, backslashes and control characters escaped; other
 * bytes (UTF-8 included) as they are. */
static void json_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
}

static void json_command(FILE *f, const wf_task *t)
{
    if (t->shell) {
        json_text(f, t->shell);
        return;
    }
    for (const char *const *a = t->argv; *a; a++) {
        if (a != t->argv)
            fputc(' ', f);
        json_text(f, *a);
    }
}

static void write_events(FILE *f, const exec_trace *tr, const wf *w, uint32_t slots)
{
    fputs("{\"traceEvents\":[\n{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,"
          "\"args\":{\"name\":\"pel run\"}}",
          f);
    for (uint32_t s = 0; s < slots; s++)
        fprintf(f,
                ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%u,"
                "\"args\":{\"name\":\"slot %u\"}}",
                s, s);
    /* A task's last attempt carries its id (task index + 1) and its dependencies' ids,
     * as the library's dataflow slices do, so `pel trace report` finds the real critical
     * path; earlier attempts are plain slices. */
    size_t *last = calloc(w->n_tasks ? w->n_tasks : 1, sizeof *last);
    for (size_t i = 0; last && i < tr->n; i++)
        last[tr->v[i].task] = i + 1;
    for (size_t i = 0; i < tr->n; i++) {
        const attempt_rec *a = &tr->v[i];
        const wf_task *t = &w->tasks[a->task];
        fputs(",\n{\"name\":\"", f);
        json_text(f, t->name);
        fprintf(f,
                "\",\"cat\":\"task\",\"ph\":\"X\",\"pid\":1,\"tid\":%u,\"ts\":%.0f,"
                "\"dur\":%.0f,\"args\":{\"attempt\":%u,\"outcome\":\"%s\",\"exit_code\":%d,",
                a->slot, a->start * 1e6, a->duration * 1e6, a->attempt,
                exec_outcome_name(a->outcome), a->code);
        if (last && last[a->task] == i + 1) {
            fprintf(f, "\"kind\":\"flow\",\"status\":\"%s\",\"id\":%u,\"deps\":[",
                    a->outcome == EXEC_OK ? "ok" : "failed", a->task + 1);
            for (uint32_t d = 0; d < t->n_deps; d++)
                fprintf(f, "%s%u", d ? "," : "", t->deps[d] + 1);
            fputs("],", f);
        }
        fputs("\"command\":\"", f);
        json_command(f, t);
        fputs("\"}}", f);
    }
    free(last);
    fputs("\n]}\n", f);
}

int exec__trace_write(const exec_trace *tr, const wf *w, uint32_t slots, const char *path)
{
    size_t len = strlen(path) + 32;
    char *tmp = malloc(len);
    if (!tmp)
        return -1;
    snprintf(tmp, len, "%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "we");
    if (!f) {
        int err = errno;
        free(tmp);
        errno = err;
        return -1;
    }
    write_events(f, tr, w, slots);
    int bad = ferror(f);
    int err = bad ? EIO : 0;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        err = errno;
    }
    if (!bad && rename(tmp, path) != 0) {
        bad = 1;
        err = errno;
    }
    if (bad)
        unlink(tmp);
    free(tmp);
    errno = err;
    return bad ? -1 : 0;
}
