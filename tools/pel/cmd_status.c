/* cmd_status.c — `pel status`: what the last runs of a workflow left, from its journal:
 * how many tasks are done, failed, interrupted (or running, while a run is in progress)
 * or never ran, which failed (with their logs), the slowest, and how many a run now would
 * start. It only reads: nothing is created, and it works while a run holds the state. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "run/exec.h"
#include "run/journal.h"
#include "run/plan.h"
#include "run/wf.h"
#include "run_options.h"

static const char STATUS_HELP[] =
    "usage: pel status [--state-dir DIR] WORKFLOW.yaml\n"
    "       pel status [--state-dir DIR] --lines FILE\n"
    "\n"
    "A summary of the last runs of a workflow: tasks done, failed (with exit status and\n"
    "log file), interrupted and never run; the slowest tasks; what `pel run` would run\n"
    "now (pel run --dry-run lists them with reasons). It only reads the journal: while a\n"
    "run of the same workflow is in progress it says so, with the run's pid, and counts\n"
    "the tasks that run has started and not yet ended as running.\n";

#define SLOWEST 5
#define LISTED 20

static int by_duration_desc(const void *a, const void *b)
{
    const jr_task *x = *(const jr_task *const *)a, *y = *(const jr_task *const *)b;
    return (x->duration < y->duration) - (x->duration > y->duration);
}

static void print_status(const wf *w, const journal *j, const plan *p, const char *state_dir,
                         long run_pid)
{
    const char *started = run_pid ? "running" : "interrupted";
    uint32_t counts[4] = {0}, n = w->n_tasks;
    const jr_task **done = calloc(n ? n : 1, sizeof *done);
    uint32_t n_done = 0;
    int64_t last_end = 0;
    for (uint32_t t = 0; t < n; t++) {
        const jr_task *r = journal_find(j, w->tasks[t].name);
        jr_status s = r ? r->status : JR_NONE;
        counts[s]++;
        if (r && (s == JR_DONE || s == JR_FAILED) && r->ended_at_ns > last_end)
            last_end = r->ended_at_ns;
        if (r && s == JR_DONE && done)
            done[n_done++] = r;
    }
    printf("workflow %s (state in %s): %u tasks\n", w->path, state_dir, n);
    if (run_pid > 0)
        printf("  a run is in progress (pid %ld)\n", run_pid);
    else if (run_pid < 0)
        printf("  a run is in progress\n");
    printf("  %u done, %u failed, %u %s, %u %s\n", counts[JR_DONE], counts[JR_FAILED],
           counts[JR_STARTED], started, counts[JR_NONE], run_pid ? "not started" : "never ran");
    if (last_end) {
        char when[64];
        time_t secs = (time_t)(last_end / 1000000000);
        struct tm tm;
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime_r(&secs, &tm));
        printf("  last task ended %s\n", when);
    }
    uint32_t listed = 0;
    for (uint32_t t = 0; t < n; t++) {
        const jr_task *r = journal_find(j, w->tasks[t].name);
        if (!r || (r->status != JR_FAILED && r->status != JR_STARTED))
            continue;
        if (listed++ == LISTED) {
            printf("  ...\n");
            break;
        }
        char log[PATH_MAX + 8], logdir[PATH_MAX];
        snprintf(logdir, sizeof logdir, "%s/logs", state_dir);
        exec_log_path(logdir, r->name, log);
        if (r->status == JR_FAILED)
            printf("  failed: %s (%s %d) log: %s\n", r->name,
                   r->exit_code < 0 ? "signal" : "exit", abs(r->exit_code), log);
        else
            printf("  %s: %s log: %s\n", started, r->name, log);
    }
    if (n_done) {
        qsort(done, n_done, sizeof *done, by_duration_desc);
        printf("  slowest:");
        for (uint32_t i = 0; i < n_done && i < SLOWEST; i++)
            printf("%s %s %.2fs", i ? "," : "", done[i]->name, done[i]->duration);
        printf("\n");
    }
    printf("  a run now would run %u of %u tasks (pel run --dry-run says why)\n", p->n_run, n);
    free(done);
}

int cmd_status(int argc, char **argv)
{
    run_options o;
    for (int i = 1; i < argc; i++)
        if (cli_is_help(argv[i])) {
            fputs(STATUS_HELP, stdout);
            return PEL_EXIT_OK;
        }
    if (run_options_parse(argc, argv, STATUS_HELP, &o) != RUN_OPTIONS_GO)
        return PEL_EXIT_USAGE;
    wf *w = run_options_load(&o);
    if (w == NULL)
        return 2;
    char err[WF_ERR_LEN];
    int rc;
    journal *j = NULL;
    uint64_t dropped;
    long run_pid = 0;
    plan p;
    rc = 3;
    if (run_options_state_dir(&o, w) == 0 &&
        journal_open_readonly(o.state_dir, &j, &dropped, &run_pid, err) == 0) {
        if (dropped && !run_pid)
            pel_warn("the journal in %s has a damaged end (%llu bytes, from an interrupted "
                     "write); the valid records before it are used",
                     o.state_dir, (unsigned long long)dropped);
        if (plan_make(w, j, 0, &p, err) == 0) {
            print_status(w, j, &p, o.state_dir, run_pid);
            plan_free(&p);
            rc = fflush(stdout) == 0 ? 0 : 1;
        } else {
            pel_error("%s", err);
        }
        journal_close(j);
    } else if (o.state_dir) {
        pel_error("%s", err);
    }
    wf_free(w);
    run_options_free(&o);
    return rc;
}
