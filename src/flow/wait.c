/* wait.c — counting pending tasks, and waiting for them while running ready ones.
 *
 * Pending tasks are counted without a shared counter: each thread counts its submissions
 * and finishes in its own slot of the flow (one cache line each), and a waiter sums them,
 * all `finished` first, then all `submitted`. Counters only grow, and a task's submission
 * is counted before it can finish, so the difference is never below the number of tasks
 * pending at the moment between the two passes; zero means there was none.
 *
 * A waiter that found nothing to run parks after storing its parker where finishers look
 * (root_waiter, with the target in wait_target, or a task's `waiter`). Finishers count
 * with a seq_cst read-modify-write and then read that pointer with seq_cst: with the
 * waiter's seq_cst store and its re-check, one side always sees the other, so no wake-up
 * is lost. A finisher's last touch of the flow is clearing its slot's `busy` flag, which
 * pel_flow_destroy waits for.
 */
#include <sched.h>

#include "flow/flow_internal.h"

uint64_t pel__flow_pending(pel_flow *f)
{
    uint64_t finished = 0, submitted = 0;
    for (int i = 0; i < f->nslots; i++)
        /* acquire: pairs with the finisher's seq_cst increment (their effects). */
        finished += atomic_load_explicit(&f->slots[i].finished, memory_order_acquire);
    for (int i = 0; i < f->nslots; i++)
        /* acquire: orders this pass after the first. */
        submitted += atomic_load_explicit(&f->slots[i].submitted, memory_order_acquire);
    return submitted - finished;
}

void pel__flow_count_submit(pel_flow *f, int slot)
{
    _Atomic uint64_t *c = &f->slots[slot].submitted;
    /* relaxed: the task is published later (deque push, edge CAS: release), and the
     * slot has one writer at a time (a worker, or the top-level thread). */
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

void pel__flow_count_finish(pel_flow *f, int slot)
{
    pel__fslotcount *c = &f->slots[slot];
    /* relaxed: pel_flow_destroy reads it after it saw this finish counted (acquire on the
     * counter below, which is a later RMW in this thread: release-ordered). */
    atomic_store_explicit(&c->busy, 1, memory_order_relaxed);
    /* seq_cst: see the top of this file (the handshake with a parking waiter). */
    atomic_fetch_add_explicit(&c->finished, 1, memory_order_seq_cst);
    if (PEL_UNLIKELY(atomic_load_explicit(&f->root_waiter, memory_order_seq_cst) != NULL)) {
        /* relaxed: the target is written before the waiter's seq_cst store of itself. */
        if (pel__flow_pending(f) <= atomic_load_explicit(&f->wait_target, memory_order_relaxed)) {
            pel__parker *p = atomic_exchange_explicit(&f->root_waiter, NULL, memory_order_seq_cst);
            if (p) pel__parker_unpark(p);
        }
    }
    /* release: our last access to f happens before destroy frees it. */
    atomic_store_explicit(&c->busy, 0, memory_order_release);
}

/* A thread outside the runtime helps with its own submission deque only: a flow has one
 * slot for all threads outside the runtime, which only its top-level thread may use (see
 * pel__flow_slot), so such a thread must not run other flows' tasks; and fork-join tasks
 * need a worker. What it pushes there holds only its flow's tasks, and workers steal
 * from it too. */
static int help_external(pel_flow *f)
{
    if (pel__tls_serving != f || !f->ext_deque) return 0;
    pel__task *t = pel__deque_pop(f->ext_deque);
    if (!t) return 0;
    if (pel__flow_item_of(t) != f) {
        /* Pushed while this thread served another flow (a task of f submitting to it). */
        pel__inject(f->rt, t);
        return 0;
    }
    pel__flow_execute(NULL, t);
    return 1;
}

typedef struct help_wait {
    int (*done)(void *);
    void *arg;
    _Atomic(pel__parker *) *slot;
} help_wait;

static int hook_done(void *arg)
{
    help_wait *hw = arg;
    return hw->done(hw->arg);
}

static int hook_arm(void *arg)
{
    help_wait *hw = arg;
    /* seq_cst: the store half of the handshake (top of file). */
    atomic_store_explicit(hw->slot, pel__self_parker(), memory_order_seq_cst);
    return !hw->done(hw->arg);
}

static void hook_disarm(void *arg)
{
    help_wait *hw = arg;
    /* seq_cst: take the parker back unless a finisher already took it (then its unpark
     * leaves a token: the next park returns at once, harmlessly). */
    atomic_exchange_explicit(hw->slot, NULL, memory_order_seq_cst);
}

void pel__flow_help_until(pel_flow *f, int (*done)(void *), void *arg,
                          _Atomic(pel__parker *) *waiter_slot)
{
    help_wait hw = {done, arg, waiter_slot};
    pel__worker *w = pel__tls_worker;
    if (w && w->rt == f->rt) {
        const pel__idle_hook hook = {hook_done, hook_arm, hook_disarm, &hw};
        while (!done(arg)) {
            pel__task *t = pel__find_work(w);
            if (!t) t = pel__idle(w, &hook);
            if (t) pel__run_task(w, t);
        }
        return;
    }
    for (;;) {
        if (done(arg)) return;
        if (help_external(f)) continue;
        uint64_t deadline = pel__now_ns() + PEL_EXTERNAL_SPIN_NS;
        int found = 0;
        while (!found && pel__now_ns() < deadline) {
            if (done(arg)) return;
            found = help_external(f);
            pel__cpu_relax();
        }
        if (found) continue;
        if (hook_arm(&hw)) {
            if (!help_external(f)) pel__parker_park(pel__self_parker(), PEL_PARK_TIMEOUT_MS);
        }
        hook_disarm(&hw);
    }
}

typedef struct pending_target {
    pel_flow *f;
    uint64_t target;
} pending_target;

static int pending_done(void *arg)
{
    pending_target *pt = arg;
    return pel__flow_pending(pt->f) <= pt->target;
}

void pel__flow_wait_pending(pel_flow *f, uint64_t target)
{
    pending_target pt = {f, target};
    /* relaxed: published by the seq_cst store of the waiter (hook_arm). */
    atomic_store_explicit(&f->wait_target, target, memory_order_relaxed);
    pel__flow_help_until(f, pending_done, &pt, &f->root_waiter);
}
