/* track.c — the dependency tracker: where a new access goes in a handle's history.
 *
 * Big theory. Per handle and domain (the top level, or the children of one task) the
 * tracker remembers the last *single* node L (a WRITE or READWRITE task, or a synthetic
 * barrier / combine node) and the *group* of accesses since L: consecutive READs,
 * consecutive COMMUTEs or consecutive REDUCEs. A new access is linked as follows.
 *   - Same kind as the open group: one edge L -> new; it joins the group. Members of a
 *     group never wait for each other (COMMUTE members are kept apart at run time by the
 *     handle's lock, see execute.c; REDUCE members write private copies).
 *   - A single access: an edge from every group member (each member's own `out` edge
 *     node), plus L -> new when the group is READs (readers do not write, so the failure
 *     of L would otherwise not reach the new task); no group: L -> new. It becomes L.
 *   - A group of another kind: a barrier node B closes the old group (B depends on all of
 *     it, as a single access would) and becomes L; REDUCE groups are closed by a combine
 *     node instead, which folds the private copies into the data.
 * Every edge goes from an earlier to a later submission, and two accesses conflict only
 * if one is single or they are in different groups, in which case a path of edges orders
 * them: so the schedule is always equivalent to submission order, and the graph acyclic.
 *
 * Edge nodes are embedded in access slots (`in`: from L; `out`: to the node closing the
 * slot's group), so linking never allocates. An edge is added to the predecessor's list
 * with a CAS that fails once the predecessor has finished and sealed its list; such an
 * edge does not count (see pel__edge_add). The tracker holds a reference on L and on each
 * member, so their records stay valid while it may still link after them; long groups are
 * pruned of finished members (amortised O(1) per access).
 */
#include <string.h>

#include "flow/flow_internal.h"
#include "trace/trace_internal.h"

static inline int mode_reads(int m)
{
    return m != PEL_WRITE;
}

static inline int mode_writes(int m)
{
    return m != PEL_READ;
}

static inline int group_kind(int m)
{
    return m == PEL_READ ? PEL__G_READ
         : m == PEL_COMMUTE ? PEL__G_COMMUTE
         : m == PEL_REDUCE ? PEL__G_REDUCE : PEL__G_NONE;
}

int pel__edge_add(pel__ftask *pred, pel__edge *e, pel__ftask *succ, uint32_t data)
{
    e->succ = succ;
    e->data = data;
    /* acquire (here and on CAS failure): when the list is found SEALED, pred has
     * finished, and its effects (pairs with the finisher's acq_rel exchange) must be
     * visible to the new task, which is ordered after it without an edge. */
    pel__edge *head = atomic_load_explicit(&pred->succs, memory_order_acquire);
    do {
        if (head == PEL__SEALED) return 0;
        e->next = head;
        /* release: publishes e's fields to the finisher's acquire exchange (execute.c). */
    } while (!atomic_compare_exchange_weak_explicit(&pred->succs, &head, e, memory_order_release,
                                                    memory_order_acquire));
    if (pel__tracing()) pel__trace_edge(&pred->core, &succ->core);
    return 1;
}

static inline void ref(pel__ftask *t)
{
    /* relaxed: the reference is taken by the thread that already holds one (the
     * submitter, linking); it is dropped with acq_rel (pel__ftask_unref). */
    atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
}

static void mark_failed(pel__ftask *t, uint64_t id, const char *name, int error);

static int link_edge(pel_flow *f, pel__ftask *pred, pel__edge *e, pel__ftask *succ,
                     uint32_t data, const pel__tracker *tr)
{
    if (PEL_UNLIKELY(f->graph != NULL)) pel__graph_edge(f, pred, succ, tr->h);
    if (PEL_LIKELY(pel__edge_add(pred, e, succ, data))) return 1;
    /* pred has finished: its failure still reaches a task that reads its data. acquire:
     * pairs with the finisher's sealing exchange, after which its status is final. */
    if (data && atomic_load_explicit(&pred->succs, memory_order_acquire) == PEL__SEALED) {
        if (atomic_load_explicit(&pred->dep_failed, memory_order_relaxed))
            mark_failed(succ, pred->fail_id, pred->fail_name, pred->fail_error);
        else if (pred->status != 0)
            mark_failed(succ, pred->id, pred->name, pred->status);
    }
    return 0;
}

static void mark_failed(pel__ftask *t, uint64_t id, const char *name, int error)
{
    int none = 0;
    /* relaxed: t is not linked yet (its count is held by PEL__DEPS_LINKING); the
     * release of its final count update publishes this. */
    if (atomic_compare_exchange_strong_explicit(&t->dep_failed, &none, 1, memory_order_relaxed,
                                                memory_order_relaxed)) {
        t->fail_id = id;
        t->fail_name = name;
        t->fail_error = error;
    }
}

/* Link slot s (a single node's access) after every member of tr's group, and after L for
 * a READ group; empties the group. */
static int close_group_into(pel_flow *f, int slot, pel__tracker *tr, pel__fslot *s)
{
    pel__ftask *t = s->task;
    int edges = 0, reads = mode_reads(s->mode);
    for (pel__fslot *m = tr->group; m;) {
        pel__fslot *next = m->group_next;
        edges += link_edge(f, m->task, &m->out, t, mode_writes(m->mode) && reads, tr);
        pel__ftask_unref(f, slot, m->task);
        m = next;
    }
    if (tr->group_kind == PEL__G_READ && tr->last)
        edges += link_edge(f, tr->last, &s->in, t, tr->last_writes && reads, tr);
    if (tr->pruned_fail_name && reads)
        mark_failed(t, tr->pruned_fail_id, tr->pruned_fail_name, tr->pruned_fail_error);
    tr->group = NULL;
    tr->group_len = 0;
    tr->group_kind = PEL__G_NONE;
    tr->pruned_fail_name = NULL;
    return edges;
}

static void set_last(pel_flow *f, int slot, pel__tracker *tr, pel__ftask *t, int writes)
{
    ref(t);
    if (tr->last) pel__ftask_unref(f, slot, tr->last);
    tr->last = t;
    tr->last_writes = (uint8_t)writes;
}

static int run_combine(pel_flow_task *task, void *arg);

pel__ftask *pel__node_new(pel_flow *f, int slot, int kind, pel__ftask *parent, pel__handle *h,
                          void *ptr)
{
    pel__ftask *t = pel__ftask_alloc(f, slot);
    if (!t) return NULL;
    pel__ftask_init(t, f, parent, kind);
    t->fn = kind == PEL__K_COMBINE ? run_combine : NULL;
    t->name = kind == PEL__K_BARRIER ? "barrier" : kind == PEL__K_COMBINE ? "combine" : "acquire";
    t->acc = t->inline_acc;
    t->naccess = 1;
    pel__fslot *s = &t->acc[0];
    memset(s, 0, sizeof(*s));
    s->h = h;
    s->ptr = ptr;
    s->task = t;
    s->mode = PEL_READWRITE;
    if (t->counted) {
        t->id = pel__ftask_child_id(f);
        pel__flow_count_submit(f, slot);
        /* relaxed: the parent cannot finish before this (its own part is held by the
         * thread linking this node, or by a child being linked). */
        if (parent) atomic_fetch_add_explicit(&parent->parts, 1, memory_order_relaxed);
    } else {
        t->id = 0;
    }
    if (PEL_UNLIKELY(f->graph != NULL)) pel__graph_node(f, t);
    return t;
}

void pel__node_linked(pel_flow *f, pel__ftask *t, int edges)
{
    int32_t drop = PEL__DEPS_LINKING - edges;
    /* acq_rel: release publishes the task's fields to whoever makes it ready; acquire
     * orders us after the predecessors that already released it. */
    if (atomic_fetch_sub_explicit(&t->deps, drop, memory_order_acq_rel) == drop)
        pel__flow_ready(f, t);
}

int pel__track_close_reduction(pel_flow *f, int slot, pel__tracker *tr, pel__ftask *parent)
{
    pel__ftask *c = pel__node_new(f, slot, PEL__K_COMBINE, parent, tr->h, tr->red->data);
    if (!c) return PEL_ENOMEM;
    c->acc[0].red = tr->red;
    tr->red = NULL;
    int edges = close_group_into(f, slot, tr, &c->acc[0]);
    if (tr->last) edges += link_edge(f, tr->last, &c->acc[0].in, c, tr->last_writes, tr);
    set_last(f, slot, tr, c, 1);
    /* Unlink tr from the flow's list of open reductions. Only top-level trackers are on
     * it, and only the top-level thread touches it. */
    if (!parent) {
        for (pel__tracker **p = &f->open_reductions; *p; p = &(*p)->open_next) {
            if (*p == tr) {
                *p = tr->open_next;
                break;
            }
        }
        tr->open_next = NULL;
    }
    pel__node_linked(f, c, edges);
    return PEL_OK;
}

void pel__track_close_child_reductions(pel_flow *f, int slot, pel__ftask *t)
{
    for (unsigned i = 0; i < t->naccess; i++) {
        pel__tracker *tr = &t->child_trackers[i];
        if (tr->group_kind != PEL__G_REDUCE) continue;
        int rc = pel__track_close_reduction(f, slot, tr, t);
        PEL_ASSERT(rc == PEL_OK && "out of memory for a combine node");
    }
}

/* Drop finished members of tr's group; remember the first failed writer among them. */
static void prune_group(pel_flow *f, int slot, pel__tracker *tr)
{
    pel__fslot **p = &tr->group;
    uint32_t kept = 0;
    while (*p) {
        pel__fslot *m = *p;
        pel__ftask *t = m->task;
        /* acquire: pairs with the finisher's sealing exchange; its status is then
         * visible. */
        if (atomic_load_explicit(&t->succs, memory_order_acquire) != PEL__SEALED) {
            p = &m->group_next;
            kept++;
            continue;
        }
        if (!tr->pruned_fail_name && mode_writes(m->mode)) {
            if (atomic_load_explicit(&t->dep_failed, memory_order_relaxed)) {
                tr->pruned_fail_id = t->fail_id;
                tr->pruned_fail_name = t->fail_name;
                tr->pruned_fail_error = t->fail_error;
            } else if (t->status != 0) {
                tr->pruned_fail_id = t->id;
                tr->pruned_fail_name = t->name;
                tr->pruned_fail_error = t->status;
            }
        }
        *p = m->group_next;
        pel__ftask_unref(f, slot, t);
    }
    tr->group_len = kept;
    tr->prune_at = 2 * kept + 64;
}

int pel__track_link(pel_flow *f, int slot, pel__tracker *tr, pel__fslot *s)
{
    pel__ftask *t = s->task;
    int mode = s->mode, kind = group_kind(mode), edges = 0;
    if (tr->group_kind != PEL__G_NONE && tr->group_kind != kind) {
        /* The open group ends here: a reduction is combined; a single access closes any
         * other group itself; a group of another kind is closed by a barrier. */
        if (tr->group_kind == PEL__G_REDUCE) {
            pel__track_close_reduction(f, slot, tr, t->parent);
        } else if (kind != PEL__G_NONE) {
            pel__ftask *b = pel__node_new(f, slot, PEL__K_BARRIER, t->parent, tr->h, s->ptr);
            int be = close_group_into(f, slot, tr, &b->acc[0]);
            set_last(f, slot, tr, b, 1);
            pel__node_linked(f, b, be);
        }
    }
    if (kind == PEL__G_NONE) {
        if (tr->group_kind != PEL__G_NONE)
            edges += close_group_into(f, slot, tr, s);
        else if (tr->last)
            edges += link_edge(f, tr->last, &s->in, t, tr->last_writes && mode_reads(mode), tr);
        set_last(f, slot, tr, t, mode_writes(mode));
        return edges;
    }
    if (kind == PEL__G_REDUCE && tr->group_kind != PEL__G_REDUCE) {
        tr->red = s->red; /* allocated by the submitter before linking began */
        if (!t->parent) {
            tr->open_next = f->open_reductions;
            f->open_reductions = tr;
        }
    }
    s->red = tr->red;
    if (tr->last) edges += link_edge(f, tr->last, &s->in, t, tr->last_writes, tr);
    ref(t);
    s->group_next = tr->group;
    tr->group = s;
    tr->group_kind = (uint8_t)kind;
    if (++tr->group_len >= tr->prune_at) prune_group(f, slot, tr);
    return edges;
}

void pel__track_clear(pel_flow *f, int slot, pel__tracker *tr)
{
    for (pel__fslot *m = tr->group; m;) {
        pel__fslot *next = m->group_next;
        pel__ftask_unref(f, slot, m->task);
        m = next;
    }
    if (tr->last) pel__ftask_unref(f, slot, tr->last);
    if (tr->red) {
        pthread_mutex_destroy(&tr->red->lock);
        free(tr->red);
    }
    memset(tr, 0, sizeof(*tr));
}

/* The combine node's body: fold every private copy into the data, in slot order. */
static int run_combine(pel_flow_task *task, void *arg)
{
    (void)arg;
    pel__ftask *t = (pel__ftask *)task;
    pel__redgroup *rg = t->acc[0].red;
    for (int i = 0; i < rg->ncopies; i++) {
        if (!rg->copies[i]) continue;
        rg->red.combine(rg->data, rg->copies[i], rg->size, rg->red.arg);
        free(rg->copies[i]);
        rg->copies[i] = NULL;
    }
    return 0;
}
