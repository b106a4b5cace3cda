/* critical_path.c — work, span and the critical path, as docs/tracing.md defines them
 * (Cilkscale's model).
 *
 * Strands. A task's own time is cut at each of its spawns and at the end of each of its
 * waits; the pieces are strands, the nodes of the graph, weighted by the own time they
 * hold. The strands of a task follow one another (continuation edges). Other edges:
 *   spawn: the strand ending at a child's spawn point → the child's first strand;
 *   join:  a child's last strand → the strand after the first wait on the child's group
 *          (or flow) that ended no earlier than the child did;
 *   dep:   a dataflow task's last strand → the first strand of each task naming it in
 *          args.deps.
 * The span T∞ is the heaviest path; O(n log n) for the sorts, linear after.
 *
 * Children with neither group nor flow (loop pieces: pel runs each piece inline, in the
 * task that splits the loop, and records no group for it) have no wait to join. They
 * join where they ran: one nested directly in its parent's slice was a call, so the
 * parent's strand after its end follows it (a "return" cut); one nested in a wait of
 * its parent joins the strand after that wait. Without this a loop's pieces would be
 * dead ends and the span would leave them out.
 *
 * Thread roots (code outside any task: parent 0, wait task 0) are one root task with no
 * own work. Its strands are cut by every root spawn and root wait, whatever the thread,
 * in time order; with zero weights this only orders things that were ordered in time
 * anyway, so no path grows longer than the run.
 *
 * A task without args.spawned is taken as spawned when it started, clipped into its
 * parent's interval (and no task is spawned after it started). Ties between times,
 * common at nanosecond resolution, are broken so that no edge points back to the
 * strand it leaves: a cycle then means an inconsistent trace.
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

/* How a task's end joins the graph. */
enum { JOIN_NONE, JOIN_KEY, JOIN_WAIT, JOIN_RETURN };

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

/* Joins: waits sorted by (group or flow, end). */
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
static int task_join_key(const slice *s, uint8_t *type, uint64_t *id)
{
    int flowish = s->task_kind == TK_FLOW || s->task_kind == TK_SYNC;
    if ((flowish || s->group == 0) && s->flow != 0)
        *type = 1, *id = s->flow;
    else if (s->group != 0)
        *type = 0, *id = s->group;
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

typedef struct graph {
    size_t nnodes, nedges, cap_edges;
    int64_t *weight;
    uint32_t *task_of; /* slice, or nslices for the root */
    uint32_t *efrom, *eto;
} graph;

static int add_edge(graph *g, uint32_t from, uint32_t to)
{
    if (g->nedges == g->cap_edges) {
        size_t cap = g->cap_edges ? g->cap_edges * 2 : 1024;
        uint32_t *f = realloc(g->efrom, cap * sizeof *f);
        if (f == NULL)
            return -1;
        g->efrom = f;
        uint32_t *to_ = realloc(g->eto, cap * sizeof *to_);
        if (to_ == NULL)
            return -1;
        g->eto = to_;
        g->cap_edges = cap;
    }
    g->efrom[g->nedges] = from;
    g->eto[g->nedges] = to;
    g->nedges++;
    return 0;
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

/* Heaviest path by Kahn's order. Returns the path's nodes (from its start) in *path. */
static int longest_path(const trace *t, const graph *g, uint32_t **path, size_t *npath,
                        int64_t *span)
{
    size_t n = g->nnodes, m = g->nedges;
    int rc = -1;
    uint32_t *first = calloc(n + 1, sizeof *first);
    uint32_t *adj = malloc((m ? m : 1) * sizeof *adj);
    uint32_t *indeg = calloc(n, sizeof *indeg);
    uint32_t *queue = malloc(n * sizeof *queue);
    uint32_t *pred = malloc(n * sizeof *pred);
    int64_t *best = malloc(n * sizeof *best); /* heaviest path into the node; -1: none */
    int64_t *dist = malloc(n * sizeof *dist);
    if (!first || !adj || !indeg || !queue || !pred || !best || !dist) {
        oom(t);
        goto out;
    }
    for (size_t e = 0; e < m; e++) {
        first[g->efrom[e] + 1]++;
        indeg[g->eto[e]]++;
    }
    for (size_t v = 0; v < n; v++)
        first[v + 1] += first[v];
    {
        uint32_t *fill = malloc((n + 1) * sizeof *fill);
        if (fill == NULL) {
            oom(t);
            goto out;
        }
        memcpy(fill, first, (n + 1) * sizeof *fill);
        for (size_t e = 0; e < m; e++)
            adj[fill[g->efrom[e]]++] = g->eto[e];
        free(fill);
    }
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
    *span = n ? end_dist : 0;
    rc = 0;
out:
    free(first), free(adj), free(indeg), free(queue), free(pred), free(best), free(dist);
    return rc;
}

static int build(const trace *t, cp_result *r, graph *g, cut **cuts_out, uint32_t **base_out,
                 uint32_t **ncut_out)
{
    size_t n = t->nslices;
    uint32_t root = (uint32_t)n;
    size_t cap = 0;
    for (size_t i = 0; i < n; i++)
        cap += t->slices[i].kind == SLICE_TASK ? 2 : t->slices[i].kind == SLICE_WAIT;
    cut *cuts = *cuts_out = malloc((cap ? cap : 1) * sizeof *cuts);
    uint32_t *ncut = *ncut_out = calloc(n + 1, sizeof *ncut);
    uint32_t *base = *base_out = malloc((n + 1) * sizeof *base);
    uint8_t *join = calloc(n ? n : 1, 1);                  /* per task: JOIN_* */
    uint32_t *via = malloc((n ? n : 1) * sizeof *via);     /* JOIN_WAIT: the wait */
    if (!cuts || !ncut || !base || !join || !via) {
        free(join), free(via);
        return oom(t);
    }

    /* Cuts: every task is a spawn in its parent, every wait a cut in its owner. */
    size_t c = 0;
    for (uint32_t i = 0; i < n; i++) {
        const slice *s = &t->slices[i];
        if (s->kind == SLICE_TASK) {
            uint32_t p = parent_of(t, i);
            if (p == root && s->parent != 0)
                r->unknown_parents++;
            int64_t at = s->spawned != NO_TIME && s->spawned < s->ts ? s->spawned : s->ts;
            if (p != root) {
                const slice *ps = &t->slices[p];
                at = at < ps->ts ? ps->ts : at > ps->end ? ps->end : at;
            }
            cuts[c++] = (cut){p, CUT_SPAWN, at, i};
            uint8_t type;
            uint64_t id;
            if (task_join_key(s, &type, &id)) {
                join[i] = JOIN_KEY;
            } else if (s->up != NO_INDEX && t->slices[s->up].kind == SLICE_WAIT &&
                       wait_owner(t, s->up) == p) {
                join[i] = JOIN_WAIT;
                via[i] = s->up;
            } else if (s->up == p || (p == root && s->up == NO_INDEX)) {
                join[i] = JOIN_RETURN;
                cuts[c++] = (cut){p, at < s->end ? CUT_RETURN : CUT_RETURN_LATE, s->end, i};
            }
        } else if (s->kind == SLICE_WAIT) {
            cuts[c++] = (cut){wait_owner(t, i), CUT_WAIT_END, s->end, i};
        }
    }
    size_t ncuts = c;
    qsort(cuts, ncuts, sizeof *cuts, cut_cmp);
    for (size_t k = 0; k < ncuts; k++)
        ncut[cuts[k].owner]++;

    /* Strands: owner p has ncut[p] + 1 of them, from base[p]. */
    size_t nodes = 0;
    for (uint32_t p = 0; p <= n; p++) {
        base[p] = NO_INDEX;
        if (p < n && t->slices[p].kind != SLICE_TASK)
            continue;
        if (nodes + ncut[p] + 1 >= NO_INDEX) {
            pel_error("%s: too many strands", t->path);
            free(join), free(via);
            return -1;
        }
        base[p] = (uint32_t)nodes;
        nodes += ncut[p] + 1;
    }
    g->nnodes = nodes;
    g->weight = calloc(nodes, sizeof *g->weight);
    g->task_of = malloc(nodes * sizeof *g->task_of);
    uint32_t *after = malloc((n ? n : 1) * sizeof *after); /* wait → strand after it */
    uint32_t *from = malloc((n ? n : 1) * sizeof *from);   /* child → strand before spawn */
    uint32_t *ret = malloc((n ? n : 1) * sizeof *ret);     /* JOIN_RETURN: strand after */
    if (!g->weight || !g->task_of || !after || !from || !ret) {
        free(after), free(from), free(ret), free(join), free(via);
        return oom(t);
    }
    /* Every exit below that is not `rc = 0` is out of memory. */
    int rc = -1;

    /* Weights and the strands around each cut, owner by owner. */
    for (size_t k = 0; k < ncuts;) {
        uint32_t p = cuts[k].owner;
        size_t m = ncut[p];
        uint32_t cursor = p < n ? t->kid_first[p] : 0;
        int64_t lo = p < n ? t->slices[p].ts : 0;
        int64_t hi = p < n ? t->slices[p].end : 0;
        int64_t a = lo;
        for (size_t j = 0; j < m; j++, k++) {
            const cut *x = &cuts[k];
            if (x->type == CUT_SPAWN)
                from[x->ref] = base[p] + (uint32_t)j;
            else if (x->type == CUT_RETURN || x->type == CUT_RETURN_LATE)
                ret[x->ref] = base[p] + (uint32_t)j + 1;
            else
                after[x->ref] = base[p] + (uint32_t)j + 1;
            if (p < n) {
                int64_t b = x->time < a ? a : x->time > hi ? hi : x->time;
                g->weight[base[p] + j] = own_in(t, p, a, b, &cursor);
                a = b;
            }
        }
        if (p < n)
            g->weight[base[p] + m] = own_in(t, p, a, hi, &cursor);
    }
    for (uint32_t p = 0; p <= n; p++) {
        if (base[p] == NO_INDEX)
            continue;
        if (p < n && ncut[p] == 0) /* no cuts: one strand, all of its own time */
            g->weight[base[p]] = t->slices[p].own;
        for (uint32_t j = 0; j <= ncut[p]; j++) {
            g->task_of[base[p] + j] = p;
            if (j < ncut[p] && add_edge(g, base[p] + j, base[p] + j + 1) != 0)
                goto out;
        }
    }

    /* Joins need the waits by (group or flow, end). */
    size_t nwaits = 0;
    for (size_t i = 0; i < n; i++)
        nwaits += t->slices[i].kind == SLICE_WAIT;
    join_key *waits = malloc((nwaits ? nwaits : 1) * sizeof *waits);
    if (waits == NULL)
        goto out;
    size_t nw = 0;
    for (uint32_t i = 0; i < n; i++) {
        const slice *s = &t->slices[i];
        if (s->kind != SLICE_WAIT)
            continue;
        if (s->group != 0)
            waits[nw++] = (join_key){0, s->group, s->end, i};
        else if (s->flow != 0)
            waits[nw++] = (join_key){1, s->flow, s->end, i};
    }
    qsort(waits, nw, sizeof *waits, join_cmp);

    for (uint32_t i = 0; i < n; i++) {
        const slice *s = &t->slices[i];
        if (s->kind != SLICE_TASK)
            continue;
        uint32_t last = base[i] + ncut[i];
        if (add_edge(g, from[i], base[i]) != 0)
            goto out_waits;
        join_key want;
        if (join[i] == JOIN_WAIT) {
            if (add_edge(g, last, after[via[i]]) != 0)
                goto out_waits;
        } else if (join[i] == JOIN_RETURN) {
            if (add_edge(g, last, ret[i]) != 0)
                goto out_waits;
        } else if (join[i] == JOIN_KEY && task_join_key(s, &want.type, &want.id)) {
            /* The first wait on that key ending at or after the child's end. */
            size_t lo = 0, hi = nw;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                const join_key *w = &waits[mid];
                int less = w->type != want.type ? w->type < want.type
                           : w->id != want.id   ? w->id < want.id
                                                : w->end < s->end;
                if (less)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            /* Not a wait its own parent ended before spawning it (a tie in time). */
            uint32_t p = parent_of(t, i);
            while (lo < nw && waits[lo].type == want.type && waits[lo].id == want.id &&
                   wait_owner(t, waits[lo].wait) == p && after[waits[lo].wait] <= from[i])
                lo++;
            if (lo < nw && waits[lo].type == want.type && waits[lo].id == want.id) {
                if (add_edge(g, last, after[waits[lo].wait]) != 0)
                    goto out_waits;
            } else {
                r->unjoined++;
            }
        }
        for (uint32_t d = 0; d < s->ndeps; d++) {
            uint32_t pr = trace_task(t, t->deps[s->deps_at + d]);
            if (pr == NO_INDEX || pr == i) {
                r->missing_deps++;
                continue;
            }
            if (add_edge(g, base[pr] + ncut[pr], base[i]) != 0)
                goto out_waits;
        }
    }
    rc = 0;
out_waits:
    free(waits);
out:
    free(after), free(from), free(ret), free(join), free(via);
    return rc == 0 ? 0 : oom(t);
}

int critical_path(const trace *t, cp_result *r)
{
    memset(r, 0, sizeof *r);
    r->work = t->work;
    r->upper_bound = t->detail != NULL && strcmp(t->detail, "adaptive") == 0 && t->inlined > 0;
    graph g;
    memset(&g, 0, sizeof g);
    cut *cuts = NULL;
    uint32_t *base = NULL, *ncut = NULL, *path = NULL;
    size_t npath = 0;
    int rc = -1;
    r->on_path = calloc(t->nslices ? t->nslices : 1, 1);
    if (r->on_path == NULL) {
        oom(t);
        goto out;
    }
    if (build(t, r, &g, &cuts, &base, &ncut) != 0)
        goto out;
    if (longest_path(t, &g, &path, &npath, &r->span) != 0)
        goto out;

    /* Tasks in order of first appearance, with what their strands on the path weigh. */
    r->tasks = malloc((npath ? npath : 1) * sizeof *r->tasks);
    r->seq = malloc((npath ? npath : 1) * sizeof *r->seq);
    uint32_t *slot = malloc((t->nslices ? t->nslices : 1) * sizeof *slot);
    if (!r->tasks || !r->seq || !slot) {
        free(slot);
        oom(t);
        goto out;
    }
    for (size_t i = 0; i < npath; i++) {
        uint32_t p = g.task_of[path[i]];
        uint32_t s = p == t->nslices ? NO_INDEX : p;
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
        ct->contribution = add_sat(ct->contribution, g.weight[path[i]]);
    }
    free(slot);
    rc = 0;
out:
    free(cuts), free(base), free(ncut), free(path);
    free(g.weight), free(g.task_of), free(g.efrom), free(g.eto);
    return rc;
}

void cp_free(cp_result *r)
{
    free(r->tasks);
    free(r->on_path);
    free(r->seq);
    memset(r, 0, sizeof *r);
}
