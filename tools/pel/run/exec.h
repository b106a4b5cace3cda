/* exec.h — runs the chosen tasks of a workflow as processes: slots, memory, priorities,
 * timeouts, retries, logs, and no orphans.
 *
 * One thread runs an event loop (ppoll on a signalfd for SIGCHLD, the guardian pipe, and
 * timers). A task starts when all of its dependencies have succeeded or were skipped,
 * enough slots (`cores`) and memory (`memory`) are free; among the ready tasks the
 * highest priority starts first (ties: file order), and a task that does not fit lets a
 * smaller one behind it start. A task wanting more cores than there are slots takes them
 * all.
 *
 * Processes are started with posix_spawn, each in its own process group (so a timeout
 * kills its whole tree: SIGTERM to the group, SIGKILL after a grace period), with stdin
 * from /dev/null and stdout and stderr to the task's log file. An argv command runs as
 * is (PATH looked up once per program name; a program that is not found fails the task
 * with exit status 127 and "command not found"). A shell string runs with /bin/sh -c,
 * unless it is plain words without shell syntax, which are split and run directly
 * (as make does).
 *
 * No orphans: exec_guard_start() splits pel in two before anything else runs. The
 * process the user started stays the parent, a child subreaper that does nothing but
 * wait; the child does the work. If the parent is killed (even kill -9), the child sees
 * its pipe close, kills every running task's process group and exits. If the child is
 * killed, its tasks are reparented to the parent (PR_SET_CHILD_SUBREAPER), which kills
 * their groups and exits with status 137.
 */
#ifndef PEL_RUN_EXEC_H
#define PEL_RUN_EXEC_H

#include <stdint.h>

#include "wf.h"

/* How one attempt of a task ended. */
typedef enum exec_outcome {
    EXEC_OK = 0,        /* exit status 0 (and after_attempt accepted it) */
    EXEC_EXIT,          /* exit status != 0: code */
    EXEC_SIGNAL,        /* killed by signal `code` (not by pel) */
    EXEC_TIMEOUT,       /* pel killed it after `timeout` seconds */
    EXEC_NOT_FOUND,     /* the program does not exist or is not executable: code 127 */
    EXEC_SPAWN_ERROR,   /* posix_spawn failed (errno in code), e.g. a bad `dir` */
    EXEC_REJECTED,      /* exit 0 but after_attempt refused it (e.g. an output missing) */
    EXEC_INTERRUPTED,   /* pel stopped it (SIGINT/SIGTERM to pel, or the guardian died) */
} exec_outcome;

typedef struct exec_result {
    exec_outcome outcome;
    int code;              /* see exec_outcome */
    uint32_t attempt;      /* 1 for the first */
    double start;          /* seconds since exec_run began */
    double duration;       /* seconds */
    uint32_t slot;         /* the lowest slot index it held (trace lane) */
    int64_t max_rss_kb;    /* from wait4 */
    char message[256];     /* one line for the user when outcome != EXEC_OK */
} exec_result;

/* Callbacks into the caller (journal and fingerprints live there). All are called on the
 * event loop's thread. */
typedef struct exec_hooks {
    void *ctx;
    /* Before each attempt: remove stale outputs, create output directories, journal the
     * start. Non-zero refuses the attempt; the task then fails with `message` (filled). */
    int (*before_attempt)(void *ctx, uint32_t task, uint32_t attempt, char message[256]);
    /* After an attempt that exited 0: check and fingerprint the outputs. Non-zero rejects
     * it (EXEC_REJECTED, `message` filled), and the task is retried if it has retries
     * left. */
    int (*after_success)(void *ctx, uint32_t task, const exec_result *r, char message[256]);
    /* After the final attempt of a task (success, failure after its last retry, or
     * interruption): journal the end. */
    void (*task_done)(void *ctx, uint32_t task, const exec_result *r);
} exec_hooks;

typedef struct exec_opts {
    uint32_t jobs;        /* slots, >= 1 */
    uint64_t mem_budget;  /* bytes; 0 = no memory limit */
    int keep_going;       /* 0: after a failure start nothing new, let running tasks
                             finish; 1: run everything that does not depend on a failure */
    int progress;         /* 1: a progress bar on stderr (a terminal); 0: one log line per
                             finished task on stderr; -1: only failures */
    double kill_grace;    /* seconds between SIGTERM and SIGKILL on timeout/interrupt */
    const char *log_dir;  /* logs go to log_dir/NAME.log (NAME made file-safe) */
    const char *trace_path; /* NULL, or write a Chrome trace of the run there */
} exec_opts;

typedef struct exec_summary {
    uint32_t ok, failed, skipped_after_failure, not_started, interrupted;
    double elapsed;
} exec_summary;

/* Run the tasks with run[i] != 0; the others count as already done. prio: larger first.
 * Returns 0 when every task that ran succeeded, 1 when some failed (or did not start
 * because of a failure), 130/143 when pel was interrupted by SIGINT/SIGTERM, -1 on an
 * internal error (message printed). */
int exec_run(const wf *w, const uint8_t *run, const double *prio, const exec_opts *o,
             const exec_hooks *h, exec_summary *sum);

/* The log file of a task: log_dir/NAME.log; buf has room for PATH_MAX. */
const char *exec_log_path(const char *log_dir, const char *task_name, char *buf);

/* Split into guardian and worker (see above). Must be called before any thread exists.
 * Returns in the worker only (0), or -1 if it could not split (pel then runs without the
 * guard, after a warning); the guardian never returns: it exits with the worker's status. */
int exec_guard_start(void);

#endif
