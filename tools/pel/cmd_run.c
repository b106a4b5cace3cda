/* cmd_run.c — `pel run`: load a workflow, plan it against the journal, run what must
 * run (docs/run.md). The parts live in run/: loaders and graph (wf.h), journal and
 * fingerprints (journal.h, fingerprint.h), the plan (plan.h), the executor (exec.h);
 * run_hooks.c joins them. This file is the command line and the order of the steps. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "run/exec.h"
#include "run/journal.h"
#include "run/plan.h"
#include "run/wf.h"
#include "run_hooks.h"
#include "run_options.h"

static const char RUN_HELP[] =
    "usage: pel run [OPTIONS] WORKFLOW.yaml\n"
    "       pel run [OPTIONS] --lines FILE      (FILE \"-\": standard input)\n"
    "\n"
    "Run a workflow of shell commands on all cores, in dependency order, resuming where\n"
    "the last run stopped: a task runs again only if it never finished, its command or\n"
    "an input changed, or a task it depends on runs (docs/run.md; the file format is in\n"
    "docs/workflow.md). --lines runs one shell command per line, like xargs -P.\n"
    "\n"
    "  -j, --jobs N         slots: tasks run at once, a task taking `cores` of them\n"
    "                       (default: the cores pel may use)\n"
    "      --mem SIZE       memory budget for the tasks' declared `memory` (e.g. 16G;\n"
    "                       default: the machine's memory; 0: no limit)\n"
    "  -k, --keep-going     after a failure, run everything that does not depend on it\n"
    "                       (default: start nothing new, let running tasks finish)\n"
    "  -n, --dry-run        print what would run and why; run nothing\n"
    "  -f, --force          run every task again (learned durations are kept)\n"
    "      --dot FILE       write the task graph as Graphviz DOT (\"-\": stdout); run nothing\n"
    "      --trace FILE     write a Chrome/Perfetto trace of the run (ui.perfetto.dev)\n"
    "      --state-dir DIR  where the journal and the logs live (default: .pel/NAME next\n"
    "                       to the workflow, NAME its file name without extension;\n"
    "                       ./.pel/stdin for standard input)\n"
    "      --kill-grace S   seconds between SIGTERM and SIGKILL for a timed-out or\n"
    "                       interrupted task (default 2)\n"
    "      --progress       a progress bar (default when stderr is a terminal)\n"
    "      --no-progress    a line per finished task instead\n"
    "  -q, --quiet          print only failures\n"
    "  -h, --help           this help\n"
    "\n"
    "Exit status: 0 every task succeeded (or was up to date); 1 a task failed; 2 a bad\n"
    "command line or workflow (malformed file, cycle, unknown dependency, two tasks\n"
    "writing one file, a missing input); 3 the state directory or journal cannot be used;\n"
    "130/143 interrupted by SIGINT/SIGTERM.\n";

enum { EXIT_TASK_FAILED = 1, EXIT_WORKFLOW = 2, EXIT_STATE = 3 };

static int print_dry_run(const wf *w, const plan *p)
{
    char why[PATH_MAX + 64];
    for (uint32_t k = 0; k < w->n_tasks; k++) {
        uint32_t t = w->topo[k];
        printf("%-4s %s: %s\n", p->items[t].run ? "run" : "skip", w->tasks[t].name,
               plan_reason_text(&p->items[t], why, sizeof why));
    }
    printf("%u of %u tasks would run\n", p->n_run, w->n_tasks);
    return fflush(stdout) == 0 && !ferror(stdout) ? 0 : EXIT_TASK_FAILED;
}

/* Inputs that are missing and made by no task: an error before anything runs. */
static int check_missing_inputs(const wf *w, const plan *p)
{
    int bad = 0;
    for (uint32_t t = 0; t < w->n_tasks; t++) {
        if (p->items[t].reason != PLAN_INPUT_MISSING)
            continue;
        if (bad++ < 10)
            pel_error("task %s: input %s does not exist and no task makes it", w->tasks[t].name,
                      p->items[t].detail);
    }
    if (bad > 10)
        pel_error("... and %d more tasks with missing inputs", bad - 10);
    return bad;
}

/* A task needing more memory than the budget could never start. */
static int check_memory(const wf *w, uint64_t budget)
{
    int bad = 0;
    for (uint32_t t = 0; budget && t < w->n_tasks; t++)
        if (w->tasks[t].memory > budget && bad++ < 10)
            pel_error("task %s needs %.3g GiB of memory, more than the budget of %.3g GiB (--mem)",
                      w->tasks[t].name, (double)w->tasks[t].memory / (1 << 30),
                      (double)budget / (1 << 30));
    return bad;
}

static void print_summary(const exec_summary *s, uint32_t n_tasks, uint32_t n_run, int rc)
{
    fprintf(stderr, "pel: %u ok, %u failed", s->ok, s->failed);
    if (s->skipped_after_failure)
        fprintf(stderr, ", %u not run because a dependency failed", s->skipped_after_failure);
    if (s->not_started)
        fprintf(stderr, ", %u not started", s->not_started);
    if (s->interrupted)
        fprintf(stderr, ", %u interrupted", s->interrupted);
    fprintf(stderr, ", %u up to date (of %u) in %.2f s%s\n", n_tasks - n_run, n_tasks,
            s->elapsed, rc == 0 ? "" : rc == EXIT_TASK_FAILED ? "" : " (interrupted)");
}

static int run_plan(const run_options *o, wf *w, journal *j, plan *p)
{
    char log_dir[PATH_MAX];
    if (snprintf(log_dir, sizeof log_dir, "%s/logs", o->state_dir) >= (int)sizeof log_dir) {
        pel_error("state directory name too long");
        return EXIT_STATE;
    }
    if (mkdir_p(log_dir) != 0) {
        pel_error("cannot create log directory %s: %s", log_dir, strerror(errno));
        return EXIT_STATE;
    }
    run_ctx ctx;
    if (run_ctx_init(&ctx, w, p, j, log_dir) != 0) {
        run_ctx_free(&ctx);
        pel_error("out of memory");
        return EXIT_TASK_FAILED;
    }
    exec_hooks hooks = run_hooks(&ctx);
    exec_opts eo = {
        .jobs = o->jobs,
        .mem_budget = o->mem_budget,
        .keep_going = o->keep_going,
        .progress = o->progress,
        .kill_grace = o->kill_grace,
        .log_dir = log_dir,
        .trace_path = o->trace_path,
    };
    uint8_t *run = malloc(w->n_tasks ? w->n_tasks : 1);
    if (run == NULL) {
        run_ctx_free(&ctx);
        pel_error("out of memory");
        return EXIT_TASK_FAILED;
    }
    for (uint32_t t = 0; t < w->n_tasks; t++)
        run[t] = p->items[t].run;
    exec_summary sum = {0};
    int rc = exec_run(w, run, p->prio, &eo, &hooks, &sum);
    if (rc < 0)
        rc = EXIT_TASK_FAILED;
    if (o->progress >= 0 || rc != 0)
        print_summary(&sum, w->n_tasks, p->n_run, rc);
    free(run);
    run_ctx_free(&ctx);
    return rc;
}

static int run_workflow(run_options *o)
{
    /* Split into guardian and worker before any thread exists (pel's runtime starts
     * its workers when the plan first fingerprints files). */
    if (!o->dry_run && o->dot_path == NULL && exec_guard_start() != 0)
        pel_warn("running without the orphan guard: if pel is killed, running tasks "
                 "will survive it");
    signal(SIGPIPE, SIG_IGN); /* a closed stdout (pel run -n | head) is an error, not death */
    if (!o->dry_run && o->dot_path == NULL) {
        /* The executor takes these through a signalfd; threads started before it (pel's
         * workers, for fingerprints) must not take them with their default action. */
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGHUP);
        sigaddset(&set, SIGCHLD);
        pthread_sigmask(SIG_BLOCK, &set, NULL);
    }

    wf *w = run_options_load(o);
    if (w == NULL)
        return EXIT_WORKFLOW;
    int rc;
    if (check_memory(w, o->mem_budget)) {
        wf_free(w);
        return EXIT_WORKFLOW;
    }
    if (run_options_state_dir(o, w) != 0) {
        wf_free(w);
        return EXIT_STATE;
    }

    /* --dry-run and --dot only read: they create nothing, and work while a run holds
     * the state directory. */
    int readonly = o->dry_run || o->dot_path != NULL;
    journal *j = NULL;
    uint64_t dropped = 0;
    long run_pid = 0;
    char jerr[512];
    if ((readonly ? journal_open_readonly(o->state_dir, &j, &dropped, &run_pid, jerr)
                  : journal_open(o->state_dir, &j, &dropped, jerr)) != 0) {
        pel_error("%s", jerr);
        wf_free(w);
        return EXIT_STATE;
    }
    if (run_pid != 0) {
        char pid[32] = "pid unknown";
        if (run_pid > 0) snprintf(pid, sizeof pid, "pid %ld", run_pid);
        pel_warn("a pel run (%s) is using %s: this is the plan as of now", pid, o->state_dir);
        dropped = 0; /* a record it was writing, not damage */
    }
    if (dropped)
        pel_warn("the journal in %s had a damaged end (%llu bytes, from an interrupted "
                 "write); the valid records before it are used",
                 o->state_dir, (unsigned long long)dropped);

    plan p;
    if (plan_make(w, j, o->force, &p, jerr) != 0) {
        pel_error("%s", jerr);
        journal_close(j);
        wf_free(w);
        return EXIT_WORKFLOW;
    }
    if (o->dot_path) {
        FILE *f = out_open(o->dot_path);
        uint8_t *will = malloc(w->n_tasks ? w->n_tasks : 1);
        rc = EXIT_TASK_FAILED;
        if (f && will) {
            for (uint32_t t = 0; t < w->n_tasks; t++)
                will[t] = p.items[t].run;
            rc = wf_write_dot(w, will, f) == 0 ? 0 : EXIT_TASK_FAILED;
            if (out_close(f, o->dot_path) != 0)
                rc = EXIT_TASK_FAILED;
        } else if (f) {
            out_abandon(f, o->dot_path);
        }
        free(will);
    } else if (o->dry_run) {
        rc = print_dry_run(w, &p);
        if (check_missing_inputs(w, &p))
            rc = EXIT_WORKFLOW;
    } else if (check_missing_inputs(w, &p)) {
        rc = EXIT_WORKFLOW;
    } else {
        rc = run_plan(o, w, j, &p);
    }
    plan_free(&p);
    if (journal_close(j) != 0 && rc == 0) {
        pel_error("cannot sync the journal in %s: %s", o->state_dir, strerror(errno));
        rc = EXIT_STATE;
    }
    wf_free(w);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    run_options o;
    int rc = run_options_parse(argc, argv, RUN_HELP, &o);
    if (rc != RUN_OPTIONS_GO)
        return rc == RUN_OPTIONS_HELP ? PEL_EXIT_OK : PEL_EXIT_USAGE;
    rc = run_workflow(&o);
    run_options_free(&o);
    return rc;
}
