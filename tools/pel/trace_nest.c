/* trace_nest.c — how slices nest on each thread, and the work.
 *
 * On one thread, slices nest like calls: a task slice contains its waits, a wait contains
 * the tasks the thread ran while waiting, and so on. Sorting a lane's slices by start
 * (longer first at equal starts) and sweeping them with a stack gives each slice its
 * innermost enclosing slice in O(n log n). A task's own time is its duration less the
 * slices directly nested in it (docs/tracing.md: "a slice's duration minus the slices of
 * other tasks, waits and parks nested inside it"); the work T1 is their sum.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "text.h"

static const slice *sort_base;

/* Among slices with the same start and end, which is outside? A task is outside its own
 * waits, and a wait is outside the tasks run in it. Ordering by (owning task id, task
 * before wait) gives both for the ordinary cases, and is a total order (qsort needs one)
 * for any input. Parks are always innermost: nothing runs inside a sleep. */
static void tie_key(const slice *s, uint64_t *id, int *rank)
{
    switch (s->kind) {
    case SLICE_TASK: *id = s->id, *rank = 0; break;
    case SLICE_WAIT: *id = s->id, *rank = 1; break;
    default: *id = UINT64_MAX, *rank = 2; break;
    }
}

static int nest_cmp(const void *pa, const void *pb)
{
    uint32_t ia = *(const uint32_t *)pa, ib = *(const uint32_t *)pb;
    const slice *a = &sort_base[ia], *b = &sort_base[ib];
    if (a->lane != b->lane)
        return a->lane < b->lane ? -1 : 1;
    if (a->ts != b->ts)
        return a->ts < b->ts ? -1 : 1;
    if (a->end != b->end)
        return a->end > b->end ? -1 : 1; /* the longer one encloses */
    uint64_t ka, kb;
    int ra, rb;
    tie_key(a, &ka, &ra);
    tie_key(b, &kb, &rb);
    if (ka != kb)
        return ka < kb ? -1 : 1;
    if (ra != rb)
        return ra < rb ? -1 : 1;
    return ia < ib ? -1 : ia > ib;
}

int trace_nest(trace *t)
{
    size_t n = t->nslices;
    t->order = malloc((n ? n : 1) * sizeof *t->order);
    t->lane_first = calloc(t->nlanes + 1, sizeof *t->lane_first);
    t->kid_first = calloc(n + 1, sizeof *t->kid_first);
    t->kids = malloc((n ? n : 1) * sizeof *t->kids);
    uint32_t *stack = malloc((n ? n : 1) * sizeof *stack);
    if (!t->order || !t->lane_first || !t->kid_first || !t->kids || !stack) {
        free(stack);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        t->order[i] = (uint32_t)i;
    sort_base = t->slices;
    qsort(t->order, n, sizeof *t->order, nest_cmp);

    size_t sp = 0;
    uint32_t cur_lane = NO_INDEX;
    for (size_t k = 0; k < n; k++) {
        slice *s = &t->slices[t->order[k]];
        if (s->lane != cur_lane) {
            cur_lane = s->lane;
            sp = 0;
        }
        t->lane_first[s->lane + 1]++;
        /* A slice ending where the next starts is its sibling, not its parent. */
        while (sp > 0 && t->slices[stack[sp - 1]].end <= s->ts)
            sp--;
        if (sp > 0) {
            slice *p = &t->slices[stack[sp - 1]];
            s->up = stack[sp - 1];
            /* Sticking out of the enclosing slice: clock skew or an inconsistent
             * trace. It stays nested (where it starts), and own times clip it. The
             * file rounds ts and dur to the nanosecond separately, so ends may be
             * off by a nanosecond each way: that much is not worth a note. */
            if (s->end > p->end + 2) /* see ROUNDING_NS in critical_path.c */
                t->noverlap++;
            t->kid_first[s->up + 1]++;
        }
        s->depth = sp > UINT16_MAX ? UINT16_MAX : (uint16_t)sp;
        stack[sp++] = t->order[k];
    }
    free(stack);
    for (size_t l = 0; l < t->nlanes; l++)
        t->lane_first[l + 1] += t->lane_first[l];
    for (size_t i = 0; i < n; i++)
        t->kid_first[i + 1] += t->kid_first[i];

    /* Children lists in lane order, hence by start time within each parent. */
    uint32_t *fill = malloc((n ? n : 1) * sizeof *fill);
    if (fill == NULL)
        return -1;
    memcpy(fill, t->kid_first, n * sizeof *fill);
    for (size_t k = 0; k < n; k++) {
        const slice *s = &t->slices[t->order[k]];
        if (s->up != NO_INDEX)
            t->kids[fill[s->up]++] = t->order[k];
    }
    free(fill);

    for (size_t i = 0; i < n; i++)
        t->slices[i].own = t->slices[i].kind == SLICE_TASK ? t->slices[i].end - t->slices[i].ts : 0;
    for (size_t i = 0; i < n; i++) {
        const slice *s = &t->slices[i];
        if (s->up == NO_INDEX || t->slices[s->up].kind != SLICE_TASK)
            continue;
        slice *p = &t->slices[s->up];
        int64_t lo = s->ts > p->ts ? s->ts : p->ts;
        int64_t hi = s->end < p->end ? s->end : p->end;
        if (hi > lo)
            p->own -= hi - lo;
    }
    t->work = 0;
    t->inlined = 0;
    for (size_t i = 0; i < n; i++) {
        slice *s = &t->slices[i];
        if (s->kind != SLICE_TASK)
            continue;
        if (s->own < 0) /* overlapping children (an inconsistent trace) */
            s->own = 0;
        t->work = add_sat(t->work, s->own);
        t->inlined = t->inlined > UINT64_MAX - s->inlined ? UINT64_MAX : t->inlined + s->inlined;
    }
    return 0;
}
