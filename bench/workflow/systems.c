/* bench/workflow/systems.c — the systems of the workflow group: which of them this
 * machine has (xargs, GNU parallel, make, ninja, the spawn floor, a pel with `pel run`),
 * and the command each one runs in each case (see README.md, "Workflow runner"). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "workflow.h"

extern char **environ;

/* ---- the tools ----------------------------------------------------------------------- */

/* Run argv quietly (no stdin, stdout or stderr); its exit status, or -1. */
static int run_quiet(char *const argv[])
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The first line `TOOL --version` prints, or "" if it does not run. */
static void first_line(const char *tool, char *out, size_t size)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "%s --version 2>/dev/null </dev/null", tool);
    out[0] = '\0';
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return;
    if (fgets(out, (int)size, p) == NULL)
        out[0] = '\0';
    out[strcspn(out, "\n")] = '\0';
    pclose(p);
}

/* Where PATH finds program; 0, or -1 when it does not. */
static int find_program(const char *program, char *out, size_t size)
{
    const char *path = getenv("PATH");
    char *copy = strdup(path && *path ? path : "/usr/bin:/bin"), *save = NULL;
    int found = -1;
    for (char *d = strtok_r(copy, ":", &save); d && found; d = strtok_r(NULL, ":", &save)) {
        snprintf(out, size, "%s/%s", d, program);
        found = access(out, X_OK) == 0 ? 0 : -1;
    }
    free(copy);
    return found;
}


void wf_find_tools(wf_tools *t, const wf_options *o)
{
    char path[1024], version[512], line[256];
    t->xargs = find_program("xargs", path, sizeof path) == 0;
    t->make = find_program("make", path, sizeof path) == 0;
    t->ninja = find_program("ninja", path, sizeof path) == 0;
    first_line("parallel", version, sizeof version); /* moreutils has a parallel too */
    t->parallel = strstr(version, "GNU parallel") != NULL;
    if (find_program("true", t->true_path, sizeof t->true_path) != 0)
        snprintf(t->true_path, sizeof t->true_path, "/bin/true");
    if (find_program("sleep", t->sleep_path, sizeof t->sleep_path) != 0)
        snprintf(t->sleep_path, sizeof t->sleep_path, "/bin/sleep");
    snprintf(t->floor_path, sizeof t->floor_path, "%s/bench-workflow-spawn-floor", o->bindir);
    t->floor = access(t->floor_path, X_OK) == 0;
    t->pel = 0;
    if (o->pel == NULL || access(o->pel, X_OK) != 0) {
        snprintf(t->pel_why, sizeof t->pel_why, "%s was not built", o->pel ? o->pel : "pel");
    } else {
        char *argv[] = {(char *)o->pel, "run", "--help", NULL};
        int rc = run_quiet(argv);
        t->pel = rc == 0;
        snprintf(t->pel_why, sizeof t->pel_why, "`%s run --help` exited with status %d", o->pel,
                 rc);
    }
    const char *names[] = {"xargs", "parallel", "make", "ninja"};
    fprintf(stderr, "bench: workflow: tools:");
    for (int i = 0; i < 4; i++) {
        first_line(names[i], line, sizeof line);
        if (line[0] == '\0')
            snprintf(version, sizeof version, "%s (not found)", names[i]);
        else if (strcasestr(line, names[i]) == NULL) /* ninja prints its version alone */
            snprintf(version, sizeof version, "%s %s", names[i], line);
        else
            snprintf(version, sizeof version, "%s", line);
        fprintf(stderr, "%s %s", i ? ";" : "", version);
        if (wf_md)
            fprintf(wf_md, "%s%s", i ? "; " : "Tools: ", version);
    }
    fprintf(stderr, "\n");
    if (wf_md)
        fprintf(wf_md, ".\n");
}

/* Whether system s can run; if not, says why (once per case). */
int wf_available(const wf_tools *t, const char *s, const char *bench)
{
    const char *missing = NULL;
    if (strcmp(s, "spawn_floor") == 0 && !t->floor)
        missing = "bench-workflow-spawn-floor was not built";
    else if (strcmp(s, "xargs") == 0 && !t->xargs)
        missing = "xargs is not installed (apt-get install findutils)";
    else if (strcmp(s, "parallel") == 0 && !t->parallel)
        missing = "GNU parallel is not installed (apt-get install parallel)";
    else if (strcmp(s, "make") == 0 && !t->make)
        missing = "make is not installed (apt-get install make)";
    else if (strcmp(s, "ninja") == 0 && !t->ninja)
        missing = "ninja is not installed (apt-get install ninja-build)";
    else if (strncmp(s, "pel-", 4) == 0 && !t->pel)
        missing = t->pel_why;
    else if (strcmp(s, "pel-yaml-shm") == 0 && !t->shm[0])
        missing = "no /dev/shm";
    if (missing)
        fprintf(stderr, "bench: %s: skipping %s (%s)\n", bench, s, missing);
    return missing == NULL;
}

/* ---- commands ---------------------------------------------------------------------- */

static void arg(wf_command *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void arg(wf_command *c, const char *fmt, ...)
{
    size_t used = 0;
    int n = 0;
    while (c->argv[n]) {
        used += strlen(c->argv[n]) + 1;
        n++;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->storage + used, sizeof c->storage - used, fmt, ap);
    va_end(ap);
    c->argv[n] = c->storage + used;
}

/* The command of system s in case c, whose inputs are in dir; pel's state in state. */
void wf_make_command(const wf_case *c, const char *s, const char *dir, const char *state,
                     const wf_tools *t, const wf_options *o, wf_command *cmd)
{
    memset(cmd, 0, sizeof *cmd);
    snprintf(cmd->dir, sizeof cmd->dir, "%s", dir);
    int dry = c->kind == WF_DRY_RUN, jobs = wf_case_jobs(c, o->quick);
    if (strcmp(s, "spawn_floor") == 0) {
        arg(cmd, "%s", t->floor_path);
        arg(cmd, "%d", jobs);
        arg(cmd, "%d", WF_SLOTS);
        if (c->sleep_s > 0) {
            arg(cmd, "%s", t->sleep_path);
            arg(cmd, "%g", c->sleep_s);
        } else {
            arg(cmd, "%s", t->true_path);
        }
    } else if (strcmp(s, "xargs") == 0) {
        arg(cmd, "xargs");
        arg(cmd, "-P");
        arg(cmd, "%d", WF_SLOTS);
        arg(cmd, "-n");
        arg(cmd, "1");
        arg(cmd, "-a");
        arg(cmd, "args.txt");
        arg(cmd, "%s", c->sleep_s > 0 ? "sleep" : "true");
    } else if (strcmp(s, "parallel") == 0) {
        arg(cmd, "parallel");
        arg(cmd, "-j");
        arg(cmd, "%d", WF_SLOTS);
        arg(cmd, "-a");
        arg(cmd, "jobs.txt");
    } else if (strcmp(s, "make") == 0) {
        arg(cmd, "make");
        arg(cmd, "-r");
        arg(cmd, "-j");
        arg(cmd, "%d", WF_SLOTS);
        if (dry)
            arg(cmd, "-n");
        arg(cmd, "-f");
        arg(cmd, "Makefile");
    } else if (strcmp(s, "ninja") == 0) {
        arg(cmd, "ninja");
        arg(cmd, "-j");
        arg(cmd, "%d", WF_SLOTS);
        if (dry)
            arg(cmd, "-n");
        arg(cmd, "-f");
        arg(cmd, "build.ninja");
        if (c->kind == WF_LEARNED) /* listed order: no durations from a run before */
            snprintf(cmd->ninja_log, sizeof cmd->ninja_log, "%s/.ninja_log", dir);
    } else { /* pel-lines pel-yaml pel-first pel-force pel-array pel-explicit */
        arg(cmd, "%s", o->pel);
        arg(cmd, "run");
        if (dry)
            arg(cmd, "--dry-run");
        arg(cmd, "-j");
        arg(cmd, "%d", WF_SLOTS);
        /* Dispatch, sleep and dag: every sample re-runs all tasks on the state the warm-up
         * left (--force), as a repeated run does: the journal reopened and compacted, the
         * log files rewritten in place. (A fresh state directory per sample would measure
         * ext4 creating 2000 log files right after the last sample's were deleted: the
         * allocator then skips the recently deleted inodes one by one, which doubled the
         * time of a run here.) Learned: the first run on a fresh state, the second
         * (--force) on what it learned. 100k: a dry run on a fresh state. */
        if (c->kind == WF_DISPATCH || c->kind == WF_DAG || strcmp(s, "pel-force") == 0)
            arg(cmd, "--force");
        arg(cmd, "--state-dir");
        arg(cmd, "%s", state);
        if (strcmp(s, "pel-lines") == 0) {
            arg(cmd, "--lines");
            arg(cmd, "jobs.txt");
        } else if (strcmp(s, "pel-array") == 0) {
            arg(cmd, "array.yaml");
        } else if (strcmp(s, "pel-explicit") == 0) {
            arg(cmd, "explicit.yaml");
        } else {
            arg(cmd, "workflow.yaml");
        }
        snprintf(cmd->state_dir, sizeof cmd->state_dir, "%s", state);
        cmd->clean_before = dry || strcmp(s, "pel-first") == 0;
        cmd->clean_after = dry;
    }
    if (dry)
        snprintf(cmd->stdout_path, sizeof cmd->stdout_path, "%s/%s.out", dir, s);
}

void wf_params(const wf_case *c, const wf_options *o, char *out, size_t size)
{
    int jobs = wf_case_jobs(c, o->quick);
    switch (c->kind) {
    case WF_DISPATCH:
        if (c->sleep_s > 0)
            snprintf(out, size, "%d jobs of sleep %g, %d slots", jobs, c->sleep_s, WF_SLOTS);
        else
            snprintf(out, size, "%d jobs of true, %d slots", jobs, WF_SLOTS);
        break;
    case WF_DAG:
        snprintf(out, size, "%d layers x %d tasks of true, each after 2 of the layer before, "
                            "%d slots", jobs / WF_DAG_WIDTH, WF_DAG_WIDTH, WF_SLOTS);
        break;
    case WF_LEARNED:
        snprintf(out, size, "%d sleeps (0.05-1 s ascending, then 2 s), %d slots, optimum %.2f s",
                 jobs, WF_SLOTS, WF_LEARNED_OPTIMUM_S);
        break;
    case WF_DRY_RUN:
        snprintf(out, size, "%d tasks (prep, then %d after it), dry run", jobs, jobs - 1);
        break;
    }
}
