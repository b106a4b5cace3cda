/* stats.c — task statistics per name: how many, and how their own time adds up. Own time
 * (not slice duration) so that the totals add up to the work T1: a task that mostly waits
 * for its children does not count their time twice. */
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "text.h"

static const trace *sort_trace;

static int stats_cmp(const void *pa, const void *pb)
{
    const name_stats *a = pa, *b = pb;
    if (a->total != b->total)
        return a->total > b->total ? -1 : 1;
    return strcmp(sort_trace->names.strs[a->name], sort_trace->names.strs[b->name]);
}

int task_stats(const trace *t, name_stats **out, size_t *n)
{
    size_t nn = t->names.n;
    name_stats *st = calloc(nn ? nn : 1, sizeof *st);
    if (st == NULL)
        return -1;
    for (size_t i = 0; i < nn; i++)
        st[i].name = (uint32_t)i;
    for (size_t i = 0; i < t->nslices; i++) {
        const slice *s = &t->slices[i];
        if (s->kind != SLICE_TASK)
            continue;
        name_stats *x = &st[s->name];
        x->count++;
        x->total = add_sat(x->total, s->own);
        x->total_dur = add_sat(x->total_dur, s->end - s->ts);
        if (s->own > x->max)
            x->max = s->own;
        x->inlined = x->inlined > UINT64_MAX - s->inlined ? UINT64_MAX : x->inlined + s->inlined;
    }
    /* Names are interned only for task slices, so every entry has count >= 1. */
    sort_trace = t;
    qsort(st, nn, sizeof *st, stats_cmp);
    *out = st;
    *n = nn;
    return 0;
}
