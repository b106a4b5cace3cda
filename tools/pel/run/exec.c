/* exec.c — exec_run: the event loop that runs a workflow's tasks as processes.
 *
 * One thread, one loop:
 *   wait (ppoll) on a signalfd (SIGCHLD, SIGINT, SIGTERM, SIGHUP) and the guardian's pipe,
 *     with a timeout reaching the next deadline (a task's timeout or kill grace, a retry,
 *     the next progress redraw);
 *   reap every exited child (wait4(-1, WNOHANG) until none: signals coalesce);
 *   act on due deadlines; start ready tasks while they fit.
 *
 * Task states: IDLE (not in `run`) -> WAITING (n_wait dependencies left) -> READY (in the
 * heap) -> RUNNING (holds slots and memory) -> DONE; a failed attempt with retries left
 * goes to RETRY until its timer fires, then back to READY; dependents of a failed task
 * go from WAITING to SKIPPED. Each task reaches DONE or SKIPPED at most once, and
 * task_done runs exactly when it reaches DONE.
 *
 * Fitting: the heap's top starts when its slots (min(cores, jobs)) and memory are free.
 * When it does not fit but slots are free, the best ready task that fits starts instead
 * (a linear scan, only in that case; with 1-core tasks and no memory the top always fits
 * whenever a slot is free, so the common path is a heap pop). A big task can thus wait
 * while smaller ones fill the slots, as with make.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec_internal.h"

#define NEVER 1e300
/* Even if a SIGCHLD were lost (a thread of the caller's that does not block it could
 * take it), children are reaped within this many seconds. */
#define REAP_SAFETY_INTERVAL 1.0

enum { T_IDLE, T_WAITING, T_READY, T_RUNNING, T_RETRY, T_DONE, T_SKIPPED };
enum { KILL_NONE, KILL_TIMEOUT, KILL_INTERRUPT };

typedef struct xtask {
    uint8_t state;
    uint8_t kill;      /* why pel is killing it (KILL_*) */
    uint8_t sigkilled; /* SIGKILL sent: no later deadline */
    uint32_t n_wait;   /* dependencies in `run` not done yet */
    uint32_t attempt;  /* attempts started */
    uint32_t slot, n_slots;
    pid_t pid;         /* RUNNING: the process (and process group) */
    double start;      /* RUNNING: seconds since the run began */
    double deadline;   /* RUNNING: timeout or SIGKILL time; RETRY: retry time */
    exec_result last;  /* RETRY: the failed attempt, reported if it is not retried */
} xtask;

typedef struct exec_state {
    const wf *w;
    const uint8_t *run;
    const exec_opts *o;
    const exec_hooks *h;
    uint32_t jobs;
    xtask *x;
    exec_heap heap;
    uint32_t *running, n_running; /* task indices, at most jobs */
    uint32_t *retry, n_retry;     /* tasks in RETRY */
    uint32_t *stack;              /* scratch for skipping dependents */
    uint32_t *slot_owner;         /* per slot: task, or UINT32_MAX when free */
    uint32_t free_slots;
    uint64_t mem_used;
    int stopping;      /* start nothing new */
    int interrupt_sig; /* SIGINT/SIGTERM/SIGHUP that stopped the run, or 0 */
    struct timespec t0;
    exec_spawner *sp;
    exec_trace *trace;
    exec_progress progress;
    exec_summary sum;
    char path[PATH_MAX];
} exec_state;

static double now_s(const exec_state *s)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - s->t0.tv_sec) + (double)(t.tv_nsec - s->t0.tv_nsec) * 1e-9;
}

static const char *log_path(exec_state *s, uint32_t ti)
{
    if (!s->o->log_dir)
        return NULL;
    return exec_log_path(s->o->log_dir, s->w->tasks[ti].name, s->path);
}

static exec_counts counts(const exec_state *s)
{
    return (exec_counts){s->sum.ok + s->sum.failed + s->sum.skipped_after_failure +
                             s->sum.interrupted,
                         s->n_running, s->sum.failed};
}

/* --- task completion ------------------------------------------------------------- */

static void stop_starting(exec_state *s, double now);

/* Dependents of a failed task never start. */
static void skip_dependents(exec_state *s, uint32_t ti)
{
    uint32_t n = 0;
    s->stack[n++] = ti;
    while (n > 0) {
        const wf_task *t = &s->w->tasks[s->stack[--n]];
        for (uint32_t i = 0; i < t->n_succ; i++) {
            xtask *d = &s->x[t->succ[i]];
            if (d->state != T_WAITING)
                continue;
            d->state = T_SKIPPED;
            s->sum.skipped_after_failure++;
            s->stack[n++] = t->succ[i];
        }
    }
}

static void make_ready(exec_state *s, uint32_t ti, double now);

/* The task's last attempt ended with r: report it, release its dependents or skip them. */
static void task_final(exec_state *s, uint32_t ti, const exec_result *r, double now)
{
    const wf_task *t = &s->w->tasks[ti];
    s->x[ti].state = T_DONE;
    if (r->outcome == EXEC_OK)
        s->sum.ok++;
    else if (r->outcome == EXEC_INTERRUPTED)
        s->sum.interrupted++;
    else
        s->sum.failed++;
    if (s->h && s->h->task_done)
        s->h->task_done(s->h->ctx, ti, r);
    if (r->outcome == EXEC_OK) {
        for (uint32_t i = 0; i < t->n_succ; i++) {
            xtask *d = &s->x[t->succ[i]];
            if (d->state == T_WAITING && --d->n_wait == 0)
                make_ready(s, t->succ[i], now);
        }
    } else if (r->outcome != EXEC_INTERRUPTED) {
        skip_dependents(s, ti);
        if (!s->o->keep_going)
            stop_starting(s, now);
    }
}

/* An attempt ended (ran, or could not start): trace it, show it, then retry or finish. */
static void attempt_ended(exec_state *s, uint32_t ti, exec_result *r, double now,
                          int may_retry)
{
    const wf_task *t = &s->w->tasks[ti];
    xtask *x = &s->x[ti];
    if (s->trace)
        exec__trace_add(s->trace, ti, r);
    exec_counts c = counts(s);
    /* The log is worth pointing at only when a process ran and wrote it. */
    int ran = r->outcome != EXEC_OK && r->outcome != EXEC_NOT_FOUND &&
              r->outcome != EXEC_SPAWN_ERROR;
    exec__progress_attempt(&s->progress, t->name, r, t->retries + 1,
                           ran ? log_path(s, ti) : NULL, now, &c);
    if (r->outcome != EXEC_OK && r->outcome != EXEC_INTERRUPTED && may_retry &&
        !s->stopping && x->attempt <= t->retries) {
        x->state = T_RETRY;
        x->last = *r;
        x->deadline = now + t->retry_delay * ldexp(1.0, (int)x->attempt - 1);
        s->retry[s->n_retry++] = ti;
        return;
    }
    task_final(s, ti, r, now);
}

/* No new task or attempt starts from now on; waiting retries end with their last
 * failure (or as interrupted when pel is interrupted). */
static void stop_starting(exec_state *s, double now)
{
    if (s->stopping)
        return;
    s->stopping = 1;
    while (s->n_retry > 0) {
        uint32_t ti = s->retry[--s->n_retry];
        exec_result r = s->x[ti].last;
        if (s->interrupt_sig) {
            r.outcome = EXEC_INTERRUPTED;
            snprintf(r.message, sizeof r.message, "interrupted before attempt %u",
                     s->x[ti].attempt + 1);
        }
        task_final(s, ti, &r, now);
    }
}

/* Bytes for a message: "512 B", "3.0 MiB", "1.5 GiB". */
static const char *size_text(uint64_t bytes, char buf[32])
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, 32, "%llu B", (unsigned long long)bytes);
    else
        snprintf(buf, 32, "%.1f %s", v, unit[u]);
    return buf;
}

static void make_ready(exec_state *s, uint32_t ti, double now)
{
    const wf_task *t = &s->w->tasks[ti];
    uint64_t budget = s->o->mem_budget;
    if (budget && t->memory > budget) {
        exec_result r = {.outcome = EXEC_SPAWN_ERROR, .code = ENOMEM, .attempt = 1,
                         .start = now};
        char need[32], have[32];
        snprintf(r.message, sizeof r.message,
                 "needs %s of memory, more than the budget of %s",
                 size_text(t->memory, need), size_text(budget, have));
        s->x[ti].attempt = 1;
        attempt_ended(s, ti, &r, now, 0);
        return;
    }
    s->x[ti].state = T_READY;
    exec__heap_push(&s->heap, ti);
}

/* --- starting --------------------------------------------------------------------- */

static uint32_t slots_needed(const exec_state *s, uint32_t ti)
{
    uint32_t c = s->w->tasks[ti].cores;
    return c == 0 ? 1 : c < s->jobs ? c : s->jobs;
}

static int fits(const exec_state *s, uint32_t ti)
{
    uint64_t mem = s->w->tasks[ti].memory;
    return slots_needed(s, ti) <= s->free_slots &&
           (s->o->mem_budget == 0 || s->mem_used + mem <= s->o->mem_budget);
}

static void take_slots(exec_state *s, uint32_t ti)
{
    xtask *x = &s->x[ti];
    uint32_t need = slots_needed(s, ti), got = 0;
    x->n_slots = need;
    for (uint32_t i = 0; got < need; i++) {
        if (s->slot_owner[i] != UINT32_MAX)
            continue;
        if (got++ == 0)
            x->slot = i;
        s->slot_owner[i] = ti;
    }
    s->free_slots -= need;
    s->mem_used += s->w->tasks[ti].memory;
}

static void release_slots(exec_state *s, uint32_t ti)
{
    xtask *x = &s->x[ti];
    for (uint32_t i = x->slot, left = x->n_slots; left > 0; i++) {
        if (s->slot_owner[i] == ti) {
            s->slot_owner[i] = UINT32_MAX;
            left--;
        }
    }
    s->free_slots += x->n_slots;
    s->mem_used -= s->w->tasks[ti].memory;
    x->n_slots = 0;
}

static void start_attempt(exec_state *s, uint32_t ti, double now)
{
    const wf_task *t = &s->w->tasks[ti];
    xtask *x = &s->x[ti];
    exec_result r;
    memset(&r, 0, sizeof r);
    r.attempt = ++x->attempt;
    r.start = now;
    if (s->h && s->h->before_attempt) {
        char msg[256] = "";
        if (s->h->before_attempt(s->h->ctx, ti, x->attempt, msg) != 0) {
            r.outcome = EXEC_SPAWN_ERROR;
            snprintf(r.message, sizeof r.message, "%s", msg[0] ? msg : "refused to start");
            attempt_ended(s, ti, &r, now, 0);
            return;
        }
    }
    take_slots(s, ti);
    r.slot = x->slot;
    pid_t pid = exec__spawn(s->sp, t, log_path(s, ti), &r);
    if (pid <= 0) {
        release_slots(s, ti);
        attempt_ended(s, ti, &r, now, 1);
        return;
    }
    x->state = T_RUNNING;
    x->pid = pid;
    x->start = now;
    x->kill = KILL_NONE;
    x->sigkilled = 0;
    x->deadline = t->timeout > 0 ? now + t->timeout : NEVER;
    s->running[s->n_running++] = ti;
}

/* Start ready tasks while one fits. */
static void start_ready(exec_state *s)
{
    double now = -1;
    while (!s->stopping && s->heap.n > 0 && s->free_slots > 0) {
        uint32_t pos = 0;
        if (!fits(s, s->heap.v[0])) {
            /* The best that fits: heap order is not sorted order, so compare all. */
            pos = UINT32_MAX;
            for (uint32_t i = 1; i < s->heap.n; i++)
                if (fits(s, s->heap.v[i]) &&
                    (pos == UINT32_MAX ||
                     exec__heap_before(&s->heap, s->heap.v[i], s->heap.v[pos])))
                    pos = i;
            if (pos == UINT32_MAX)
                return;
        }
        if (now < 0)
            now = now_s(s);
        start_attempt(s, exec__heap_take(&s->heap, pos), now);
    }
}

/* --- ending ------------------------------------------------------------------------ */

static void signal_group(exec_state *s, uint32_t ti, int sig, double now)
{
    xtask *x = &s->x[ti];
    kill(-x->pid, sig);
    if (sig == SIGKILL) {
        x->sigkilled = 1;
        x->deadline = NEVER;
    } else {
        x->deadline = now + (s->o->kill_grace > 0 ? s->o->kill_grace : 0);
    }
}

/* The task's process exited with wait status st. */
static void process_ended(exec_state *s, uint32_t pos, int st, const struct rusage *ru,
                          double now)
{
    uint32_t ti = s->running[pos];
    const wf_task *t = &s->w->tasks[ti];
    xtask *x = &s->x[ti];
    s->running[pos] = s->running[--s->n_running];
    release_slots(s, ti);
    /* What the process left in its group must not outlive a killed task. */
    if (x->kill != KILL_NONE)
        kill(-x->pid, SIGKILL);

    exec_result r;
    memset(&r, 0, sizeof r);
    r.attempt = x->attempt;
    r.start = x->start;
    r.duration = now - x->start;
    r.slot = x->slot;
    r.max_rss_kb = ru->ru_maxrss; /* kilobytes on Linux */
    r.code = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? WTERMSIG(st) : -1;
    if (x->kill == KILL_INTERRUPT) {
        r.outcome = EXEC_INTERRUPTED;
        snprintf(r.message, sizeof r.message, "interrupted");
    } else if (x->kill == KILL_TIMEOUT) {
        r.outcome = EXEC_TIMEOUT;
        snprintf(r.message, sizeof r.message, "timed out after %g s", t->timeout);
    } else if (WIFSIGNALED(st)) {
        r.outcome = EXEC_SIGNAL;
        snprintf(r.message, sizeof r.message, "killed by signal %d (%s)", r.code,
                 strsignal(r.code));
    } else if (r.code != 0) {
        r.outcome = EXEC_EXIT;
        snprintf(r.message, sizeof r.message, "exit status %d", r.code);
    } else if (s->h && s->h->after_success) {
        char msg[256] = "";
        if (s->h->after_success(s->h->ctx, ti, &r, msg) != 0) {
            r.outcome = EXEC_REJECTED;
            snprintf(r.message, sizeof r.message, "%s", msg[0] ? msg : "rejected");
        }
    }
    attempt_ended(s, ti, &r, now, 1);
}

/* Reap every exited child; those that are not tasks (the caller's) are ignored. */
static void reap(exec_state *s)
{
    for (;;) {
        int st;
        struct rusage ru;
        pid_t pid = wait4(-1, &st, WNOHANG, &ru);
        if (pid <= 0) {
            if (pid < 0 && errno == EINTR)
                continue;
            return;
        }
        for (uint32_t i = 0; i < s->n_running; i++) {
            if (s->x[s->running[i]].pid == pid) {
                process_ended(s, i, st, &ru, now_s(s));
                break;
            }
        }
    }
}

static void interrupt(exec_state *s, int sig, double now)
{
    if (s->interrupt_sig)
        return; /* the first signal's grace period stands */
    s->interrupt_sig = sig;
    stop_starting(s, now);
    for (uint32_t i = 0; i < s->n_running; i++) {
        uint32_t ti = s->running[i];
        s->x[ti].kill = KILL_INTERRUPT;
        s->x[ti].sigkilled = 0;
        signal_group(s, ti, SIGTERM, now);
    }
}

/* The guardian died (its pipe closed): nobody is left to clean up after us, so kill
 * every task now, wait for them, and exit. */
static void guardian_lost(exec_state *s, double now)
{
    if (!s->interrupt_sig)
        s->interrupt_sig = SIGHUP;
    stop_starting(s, now);
    for (uint32_t i = 0; i < s->n_running; i++) {
        s->x[s->running[i]].kill = KILL_INTERRUPT;
        signal_group(s, s->running[i], SIGKILL, now);
    }
    while (s->n_running > 0) {
        int st;
        struct rusage ru;
        pid_t pid = wait4(-1, &st, 0, &ru);
        if (pid < 0 && errno != EINTR)
            break;
        for (uint32_t i = 0; i < s->n_running; i++) {
            if (s->x[s->running[i]].pid == pid) {
                process_ended(s, i, st, &ru, now_s(s));
                break;
            }
        }
    }
    exec__progress_end(&s->progress);
    fprintf(stderr, "pel run: the parent process died; all tasks were killed\n");
    exit(128 + SIGKILL);
}

/* Act on due deadlines; return the next one. */
static double deadlines(exec_state *s, double now)
{
    double next = NEVER;
    for (uint32_t i = 0; i < s->n_running; i++) {
        uint32_t ti = s->running[i];
        xtask *x = &s->x[ti];
        if (x->deadline <= now) {
            if (x->kill == KILL_NONE) {
                x->kill = KILL_TIMEOUT;
                signal_group(s, ti, SIGTERM, now);
            } else if (!x->sigkilled) {
                signal_group(s, ti, SIGKILL, now);
            }
        }
        if (x->deadline < next)
            next = x->deadline;
    }
    for (uint32_t i = 0; i < s->n_retry;) {
        uint32_t ti = s->retry[i];
        if (s->x[ti].deadline <= now) {
            s->retry[i] = s->retry[--s->n_retry];
            s->x[ti].state = T_READY;
            exec__heap_push(&s->heap, ti);
            continue;
        }
        if (s->x[ti].deadline < next)
            next = s->x[ti].deadline;
        i++;
    }
    return next;
}

/* Read the signalfd: note SIGCHLD (reaping follows anyway) and act on interruptions. */
static void read_signals(exec_state *s, int sfd)
{
    struct signalfd_siginfo si[16];
    ssize_t n;
    /* A short read means the queue is empty: no second read just to see EAGAIN. */
    do {
        n = read(sfd, si, sizeof si);
        for (ssize_t i = 0; i < n / (ssize_t)sizeof si[0]; i++)
            if (si[i].ssi_signo != SIGCHLD)
                interrupt(s, (int)si[i].ssi_signo, now_s(s));
    } while (n == (ssize_t)sizeof si);
}

/* --- the loop -------------------------------------------------------------------- */

static int loop(exec_state *s, int sfd)
{
    int gfd = exec__guard_fd();
    struct pollfd pf[2] = {{.fd = sfd, .events = POLLIN}, {.fd = gfd, .events = POLLIN}};
    nfds_t npf = gfd >= 0 ? 2 : 1;

    start_ready(s);
    while (s->n_running > 0 || s->n_retry > 0 || (s->heap.n > 0 && !s->stopping)) {
        double now = now_s(s);
        double next = deadlines(s, now);
        exec_counts c = counts(s);
        exec__progress_draw(&s->progress, now, &c, 0);
        double p = exec__progress_next(&s->progress);
        if (p < next)
            next = p;
        if (s->n_running > 0 && now + REAP_SAFETY_INTERVAL < next)
            next = now + REAP_SAFETY_INTERVAL;
        if (s->n_running == 0 && s->n_retry == 0 && s->heap.n > 0 && !s->stopping) {
            /* Nothing runs yet nothing fits: impossible (cores are capped to the slots,
             * oversized memory fails when ready), so do not wait forever. */
            fprintf(stderr, "pel run: internal error: %u ready tasks cannot start\n",
                    s->heap.n);
            return -1;
        }
        struct timespec ts, *tp = NULL;
        if (next < NEVER) {
            double d = next > now ? next - now : 0;
            ts.tv_sec = (time_t)d;
            ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
            tp = &ts;
        }
        int rc = ppoll(pf, npf, tp, NULL);
        if (rc < 0 && errno != EINTR) {
            fprintf(stderr, "pel run: internal error: ppoll: %s\n", strerror(errno));
            return -1;
        }
        if (rc > 0 && pf[0].revents)
            read_signals(s, sfd);
        if (rc > 0 && npf > 1 && pf[1].revents) {
            char b;
            if (read(gfd, &b, 1) <= 0)
                guardian_lost(s, now_s(s));
        }
        reap(s);
        deadlines(s, now_s(s));
        start_ready(s);
    }
    return 0;
}

static int setup(exec_state *s, const wf *w, const uint8_t *run, const double *prio,
                 const exec_opts *o, const exec_hooks *h)
{
    uint32_t n = w->n_tasks;
    memset(s, 0, sizeof *s);
    s->w = w;
    s->run = run;
    s->o = o;
    s->h = h;
    s->jobs = o->jobs ? o->jobs : 1;
    s->free_slots = s->jobs;
    s->heap.prio = prio;
    s->x = calloc(n ? n : 1, sizeof *s->x);
    s->heap.v = malloc((n ? n : 1) * sizeof(uint32_t));
    s->retry = malloc((n ? n : 1) * sizeof(uint32_t));
    s->stack = malloc((n ? n : 1) * sizeof(uint32_t));
    s->running = malloc(s->jobs * sizeof(uint32_t));
    s->slot_owner = malloc(s->jobs * sizeof(uint32_t));
    s->sp = exec__spawner_create();
    if (o->trace_path)
        s->trace = exec__trace_create();
    if (!s->x || !s->heap.v || !s->retry || !s->stack || !s->running || !s->slot_owner ||
        !s->sp || (o->trace_path && !s->trace)) {
        fprintf(stderr, "pel run: cannot start: %s\n", strerror(errno ? errno : ENOMEM));
        return -1;
    }
    memset(s->slot_owner, 0xff, s->jobs * sizeof(uint32_t));
    if (o->log_dir && mkdir(o->log_dir, 0777) < 0 && errno != EEXIST) {
        fprintf(stderr, "pel run: cannot create log directory %s: %s\n", o->log_dir,
                strerror(errno));
        return -1;
    }
    return 0;
}

static void teardown(exec_state *s)
{
    free(s->x);
    free(s->heap.v);
    free(s->retry);
    free(s->stack);
    free(s->running);
    free(s->slot_owner);
    exec__spawner_destroy(s->sp);
    exec__trace_destroy(s->trace);
}

int exec_run(const wf *w, const uint8_t *run, const double *prio, const exec_opts *o,
             const exec_hooks *h, exec_summary *sum)
{
    exec_state s;
    int rc = setup(&s, w, run, prio, o, h);
    /* SIGCHLD and the interruptions are read from a signalfd, so they must stay blocked
     * (in this thread here; exec_guard_start blocks SIGCHLD for every later thread). */
    sigset_t mask, old;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &mask, &old);
    int sfd = rc == 0 ? signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC) : -1;
    if (rc == 0 && sfd < 0) {
        fprintf(stderr, "pel run: cannot start: signalfd: %s\n", strerror(errno));
        rc = -1;
    }
    if (rc == 0) {
        clock_gettime(CLOCK_MONOTONIC, &s.t0);
        uint32_t total = 0;
        for (uint32_t i = 0; i < w->n_tasks; i++) {
            if (!run[i])
                continue;
            total++;
            s.x[i].state = T_WAITING;
            for (uint32_t d = 0; d < w->tasks[i].n_deps; d++)
                s.x[i].n_wait += run[w->tasks[i].deps[d]] != 0;
        }
        exec__progress_init(&s.progress, o->progress, total, s.jobs);
        for (uint32_t i = 0; i < w->n_tasks && !s.stopping; i++)
            if (s.x[i].state == T_WAITING && s.x[i].n_wait == 0)
                make_ready(&s, i, 0);
        rc = loop(&s, sfd);
        exec__progress_end(&s.progress);
        for (uint32_t i = 0; i < w->n_tasks; i++)
            s.sum.not_started += s.x[i].state == T_WAITING || s.x[i].state == T_READY;
        s.sum.elapsed = now_s(&s);
        if (s.trace && exec__trace_write(s.trace, w, s.jobs, o->trace_path) < 0)
            fprintf(stderr, "pel run: cannot write trace %s: %s\n", o->trace_path,
                    strerror(errno));
        if (rc == 0)
            rc = s.interrupt_sig ? 128 + s.interrupt_sig
                 : s.sum.failed || s.sum.skipped_after_failure ? 1
                                                              : 0;
    }
    if (sfd >= 0)
        close(sfd);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (sum)
        *sum = s.sum;
    teardown(&s);
    return rc;
}
