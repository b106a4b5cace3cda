/* diagnose.c — pel_diagnose and SIGUSR1: what every worker does and which dataflow tasks
 * are pending, for a program that seems to hang.
 *
 * A signal handler may call almost nothing, so SIGUSR1 only posts a semaphore; a thread
 * started with the first runtime waits on it and prints the report. The handler is
 * installed only when SIGUSR1 still has its default action (a program's own handler
 * wins) and PEL_DIAGNOSE is not 0.
 */
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace_internal.h"


static void runtime_report(pel_runtime *rt, void *arg)
{
    FILE *out = arg;
    fprintf(out, "pel: runtime %p: %d workers\n", (void *)rt, rt->nworkers);
    for (int i = 0; i < rt->nworkers; i++) {
        pel__worker *w = rt->workers[i];
        /* relaxed: hints written by the worker (see internal.h). */
        int state = atomic_load_explicit(&w->state, memory_order_relaxed);
        const char *flow_task = atomic_load_explicit(&w->running_flow_task, memory_order_relaxed);
        pel_worker_stats s;
        pel_runtime_stats(rt, i, &s);
        fprintf(out, "  worker %d: ", i);
        if (state == PEL__WS_PARKED)
            fputs("asleep (no work)", out);
        else if (state == PEL__WS_SEARCHING)
            fputs("looking for work", out);
        else if (flow_task)
            fprintf(out, "running dataflow task '%s'", flow_task);
        else
            fputs("running a task", out);
        fprintf(out, "; %llu tasks run, about %llu queued in its deque\n", (unsigned long long)s.tasks,
                (unsigned long long)pel__deque_size_estimate(&w->deque));
    }
}

PEL_EXPORT int pel_diagnose(FILE *out)
{
    if (!out) return PEL_EINVAL;
    pel__for_each_runtime(runtime_report, out);
    pel__flow_diagnose(out);
    fflush(out);
    return PEL_OK;
}

/* ---- SIGUSR1 -------------------------------------------------------------------------- */

static sem_t requests;

static void on_sigusr1(int sig)
{
    (void)sig;
    sem_post(&requests); /* async-signal-safe */
}

static void *diagnose_thread(void *arg)
{
    (void)arg;
    for (;;) {
        if (sem_wait(&requests) == 0) pel_diagnose(stderr);
    }
    return NULL;
}

static void install(void)
{
    const char *env = getenv("PEL_DIAGNOSE");
    if (env && strcmp(env, "0") == 0) return;
    struct sigaction old;
    if (sigaction(SIGUSR1, NULL, &old) != 0 || old.sa_handler != SIG_DFL ||
        (old.sa_flags & SA_SIGINFO))
        return;
    if (sem_init(&requests, 0, 0) != 0) return;
    /* The thread must not take signals meant for the program's own threads, nor stop
     * the process from exiting. */
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    pthread_t t;
    pthread_attr_t attr;
    int ok = pthread_attr_init(&attr) == 0;
    ok = ok && pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0 &&
         pthread_create(&t, &attr, diagnose_thread, NULL) == 0;
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    if (!ok) return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigusr1;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
}

static pthread_once_t install_once = PTHREAD_ONCE_INIT;

void pel__diagnose_install(void)
{
    pthread_once(&install_once, install);
}
