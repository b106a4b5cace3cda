/* buffer.c — per-thread event buffers, starting and stopping a trace, PEL_TRACE.
 * (The protocol between owners and exporters is in trace_internal.h.)
 */
#include <stdlib.h>
#include <string.h>

#include "trace/trace_internal.h"

_Atomic uint64_t pel__trace_on;
_Atomic int pel__trace_full;
_Atomic uint64_t pel__trace_gen;
__thread pel__tbuf *pel__tls_tbuf __attribute__((tls_model("initial-exec")));

/* The registry of buffers (never freed) and the memory cap. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static pel__tbuf *registry;
static int next_external_tid = 1000;
/* relaxed: a budget shared by all owners; exceeding it a little is harmless. */
static _Atomic uint64_t bytes_used;
static _Atomic uint64_t bytes_cap;
/* Chunks of finished generations, for reuse (under registry_lock). */
static pel__tchunk *spare_chunks;

#define CHUNK_EVENTS 4096u /* 256 KiB per chunk */

pel__tbuf *pel__tbuf_head(void)
{
    return registry;
}
void pel__tbuf_lock(void)
{
    pthread_mutex_lock(&registry_lock);
}
void pel__tbuf_unlock(void)
{
    pthread_mutex_unlock(&registry_lock);
}

pel__tbuf *pel__tbuf_attach(void)
{
    pel__tbuf *b = calloc(1, sizeof(*b));
    if (!b) return NULL;
    pel__worker *w = pel__tls_worker;
    pthread_mutex_lock(&registry_lock);
    if (w) {
        b->tid = w->rt->trace_tid_base + w->index;
        snprintf(b->name, sizeof b->name, "worker %d", b->tid);
    } else {
        b->tid = next_external_tid++;
        snprintf(b->name, sizeof b->name, "thread %d", b->tid);
    }
    b->next_buf = registry;
    registry = b;
    pthread_mutex_unlock(&registry_lock);
    b->next_id = (uint64_t)(b->tid + 1) << 40;
    b->fine = 0;
    b->rate_ts = pel__trace_clock();
    pel__tls_tbuf = b;
    return b;
}

/* Give the owner's chunks of an old generation back (owner only; an exporter may not run
 * at the same time: pel_trace_start's contract). */
static void recycle(pel__tbuf *b)
{
    /* acquire: pairs with our own release stores; we are the owner. */
    pel__tchunk *c = atomic_load_explicit(&b->head, memory_order_acquire);
    atomic_store_explicit(&b->head, NULL, memory_order_release);
    b->cur = NULL;
    b->n = 0;
    pthread_mutex_lock(&registry_lock);
    while (c) {
        pel__tchunk *next = atomic_load_explicit(&c->next, memory_order_relaxed);
        atomic_store_explicit(&c->next, spare_chunks, memory_order_relaxed);
        spare_chunks = c;
        c = next;
    }
    pthread_mutex_unlock(&registry_lock);
}

static pel__tchunk *chunk_new(void)
{
    pthread_mutex_lock(&registry_lock);
    pel__tchunk *c = spare_chunks;
    if (c) spare_chunks = atomic_load_explicit(&c->next, memory_order_relaxed);
    pthread_mutex_unlock(&registry_lock);
    if (!c) {
        size_t size = sizeof(pel__tchunk) + CHUNK_EVENTS * sizeof(pel__tev);
        /* relaxed: see bytes_used. */
        if (atomic_fetch_add_explicit(&bytes_used, size, memory_order_relaxed) + size >
            atomic_load_explicit(&bytes_cap, memory_order_relaxed)) {
            atomic_fetch_sub_explicit(&bytes_used, size, memory_order_relaxed);
            return NULL;
        }
        c = malloc(size);
        if (!c) {
            atomic_fetch_sub_explicit(&bytes_used, size, memory_order_relaxed);
            return NULL;
        }
        c->cap = CHUNK_EVENTS;
    }
    atomic_store_explicit(&c->n, 0, memory_order_relaxed);
    atomic_store_explicit(&c->next, NULL, memory_order_relaxed);
    return c;
}

pel__tev *pel__tev_slow(pel__tbuf *b)
{
    /* relaxed: see pel__tev_new. */
    uint64_t gen = atomic_load_explicit(&pel__trace_gen, memory_order_relaxed);
    if (b->gen != gen) {
        recycle(b);
        b->gen = gen;
        b->task = 0;
    }
    if (b->cur && b->n < b->cur->cap) return &b->cur->ev[b->n];
    pel__tchunk *c = chunk_new();
    if (!c) {
        /* relaxed: a count read at export. */
        atomic_fetch_add_explicit(&b->dropped, 1, memory_order_relaxed);
        return NULL;
    }
    if (b->cur) {
        /* release: the new chunk's initialisation before exporters can reach it. */
        atomic_store_explicit(&b->cur->next, c, memory_order_release);
    } else {
        atomic_store_explicit(&b->head_gen, gen, memory_order_relaxed);
        /* release: as above, for the first chunk (and head_gen with it). */
        atomic_store_explicit(&b->head, c, memory_order_release);
    }
    b->cur = c;
    b->n = 0;
    return &c->ev[0];
}

PEL_EXPORT int pel_trace_start(const pel_trace_config *cfg)
{
    pel_trace_config d = {PEL_TRACE_ADAPTIVE, 0};
    if (!cfg) cfg = &d;
    if (cfg->detail != PEL_TRACE_ADAPTIVE && cfg->detail != PEL_TRACE_FULL) return PEL_EINVAL;
    pthread_mutex_lock(&registry_lock);
    /* relaxed: the registry lock orders starts and stops among themselves. */
    if (atomic_load_explicit(&pel__trace_on, memory_order_relaxed)) {
        pthread_mutex_unlock(&registry_lock);
        return PEL_EBUSY;
    }
    uint64_t mb = cfg->max_mb ? cfg->max_mb : 1024;
    atomic_store_explicit(&bytes_cap, mb << 20, memory_order_relaxed);
    atomic_store_explicit(&pel__trace_full, cfg->detail == PEL_TRACE_FULL, memory_order_relaxed);
    pel__trace_clock_start();
    uint64_t gen = atomic_fetch_add_explicit(&pel__trace_gen, 1, memory_order_relaxed) + 1;
    pel__stats_trace_started();
    for (pel__tbuf *b = registry; b; b = b->next_buf)
        atomic_store_explicit(&b->dropped, 0, memory_order_relaxed);
    /* release: the settings above before threads see tracing on (they read it relaxed,
     * then read the settings relaxed too: a thread that sees "on" early records with the
     * old detail for a moment, which is harmless). seq_cst rather than release: the
     * flag's store is one half of the race with the plain-path cells' owners
     * (src/core/plain.c), and comes before the cells are set. */
    atomic_store_explicit(&pel__trace_on, gen, memory_order_seq_cst);
    pel__plain_trace_changed();
    pthread_mutex_unlock(&registry_lock);
    return PEL_OK;
}

PEL_EXPORT int pel_trace_stop(void)
{
    pthread_mutex_lock(&registry_lock);
    /* seq_cst, with the cells' writers (src/core/plain.c): the flag before the cells. */
    uint64_t was = atomic_exchange_explicit(&pel__trace_on, 0, memory_order_seq_cst);
    pel__plain_trace_changed();
    pthread_mutex_unlock(&registry_lock);
    return was ? PEL_OK : PEL_EINVAL;
}

PEL_EXPORT int pel_trace_is_on(void)
{
    return atomic_load_explicit(&pel__trace_on, memory_order_relaxed) != 0;
}

/* ---- PEL_TRACE ------------------------------------------------------------------------ */

static char *env_path;

static void write_at_exit(void)
{
    pel_trace_stop();
    int rc = pel_trace_write(env_path);
    if (rc != PEL_OK)
        fprintf(stderr, "pel: PEL_TRACE: cannot write %s: %s\n", env_path, pel_strerror(rc));
}

static pthread_once_t env_once = PTHREAD_ONCE_INIT;

static void read_env(void)
{
    const char *path = getenv("PEL_TRACE");
    if (!path || !*path) return;
    pel_trace_config cfg = {PEL_TRACE_ADAPTIVE, 0};
    const char *detail = getenv("PEL_TRACE_DETAIL");
    if (detail && strcmp(detail, "full") == 0)
        cfg.detail = PEL_TRACE_FULL;
    else if (detail && *detail && strcmp(detail, "adaptive") != 0)
        fprintf(stderr, "pel: PEL_TRACE_DETAIL=%s is not 'adaptive' or 'full'; using adaptive\n",
                detail);
    const char *mb = getenv("PEL_TRACE_MAX_MB");
    if (mb && *mb) {
        char *end;
        unsigned long v = strtoul(mb, &end, 10);
        if (*end || v == 0 || v > (1ul << 20))
            fprintf(stderr, "pel: PEL_TRACE_MAX_MB=%s is not a size in MiB; using 1024\n", mb);
        else
            cfg.max_mb = (unsigned)v;
    }
    env_path = strdup(path);
    if (!env_path || pel_trace_start(&cfg) != PEL_OK) {
        fprintf(stderr, "pel: PEL_TRACE: cannot start tracing\n");
        return;
    }
    atexit(write_at_exit);
}

static _Atomic int next_tid_base;

void pel__trace_runtime_created(pel_runtime *rt)
{
    rt->trace_tid_base = atomic_fetch_add_explicit(&next_tid_base, rt->nworkers,
                                                   memory_order_relaxed);
    pthread_once(&env_once, read_env);
    pel__diagnose_install();
}
