/* diagnose.c — the dataflow half of pel_diagnose: every live flow's pending tasks and the
 * tasks each still waits for.
 *
 * Reads the flows while they run, without stopping them: only atomic fields decide what
 * is printed (refs > 0: a live record; succs sealed: finished; deps: unmet dependencies),
 * and names and ids are fields written before a record was published. A record reused
 * in the middle of the walk may print inconsistently; that is the price of not stopping
 * a program that may be hung. Flows are on a list (under its lock, which destroy takes
 * too), so a flow is never freed under the walk.
 */
#include <stdlib.h>

#include "flow/flow_internal.h"
#include "trace/trace_internal.h"

static pthread_mutex_t flows_lock = PTHREAD_MUTEX_INITIALIZER;
static pel_flow *flows;

void pel__flow_list_add(pel_flow *f)
{
    pthread_mutex_lock(&flows_lock);
    f->diag_next = flows;
    flows = f;
    pthread_mutex_unlock(&flows_lock);
}

void pel__flow_list_remove(pel_flow *f)
{
    pthread_mutex_lock(&flows_lock);
    for (pel_flow **p = &flows; *p; p = &(*p)->diag_next) {
        if (*p == f) {
            *p = f->diag_next;
            break;
        }
    }
    pthread_mutex_unlock(&flows_lock);
}

typedef pel__fslab pslab;

static int live(pel__ftask *t)
{
    /* relaxed: a snapshot (see the top of this file). */
    return atomic_load_explicit(&t->refs, memory_order_relaxed) > 0 &&
           atomic_load_explicit(&t->succs, memory_order_acquire) != PEL__SEALED &&
           (t->kind == PEL__K_TASK || t->kind == PEL__K_COMBINE);
}

static const char *state_of(pel__ftask *t)
{
    int32_t deps = atomic_load_explicit(&t->deps, memory_order_relaxed);
    if (deps & PEL__DEPS_LINKING) return "being submitted";
    if (deps > 0) return "waiting";
    if (atomic_load_explicit(&t->parts, memory_order_relaxed) > 1) return "waiting for its children";
    return "ready or running";
}

static void print_task(FILE *out, const pel__ftask *t)
{
    fprintf(out, "'%s' (#%llu%s)", t->name ? t->name : "task",
            (unsigned long long)(t->id & ~(1ull << 63)), t->id >> 63 ? ", a child" : "");
}

/* Does pred's successor list lead to succ? */
static int feeds(pel__ftask *pred, const pel__ftask *succ)
{
    /* acquire: pairs with the release CAS that published each edge (track.c). */
    for (pel__edge *e = atomic_load_explicit(&pred->succs, memory_order_acquire);
         e && e != PEL__SEALED; e = e->next)
        if (e->succ == succ) return 1;
    return 0;
}

static void flow_report(FILE *out, pel_flow *f)
{
    pthread_mutex_lock(&f->pool_lock);
    size_t pending = 0, shown = 0;
    for (pslab *s = f->slabs; s; s = s->next)
        for (int i = 0; i < PEL_FLOW_BATCH; i++) pending += live(&s->records[i]);
    fprintf(out, "pel: flow %p: %zu pending tasks\n", (void *)f, pending);
    for (pslab *s = f->slabs; s && shown < 200; s = s->next) {
        for (int i = 0; i < PEL_FLOW_BATCH && shown < 200; i++) {
            pel__ftask *t = &s->records[i];
            if (!live(t)) continue;
            shown++;
            fputs("  ", out);
            print_task(out, t);
            fprintf(out, ": %s", state_of(t));
            int32_t deps = atomic_load_explicit(&t->deps, memory_order_relaxed);
            if (deps > 0 && !(deps & PEL__DEPS_LINKING)) {
                fprintf(out, ", for %d:", deps);
                /* Its predecessors: the live tasks whose successor lists lead to it. */
                for (pslab *s2 = f->slabs; s2; s2 = s2->next)
                    for (int j = 0; j < PEL_FLOW_BATCH; j++) {
                        pel__ftask *p = &s2->records[j];
                        if (p == t || !atomic_load_explicit(&p->refs, memory_order_relaxed) ||
                            !feeds(p, t))
                            continue;
                        fputc(' ', out);
                        print_task(out, p);
                        fprintf(out, " [%s]", p->kind == PEL__K_BARRIER ? "barrier" : state_of(p));
                    }
            }
            fputc('\n', out);
        }
    }
    if (shown < pending) fprintf(out, "  ... and %zu more\n", pending - shown);
    pthread_mutex_unlock(&f->pool_lock);
}

void pel__flow_diagnose(FILE *out)
{
    pthread_mutex_lock(&flows_lock);
    for (pel_flow *f = flows; f; f = f->diag_next) flow_report(out, f);
    pthread_mutex_unlock(&flows_lock);
}
