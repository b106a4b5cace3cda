/* worker.c — the worker threads: finding work (own deque, stealing, injection queue),
 * running tasks, and idling (spin, then park).
 */
#include <sched.h>
#include <string.h>

#include "core/internal.h"
#include "pel/error.h"
#include "trace/trace_internal.h"

__thread pel__worker *pel__tls_worker __attribute__((tls_model("initial-exec")));
__thread pel__parker pel__tls_parker __attribute__((tls_model("initial-exec")));

_Noreturn void pel__assert_fail(const char *cond, const char *file, int line)
{
    fprintf(stderr, "pel: internal check failed: %s (%s:%d)\n", cond, file, line);
    abort();
}

static inline uint64_t next_random(pel__worker *w)
{
    /* xorshift64: victim selection only needs to be cheap and not correlated. */
    uint64_t x = w->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return w->rng = x;
}

void pel__inject(pel_runtime *rt, pel__task *t)
{
    t->next = NULL;
    pthread_mutex_lock(&rt->inject_lock);
    /* relaxed: read for quiescence (runtime.c), ordered by the lock. */
    atomic_fetch_add_explicit(&rt->external_spawned, 1, memory_order_relaxed);
    if (rt->inject_tail)
        rt->inject_tail->next = t;
    else
        rt->inject_head = t;
    rt->inject_tail = t;
    /* seq_cst, with the seq_cst load of num_sleeping below: the store-load pair of a
     * handshake whose other half is a parking worker's seq_cst increment of num_sleeping
     * followed by its seq_cst load of inject_count (inject_take). In the single total
     * order of these four, one side sees the other: an injected task never waits for a
     * sleeper's timeout. */
    atomic_fetch_add_explicit(&rt->inject_count, 1, memory_order_seq_cst);
    pthread_mutex_unlock(&rt->inject_lock);
    if (atomic_load_explicit(&rt->num_sleeping, memory_order_seq_cst) > 0) pel__wake_one(rt, 1);
}

static pel__task *inject_take(pel_runtime *rt)
{
    /* seq_cst: see pel__inject (a plain load on x86); the queue is read under the lock. */
    if (atomic_load_explicit(&rt->inject_count, memory_order_seq_cst) == 0) return NULL;
    pthread_mutex_lock(&rt->inject_lock);
    pel__task *t = rt->inject_head;
    if (t) {
        rt->inject_head = t->next;
        if (!rt->inject_head) rt->inject_tail = NULL;
        atomic_fetch_sub_explicit(&rt->inject_count, 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&rt->inject_lock);
    return t;
}

/* One round over all victims in random order, then the injection queue; a few rounds
 * if steals were lost to contention (a sign that work exists). */
static pel__task *steal_work(pel__worker *w)
{
    pel_runtime *rt = w->rt;
    int n = rt->nworkers;
    for (int round = 0; round < 4; round++) {
        int contended = 0;
        if (n > 1) {
            int v = (int)(next_random(w) % (uint64_t)n);
            for (int i = 0; i < n; i++, v = v + 1 == n ? 0 : v + 1) {
                if (v == w->index) continue;
                pel__worker *victim = rt->workers[v];
                pel__stat_add(&w->steals_tried, 1);
                void *item = pel__deque_steal(&victim->deque);
                if (item == PEL__DEQUE_ABORT) {
                    contended = 1;
                } else if (item) {
                    /* relaxed: a statistic. */
                    pel__stat_add(&w->steals, 1);
                    if (pel__tracing()) pel__trace_steal(item, rt->trace_tid_base + v);
                    /* The victim has more: pass the wake-up along the chain. */
                    if (pel__deque_size_estimate(&victim->deque) > 0 &&
                        atomic_load_explicit(&rt->num_sleeping, memory_order_relaxed) > 0)
                        pel__wake_one(rt, 0);
                    return item;
                }
            }
        }
        /* Dataflow submitters outside the runtime (see ext_deques). acquire: pairs with
         * the release increment in pel__flow_ext_deque_take; slots below the count are
         * set and never change. */
        int next = atomic_load_explicit(&rt->ext_count, memory_order_acquire);
        for (int i = 0; i < next; i++) {
            pel__stat_add(&w->steals_tried, 1);
            void *item = pel__deque_steal(rt->ext_deques[i]);
            if (item == PEL__DEQUE_ABORT) {
                contended = 1;
            } else if (item) {
                pel__stat_add(&w->steals, 1);
                if (pel__tracing()) pel__trace_steal(item, -1);
                return item;
            }
        }
        pel__task *t = inject_take(rt);
        if (t) return t;
        if (!contended) break;
    }
    return NULL;
}

pel__task *pel__find_work(pel__worker *w)
{
    pel__task *t = pel__deque_pop(&w->deque);
    return t ? t : steal_work(w);
}

void pel__group_fail(pel__group *g, int rc)
{
    int none = 0;
    /* relaxed: published to the waiter by the release in pel__group_complete. */
    atomic_compare_exchange_strong_explicit(&g->error, &none, rc, memory_order_relaxed,
                                            memory_order_relaxed);
}

pel__task *pel__idle(pel__worker *w, const pel__idle_hook *hook)
{
    pel_runtime *rt = w->rt;
    pel__task *t = NULL;
    /* relaxed: num_searching is a hint for spawners (see sleep.c). */
    atomic_fetch_add_explicit(&rt->num_searching, 1, memory_order_relaxed);
    /* After a park that timed out, look once and park again: an idle runtime must not
     * spin PEL_PARK_TIMEOUT_MS-periodically. */
    uint64_t spin_ns = w->idle_parks ? 0 : (uint64_t)rt->spin_us * 1000u;
    uint64_t idle_start = pel__now_ns();
    uint64_t deadline = idle_start + spin_ns;
    /* relaxed: a hint for pel_diagnose. */
    atomic_store_explicit(&w->state, PEL__WS_SEARCHING, memory_order_relaxed);
    for (unsigned round = 1;; round++) {
        if (hook->done(hook->arg)) break;
        if ((t = pel__find_work(w))) break;
        for (int i = 0; i < 32; i++) pel__cpu_relax();
        /* With more workers than CPUs, or a thread outside the runtime waiting for a
         * result, a spinning worker would take a CPU from a thread with something to do:
         * let it run. relaxed: a hint. */
        if (round > 8 && (rt->oversubscribed ||
                          atomic_load_explicit(&rt->external_waiters, memory_order_relaxed)))
            sched_yield();
        if ((round & 7) == 0 && pel__now_ns() > deadline) break;
    }
    atomic_fetch_sub_explicit(&rt->num_searching, 1, memory_order_relaxed);
    if (t || hook->done(hook->arg)) {
        w->idle_parks = 0;
        pel__stat_add(&w->idle_ns, pel__now_ns() - idle_start);
        atomic_store_explicit(&w->state, PEL__WS_RUNNING, memory_order_relaxed);
        return t;
    }

    pel__sleeper_register(w);
    if (!hook->arm || hook->arm(hook->arg)) {
        t = pel__find_work(w);
        if (!t && !hook->done(hook->arg)) {
            int traced = pel__tracing();
            if (traced) pel__trace_park(1);
            atomic_store_explicit(&w->state, PEL__WS_PARKED, memory_order_relaxed);
            int woken = pel__parker_park(&w->parker, PEL_PARK_TIMEOUT_MS);
            if (traced) pel__trace_park(0);
            pel__stat_add(&w->parks, 1);
            /* Woken: work appeared (it is found after return). Counting that park would
             * make the next idle spell park at once: a worker woken for a task, then
             * idle for a moment after it, would need another wake-up (~20 us on the VM)
             * for what comes next. */
            w->idle_parks = woken ? 0 : w->idle_parks + 1;
        }
        if (hook->disarm) hook->disarm(hook->arg);
    }
    pel__sleeper_unregister(w);
    if (t) w->idle_parks = 0;
    pel__stat_add(&w->idle_ns, pel__now_ns() - idle_start);
    atomic_store_explicit(&w->state, PEL__WS_RUNNING, memory_order_relaxed);
    return t;
}

static int runtime_stopping(void *arg)
{
    pel_runtime *rt = arg;
    /* acquire: pairs with the release store in pel__workers_stop. */
    return atomic_load_explicit(&rt->stopping, memory_order_acquire);
}

static void *worker_main(void *arg)
{
    pel__worker *w = arg;
    pel__tls_worker = w;
    pel__plain_register(w);
    const pel__idle_hook hook = {runtime_stopping, NULL, NULL, w->rt};
    for (;;) {
        pel__task *t = pel__find_work(w);
        if (!t) t = pel__idle(w, &hook);
        if (t)
            pel__run_task(w, t);
        else if (runtime_stopping(w->rt))
            break;
    }
    pel__plain_unregister(w);
    pel__tls_worker = NULL;
    return NULL;
}

static void worker_free(pel__worker *w)
{
    pel__deque_destroy(&w->deque);
    free(w);
}

/* Start w's thread, pinned to w->cpu when that is set (the CPU is fixed before the thread
 * runs, so w->cpu never changes under a reader). If pinning is refused, run unpinned. */
static int start_thread(pel__worker *w)
{
    if (w->cpu >= 0) {
        pthread_attr_t attr;
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(w->cpu, &set);
        int ok = pthread_attr_init(&attr) == 0;
        if (ok && pthread_attr_setaffinity_np(&attr, sizeof(set), &set) == 0 &&
            pthread_create(&w->thread, &attr, worker_main, w) == 0) {
            pthread_attr_destroy(&attr);
            return 0;
        }
        if (ok) pthread_attr_destroy(&attr);
        w->cpu = -1;
    }
    return pthread_create(&w->thread, NULL, worker_main, w);
}

int pel__workers_start(pel_runtime *rt)
{
    int n = rt->nworkers;
    for (int i = 0; i < n; i++) {
        pel__worker *w = aligned_alloc(PEL_CACHE_LINE, (sizeof(pel__worker) + PEL_CACHE_LINE - 1) /
                                       PEL_CACHE_LINE * PEL_CACHE_LINE);
        if (!w) goto fail;
        memset(w, 0, sizeof(*w));
        if (pel__deque_init(&w->deque) != PEL_OK) {
            free(w);
            goto fail;
        }
        w->index = i;
        w->rt = rt;
        w->rng = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
        w->cpu = rt->pinned ? rt->topo.cpu_order[i % rt->topo.ncpu_order] : -1;
        pel__parker_init(&w->parker);
        rt->workers[i] = w;
        continue;
    fail:
        for (int j = 0; j < i; j++) worker_free(rt->workers[j]);
        return PEL_ENOMEM;
    }
    for (int i = 0; i < n; i++) {
        if (start_thread(rt->workers[i]) != 0) {
            /* release: as in pel__workers_stop. */
            atomic_store_explicit(&rt->stopping, 1, memory_order_release);
            pel__wake_all(rt);
            for (int j = 0; j < i; j++) pthread_join(rt->workers[j]->thread, NULL);
            for (int j = 0; j < n; j++) worker_free(rt->workers[j]);
            return PEL_ESYSTEM;
        }
    }
    return PEL_OK;
}

void pel__workers_stop(pel_runtime *rt)
{
    /* release: pairs with the acquire in runtime_stopping. */
    atomic_store_explicit(&rt->stopping, 1, memory_order_release);
    pel__wake_all(rt);
    for (int i = 0; i < rt->nworkers; i++) pthread_join(rt->workers[i]->thread, NULL);
    for (int i = 0; i < rt->nworkers; i++) {
        PEL_ASSERT(pel__deque_size_estimate(&rt->workers[i]->deque) == 0);
        worker_free(rt->workers[i]);
        rt->workers[i] = NULL;
    }
}
