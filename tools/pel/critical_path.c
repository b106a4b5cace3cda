/* critical_path.c — work, span and the critical path, as docs/tracing.md defines them
 * (Cilkscale's model).
 *
 * Strands. A task's own time is cut at each of its spawns and at the end of each of its
 * waits; the pieces are strands, the nodes of the graph, weighted by the own time they
 * hold. The strands of a task follow one another (continuation edges). Other edges:
 *   spawn: the strand ending at a child's spawn point → the child's first strand;
 *   join:  a child's last strand → the strand after the first wait on the child's group
 *          (or flow) that ended no earlier than the child did (give or take rounding)
 *          and after it was spawned;
 *   dep:   a dataflow task's last strand → the first strand of each task naming it in
 *          args.deps.
 * The span T∞ is the heaviest path (Kahn's order); O(n log n) for the sorts, linear
 * after.
 *
 * Thread roots (code outside any task: parent 0, wait task 0) are one root task with no
 * own work. Its strands are cut by every root spawn and root wait, whatever the thread,
 * in time order; with zero weights this only orders things that were ordered in time
 * anyway, so no path grows longer than the run.
 *
 * A task without args.spawned is taken as spawned when it started, clipped into its
 * parent's interval (and no task is spawned after it started). Ties between times,
 * common at nanosecond resolution, are broken so that no edge leads back to the strand
 * it leaves: a cycle then means an inconsistent trace.
 *
 * What real traces need beyond the rules above (each counted and noted in the report):
 *   - Children with neither group nor flow (loop pieces: pel runs each piece inline in
 *     the task that splits the loop, and records no group) join where they ran: one
 *     nested directly in its parent's slice was a call, so the parent's strand after its
 *     end follows it (a "return" cut); one nested in a wait of its parent joins the
 *     strand after that wait. Otherwise a loop's pieces would be dead ends.
 *   - A child whose every wait ended before it did (its end was recorded late: the
 *     thread was preempted between releasing the group and stamping the end) joins the
 *     last wait that ended after its spawn: a "late" join.
 *   - In adaptive detail a worker running fine-grained tasks records no waits, so a
 *     stolen child's group may have none: it joins its parent right after its end, the
 *     earliest the parent's inlined wait could have returned.
 */
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "cli.h"
#include "text.h"

/* At equal times: a wait's end, then a return, then a spawn (a child spawned before them
 * would have had to finish in no time), then the return of a child that took no time
 * at all (after its own spawn, or the graph would have a cycle). */
enum { CUT_WAIT_END = 0, CUT_RETURN = 1, CUT_SPAWN = 2, CUT_RETURN_LATE = 3 };

/* The file rounds ts and dur to the nanosecond separately, so an end can read up to 2
 * ns late: a child that ran inside its parent's wait on the same thread, finishing just
 * before the wait returned, often seems to end 1 ns after it. */
#define ROUNDING_NS 2

/* How a task's end joins the graph. */
enum {
    JOIN_NONE,   /* a dead end */
    JOIN_WAIT,   /* the strand after wait via[i] */
    JOIN_RETURN, /* its parent's strand after its end (a return cut) */
};

typedef struct cut {
    uint32_t owner; /* task slice, or the root (nslices) */
    uint8_t type;
    int64_t time;
    uint32_t ref; /* the wait, or the spawned or returning child */
} cut;

static int cut_cmp(const void *pa, const void *pb)
{
    const cut *a = pa, *b = pb;
    if (a->owner != b->owner)
        return a->owner < b->owner ? -1 : 1;
    if (a->time != b->time)
        return a->time < b->time ? -1 : 1;
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    return a->ref < b->ref ? -1 : a->ref > b->ref;
}

/* Waits by (group or flow, end), for the joins. */
typedef struct join_key {
    uint8_t type; /* 0: group, 1: flow */
    uint64_t id;
    int64_t end;
    uint32_t wait;
} join_key;

static int join_cmp(const void *pa, const void *pb)
{
    const join_key *a = pa, *b = pb;
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    if (a->id != b->id)
        return a->id < b->id ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return a->wait < b->wait ? -1 : a->wait > b->wait;
}

/* What a task joins on: its flow for dataflow tasks, else its group. 0: nothing. */
static int task_join_key(const slice *s, join_key *k)
{
    int flowish = s->task_kind == TK_FLOW || s->task_kind == TK_SYNC;
    if ((flowish || s->group == 0) && s->flow != 0)
        k->type = 1, k->id = s->flow;
    else if (s->group != 0)
        k->type = 0, k->id = s->group;
    else
        return 0;
    return 1;
}

/* Own time of task p inside [a, b]: the length less its directly nested slices. The
 * cursor walks p's children once over successive, increasing intervals. */
static int64_t own_in(const trace *t, uint32_t p, int64_t a, int64_t b, uint32_t *cursor)
{
    int64_t len = b - a;
    uint32_t i = *cursor, e = t->kid_first[p + 1];
    while (i < e && t->slices[t->kids[i]].end <= a)
        i++;
    *cursor = i;
    for (uint32_t k = i; k < e; k++) {
        const slice *c = &t->slices[t->kids[k]];
        if (c->ts >= b)
            break;
        int64_t lo = c->ts > a ? c->ts : a;
        int64_t hi = c->end < b ? c->end : b;
        if (hi > lo)
            len -= hi - lo;
    }
    return len < 0 ? 0 : len;
}

static int oom(const trace *t)
{
    pel_error("%s: out of memory", t->path);
    return -1;
}

/* The task that spawned task i: its slice, or the root (nslices) for parent 0 and for a
 * parent id with no slice. */
static uint32_t parent_of(const trace *t, uint32_t i)
{
    uint32_t root = (uint32_t)t->nslices;
    const slice *s = &t->slices[i];
    uint32_t p = s->parent == 0 ? root : trace_task(t, s->parent);
    return p == NO_INDEX || p == i ? root : p;
}

/* The owner of wait w: its args.task when that task has a slice; else (the waiting task
 * was inlined, so it has none) the innermost task slice around the wait; else the root. */
static uint32_t wait_owner(const trace *t, uint32_t w)
{
    const slice *s = &t->slices[w];
    uint32_t root = (uint32_t)t->nslices;
    if (s->id == 0)
        return root;
    uint32_t j = trace_task(t, s->id);
    if (j != NO_INDEX)
        return j;
    for (uint32_t u = s->up; u != NO_INDEX; u = t->slices[u].up)
        if (t->slices[u].kind == SLICE_TASK)
            return u;
    return root;
}

/* Everything built on the way to the graph. Per-slice arrays are indexed by slice; the
 * root is index nslices where an owner can be the root. */
typedef struct builder {
    const trace *t;
    cp_result *r;
    uint32_t root;
    uint32_t *parent;  /* task → the owner it was spawned in */
    int64_t *at;       /* task → its spawn point */
    uint8_t *join;     /* task → JOIN_* */
    uint32_t *via;     /* JOIN_WAIT: the wait */
    join_key *waits;   /* sorted */
    size_t nwaits;
    cut *cuts;         /* sorted by owner, time */
    size_t ncuts;
    uint32_t *ncut;    /* owner → its cuts */
    uint32_t *base;    /* owner → its first strand (NO_INDEX: not a task) */
    uint32_t *from;    /* task → strand before its spawn */
    uint32_t *after;   /* wait → strand after it; JOIN_RETURN task → strand after return */
    /* The graph. */
    size_t nnodes, nedges, cap_edges;
    int64_t *weight;
    uint32_t *task_of; /* strand → owner */
    uint32_t *efrom, *eto;
} builder;

static int add_edge(builder *b, uint32_t from, uint32_t to)
{
    if (b->nedges == b->cap_edges) {
        size_t cap = b->cap_edges ? b->cap_edges * 2 : 1024;
        uint32_t *f = realloc(b->efrom, cap * sizeof *f);
        if (f == NULL)
            return -1;
        b->efrom = f;
        uint32_t *to_ = realloc(b->eto, cap * sizeof *to_);
        if (to_ == NULL)
            return -1;
        b->eto = to_;
        b->cap_edges = cap;
    }
    b->efrom[b->nedges] = from;
    b->eto[b->nedges] = to;
    b->nedges++;
    return 0;
}

/* Parents, spawn points, and the sorted waits. */
static int plan_spawns(builder *b)
{
    const trace *t = b->t;
    size_t n = t->nslices;
    b->parent = malloc((n ? n : 1) * sizeof *b->parent);
    b->at = malloc((n ? n : 1) * sizeof *b->at);
    b->waits = malloc((n ? n : 1) * sizeof *b->waits);
    if (!b->parent || !b->at || !b->waits)
        return oom(t);
    for (uint32_t i = 0; i < n; i++) {
        const slice *s = &t->slices[i];
        if (s->kind == SLICE_WAIT) {
            if (s->group != 0)
                b->waits[b->nwaits++] = (join_key){0, s->group, s->end, i};
            else if (s->flow != 0)
                b->waits[b->nwaits++] = (join_key){1, s->flow, s->end, i};
        }
        if (s->kind != SLICE_TASK)
            continue;
        uint32_t p = b->parent[i] = parent_of(t, i);
        if (p == b->root && s->parent != 0)
            b->r->unknown_parents++;
        int64_t at = s->spawned != NO_TIME && s->spawned < s->ts ? s->spawned : s->ts;
        if (p != b->root) {
            const slice *ps = &t->slices[p];
            at = at < ps->ts ? ps->ts : at > ps->end ? ps->end : at;
        }
        b->at[i] = at;
    }
    qsort(b->waits, b->nwaits, sizeof *b->waits, join_cmp);
    return 0;
}

/* The wait that joins task i, which has key k, or NO_INDEX. */
static uint32_t find_join(builder *b, uint32_t i, const join_key *k)
{
    const slice *s = &b->t->slices[i];
    const join_key *w = b->waits;
    size_t n = b->nwaits, lo = 0, hi = n;
    int64_t end = s->end - ROUNDING_NS;
    while (lo < hi) { /* the first wait on k ending at or after end */
        size_t mid = lo + (hi - lo) / 2;
        int less = w[mid].type != k->type ? w[mid].type < k->type
                   : w[mid].id != k->id   ? w[mid].id < k->id
                                          : w[mid].end < end;
        if (less)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* A wait can only cover a child if it ended after the child's spawn (at equal
     * times the wait's end comes first, see the cut order). */
    while (lo < n && w[lo].type == k->type && w[lo].id == k->id && w[lo].end <= b->at[i])
        lo++;
    if (lo < n && w[lo].type == k->type && w[lo].id == k->id)
        return w[lo].wait;
    /* Late: every wait on k ended before the child did; the last one after its spawn. */
    if (lo > 0 && w[lo - 1].type == k->type && w[lo - 1].id == k->id &&
        w[lo - 1].end > b->at[i]) {
        int64_t late = s->end - w[lo - 1].end;
        b->r->late_joins++;
        if (late > b->r->max_late)
            b->r->max_late = late;
        return w[lo - 1].wait;
    }
    return NO_INDEX;
}

/* How each task's end joins, and the cuts: a spawn per task, a return per call-like
 * join, a wait end per wait. */
static int plan_cuts(builder *b)
{
    const trace *t = b->t;
    size_t n = t->nslices;
    int adaptive = t->detail != NULL && strcmp(t->detail, "adaptive") == 0;
    size_t cap = 0;
    for (size_t i = 0; i < n; i++)
        cap += t->slices[i].kind == SLICE_TASK ? 2 : t->slices[i].kind == SLICE_WAIT;
    b->cuts = malloc((cap ? cap : 1) * sizeof *b->cuts);
    b->join = calloc(n ? n : 1, 1);
    b->via = malloc((n ? n : 1) * sizeof *b->via);
    if (!b->cuts || !b->join || !b->via)
        return oom(t);
    size_t c = 0;
    for (uint32_t i = 0; i < n; i++) {
        const slice *s = &t->slices[i];
        if (s->kind == SLICE_WAIT) {
            b->cuts[c++] = (cut){wait_owner(t, i), CUT_WAIT_END, s->end, i};
            continue;
        }
        if (s->kind != SLICE_TASK)
            continue;
        uint32_t p = b->parent[i];
        b->cuts[c++] = (cut){p, CUT_SPAWN, b->at[i], i};
        join_key k;
        uint32_t w;
        int call = 0;
        if (task_join_key(s, &k)) {
            if ((w = find_join(b, i, &k)) != NO_INDEX) {
                b->join[i] = JOIN_WAIT;
                b->via[i] = w;
            } else if (adaptive && p != b->root && s->end <= t->slices[p].end) {
                b->r->unwaited++;
                call = 1;
            } else {
                b->r->unjoined++;
            }
        } else if (s->up != NO_INDEX && t->slices[s->up].kind == SLICE_WAIT &&
                   wait_owner(t, s->up) == p) {
            b->join[i] = JOIN_WAIT;
            b->via[i] = s->up;
        } else if (s->up == p || (p == b->root && s->up == NO_INDEX)) {
            call = 1;
        }
        if (call) {
            b->join[i] = JOIN_RETURN;
            b->cuts[c++] = (cut){p, b->at[i] < s->end ? CUT_RETURN : CUT_RETURN_LATE, s->end, i};
        }
    }
    b->ncuts = c;
    qsort(b->cuts, b->ncuts, sizeof *b->cuts, cut_cmp);
    return 0;
}

/* Strands: owner p has ncut[p] + 1 of them from base[p], weighted by the own time
 * between its cuts; and the strands on either side of every cut. */
static int make_strands(builder *b)
{
    const trace *t = b->t;
    size_t n = t->nslices;
    b->ncut = calloc(n + 1, sizeof *b->ncut);
    b->base = malloc((n + 1) * sizeof *b->base);
    b->from = malloc((n ? n : 1) * sizeof *b->from);
    b->after = malloc((n ? n : 1) * sizeof *b->after);
    if (!b->ncut || !b->base || !b->from || !b->after)
        return oom(t);
    for (size_t k = 0; k < b->ncuts; k++)
        b->ncut[b->cuts[k].owner]++;
    size_t nodes = 0;
    for (uint32_t p = 0; p <= n; p++) {
        b->base[p] = NO_INDEX;
        if (p < n && t->slices[p].kind != SLICE_TASK)
            continue;
        if (nodes + b->ncut[p] + 1 >= NO_INDEX) {
            pel_error("%s: too many strands", t->path);
            return -1;
        }
        b->base[p] = (uint32_t)nodes;
        nodes += b->ncut[p] + 1;
    }
    b->nnodes = nodes;
    b->weight = calloc(nodes, sizeof *b->weight);
    b->task_of = malloc(nodes * sizeof *b->task_of);
    if (!b->weight || !b->task_of)
        return oom(t);
    for (uint32_t p = 0; p <= n; p++) {
        for (uint32_t j = 0; b->base[p] != NO_INDEX && j <= b->ncut[p]; j++)
            b->task_of[b->base[p] + j] = p;
        if (p < n && b->base[p] != NO_INDEX && b->ncut[p] == 0)
            b->weight[b->base[p]] = t->slices[p].own; /* one strand: all its own time */
    }
    for (size_t k = 0; k < b->ncuts;) {
        uint32_t p = b->cuts[k].owner;
        size_t m = b->ncut[p];
        uint32_t cursor = p < n ? t->kid_first[p] : 0;
        int64_t lo = p < n ? t->slices[p].ts : 0, hi = p < n ? t->slices[p].end : 0;
        int64_t a = lo;
        for (size_t j = 0; j < m; j++, k++) {
            const cut *x = &b->cuts[k];
            if (x->type == CUT_SPAWN)
                b->from[x->ref] = b->base[p] + (uint32_t)j;
            else /* a wait's end or a child's return: the strand after it */
                b->after[x->ref] = b->base[p] + (uint32_t)j + 1;
            if (p < n) { /* the root's strands weigh nothing */
                int64_t e = x->time < a ? a : x->time > hi ? hi : x->time;
                b->weight[b->base[p] + j] = own_in(t, p, a, e, &cursor);
                a = e;
            }
        }
        if (p < n)
            b->weight[b->base[p] + m] = own_in(t, p, a, hi, &cursor);
    }
    return 0;
}

static int make_edges(builder *b)
{
    const trace *t = b->t;
    size_t n = t->nslices;
    for (uint32_t p = 0; p <= n; p++)
        for (uint32_t j = 0; b->base[p] != NO_INDEX && j < b->ncut[p]; j++)
            if (add_edge(b, b->base[p] + j, b->base[p] + j + 1) != 0)
                return oom(t);
    for (uint32_t i = 0; i < n; i++) {
        const slice *s = &t->slices[i];
        if (s->kind != SLICE_TASK)
            continue;
        uint32_t last = b->base[i] + b->ncut[i];
        if (add_edge(b, b->from[i], b->base[i]) != 0)
            return oom(t);
        if (b->join[i] == JOIN_WAIT && add_edge(b, last, b->after[b->via[i]]) != 0)
            return oom(t);
        if (b->join[i] == JOIN_RETURN && add_edge(b, last, b->after[i]) != 0)
            return oom(t);
        for (uint32_t d = 0; d < s->ndeps; d++) {
            uint32_t pr = trace_task(t, t->deps[s->deps_at + d]);
            if (pr == NO_INDEX || pr == i) {
                b->r->missing_deps++;
                continue;
            }
            if (add_edge(b, b->base[pr] + b->ncut[pr], b->base[i]) != 0)
                return oom(t);
        }
    }
    return 0;
}

static void builder_free(builder *b)
{
    free(b->parent), free(b->at), free(b->join), free(b->via), free(b->waits);
    free(b->cuts), free(b->ncut), free(b->base), free(b->from), free(b->after);
    free(b->weight), free(b->task_of), free(b->efrom), free(b->eto);
}

/* Heaviest path by Kahn's order. Returns the path's nodes (from its start) in *path. */
static int longest_path(const builder *g, uint32_t **path, size_t *npath, int64_t *span)
{
    const trace *t = g->t;
    size_t n = g->nnodes, m = g->nedges;
    int rc = -1;
    uint32_t *first = calloc(n + 1, sizeof *first);
    uint32_t *fill = malloc((n + 1) * sizeof *fill);
    uint32_t *adj = malloc((m ? m : 1) * sizeof *adj);
    uint32_t *indeg = calloc(n, sizeof *indeg);
    uint32_t *queue = malloc(n * sizeof *queue);
    uint32_t *pred = malloc(n * sizeof *pred);
    int64_t *best = malloc(n * sizeof *best); /* heaviest path into the node; -1: none */
    int64_t *dist = malloc(n * sizeof *dist);
    if (!first || !fill || !adj || !indeg || !queue || !pred || !best || !dist) {
        oom(t);
        goto out;
    }
    for (size_t e = 0; e < m; e++) {
        first[g->efrom[e] + 1]++;
        indeg[g->eto[e]]++;
    }
    for (size_t v = 0; v < n; v++)
        first[v + 1] += first[v];
    memcpy(fill, first, (n + 1) * sizeof *fill);
    for (size_t e = 0; e < m; e++)
        adj[fill[g->efrom[e]]++] = g->eto[e];
    size_t head = 0, tail = 0;
    for (size_t v = 0; v < n; v++) {
        pred[v] = NO_INDEX;
        best[v] = -1;
        if (indeg[v] == 0)
            queue[tail++] = (uint32_t)v;
    }
    uint32_t end = 0;
    int64_t end_dist = -1;
    while (head < tail) {
        uint32_t u = queue[head++];
        dist[u] = add_sat(best[u] < 0 ? 0 : best[u], g->weight[u]);
        /* Ties go to the node reached later, so a path runs on through zero-weight
         * strands to the end of the root rather than stopping inside a task. */
        if (dist[u] >= end_dist)
            end = u, end_dist = dist[u];
        for (uint32_t k = first[u]; k < first[u + 1]; k++) {
            uint32_t v = adj[k];
            if (dist[u] > best[v])
                best[v] = dist[u], pred[v] = u;
            if (--indeg[v] == 0)
                queue[tail++] = v;
        }
    }
    if (tail < n) {
        pel_error("%s: the task graph has a cycle (%zu of %zu strands unordered): the trace "
                  "is inconsistent", t->path, n - tail, n);
        goto out;
    }
    size_t len = 0;
    for (uint32_t v = end; v != NO_INDEX; v = pred[v])
        len++;
    *path = malloc((len ? len : 1) * sizeof **path);
    if (*path == NULL) {
        oom(t);
        goto out;
    }
    *npath = len;
    for (uint32_t v = end; v != NO_INDEX; v = pred[v])
        (*path)[--len] = v;
    *span = end_dist;
    rc = 0;
out:
    free(first), free(fill), free(adj), free(indeg), free(queue), free(pred), free(best);
    free(dist);
    return rc;
}

/* The path's tasks in order of first appearance, with what their strands on it weigh. */
static int path_tasks(const builder *b, const uint32_t *path, size_t npath)
{
    const trace *t = b->t;
    cp_result *r = b->r;
    r->tasks = malloc((npath ? npath : 1) * sizeof *r->tasks);
    r->seq = malloc((npath ? npath : 1) * sizeof *r->seq);
    uint32_t *slot = malloc((t->nslices ? t->nslices : 1) * sizeof *slot);
    if (!r->tasks || !r->seq || !slot) {
        free(slot);
        return oom(t);
    }
    for (size_t i = 0; i < npath; i++) {
        uint32_t p = b->task_of[path[i]];
        uint32_t s = p == b->root ? NO_INDEX : p;
        if (r->nseq == 0 || r->seq[r->nseq - 1] != s)
            r->seq[r->nseq++] = s;
        if (s == NO_INDEX)
            continue;
        if (!r->on_path[s]) {
            r->on_path[s] = 1;
            slot[s] = (uint32_t)r->ntasks;
            r->tasks[r->ntasks++] = (cp_task){s, 0};
        }
        cp_task *ct = &r->tasks[slot[s]];
        ct->contribution = add_sat(ct->contribution, b->weight[path[i]]);
    }
    free(slot);
    return 0;
}

int critical_path(const trace *t, cp_result *r)
{
    memset(r, 0, sizeof *r);
    r->work = t->work;
    r->upper_bound = t->detail != NULL && strcmp(t->detail, "adaptive") == 0 && t->inlined > 0;
    builder b;
    memset(&b, 0, sizeof b);
    b.t = t;
    b.r = r;
    b.root = (uint32_t)t->nslices;
    uint32_t *path = NULL;
    size_t npath = 0;
    int rc = -1;
    r->on_path = calloc(t->nslices ? t->nslices : 1, 1);
    if (r->on_path == NULL)
        oom(t);
    else if (plan_spawns(&b) == 0 && plan_cuts(&b) == 0 && make_strands(&b) == 0 &&
             make_edges(&b) == 0 && longest_path(&b, &path, &npath, &r->span) == 0)
        rc = path_tasks(&b, path, npath);
    free(path);
    builder_free(&b);
    return rc;
}

void cp_free(cp_result *r)
{
    free(r->tasks);
    free(r->on_path);
    free(r->seq);
    memset(r, 0, sizeof *r);
}
