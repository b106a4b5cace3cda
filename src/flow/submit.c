/* submit.c — pel_submit: check a task's description, then link it into the graph.
 *
 * Everything that can fail is checked or allocated before the first edge is added, so a
 * refused submission leaves no trace in the graph.
 */
#include <string.h>

#include "flow/flow_internal.h"

const char pel__unnamed_task[] = "task";

__thread pel__ftask *pel__tls_ftask __attribute__((tls_model("initial-exec")));

static int mode_valid(int m)
{
    return m >= PEL_READ && m <= PEL_REDUCE;
}

/* May a child access in `child` mode what its parent declared in `parent` mode? */
static int mode_within(int child, int parent)
{
    if (parent == PEL_REDUCE) return child == PEL_REDUCE; /* a partial result: no reading */
    return child == PEL_READ || parent != PEL_READ;
}

/* A private-copy group for a REDUCE access of h. */
static pel__redgroup *redgroup_new(pel_flow *f, pel__handle *h, void *data)
{
    pel__redgroup *rg = calloc(1, sizeof(*rg) + (size_t)f->nslots * sizeof(void *));
    if (!rg) return NULL;
    rg->data = data;
    rg->size = h->size;
    rg->red = h->red;
    rg->ncopies = f->nslots;
    pthread_mutex_init(&rg->lock, NULL);
    return rg;
}

static void redgroups_free(pel__ftask *t, pel__tracker **trackers)
{
    for (unsigned i = 0; i < t->naccess; i++) {
        /* Only groups this submission opened (a child of a REDUCE access shares its
         * parent's, and has no tracker). */
        if (!t->acc[i].red || !trackers[i] || trackers[i]->group_kind == PEL__G_REDUCE) continue;
        pthread_mutex_destroy(&t->acc[i].red->lock);
        free(t->acc[i].red);
    }
}

/* Check access i of desc and fill slot s; for a child, find the tracker in its parent. */
static int prepare_access(pel_flow *f, pel__ftask *parent, const pel_access *a, pel__fslot *s,
                          pel__tracker **trackers, unsigned i)
{
    if (!mode_valid(a->mode)) return PEL_EINVAL;
    pel__handle *h = pel__handle_get(f, a->data);
    if (!h) return PEL_ESTALE;
    if (a->mode == PEL_REDUCE && !h->has_reduction) return PEL_EINVAL;
    s->h = h;
    s->ptr = h->ptr;
    s->mode = (uint8_t)a->mode;
    if (!parent) {
        /* The thread holding an acquire would wait for itself; others just queue. */
        if (h->acquirer && h->acquirer->acquire_parker == pel__self_parker()) return PEL_EBUSY;
        trackers[i] = &h->root;
    } else {
        unsigned j = 0;
        while (j < parent->naccess && parent->acc[j].h != h) j++;
        if (j == parent->naccess || !mode_within(a->mode, parent->acc[j].mode)) return PEL_EINVAL;
        if (!parent->child_trackers) {
            parent->child_trackers = calloc(parent->naccess, sizeof(pel__tracker));
            if (!parent->child_trackers) return PEL_ENOMEM;
            for (unsigned k = 0; k < parent->naccess; k++)
                parent->child_trackers[k].h = parent->acc[k].h;
        }
        trackers[i] = &parent->child_trackers[j];
        if (parent->acc[j].mode == PEL_REDUCE) {
            /* Children of a REDUCE access contribute to the same reduction, through the
             * private copy of whichever thread runs them: nothing to order, nothing to
             * combine separately (the parent's combine waits for the parent, which waits
             * for its children). */
            s->red = parent->acc[j].red;
            trackers[i] = NULL;
            return PEL_OK;
        }
    }
    /* A REDUCE access that opens a new reduction brings the group's memory with it. */
    if (a->mode == PEL_REDUCE && trackers[i]->group_kind != PEL__G_REDUCE) {
        s->red = redgroup_new(f, h, s->ptr);
        if (!s->red) return PEL_ENOMEM;
    }
    return PEL_OK;
}

/* Two accesses to one handle in one task: only READ twice is allowed (each keeps its
 * index for pel_flow_data; both join the handle's readers). */
static int duplicates(const pel_access *acc, unsigned i)
{
    for (unsigned j = 0; j < i; j++)
        if (acc[j].data == acc[i].data && (acc[i].mode != PEL_READ || acc[j].mode != PEL_READ))
            return PEL_EINVAL;
    return PEL_OK;
}

static void init_task(pel_flow *f, pel__ftask *t, pel__ftask *parent, const pel_task_desc *d)
{
    pel__ftask_init(t, f, parent, PEL__K_TASK);
    t->fn = d->fn;
    t->arg = d->arg;
    if (d->arg_size) {
        memcpy(t->argbuf, d->arg, d->arg_size);
        t->arg = t->argbuf;
    }
    t->name = d->name ? d->name : pel__unnamed_task;
    t->status_out = d->status;
    t->priority = d->priority;
}

static int submit_checked(pel_flow *f, pel__ftask *parent, int slot, const pel_task_desc *d)
{
    unsigned n = d->naccess;
    pel__tracker *inline_trackers[PEL_FLOW_INLINE_ACCESS];
    pel__tracker **trackers = inline_trackers;
    /* One record per access may be needed for a synthetic node, one for the task. */
    if (pel__ftask_reserve(f, slot, (int)n + 1) != PEL_OK) return PEL_ENOMEM;
    pel__ftask *t = pel__ftask_alloc(f, slot);
    t->acc = t->inline_acc;
    if (PEL_UNLIKELY(n > PEL_FLOW_INLINE_ACCESS)) {
        t->acc = calloc(n, sizeof(pel__fslot));
        trackers = malloc(n * sizeof(*trackers));
        if (!t->acc || !trackers) {
            free(trackers);
            if (!t->acc) t->acc = t->inline_acc;
            t->naccess = 0;
            t->child_trackers = NULL;
            pel__ftask_free(f, slot, t);
            return PEL_ENOMEM;
        }
    }
    unsigned used = 0;
    int rc = PEL_OK;
    for (unsigned i = 0; i < n && rc == PEL_OK; i++) {
        rc = duplicates(d->access, i);
        if (rc != PEL_OK) break;
        pel__fslot *s = &t->acc[used];
        memset(s, 0, sizeof(*s));
        s->task = t;
        t->naccess = (uint16_t)(used + 1);
        trackers[used] = NULL;
        rc = prepare_access(f, parent, &d->access[i], s, trackers, used);
        used++;
    }
    t->naccess = (uint16_t)used;
    if (rc != PEL_OK) {
        redgroups_free(t, trackers);
        if (trackers != inline_trackers) free(trackers);
        t->child_trackers = NULL;
        pel__ftask_free(f, slot, t);
        return rc;
    }
    init_task(f, t, parent, d);
    if (d->priority != 0 && !atomic_load_explicit(&f->use_heap, memory_order_relaxed))
        atomic_store_explicit(&f->use_heap, 1, memory_order_relaxed); /* sticky hint */
    pel__flow_count_submit(f, slot);
    if (parent) {
        /* relaxed: the parent's own part is held by this thread (it is running). */
        atomic_fetch_add_explicit(&parent->parts, 1, memory_order_relaxed);
        t->id = pel__ftask_child_id(f);
    } else {
        t->id = ++f->root_seq;
    }
    if (PEL_UNLIKELY(f->graph != NULL)) pel__graph_node(f, t);
    int edges = 0;
    for (unsigned i = 0; i < used; i++) {
        t->acc[i].tracker = trackers[i];
        if (trackers[i]) edges += pel__track_link(f, slot, trackers[i], &t->acc[i]);
    }
    if (trackers != inline_trackers) free(trackers);
    pel__node_linked(f, t, edges);
    return PEL_OK;
}

PEL_EXPORT int pel_submit(pel_flow *f, const pel_task_desc *d)
{
    if (PEL_UNLIKELY(!f || f->magic != PEL__FLOW_MAGIC || !d || !d->fn ||
                     (d->naccess > 0 && !d->access) || d->arg_size > PEL_TASK_ARG_MAX ||
                     (d->arg_size > 0 && !d->arg) || d->naccess > UINT16_MAX))
        return PEL_EINVAL;
    pel__ftask *cur = pel__tls_ftask;
    pel__ftask *parent = (cur && cur->flow == f) ? cur : NULL;
    int slot = pel__flow_slot(f);
    if (!parent) {
        pel__tls_serving = f;
        /* Room in the window? The estimate only over-counts (see wait.c). */
        if (PEL_UNLIKELY(++f->since_window_check >= f->window_check)) {
            f->since_window_check = 0;
            if (pel__flow_pending(f) + f->window_check > f->window)
                pel__flow_wait_pending(f, f->window - f->window / 4 - f->window_check);
        }
    }
    return submit_checked(f, parent, slot, d);
}

PEL_EXPORT void *pel_flow_data(pel_flow_task *task, unsigned i)
{
    pel__ftask *t = (pel__ftask *)task;
    if (!t || i >= t->naccess) return NULL;
    pel__fslot *s = &t->acc[i];
    if (s->mode != PEL_REDUCE || !s->red) return s->ptr;
    pel__redgroup *rg = s->red;
    int slot = pel__flow_slot(t->flow);
    if (!rg->copies[slot]) {
        void *copy = malloc(rg->size);
        if (!copy) return NULL;
        rg->red.init(copy, rg->size, rg->red.arg);
        rg->copies[slot] = copy;
    }
    return rg->copies[slot];
}

PEL_EXPORT uint64_t pel_flow_task_id(const pel_flow_task *task)
{
    return task ? ((const pel__ftask *)task)->id : 0;
}
