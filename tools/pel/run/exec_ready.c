/* exec_ready.c — the ready queue: a binary max-heap of task indices ordered by priority
 * (larger first), then file order. Its storage is allocated by exec_run for every task
 * at once, so pushing never allocates. */
#include "exec_internal.h"

int exec__heap_before(const exec_heap *h, uint32_t a, uint32_t b)
{
    if (h->prio && h->prio[a] != h->prio[b])
        return h->prio[a] > h->prio[b];
    return a < b;
}

static void sift_up(exec_heap *h, uint32_t i)
{
    uint32_t t = h->v[i];
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!exec__heap_before(h, t, h->v[parent]))
            break;
        h->v[i] = h->v[parent];
        i = parent;
    }
    h->v[i] = t;
}

static void sift_down(exec_heap *h, uint32_t i)
{
    uint32_t t = h->v[i];
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && exec__heap_before(h, h->v[c + 1], h->v[c]))
            c++;
        if (!exec__heap_before(h, h->v[c], t))
            break;
        h->v[i] = h->v[c];
        i = c;
    }
    h->v[i] = t;
}

void exec__heap_push(exec_heap *h, uint32_t task)
{
    h->v[h->n++] = task;
    sift_up(h, h->n - 1);
}

uint32_t exec__heap_take(exec_heap *h, uint32_t i)
{
    uint32_t t = h->v[i];
    h->n--;
    if (i < h->n) {
        /* The last entry fills the hole; it may belong above or below it. */
        h->v[i] = h->v[h->n];
        sift_up(h, i);
        sift_down(h, i);
    }
    return t;
}
