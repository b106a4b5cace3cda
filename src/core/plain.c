/* plain.c — the plain-path cells: how pel_group_spawn and pel_group_wait learn, without a
 * test of their own, that nothing needs recording.
 *
 * Big theory.
 *   Tracing off must cost nothing on the fork-join fast path, not even a test of the
 *   trace flag. Both calls already load the calling thread's worker and test it (a thread
 *   that is not a worker takes a slower path). So each worker thread has two thread-local
 *   cells that hold its worker when the call has nothing to record, and NULL otherwise:
 *
 *     pel__tls_spawn_plain   NULL while a trace is on (a spawn marks its task);
 *     pel__tls_wait_plain    NULL while a trace is on and this thread's stream is not
 *                            fine (adaptive detail records no waits on a fine stream).
 *
 *   The fast paths read a cell where they used to read pel__tls_worker: NULL sends them
 *   to the slow path, which reads the real state (the trace flag, the stream) and does
 *   what the old code did. A stale cell is therefore never wrong, only slow (NULL) or
 *   late (a worker that records a moment after the trace started, as before: tracing
 *   takes effect "soon" on each thread, see trace_internal.h).
 *
 *   Writers: the trace's start and stop (any thread) write every registered worker's cells
 *   after changing pel__trace_on; the owner writes its own at start-up and when its
 *   stream's fineness may have changed (the adaptive rate check). Two writers can race:
 *   start/stop store pel__trace_on, then the cells; the owner stores the cells, then
 *   loads pel__trace_on again and starts over if it changed. All of these are seq_cst,
 *   so in their single total order either the owner's re-load sees the new flag (and it
 *   rewrites its cells) or its stores come before the toggle's (which overwrite them).
 *   Starts and stops are serialised by the trace registry's lock, and each writes all
 *   cells under cells_lock before it returns, so the last write always matches the last
 *   state. The fast paths read the cells relaxed: they synchronise nothing, a cell only
 *   picks a path.
 */
#include "core/internal.h"
#include "trace/trace_internal.h"

/* atomic: written by other threads (trace start/stop) through the worker's pointers. */
__thread _Atomic(pel__worker *) pel__tls_spawn_plain __attribute__((tls_model("initial-exec")));
__thread _Atomic(pel__worker *) pel__tls_wait_plain __attribute__((tls_model("initial-exec")));

/* Registered workers (those whose thread runs), linked through plain_next. */
static pthread_mutex_t cells_lock = PTHREAD_MUTEX_INITIALIZER;
static pel__worker *registered;
static int nregistered;

/* Store the values for trace state `on` (0: off) and fineness `fine`, unless the cells
 * hold them already. Returns whether it stored. seq_cst, loads included: see the big
 * theory (a cell's value that looks right must be the latest one in the total order). */
static int cells_store(pel__worker *w, uint64_t on, int fine)
{
    pel__worker *spawn = on ? NULL : w, *wait = (!on || fine) ? w : NULL;
    int stored = 0;
    if (atomic_load_explicit(w->spawn_cell, memory_order_seq_cst) != spawn) {
        atomic_store_explicit(w->spawn_cell, spawn, memory_order_seq_cst);
        stored = 1;
    }
    if (atomic_load_explicit(w->wait_cell, memory_order_seq_cst) != wait) {
        atomic_store_explicit(w->wait_cell, wait, memory_order_seq_cst);
        stored = 1;
    }
    return stored;
}

void pel__plain_refresh(pel__worker *w)
{
    for (;;) {
        /* seq_cst: the owner's half of the race described above. */
        uint64_t on = atomic_load_explicit(&pel__trace_on, memory_order_seq_cst);
        if (!cells_store(w, on, pel__tbuf_fine(pel__tls_tbuf, on))) return;
        if (atomic_load_explicit(&pel__trace_on, memory_order_seq_cst) == on) return;
    }
}

void pel__plain_register(pel__worker *w)
{
    pthread_mutex_lock(&cells_lock);
    w->spawn_cell = &pel__tls_spawn_plain;
    w->wait_cell = &pel__tls_wait_plain;
    w->plain_next = registered;
    registered = w;
    nregistered++;
    pthread_mutex_unlock(&cells_lock);
    pel__plain_refresh(w);
}

int pel__plain_registered(void)
{
    pthread_mutex_lock(&cells_lock);
    int n = nregistered;
    pthread_mutex_unlock(&cells_lock);
    return n;
}

void pel__plain_unregister(pel__worker *w)
{
    pthread_mutex_lock(&cells_lock);
    for (pel__worker **p = &registered; *p; p = &(*p)->plain_next)
        if (*p == w) {
            *p = w->plain_next;
            nregistered--;
            break;
        }
    pthread_mutex_unlock(&cells_lock);
    /* The thread ends: nothing reads its cells after this. */
    atomic_store_explicit(&pel__tls_spawn_plain, NULL, memory_order_relaxed);
    atomic_store_explicit(&pel__tls_wait_plain, NULL, memory_order_relaxed);
}

void pel__plain_trace_changed(void)
{
    /* seq_cst: the toggle's half of the race (its store of pel__trace_on came first). */
    uint64_t on = atomic_load_explicit(&pel__trace_on, memory_order_seq_cst);
    pthread_mutex_lock(&cells_lock);
    /* A new trace: no stream has been measured fine in it yet. */
    for (pel__worker *w = registered; w; w = w->plain_next) cells_store(w, on, 0);
    pthread_mutex_unlock(&cells_lock);
}
