/* run_options.h — `pel run`'s command line, and the defaults that depend on the machine
 * (slots, memory) or on the workflow (where its state lives). */
#ifndef PEL_TOOL_RUN_OPTIONS_H
#define PEL_TOOL_RUN_OPTIONS_H

#include <stdint.h>

#include "run/wf.h"

typedef struct run_options {
    const char *workflow;   /* the file, or "-" */
    int lines;              /* --lines: one command per line */
    uint32_t jobs;
    uint64_t mem_budget;    /* bytes; 0 = none */
    int keep_going, dry_run, force;
    int progress;           /* 1 bar, 0 lines, -1 quiet */
    double kill_grace;
    const char *dot_path, *trace_path;
    const char *state_dir_opt; /* --state-dir, or NULL */
    char *state_dir;           /* after run_options_state_dir: the one used (owned) */
} run_options;

enum { RUN_OPTIONS_GO = 0, RUN_OPTIONS_HELP = 1, RUN_OPTIONS_BAD = 2 };

/* Parse argv (argv[0] = "run"). GO, HELP (help printed) or BAD (error printed). */
int run_options_parse(int argc, char **argv, const char *help, run_options *o);

/* Fill o->state_dir: --state-dir, or DIR/.pel/STEM next to the workflow file (STEM: its
 * name without .yaml/.yml/.txt), or ./.pel/stdin. 0, or -1 (printed). */
int run_options_state_dir(run_options *o, const wf *w);

void run_options_free(run_options *o);

/* Load o->workflow (a file, or --lines) and build its graph. The workflow, or NULL after
 * printing the error. */
wf *run_options_load(const run_options *o);

/* A size for --mem: bytes, or with K, M, G, T (binary; optional "B"/"iB"). 0 or -1. */
int parse_size(const char *s, uint64_t *out);

#endif
