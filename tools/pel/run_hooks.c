/* run_hooks.c — the work `pel run` does around each task (run_hooks.h). */
#include "run_hooks.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "run/exec_log.h"
#include "run/fingerprint.h"

#define TAIL_LINES 10

int run_ctx_init(run_ctx *c, const wf *w, const plan *p, journal *j, const char *log_dir)
{
    memset(c, 0, sizeof *c);
    c->w = w;
    c->p = p;
    c->j = j;
    c->log_dir = log_dir;
    c->show_tail = 1;
    c->in_fp = calloc(w->n_tasks ? w->n_tasks : 1, sizeof *c->in_fp);
    c->out_fp = calloc(w->n_tasks ? w->n_tasks : 1, sizeof *c->out_fp);
    return c->in_fp && c->out_fp ? 0 : -1;
}

void run_ctx_free(run_ctx *c)
{
    for (uint32_t i = 0; c->in_fp && c->out_fp && i < c->w->n_tasks; i++) {
        free(c->in_fp[i]);
        free(c->out_fp[i]);
    }
    free(c->in_fp);
    free(c->out_fp);
}

/* mkdir -p of the directory holding `path`. */
static int make_parent_dirs(const char *path)
{
    char buf[PATH_MAX];
    size_t n = strlen(path);
    if (n >= sizeof buf)
        return errno = ENAMETOOLONG, -1;
    memcpy(buf, path, n + 1);
    char *slash = strrchr(buf, '/');
    if (slash == NULL || slash == buf)
        return 0;
    *slash = '\0';
    return mkdir_p(buf);
}

/* An output left by an earlier, untrusted attempt is removed before the task runs again,
 * so a task that fails to rewrite it can never pass it off as new. */
static int remove_stale_output(const char *path, char message[256])
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : (snprintf(message, 256, "cannot check output %s: %s", path,
                                               strerror(errno)), -1);
    if (S_ISDIR(st.st_mode)) {
        snprintf(message, 256, "output %s is a directory (outputs must be files)", path);
        return -1;
    }
    if (unlink(path) != 0) {
        snprintf(message, 256, "cannot remove stale output %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* The fingerprint this run already knows for input `path` of task t: the output
 * fingerprint of the dependency that made it, else the one journalled when t last ran. */
static const jr_fp *known_input_fp(run_ctx *c, uint32_t t, const char *path)
{
    const wf_task *task = &c->w->tasks[t];
    for (uint32_t d = 0; d < task->n_deps; d++) {
        uint32_t u = task->deps[d];
        const wf_task *up = &c->w->tasks[u];
        for (uint32_t k = 0; k < up->n_outputs && c->out_fp[u]; k++)
            if (strcmp(up->outputs[k], path) == 0)
                return &c->out_fp[u][k];
    }
    const jr_task *old = journal_find(c->j, task->name);
    for (uint32_t k = 0; old && k < old->n_inputs; k++)
        if (strcmp(old->input_paths[k], path) == 0)
            return &old->inputs[k];
    return NULL;
}

static int before_attempt(void *ctx, uint32_t t, uint32_t attempt, char message[256])
{
    run_ctx *c = ctx;
    const wf_task *task = &c->w->tasks[t];
    (void)attempt;
    if (c->journal_failed) {
        snprintf(message, 256, "not started: the journal cannot be written");
        return -1;
    }
    for (uint32_t k = 0; k < task->n_outputs; k++) {
        if (remove_stale_output(task->outputs[k], message) != 0)
            return -1;
        if (make_parent_dirs(task->outputs[k]) != 0) {
            snprintf(message, 256, "cannot create the directory of output %s: %s",
                     task->outputs[k], strerror(errno));
            return -1;
        }
    }
    if (task->n_inputs > 0) {
        if (c->in_fp[t] == NULL && (c->in_fp[t] = calloc(task->n_inputs, sizeof(jr_fp))) == NULL) {
            snprintf(message, 256, "out of memory");
            return -1;
        }
        for (uint32_t k = 0; k < task->n_inputs; k++) {
            const char *path = task->inputs[k];
            if (fp_file(path, known_input_fp(c, t, path), &c->in_fp[t][k]) != 0) {
                snprintf(message, 256, "cannot read input %s: %s", path, strerror(errno));
                return -1;
            }
            if (!c->in_fp[t][k].exists) {
                snprintf(message, 256, "input %s does not exist", path);
                return -1;
            }
        }
    }
    if (journal_start(c->j, task->name, c->p->items[t].cmd_hash) != 0) {
        c->journal_failed = 1;
        snprintf(message, 256, "cannot write the journal: %s", strerror(errno));
        pel_error("cannot write the journal: %s; starting no more tasks", strerror(errno));
        return -1;
    }
    return 0;
}

static int after_success(void *ctx, uint32_t t, const exec_result *r, char message[256])
{
    run_ctx *c = ctx;
    const wf_task *task = &c->w->tasks[t];
    (void)r;
    if (task->n_outputs == 0)
        return 0;
    if (c->out_fp[t] == NULL && (c->out_fp[t] = calloc(task->n_outputs, sizeof(jr_fp))) == NULL) {
        snprintf(message, 256, "out of memory");
        return -1;
    }
    for (uint32_t k = 0; k < task->n_outputs; k++) {
        const char *path = task->outputs[k];
        if (fp_file(path, NULL, &c->out_fp[t][k]) != 0) {
            snprintf(message, 256, "cannot read output %s: %s", path, strerror(errno));
            return -1;
        }
        if (!c->out_fp[t][k].exists) {
            snprintf(message, 256, "exited 0 but did not write its output %s", path);
            return -1;
        }
    }
    return 0;
}

static void task_done(void *ctx, uint32_t t, const exec_result *r)
{
    run_ctx *c = ctx;
    const wf_task *task = &c->w->tasks[t];
    if (r->outcome == EXEC_INTERRUPTED)
        return; /* no end record: the next run sees it as interrupted and re-runs it */
    int ok = r->outcome == EXEC_OK;
    int code = r->outcome == EXEC_SIGNAL ? -r->code : r->code;
    if (!c->journal_failed &&
        journal_end(c->j, task->name, c->p->items[t].cmd_hash, ok, code, r->duration,
                    ok ? task->n_inputs : 0, task->inputs, c->in_fp[t],
                    ok ? task->n_outputs : 0, task->outputs, c->out_fp[t]) != 0) {
        c->journal_failed = 1;
        pel_error("cannot write the journal: %s; starting no more tasks", strerror(errno));
    }
    if (!ok && c->show_tail && r->outcome != EXEC_SPAWN_ERROR && r->outcome != EXEC_NOT_FOUND) {
        char path[PATH_MAX];
        exec_log_path(c->log_dir, task->name, path);
        fprintf(stderr, "pel: task %s failed: %s; last lines of %s:\n", task->name, r->message,
                path);
        exec_log_tail(path, TAIL_LINES, stderr);
    } else if (!ok) {
        fprintf(stderr, "pel: task %s failed: %s\n", task->name, r->message);
    }
}

exec_hooks run_hooks(run_ctx *c)
{
    exec_hooks h = {c, before_attempt, after_success, task_done};
    return h;
}
