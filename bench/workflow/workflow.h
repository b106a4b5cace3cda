/* bench/workflow/workflow.h — the workflow group (issue 5): `pel run` against xargs -P,
 * GNU parallel, make -j and ninja -j on 2 slots, one process per sample, interleaved.
 *
 * bench-workflow (main.c) writes each case's inputs into a temporary directory
 * (generate.c), runs every system's command once as a warm-up and then once per round,
 * the systems in turn with the starting point rotated every round (sample.c: fork, exec,
 * wait4: wall time, CPU time and peak memory of the whole process tree), and prints the
 * JSON lines, tables and floors (report.c). The helpers of ../machine.c (time, load,
 * --wait-idle) are shared with bench-driver. */
#ifndef PEL_BENCH_WORKFLOW_H
#define PEL_BENCH_WORKFLOW_H

#include <stddef.h>
#include <stdio.h>

#define WF_SLOTS 2          /* every case runs on 2 slots (issue 5) */
#define WF_MAX_SYSTEMS 10
#define WF_SAMPLE_TIMEOUT_S 600

/* What a case measures. */
typedef enum wf_kind {
    WF_DISPATCH, /* N independent jobs of one command: jobs/s */
    WF_DAG,      /* layers x width tasks, each after 2 of the previous layer */
    WF_LEARNED,  /* independent sleeps: the order learned from a first run */
    WF_DRY_RUN,  /* a 100k-task workflow planned, not run: time and peak memory */
} wf_kind;

/* The command every job of a WF_DISPATCH case runs; sleep_s = 0: `true`. */
typedef struct wf_case {
    const char *name;    /* the "bench" key, and the NAME that selects it */
    const char *systems; /* space-separated, in display order */
    wf_kind kind;
    int jobs, quick_jobs; /* WF_DISPATCH: jobs; WF_DAG: layers (x WF_DAG_WIDTH);
                             WF_DRY_RUN: tasks after "prep" */
    double sleep_s;       /* WF_DISPATCH: each job sleeps this long (0: true) */
    int full_only;        /* not part of --quick */
} wf_case;

#define WF_DAG_WIDTH 50

/* The learned case: 40 sleeps from 0.05 to 1 s (ascending) and one of 2 s, listed last.
 * They add up to 22.5 s and split evenly on 2 slots (the 2 s task with 9.25 s of the
 * others), so the optimum is 11.25 s, which longest-first reaches; file order gives
 * 12.005 s. The values are 50 + 950 (i/39)^1.056 ms rounded to 5 ms, i = 0..39. */
#define WF_LEARNED_TASKS 41
extern const int wf_learned_ms[WF_LEARNED_TASKS];
#define WF_LEARNED_OPTIMUM_S 11.25
#define WF_LEARNED_FILE_ORDER_S 12.005

/* One system's command in one case: argv, working directory, and what to reset before
 * each sample (untimed). */
typedef struct wf_command {
    char *argv[24];
    char dir[4096];
    char state_dir[4096]; /* pel's --state-dir, or "" */
    int clean_before, clean_after; /* remove state_dir before / after each sample */
    char ninja_log[4096]; /* removed before each sample (.ninja_log, learned case), or "" */
    char stdout_path[4096]; /* the warm-up's stdout goes here (lines counted), or "" */
    char storage[4096];   /* strings argv points into */
} wf_command;

/* What one sample measured. */
typedef struct wf_sample {
    double wall_s, cpu_s;
    long max_rss_kb;
    int status; /* exit status, or 128 + signal, or -1 (could not run / timed out) */
} wf_sample;

typedef struct wf_result {
    const char *system;
    double wall[64], cpu[64];
    long rss[64];
    int n;
    int failed, busy_samples;
    long out_lines; /* WF_DRY_RUN: lines the warm-up printed; -1 unknown */
    double median, min, max, cpu_median;
    long rss_max;
} wf_result;

typedef struct wf_options {
    const char *bindir, *pel;
    int quick, table, reps, learned_reps, keep;
    const char *markdown;
    int markdown_append;
    const char *systems;
    double wait_idle;
    const char *names[32];
    int nnames;
} wf_options;

/* What this machine has (systems.c). */
typedef struct wf_tools {
    int xargs, parallel, make, ninja, pel, floor;
    char true_path[1024], sleep_path[1024], floor_path[4200];
    char pel_why[256];
    char shm[1024]; /* a temporary directory in /dev/shm, or "" */
} wf_tools;

/* systems.c: find the tools (and print their versions, also to the Markdown file); whether
 * system s can run (if not, say why); its command in case c, with its inputs in dir and
 * pel's state in state; the case's "params" text. */
void wf_find_tools(wf_tools *t, const wf_options *o);
int wf_available(const wf_tools *t, const char *s, const char *bench);
void wf_make_command(const wf_case *c, const char *s, const char *dir, const char *state,
                     const wf_tools *t, const wf_options *o, wf_command *cmd);
void wf_params(const wf_case *c, const wf_options *o, char *out, size_t size);

/* generate.c: write the inputs of case c into dir (which exists); 0, or -1 (errno). */
int wf_generate(const wf_case *c, int quick, const char *dir);
/* The jobs (or tasks) of case c at the chosen size. */
int wf_case_jobs(const wf_case *c, int quick);

/* sample.c: run cmd once (stdin /dev/null, stdout and stderr to /dev/null or to
 * cmd->stdout_path); wall time from fork to the end of wait4. */
void wf_run(const wf_command *cmd, int to_file, wf_sample *out);
/* rm -rf path (nothing if it does not exist); 0 or -1. */
int wf_remove_tree(const char *path);
/* Lines in a file, -1 if it cannot be read. */
long wf_count_lines(const char *path);

/* report.c */
void wf_summarise(wf_result *r);
void wf_report_case(const wf_case *c, const wf_options *o, wf_result *rs, int n,
                    const char *params);
void wf_print_floors(const wf_options *o);
extern FILE *wf_md;

#endif /* PEL_BENCH_WORKFLOW_H */
