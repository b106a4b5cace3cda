/* exec_driver — run a hand-written workflow through exec_run, for the guard tests and for
 * measuring dispatch speed (the YAML loader is a separate part).
 *
 *   exec_driver [options] SPEC        tasks from SPEC, one per line:
 *                                       NAME [KEY=VALUE]... : SHELL STRING
 *                                     keys: cores mem prio timeout retries delay dir
 *                                     after=A,B (names) env=K=V (repeatable) argv=1
 *                                     (split the command on blanks into an argv list)
 *   exec_driver [options] -n N CMD    N independent tasks t0..tN-1 running shell CMD
 * options: -j JOBS  -k (keep going)  -g (start the guard first)  -p PROGRESS (1, 0, -1)
 *          -l LOGDIR  -t TRACE  -m MEMBUDGET  -G GRACE  -w FILE (write the worker's pid)
 *          -q (no line per task on stdout)
 * Prints "done NAME OUTCOME CODE ATTEMPT MESSAGE" per task (unless -q) and a summary
 * line with the jobs/s rate, and exits with exec_run's status.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"
#include "exec_log.h"
#include "test_exec_wf.h"

static int quiet;

static void on_done(void *ctx, uint32_t task, const exec_result *r)
{
    const twf *g = ctx;
    if (!quiet)
        printf("done %s %s %d %u %s\n", g->w.tasks[task].name, exec_outcome_name(r->outcome),
               r->code, r->attempt, r->message);
}

static uint32_t find_task(const twf *g, const char *name, size_t len)
{
    for (uint32_t i = 0; i < g->w.n_tasks; i++)
        if (strlen(g->w.tasks[i].name) == len && memcmp(g->w.tasks[i].name, name, len) == 0)
            return i;
    fprintf(stderr, "exec_driver: unknown task %.*s\n", (int)len, name);
    exit(2);
}

/* Keys of one spec line, applied once all tasks exist (after= names later ones too). */
static void apply_key(twf *g, uint32_t ti, const char *key, const char *val)
{
    wf_task *t = &g->w.tasks[ti];
    if (strcmp(key, "cores") == 0)
        t->cores = (uint32_t)strtoul(val, NULL, 10);
    else if (strcmp(key, "mem") == 0)
        t->memory = strtoull(val, NULL, 10);
    else if (strcmp(key, "prio") == 0)
        g->prio[ti] = strtod(val, NULL);
    else if (strcmp(key, "timeout") == 0)
        t->timeout = strtod(val, NULL);
    else if (strcmp(key, "retries") == 0)
        t->retries = (uint32_t)strtoul(val, NULL, 10);
    else if (strcmp(key, "delay") == 0)
        t->retry_delay = strtod(val, NULL);
    else if (strcmp(key, "dir") == 0)
        t->dir = twf_str(g, val);
    else if (strcmp(key, "after") == 0) {
        for (const char *p = val; *p;) {
            size_t len = strcspn(p, ",");
            twf_dep(g, find_task(g, p, len), ti);
            p += len + (p[len] == ',');
        }
    } else if (strcmp(key, "env") != 0 && strcmp(key, "argv") != 0) {
        fprintf(stderr, "exec_driver: unknown key %s\n", key);
        exit(2);
    }
}

/* Split s on blanks into a NULL-terminated list (modifies s). */
static const char **words(char *s)
{
    size_t n = 0;
    const char **v = calloc(strlen(s) / 2 + 2, sizeof *v);
    for (char *p = strtok(s, " \t"); p; p = strtok(NULL, " \t"))
        v[n++] = p;
    return v;
}

static void load_spec(twf *g, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(2);
    }
    char line[4096];
    char *keys[1024];
    uint32_t n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *sep = strstr(line, " : ");
        if (line[0] == '#' || !sep)
            continue;
        *sep = '\0';
        char *cmd = sep + 3;
        const char **w = words(line);
        const char *env[64];
        size_t ne = 0;
        int as_argv = 0;
        for (size_t i = 1; w[i]; i++) {
            if (strncmp(w[i], "env=", 4) == 0 && ne < 63)
                env[ne++] = w[i] + 4;
            as_argv |= strcmp(w[i], "argv=1") == 0;
        }
        env[ne] = NULL;
        uint32_t ti;
        if (as_argv) {
            const char **av = words(cmd);
            ti = twf_add(g, w[0], NULL, av);
            free(av);
        } else {
            ti = twf_add(g, w[0], cmd, NULL);
        }
        if (ne)
            g->w.tasks[ti].env = twf_list(g, env);
        /* keep the keys for after all tasks exist */
        size_t klen = 0;
        for (size_t i = 1; w[i]; i++)
            klen += strlen(w[i]) + 1;
        char *k = malloc(klen + 1), *q = k;
        for (size_t i = 1; w[i]; i++)
            q += sprintf(q, "%s\n", w[i]);
        *q = '\0';
        if (n < 1024)
            keys[n++] = k;
        else
            free(k);
        free(w);
    }
    fclose(f);
    /* prio lives in twf_finish's arrays, deps are edges: set up the graph arrays first
     * for prio, then add edges and rebuild. */
    double *prio = calloc(g->w.n_tasks + 1, sizeof *prio);
    g->prio = prio;
    for (uint32_t i = 0; i < n; i++) {
        for (char *kv = strtok(keys[i], "\n"); kv; kv = strtok(NULL, "\n")) {
            char *eq = strchr(kv, '=');
            if (!eq)
                continue;
            *eq = '\0';
            apply_key(g, i, kv, eq + 1);
        }
        free(keys[i]);
    }
    g->prio = NULL;
    twf_finish(g);
    memcpy(g->prio, prio, g->w.n_tasks * sizeof *prio);
    free(prio);
}

int main(int argc, char **argv)
{
    exec_opts o = {.jobs = 1, .progress = -1, .kill_grace = 2.0};
    const char *pidfile = NULL;
    long count = -1;
    int guard = 0, c;
    while ((c = getopt(argc, argv, "+j:kgp:l:t:m:G:w:qn:")) != -1) {
        switch (c) {
        case 'j': o.jobs = (uint32_t)atoi(optarg); break;
        case 'k': o.keep_going = 1; break;
        case 'g': guard = 1; break;
        case 'p': o.progress = atoi(optarg); break;
        case 'l': o.log_dir = optarg; break;
        case 't': o.trace_path = optarg; break;
        case 'm': o.mem_budget = strtoull(optarg, NULL, 10); break;
        case 'G': o.kill_grace = strtod(optarg, NULL); break;
        case 'w': pidfile = optarg; break;
        case 'q': quiet = 1; break;
        case 'n': count = atol(optarg); break;
        default: return 2;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "usage: exec_driver [options] SPEC | -n N CMD\n");
        return 2;
    }
    if (guard && exec_guard_start() < 0)
        return 2;
    if (pidfile) {
        FILE *f = fopen(pidfile, "w");
        if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0) {
            perror(pidfile);
            return 2;
        }
    }
    twf g;
    twf_init(&g);
    if (count >= 0) {
        for (long i = 0; i < count; i++) {
            char name[32];
            snprintf(name, sizeof name, "t%ld", i);
            twf_add(&g, name, argv[optind], NULL);
        }
        twf_finish(&g);
    } else {
        load_spec(&g, argv[optind]);
    }
    exec_hooks h = {.ctx = &g, .task_done = on_done};
    exec_summary s;
    int rc = exec_run(&g.w, g.run, g.prio, &o, &h, &s);
    printf("summary ok=%u failed=%u skipped=%u not_started=%u interrupted=%u rc=%d "
           "elapsed=%.3f jobs/s=%.0f\n",
           s.ok, s.failed, s.skipped_after_failure, s.not_started, s.interrupted, rc,
           s.elapsed, s.elapsed > 0 ? (s.ok + s.failed) / s.elapsed : 0.0);
    twf_free(&g);
    return rc < 0 ? 2 : rc;
}
