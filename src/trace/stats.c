/* stats.c — per-worker counters: reading them, PEL_STATS, and the list of live runtimes
 * that pel_diagnose and trace exports walk.
 */
#include <stdlib.h>
#include <string.h>

#include "trace/trace_internal.h"

static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static pel_runtime *live_runtimes;

/* Counters of runtimes destroyed while a trace was recorded, for its export. */
typedef struct saved_stats {
    int tid;
    pel_worker_stats s;
} saved_stats;
static saved_stats *saved;
static size_t nsaved, saved_cap;

static void read_worker(const pel__worker *w, pel_worker_stats *out)
{
    pel__worker *x = (pel__worker *)w;
    /* relaxed: statistics, each written by its worker alone. */
    out->tasks = atomic_load_explicit(&x->completed, memory_order_relaxed) +
                 atomic_load_explicit(&x->flow_runs, memory_order_relaxed);
    out->steals_tried = atomic_load_explicit(&x->steals_tried, memory_order_relaxed);
    out->steals_won = atomic_load_explicit(&x->steals, memory_order_relaxed);
    out->parks = atomic_load_explicit(&x->parks, memory_order_relaxed);
    out->idle_ns = atomic_load_explicit(&x->idle_ns, memory_order_relaxed);
}

PEL_EXPORT int pel_runtime_stats(pel_runtime *rt, int worker, pel_worker_stats *out)
{
    if (!out) return PEL_EINVAL;
    rt = pel__runtime_resolve(rt);
    int rc = pel__runtime_check(rt);
    if (rc != PEL_OK) return rc;
    if (worker < 0 || worker >= rt->nworkers) return PEL_EINVAL;
    read_worker(rt->workers[worker], out);
    return PEL_OK;
}

static void print_table(pel_runtime *rt, FILE *out)
{
    pel_worker_stats total = {0};
    fprintf(out, "pel: runtime %p, %d workers\n", (void *)rt, rt->nworkers);
    fprintf(out, "  %-7s %12s %12s %12s %9s %10s\n", "worker", "tasks", "steals tried",
            "steals won", "parks", "idle ms");
    for (int i = 0; i < rt->nworkers; i++) {
        pel_worker_stats s;
        read_worker(rt->workers[i], &s);
        fprintf(out, "  %-7d %12llu %12llu %12llu %9llu %10.1f\n", i, (unsigned long long)s.tasks,
                (unsigned long long)s.steals_tried, (unsigned long long)s.steals_won,
                (unsigned long long)s.parks, (double)s.idle_ns / 1e6);
        total.tasks += s.tasks;
        total.steals_tried += s.steals_tried;
        total.steals_won += s.steals_won;
        total.parks += s.parks;
        total.idle_ns += s.idle_ns;
    }
    fprintf(out, "  %-7s %12llu %12llu %12llu %9llu %10.1f\n", "total",
            (unsigned long long)total.tasks, (unsigned long long)total.steals_tried,
            (unsigned long long)total.steals_won, (unsigned long long)total.parks,
            (double)total.idle_ns / 1e6);
}

PEL_EXPORT int pel_runtime_stats_print(pel_runtime *rt, FILE *out)
{
    if (!out) return PEL_EINVAL;
    rt = pel__runtime_resolve(rt);
    int rc = pel__runtime_check(rt);
    if (rc != PEL_OK) return rc;
    print_table(rt, out);
    return PEL_OK;
}

static pel_runtime *default_for_exit;

static void print_default_at_exit(void)
{
    if (default_for_exit) print_table(default_for_exit, stderr);
}

void pel__stats_default_runtime(pel_runtime *rt)
{
    if (!rt->print_stats) return;
    default_for_exit = rt;
    atexit(print_default_at_exit);
}

void pel__stats_runtime_started(pel_runtime *rt)
{
    const char *env = getenv("PEL_STATS");
    rt->print_stats = env && *env && strcmp(env, "0") != 0;
    pthread_mutex_lock(&live_lock);
    rt->live_next = live_runtimes;
    live_runtimes = rt;
    pthread_mutex_unlock(&live_lock);
}

void pel__stats_runtime_stopping(pel_runtime *rt)
{
    if (rt->print_stats) print_table(rt, stderr);
    pthread_mutex_lock(&live_lock);
    for (pel_runtime **p = &live_runtimes; *p; p = &(*p)->live_next) {
        if (*p == rt) {
            *p = rt->live_next;
            break;
        }
    }
    /* relaxed: only whether a trace is being recorded matters here. */
    if (atomic_load_explicit(&pel__trace_on, memory_order_relaxed) != 0) {
        for (int i = 0; i < rt->nworkers; i++) {
            if (nsaved == saved_cap) {
                size_t cap = saved_cap ? 2 * saved_cap : 16;
                saved_stats *grown = realloc(saved, cap * sizeof(*grown));
                if (!grown) break;
                saved = grown;
                saved_cap = cap;
            }
            saved[nsaved].tid = rt->trace_tid_base + i;
            read_worker(rt->workers[i], &saved[nsaved].s);
            nsaved++;
        }
    }
    pthread_mutex_unlock(&live_lock);
}

/* A trace starts: the counters saved for the previous one go. */
void pel__stats_trace_started(void)
{
    pthread_mutex_lock(&live_lock);
    nsaved = 0;
    pthread_mutex_unlock(&live_lock);
}

/* Call fn for each live runtime, under the lock (pel_diagnose). */
void pel__for_each_runtime(void (*fn)(pel_runtime *rt, void *arg), void *arg)
{
    pthread_mutex_lock(&live_lock);
    for (pel_runtime *rt = live_runtimes; rt; rt = rt->live_next) fn(rt, arg);
    pthread_mutex_unlock(&live_lock);
}

static void put_counters(FILE *out, int tid, const pel_worker_stats *s, int *first)
{
    fprintf(out, "%s{\"worker\":%d,\"tasks\":%llu,\"steals_tried\":%llu,\"steals_won\":%llu,"
                 "\"parks\":%llu,\"idle_ns\":%llu}",
            *first ? "" : ",", tid, (unsigned long long)s->tasks,
            (unsigned long long)s->steals_tried, (unsigned long long)s->steals_won,
            (unsigned long long)s->parks, (unsigned long long)s->idle_ns);
    *first = 0;
}

int pel__trace_counters_json(FILE *out)
{
    int first = 1, n = 0;
    fputc('[', out);
    pthread_mutex_lock(&live_lock);
    for (size_t i = 0; i < nsaved; i++, n++) put_counters(out, saved[i].tid, &saved[i].s, &first);
    for (pel_runtime *rt = live_runtimes; rt; rt = rt->live_next) {
        for (int i = 0; i < rt->nworkers; i++) {
            pel_worker_stats s;
            read_worker(rt->workers[i], &s);
            put_counters(out, rt->trace_tid_base + i, &s, &first);
            n++;
        }
    }
    pthread_mutex_unlock(&live_lock);
    fputc(']', out);
    return n;
}
