/* runtime.c — runtime lifecycle: create, destroy (after the work drains), the default
 * runtime, and queries.
 *
 * Destroyed handles: a runtime's record is not freed by destroy but kept, marked dead,
 * in a graveyard of PEL_RUNTIME_GRAVEYARD records, so that a call through a stale handle
 * finds a valid record and returns PEL_EDESTROYED instead of reading freed memory. Only
 * when the graveyard is full is its oldest record reused for a new runtime.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/internal.h"
#include "os/cpus.h"
#include "pel/error.h"

static pthread_mutex_t graveyard_lock = PTHREAD_MUTEX_INITIALIZER;
static pel_runtime *graveyard_head, *graveyard_tail;
static int graveyard_count;

static pthread_once_t default_once = PTHREAD_ONCE_INIT;
static pel_runtime *default_rt;
static int default_error;
_Atomic(pel_runtime *) pel__default_runtime;

PEL_EXPORT void pel_config_init(pel_config *cfg)
{
    if (!cfg) return;
    cfg->num_workers = 0;
    cfg->pin = -1;
    cfg->spin_us = -1;
}

/* A record for a new runtime: recycled from a full graveyard, or fresh. */
static pel_runtime *record_new(void)
{
    pel_runtime *rt = NULL;
    pthread_mutex_lock(&graveyard_lock);
    if (graveyard_count >= PEL_RUNTIME_GRAVEYARD) {
        rt = graveyard_head;
        graveyard_head = rt->grave_next;
        if (!graveyard_head) graveyard_tail = NULL;
        graveyard_count--;
    }
    pthread_mutex_unlock(&graveyard_lock);
    if (!rt) rt = aligned_alloc(PEL_CACHE_LINE, (sizeof(*rt) + PEL_CACHE_LINE - 1) /
                                PEL_CACHE_LINE * PEL_CACHE_LINE);
    if (rt) memset(rt, 0, sizeof(*rt));
    return rt;
}

static void record_bury(pel_runtime *rt)
{
    rt->grave_next = NULL;
    pthread_mutex_lock(&graveyard_lock);
    if (graveyard_tail)
        graveyard_tail->grave_next = rt;
    else
        graveyard_head = rt;
    graveyard_tail = rt;
    graveyard_count++;
    pthread_mutex_unlock(&graveyard_lock);
}

/* Resolve the worker count and other settings from cfg and the environment. */
static int resolve_config(const pel_config *cfg, int *nworkers, int *pin, int *spin_us)
{
    pel_config defaults;
    pel_config_init(&defaults);
    if (!cfg) cfg = &defaults;
    if (cfg->num_workers < 0 || cfg->num_workers > PEL_MAX_WORKERS) return PEL_EINVAL;
    if (cfg->pin < -1 || cfg->pin > 1 || cfg->spin_us < -1) return PEL_EINVAL;
    *nworkers = cfg->num_workers;
    if (*nworkers == 0) {
        const char *env = getenv("PEL_NUM_WORKERS");
        if (env) {
            *nworkers = pel__parse_positive(env, PEL_MAX_WORKERS);
            if (*nworkers < 0) {
                fprintf(stderr, "pel: PEL_NUM_WORKERS=\"%s\" is not a number from 1 to %d\n",
                        env, PEL_MAX_WORKERS);
                return PEL_EINVAL;
            }
        } else {
            *nworkers = pel__default_worker_count();
        }
    }
    *spin_us = cfg->spin_us;
    if (*spin_us < 0) {
        const char *env = getenv("PEL_SPIN_US");
        int v = env ? pel__parse_positive(env, 1000000) : -1;
        *spin_us = v > 0 ? v : (env && strcmp(env, "0") == 0 ? 0 : PEL_DEFAULT_SPIN_US);
    }
    *pin = cfg->pin;
    if (*pin < 0) {
        const char *env = getenv("PEL_PIN");
        *pin = env ? strcmp(env, "0") != 0 : 1;
    }
    return PEL_OK;
}

static void runtime_release(pel_runtime *rt)
{
    free(rt->workers);
    rt->workers = NULL;
    pel__topology_free(&rt->topo);
    pel__sleep_destroy(rt);
    pel__pool_destroy(rt);
    pthread_mutex_destroy(&rt->inject_lock);
    for (int i = 0; i < PEL_MAX_EXT_DEQUES; i++) {
        if (!rt->ext_deques[i]) continue;
        pel__deque_destroy(rt->ext_deques[i]);
        free(rt->ext_deques[i]);
        rt->ext_deques[i] = NULL;
    }
    pthread_mutex_destroy(&rt->ext_lock);
}

PEL_EXPORT int pel_runtime_create(const pel_config *cfg, pel_runtime **out)
{
    if (!out) return PEL_EINVAL;
    int nworkers, pin, spin_us;
    int rc = resolve_config(cfg, &nworkers, &pin, &spin_us);
    if (rc != PEL_OK) return rc;
    pel_runtime *rt = record_new();
    if (!rt) return PEL_ENOMEM;
    rt->nworkers = nworkers;
    rt->spin_us = spin_us;
    atomic_init(&rt->state, PEL__RT_ALIVE);
    atomic_init(&rt->any_cancel, 0);
    atomic_init(&rt->inject_count, 0);
    atomic_init(&rt->external_spawned, 0);
    atomic_init(&rt->live_flows, 0);
    atomic_init(&rt->ext_count, 0);
    pthread_mutex_init(&rt->ext_lock, NULL);
    rt->workers = calloc((size_t)nworkers, sizeof(*rt->workers));
    if (!rt->workers || pel__topology_load(&rt->topo) != PEL_OK) {
        free(rt->workers);
        free(rt);
        return PEL_ENOMEM;
    }
    /* Pin only when every worker gets a CPU of its own. */
    rt->pinned = pin && nworkers <= rt->topo.ncpu_order;
    rt->oversubscribed = nworkers > pel__default_worker_count();
    if (pel__pool_init(rt) != PEL_OK || pthread_mutex_init(&rt->inject_lock, NULL) != 0) {
        pel__topology_free(&rt->topo);
        free(rt->workers);
        free(rt);
        return PEL_ESYSTEM;
    }
    rc = pel__sleep_init(rt);
    pel__trace_runtime_created(rt); /* trace tids, PEL_TRACE: before any worker records */
    if (rc == PEL_OK) rc = pel__workers_start(rt);
    if (rc != PEL_OK) {
        if (rt->sleepers) pel__sleep_destroy(rt);
        pel__topology_free(&rt->topo);
        pel__pool_destroy(rt);
        pthread_mutex_destroy(&rt->inject_lock);
        free(rt->workers);
        free(rt);
        return rc;
    }
    rt->magic = PEL__RUNTIME_MAGIC;
    pel__stats_runtime_started(rt);
    *out = rt;
    return PEL_OK;
}

/* All tasks spawned so far have completed. Reads every completed counter before any
 * spawned counter: the counters only grow, and a task completes after it is spawned,
 * so equal sums mean that at the moment between the two passes nothing was in flight. */
static int runtime_quiescent(pel_runtime *rt)
{
    uint64_t completed = 0, spawned = 0;
    for (int i = 0; i < rt->nworkers; i++)
        /* acquire: pairs with the release in pel__run_task. */
        completed += atomic_load_explicit(&rt->workers[i]->completed, memory_order_acquire);
    for (int i = 0; i < rt->nworkers; i++)
        /* acquire: orders this pass after the first one. */
        spawned += atomic_load_explicit(&rt->workers[i]->spawned, memory_order_acquire);
    spawned += atomic_load_explicit(&rt->external_spawned, memory_order_acquire);
    return completed == spawned;
}

PEL_EXPORT int pel_runtime_destroy(pel_runtime *rt)
{
    int rc = pel__runtime_check(rt);
    if (rc != PEL_OK) return rc;
    if (rt == default_rt) return PEL_EINVAL;
    pel__worker *w = pel__tls_worker;
    if (w && w->rt == rt) return PEL_EDEADLK;
    /* acquire: pairs with the release decrement in pel_flow_destroy (its flow's tasks
     * are finished). */
    if (atomic_load_explicit(&rt->live_flows, memory_order_acquire) > 0) return PEL_EBUSY;
    int alive = PEL__RT_ALIVE;
    /* acq_rel: one destroyer wins; the loser reports the runtime as destroyed. */
    if (!atomic_compare_exchange_strong_explicit(&rt->state, &alive, PEL__RT_DRAINING,
                                                 memory_order_acq_rel, memory_order_acquire))
        return PEL_EDESTROYED;
    /* Work in flight: wait for it (documented), polling gently. */
    while (!runtime_quiescent(rt)) {
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
    }
    pel__stats_runtime_stopping(rt); /* PEL_STATS; before the workers are freed */
    pel__workers_stop(rt);
    runtime_release(rt);
    /* relaxed: later calls through this handle only need to see DEAD eventually; the
     * record stays valid memory (graveyard). */
    atomic_store_explicit(&rt->state, PEL__RT_DEAD, memory_order_relaxed);
    record_bury(rt);
    return PEL_OK;
}

static void default_create(void)
{
    default_error = pel_runtime_create(NULL, &default_rt);
    if (default_error != PEL_OK) default_rt = NULL;
    if (default_rt) pel__stats_default_runtime(default_rt);
    /* release: pairs with the acquire load in pel__runtime_resolve. */
    atomic_store_explicit(&pel__default_runtime, default_rt, memory_order_release);
}

PEL_EXPORT pel_runtime *pel_runtime_default(void)
{
    pthread_once(&default_once, default_create);
    return default_rt;
}

PEL_EXPORT int pel_runtime_default_error(void)
{
    pthread_once(&default_once, default_create);
    return default_error;
}

PEL_EXPORT int pel_runtime_num_workers(pel_runtime *rt)
{
    rt = pel__runtime_resolve(rt);
    if (!rt) return PEL_EINVAL;
    int rc = pel__runtime_check(rt);
    return rc != PEL_OK ? rc : rt->nworkers;
}

PEL_EXPORT int pel_worker_index(void)
{
    pel__worker *w = pel__tls_worker;
    return w ? w->index : -1;
}

PEL_EXPORT int pel_runtime_topology(pel_runtime *rt, pel_topology *out)
{
    if (!out) return PEL_EINVAL;
    rt = pel__runtime_resolve(rt);
    if (!rt) return PEL_EINVAL;
    int rc = pel__runtime_check(rt);
    if (rc != PEL_OK) return rc;
    out->packages = rt->topo.packages;
    out->cores = rt->topo.cores;
    out->pus = rt->topo.pus;
    out->from_hwloc = rt->topo.from_hwloc;
    out->num_workers = rt->nworkers;
    out->pinned = rt->pinned;
    return PEL_OK;
}

PEL_EXPORT int pel_runtime_worker_cpu(pel_runtime *rt, int worker)
{
    rt = pel__runtime_resolve(rt);
    if (!rt) return PEL_EINVAL;
    int rc = pel__runtime_check(rt);
    if (rc != PEL_OK) return rc;
    if (worker < 0 || worker >= rt->nworkers) return PEL_EINVAL;
    return rt->workers[worker]->cpu;
}
