/* bench/process.c — running one sample: one process of a system binary (see harness.c),
 * its output parsed into the configuration's samples and answer. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "driver.h"

/* Run `path argv...` with the worker count and `env` (NAME=VALUE strings, NULL-ended;
 * may be NULL) in the environment; its stdout goes into *out (malloc'd). Returns its exit
 * status, or -1 if it could not run or timed out. */
static int run_child(const char *path, char **argv, int workers, char *const *env, char **out)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        char w[16];
        snprintf(w, sizeof w, "%d", workers);
        setenv("OMP_NUM_THREADS", w, 1);
        setenv("PEL_NUM_WORKERS", w, 1);
        for (int i = 0; env && env[i]; i++)
            putenv(env[i]);
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execv(path, argv);
        perror(path);
        _exit(127);
    }
    close(fds[1]);
    size_t len = 0, cap = 4096;
    char *buf = xrealloc(NULL, cap);
    double deadline = now_s() + CHILD_TIMEOUT_S;
    int timed_out = 0;
    for (;;) {
        struct pollfd pfd = {fds[0], POLLIN, 0};
        int left_ms = (int)((deadline - now_s()) * 1000);
        if (left_ms <= 0) {
            timed_out = 1;
            break;
        }
        int r = poll(&pfd, 1, left_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            timed_out = 1;
            break;
        }
        if (len + 1024 > cap)
            buf = xrealloc(buf, cap *= 2);
        ssize_t got = read(fds[0], buf + len, cap - len - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    buf[len] = '\0';
    close(fds[0]);
    if (timed_out)
        kill(pid, SIGKILL);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    *out = buf;
    if (timed_out) {
        fail("%s timed out after %d s", path, CHILD_TIMEOUT_S);
        return -1;
    }
    if (WIFSIGNALED(status)) {
        fail("%s %s killed by signal %d", path, argv[1], WTERMSIG(status));
        return -1;
    }
    return WEXITSTATUS(status);
}

static void add_sample(config *c, double v)
{
    if (c->nsamples == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->samples = xrealloc(c->samples, (size_t)c->cap * sizeof *c->samples);
    }
    c->samples[c->nsamples++] = v;
}

/* Take one process's output into `c`: its samples and its answer. */
static void take_output(config *c, const bench_def *b, char *text)
{
    char *lsave = NULL;
    for (char *line = strtok_r(text, "\n", &lsave); line; line = strtok_r(NULL, "\n", &lsave)) {
        if (strncmp(line, "t=", 2) == 0) {
            add_sample(c, atof(line + 2));
            continue;
        }
        if (strncmp(line, "trace ", 6) == 0) { /* the trace file's facts (trace_bench.h) */
            sscanf(line, "trace bytes=%ld events=%ld task_slices=%ld inlined=%ld dropped=%ld "
                         "write_s=%lf", &c->trace_bytes, &c->trace_events, &c->trace_slices,
                   &c->trace_inlined, &c->trace_dropped, &c->trace_write_s);
            c->have_trace = 1;
            continue;
        }
        if (strncmp(line, "check", 5) != 0)
            continue;
        char *save = NULL;
        for (char *tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
            char *eq = strchr(tok, '=');
            if (eq == NULL)
                continue;
            *eq = '\0';
            const char *val = eq + 1;
            if (strcmp(tok, "check") == 0 || strcmp(tok, "checkf") == 0) {
                if (c->have_check && strcmp(c->check, val) != 0 && !b->float_check) {
                    fail("%s: %s on %d workers gave %s, then %s", b->name, c->system, c->workers,
                         c->check, val);
                    c->failed = 1;
                }
                snprintf(c->check, sizeof c->check, "%s", val);
                c->have_check = 1;
            } else if (strcmp(tok, "tasks") == 0) {
                c->tasks = atol(val);
            } else if (strcmp(tok, "wall") == 0) {
                c->wall = atof(val);
            }
        }
    }
}

/* Run one sample of configuration `c` of benchmark `b` and take its output. */
void run_once(config *c, const bench_def *b, const options *o)
{
    if (o->wait_idle > 0 && wait_for_quiet(o->wait_idle))
        c->busy_samples++;
    char path[4096];
    binary_path(b, o, c->system, path, sizeof path);
    char args[256];
    snprintf(args, sizeof args, "%s", o->quick ? b->quick_args : b->full_args);
    char workers[16];
    snprintf(workers, sizeof workers, "%d", c->workers);
    char *argv[16] = {path, (char *)b->name, workers};
    int argc = 3;
    char *save = NULL;
    for (char *tok = strtok_r(args, " ", &save); tok && argc < 15; tok = strtok_r(NULL, " ", &save))
        argv[argc++] = tok;
    argv[argc] = NULL;
    /* The trace group: the variant, and a trace file written by the first traced sample
     * (to memory, /dev/shm, where there is one: no disk writes behind later samples). */
    char trace_env[64], write_env[64];
    char *env[3] = {NULL, NULL, NULL};
    if (trace_group(b)) {
        const char *variant = trace_variant(c->system);
        snprintf(trace_env, sizeof trace_env, "PEL_BENCH_TRACE=%s", variant);
        env[0] = trace_env;
        if (strcmp(variant, "off") != 0 && !c->have_trace) {
            const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
            snprintf(write_env, sizeof write_env, "PEL_BENCH_TRACE_WRITE=%s",
                     dir && *dir && strlen(dir) < 40 ? dir : "/tmp");
            env[1] = write_env;
        }
    }
    char *out = NULL;
    int rc = run_child(path, argv, c->workers, env, &out);
    if (rc == 0) {
        take_output(c, b, out);
    } else {
        if (rc == 3)
            fail("%s does not implement %s", c->system, b->name);
        else if (rc > 0)
            fail("%s %s on %d workers exited with status %d", c->system, b->name, c->workers, rc);
        c->failed = 1;
    }
    free(out);
}
