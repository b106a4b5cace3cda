/* sleep.c — parking idle workers and waking them when work appears.
 *
 * Big theory.
 *   A worker with nothing to do first spins for spin_us looking for work (counted in
 *   num_searching, so spawners know someone is already looking). Then it registers in
 *   the sleeper list (under sleep_lock; num_sleeping counts the list), checks every
 *   deque and the injection queue once more, and parks on its own futex parker.
 *
 *   A spawner publishes its task (release store of the deque's bottom) and then reads
 *   num_sleeping and num_searching with relaxed loads; if someone sleeps and nobody
 *   searches, it pops one sleeper under the lock and unparks it. Searchers that steal
 *   successfully wake one more sleeper while the victim still has work, so wake-ups
 *   spread like a chain without every spawn paying for a syscall.
 *
 *   The one race this leaves open, on purpose: the spawner's load of num_sleeping may be
 *   satisfied before its store of bottom is visible (store-buffer reordering), while the
 *   parking worker's final check reads the old bottom. Both then miss each other. Closing
 *   it needs a full fence on every spawn, which would cost more than the whole rest of
 *   spawn. It is harmless for correctness: the task stays in its owner's deque, and the
 *   owner runs it at the latest when it pops or waits. It only delays parallelism, and
 *   only until the next spawn (which sees the sleeper) or the parked worker's timeout
 *   (PEL_PARK_TIMEOUT_MS), after which it looks for work again. Tasks injected by
 *   threads outside the runtime are not exposed to this: their slow path pays for a
 *   seq_cst handshake (worker.c, pel__inject).
 */
#include <sched.h>
#include <stdlib.h>

#include "core/internal.h"
#include "pel/error.h"
#include "trace/trace_internal.h"

int pel__sleep_init(pel_runtime *rt)
{
    atomic_init(&rt->num_sleeping, 0);
    atomic_init(&rt->num_searching, 0);
    atomic_init(&rt->external_waiters, 0);
    atomic_init(&rt->stopping, 0);
    rt->nsleepers = 0;
    rt->sleepers = calloc((size_t)rt->nworkers, sizeof(*rt->sleepers));
    if (!rt->sleepers) return PEL_ENOMEM;
    if (pthread_mutex_init(&rt->sleep_lock, NULL) != 0) {
        free(rt->sleepers);
        rt->sleepers = NULL;
        return PEL_ESYSTEM;
    }
    return PEL_OK;
}

void pel__sleep_destroy(pel_runtime *rt)
{
    free(rt->sleepers);
    rt->sleepers = NULL;
    pthread_mutex_destroy(&rt->sleep_lock);
}

void pel__sleeper_register(pel__worker *w)
{
    pel_runtime *rt = w->rt;
    pthread_mutex_lock(&rt->sleep_lock);
    if (!w->registered_sleeper) {
        w->registered_sleeper = 1;
        rt->sleepers[rt->nsleepers++] = w;
        /* seq_cst: ordered before the caller's final look for work (the other half of
         * the handshake with pel__notify_work; see the race discussed above). */
        atomic_fetch_add_explicit(&rt->num_sleeping, 1, memory_order_seq_cst);
    }
    pthread_mutex_unlock(&rt->sleep_lock);
}

void pel__sleeper_unregister(pel__worker *w)
{
    pel_runtime *rt = w->rt;
    pthread_mutex_lock(&rt->sleep_lock);
    if (w->registered_sleeper) {
        for (int i = 0; i < rt->nsleepers; i++) {
            if (rt->sleepers[i] == w) {
                rt->sleepers[i] = rt->sleepers[--rt->nsleepers];
                break;
            }
        }
        w->registered_sleeper = 0;
        /* relaxed: the count is a hint for spawners; the list under the lock is exact. */
        atomic_fetch_sub_explicit(&rt->num_sleeping, 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&rt->sleep_lock);
}

/* Caller holds sleep_lock: the sleeper to wake. With pinned workers, where the caller
 * runs matters:
 *   - a worker that spawned keeps its CPU busy, so it wakes a sleeper pinned elsewhere
 *     (one of its own CPU would wait for it while another CPU idles);
 *   - a thread outside the runtime that injected work is about to wait for it, so it
 *     wakes the sleeper pinned to its own CPU: waking a thread on a CPU that is running
 *     costs a context switch, while waking an idle CPU costs an inter-processor
 *     interrupt, several times slower on virtual machines (measured: bench/RESULTS.md).
 * Otherwise the most recent sleeper (its caches are the warmest). */
static int pick_sleeper_locked(pel_runtime *rt, int near_caller)
{
    int pick = rt->nsleepers - 1;
    if (rt->pinned && pick > 0) {
        int here = sched_getcpu();
        for (int i = pick; i >= 0; i--) {
            if ((rt->sleepers[i]->cpu == here) == near_caller) {
                pick = i;
                break;
            }
        }
    }
    return pick;
}

void pel__wake_one(pel_runtime *rt, int near_caller)
{
    pel__worker *w = NULL;
    pthread_mutex_lock(&rt->sleep_lock);
    if (rt->nsleepers > 0) {
        int i = pick_sleeper_locked(rt, near_caller);
        w = rt->sleepers[i];
        rt->sleepers[i] = rt->sleepers[--rt->nsleepers];
        w->registered_sleeper = 0;
        /* relaxed: as in unregister. */
        atomic_fetch_sub_explicit(&rt->num_sleeping, 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&rt->sleep_lock);
    if (!w) return;
    if (pel__tracing()) pel__trace_wake(w);
    pel__parker_unpark(&w->parker);
    /* The worker woken on our CPU can start only when we give it up. */
    if (near_caller && w->cpu >= 0 && w->cpu == sched_getcpu()) sched_yield();
}

void pel__wake_all(pel_runtime *rt)
{
    for (int i = 0; i < rt->nworkers; i++) {
        pel__worker *w = rt->workers[i];
        pel__sleeper_unregister(w);
        pel__parker_unpark(&w->parker);
    }
}
